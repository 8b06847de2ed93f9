//! A change's arrival is reported: the peer's device acknowledges our heads, and the
//! per-member status says so.

use anyhow::{Result, bail};
use revans_model::Command;
use revans_sync::Event;
use revans_tests::{TIMEOUT, TestNode, ada_admits_bo, init_logging};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_acknowledging_our_latest_change_is_an_event_and_a_status() -> Result<()> {
    init_logging();
    let ada = TestNode::start().await?;
    let bo = TestNode::start().await?;
    let set = ada_admits_bo(&ada, &bo).await?;

    let mut events = ada.node().subscribe();
    ada.node()
        .apply(
            &set,
            Command::ProposeRule {
                text: "We start on time.".into(),
            },
        )
        .await?;
    let bo_device = bo.node().device().clone();
    let bo_member = bo.node().me(&set)?;
    // Bo's device may write a change of its own meanwhile (its addresses): the
    // acknowledgement that counts is one after which Ada's status says Bo holds her
    // latest change, whatever else the heads it names hold.
    let holds_ours = || {
        ada.node().sync_status(&set).is_ok_and(|status| {
            status
                .iter()
                .any(|(m, devices)| *m == bo_member && devices.iter().any(|d| d.up_to_date))
        })
    };
    let acknowledged = tokio::time::timeout(TIMEOUT, async {
        loop {
            match events.recv().await {
                Ok(Event::PeerAcknowledged { set: s, device, .. })
                    if s == set && device == bo_device && holds_ours() =>
                {
                    return Ok(());
                }
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(e) => bail!("the event channel closed: {e}"),
            }
        }
    })
    .await;
    assert!(
        matches!(acknowledged, Ok(Ok(()))),
        "Bo's device acknowledged Ada's latest heads"
    );
    let status = ada.node().sync_status(&set)?;
    let (_, devices) = status.iter().find(|(m, _)| *m == bo_member).unwrap();
    assert!(devices[0].up_to_date, "{devices:?}");
    assert!(devices[0].last_heard.is_some());
    Ok(())
}
