//! Devices on different versions of Revans tell each other their versions, and say in
//! words who needs to update, rather than stop syncing in silence.

use anyhow::{Result, bail};
use iroh::Endpoint;
use iroh::endpoint::{ConnectionError, presets};
use revans_sync::protocol::{EARLIER_SYNC_ALPNS, SYNC_ALPN, close, sync_version};
use revans_tests::{TIMEOUT, TestNode, ada_admits_bo, eventually, init_logging};

/// Bo's device, its key and all, as the previous version of Revans runs it: speaking the
/// previous sync protocol only. Ada's device answers with its own version, and names
/// Bo's as older.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_on_the_previous_protocol_is_told_ours_and_named_as_older() -> Result<()> {
    init_logging();
    let ada = TestNode::start().await?;
    let mut bo = TestNode::start().await?;
    let set = ada_admits_bo(&ada, &bo).await?;
    let bo_key = bo.key()?;
    let bo_device = bo.node().device().clone();
    bo.stop().await;

    let previous = EARLIER_SYNC_ALPNS[0];
    assert_eq!(
        sync_version(previous).map(|v| v + 1),
        sync_version(SYNC_ALPN)
    );
    let earlier = Endpoint::builder(presets::Minimal)
        .secret_key(bo_key)
        .clear_ip_transports()
        .bind_addr("127.0.0.1:0")?
        .bind()
        .await?;
    let conn = earlier.connect(ada.node().addr(), previous).await?;
    match tokio::time::timeout(TIMEOUT, conn.closed()).await? {
        ConnectionError::ApplicationClosed(closed) => {
            assert_eq!(closed.error_code, close::VERSION, "closed for versions");
            assert_eq!(&closed.reason[..], SYNC_ALPN, "naming Ada's protocol");
        }
        other => bail!("Ada's device closed the connection otherwise: {other}"),
    }
    eventually("Ada's device names Bo's as on an older Revans", || async {
        ada.node().sync_status(&set).is_ok_and(|members| {
            members
                .iter()
                .flat_map(|(_, devices)| devices)
                .any(|d| d.device == bo_device && d.other_version == sync_version(previous))
        })
    })
    .await?;
    earlier.close().await;
    Ok(())
}

/// A stranger's device learns nothing by speaking an earlier protocol: it is refused as
/// not a member's, as on the current one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_on_an_earlier_protocol_is_refused_as_a_stranger() -> Result<()> {
    init_logging();
    let ada = TestNode::start().await?;
    let stranger = Endpoint::builder(presets::Minimal)
        .secret_key(iroh::SecretKey::from_bytes(&[77; 32]))
        .clear_ip_transports()
        .bind_addr("127.0.0.1:0")?
        .bind()
        .await?;
    let refused = match stranger
        .connect(ada.node().addr(), EARLIER_SYNC_ALPNS[0])
        .await
    {
        Err(e) => e.to_string(),
        Ok(conn) => match tokio::time::timeout(TIMEOUT, conn.closed()).await? {
            ConnectionError::ApplicationClosed(closed) => {
                assert_ne!(
                    closed.error_code,
                    close::VERSION,
                    "no version for a stranger"
                );
                format!("{closed:?}")
            }
            other => other.to_string(),
        },
    };
    assert!(!refused.contains("revans/sync/6"), "{refused}");
    stranger.close().await;
    Ok(())
}
