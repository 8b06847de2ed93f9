//! Edits made apart merge when devices meet; a device restarted from disk catches up.

use std::time::Duration;

use anyhow::Result;
use revans_model::Command;
use revans_tests::{TIMEOUT, TestNode, ada_admits_bo, eventually, init_logging, profile};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_devices_edit_apart_then_meet_with_identical_heads() -> Result<()> {
    init_logging();
    let mut nodes = Vec::new();
    for _ in 0..5 {
        nodes.push(TestNode::start().await?);
    }
    let set = nodes[0]
        .node()
        .create_set("Five", "", profile("N0"))
        .await?;
    for i in 1..5 {
        let ticket = nodes[0]
            .node()
            .invite(&set, "next", Duration::from_hours(1), None)
            .await?;
        nodes[i]
            .node()
            .join(&ticket.to_string(), profile(&format!("N{i}")), TIMEOUT)
            .await?;
    }
    let devices: Vec<_> = nodes.iter().map(|n| n.node().device().clone()).collect();
    eventually(
        "every device has recorded where it is, and all agree",
        || async {
            let mut heads = Vec::new();
            for n in &nodes {
                heads.push(n.node().heads(&set).ok());
            }
            let state = nodes[0].node().set(&set);
            let recorded = state.is_ok_and(|s| {
                devices.iter().all(|d| {
                    s.members
                        .values()
                        .any(|m| m.devices.get(d).is_some_and(|r| !r.addresses.is_empty()))
                })
            });
            recorded && heads.windows(2).all(|w| w[0] == w[1])
        },
    )
    .await?;

    // Everyone goes offline; each edits alone.
    for n in &mut nodes {
        n.stop().await;
    }
    for (i, n) in nodes.iter_mut().enumerate() {
        n.restart().await?;
        n.node()
            .apply(
                &set,
                Command::ProposeRule {
                    text: format!("Rule from N{i}."),
                },
            )
            .await?;
        n.stop().await;
    }
    // They meet: on the same network, where each finds the others (as local discovery
    // does) even if a port changed while they were apart.
    for n in &mut nodes {
        n.restart().await?;
    }
    for a in &nodes {
        for b in &nodes {
            a.node().add_peer_addr(b.node().addr());
        }
    }
    eventually("all five hold identical heads", || async {
        let mut heads = Vec::new();
        for n in &nodes {
            heads.push(n.node().heads(&set).ok());
        }
        heads.windows(2).all(|w| w[0] == w[1])
    })
    .await?;
    let rules = nodes[3].node().set(&set)?.ground_rules.clone();
    for i in 0..5 {
        assert!(rules.values().any(|r| r.text == format!("Rule from N{i}.")));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_restarted_from_its_data_directory_catches_up() -> Result<()> {
    init_logging();
    let ada = TestNode::start().await?;
    let mut bo = TestNode::start().await?;
    let set = ada_admits_bo(&ada, &bo).await?;
    bo.stop().await;
    ada.node()
        .apply(
            &set,
            Command::ProposeRule {
                text: "While Bo was away.".into(),
            },
        )
        .await?;
    bo.restart().await?;
    assert_eq!(bo.node().set(&set)?.name, "Set", "the set loads from disk");
    eventually("Bo catches up", || async {
        bo.node().heads(&set).ok() == ada.node().heads(&set).ok()
    })
    .await?;
    assert!(
        bo.node()
            .set(&set)?
            .ground_rules
            .values()
            .any(|r| r.text == "While Bo was away.")
    );
    Ok(())
}
