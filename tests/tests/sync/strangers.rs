//! A device that is not a member's gets nothing: not with a made-up or altered ticket,
//! not by dialling the sync protocol, not with garbage.

use std::time::Duration;

use anyhow::Result;
use iroh::endpoint::presets;
use iroh::{Endpoint, SecretKey};
use revans_sync::NodeError;
use revans_sync::protocol::{JOIN_ALPN, Refusal, SYNC_ALPN};
use revans_sync::ticket::InviteTicket;
use revans_tests::{TIMEOUT, TestNode, ada_admits_bo, eventually, init_logging, profile};

/// A bare endpoint on loopback, for speaking to a node as a stranger would.
async fn stranger(seed: u8) -> Result<Endpoint> {
    Ok(Endpoint::builder(presets::Minimal)
        .secret_key(SecretKey::from_bytes(&[seed; 32]))
        .clear_ip_transports()
        .bind_addr("127.0.0.1:0")?
        .bind()
        .await?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn made_up_and_altered_tickets_are_refused_and_nothing_of_the_set_arrives() -> Result<()> {
    init_logging();
    let ada = TestNode::start().await?;
    let eve = TestNode::start().await?;
    let set = ada
        .node()
        .create_set("Secret Set Name", "", profile("Ada"))
        .await?;
    let real = ada
        .node()
        .invite(&set, "Bo", Duration::from_hours(1), None)
        .await?;

    // The right set and invitation with a guessed key.
    let mut altered = real.clone();
    altered.key[0] ^= 1;
    let e = eve
        .node()
        .join(&altered.to_string(), profile("Eve"), TIMEOUT)
        .await
        .unwrap_err();
    assert!(matches!(e, NodeError::Refused(Refusal::Unknown)), "{e}");

    // A ticket for a set Ada does not hold.
    let made_up = InviteTicket {
        set: "2s8F8mLzcL6Cwzq1cGtbh1ZN9x5E".into(),
        invitation: "00000000000000000000000000000000".into(),
        key: [1; 32],
        peers: real.peers.clone(),
        link: None,
        welcome: String::new(),
    };
    let e = eve
        .node()
        .join(&made_up.to_string(), profile("Eve"), TIMEOUT)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            NodeError::Refused(Refusal::NotHere) | NodeError::UnknownSet(_)
        ),
        "{e}"
    );

    // A ticket string edited by hand.
    let mut text = real.to_string();
    text.replace_range(20..24, "aaaa");
    let e = eve
        .node()
        .join(&text, profile("Eve"), TIMEOUT)
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            NodeError::Ticket(_) | NodeError::Refused(_) | NodeError::UnknownSet(_)
        ),
        "{e}"
    );

    // Eve holds nothing, and Ada's set is unchanged by the attempts.
    assert!(eve.node().sets().is_empty());
    assert_eq!(ada.node().set(&set)?.members.len(), 1);
    // The real ticket still works: the failed attempts did not use it up.
    let bo = TestNode::start().await?;
    bo.node()
        .join(&real.to_string(), profile("Bo"), TIMEOUT)
        .await?;
    Ok(())
}

/// Guessing costs the guesser: a device may ask a member's device to admit it only a few
/// times a minute; past that it is told to wait, and a newcomer's real request from
/// another device is still answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_requests_are_limited_per_device() -> Result<()> {
    init_logging();
    let ada = TestNode::start().await?;
    let eve = TestNode::start().await?;
    let set = ada
        .node()
        .create_set("Secret Set Name", "", profile("Ada"))
        .await?;
    let real = ada
        .node()
        .invite(&set, "Bo", Duration::from_hours(1), None)
        .await?;
    let mut guessed = real.clone();
    guessed.key[0] ^= 1;
    for _ in 0..revans_sync::join::JOIN_REQUESTS {
        let e = eve
            .node()
            .join(&guessed.to_string(), profile("Eve"), TIMEOUT)
            .await
            .unwrap_err();
        assert!(matches!(e, NodeError::Refused(Refusal::Unknown)), "{e}");
    }
    let e = eve
        .node()
        .join(&real.to_string(), profile("Eve"), TIMEOUT)
        .await
        .unwrap_err();
    assert!(matches!(e, NodeError::Refused(Refusal::TooOften)), "{e}");
    assert!(e.to_string().contains("wait a minute"), "{e}");
    assert!(eve.node().sets().is_empty());
    let bo = TestNode::start().await?;
    bo.node()
        .join(&real.to_string(), profile("Bo"), TIMEOUT)
        .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_dialling_the_sync_protocol_is_refused_after_the_handshake() -> Result<()> {
    init_logging();
    let ada = TestNode::start().await?;
    ada.node()
        .create_set("Secret Set Name", "", profile("Ada"))
        .await?;
    let eve = stranger(66).await?;
    let refused = match eve.connect(ada.node().addr(), SYNC_ALPN).await {
        // Refused during the handshake...
        Err(_) => true,
        // ...or right after it: the connection closes before any stream opens.
        Ok(conn) => {
            tokio::time::timeout(TIMEOUT, async {
                match conn.open_bi().await {
                    Err(_) => true,
                    Ok((mut send, mut recv)) => {
                        let _ = send.write_all(&[0, 0, 0, 1, 0]).await;
                        recv.read_to_end(1024)
                            .await
                            .map_or(true, |bytes| bytes.is_empty())
                    }
                }
            })
            .await?
        }
    };
    assert!(refused, "a stranger's sync connection is refused");
    eve.close().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_on_either_protocol_closes_that_connection_and_the_node_keeps_serving() -> Result<()>
{
    init_logging();
    let mut ada = TestNode::start().await?;
    let mut bo = TestNode::start().await?;
    let set = ada_admits_bo(&ada, &bo).await?;

    // Bo's own device key speaks garbage: it passes the membership gate, so the framing
    // and the protocol are what must hold.
    let key: [u8; 32] = std::fs::read(bo.path().join("device.key"))?
        .try_into()
        .unwrap();
    bo.stop().await;
    let garbage = Endpoint::builder(presets::Minimal)
        .secret_key(SecretKey::from_bytes(&key))
        .clear_ip_transports()
        .bind_addr("127.0.0.1:0")?
        .bind()
        .await?;
    for (alpn, bytes) in [
        // A frame claiming 4 GiB, then noise.
        (SYNC_ALPN, vec![0xff, 0xff, 0xff, 0xff, 1, 2, 3]),
        // A well-sized frame of noise.
        (SYNC_ALPN, [&[0u8, 0, 0, 8][..], &[0xde; 8]].concat()),
        (JOIN_ALPN, vec![0xff; 64]),
        (JOIN_ALPN, [&[0u8, 0, 0, 9][..], &[0x01; 9]].concat()),
    ] {
        let conn = garbage.connect(ada.node().addr(), alpn).await?;
        let (mut send, mut recv) = conn.open_bi().await?;
        send.write_all(&bytes).await?;
        let _ = send.finish();
        let answer = tokio::time::timeout(TIMEOUT, recv.read_to_end(1 << 20)).await?;
        assert!(
            answer.is_err() || answer.is_ok_and(|b| b.len() < 64),
            "no data for garbage"
        );
        tokio::time::timeout(TIMEOUT, conn.closed()).await?;
    }
    garbage.close().await;

    // Ada still serves: Bo comes back and they converge.
    bo.restart().await?;
    ada.node()
        .apply(
            &set,
            revans_model::Command::ProposeRule {
                text: "Still here.".into(),
            },
        )
        .await?;
    eventually("Bo catches up after the garbage", || async {
        bo.node().heads(&set).ok() == ada.node().heads(&set).ok()
    })
    .await?;
    ada.stop().await;
    Ok(())
}
