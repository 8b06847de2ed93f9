//! Two devices that can reach each other only through a relay (iroh's in-process one,
//! on loopback) still join and sync.

use std::time::Duration;

use anyhow::Result;
use iroh::TransportAddr;
use revans_model::Command;
use revans_sync::{Node, NodeConfig, RelayChoice};
use revans_tests::{TIMEOUT, eventually, init_logging, profile};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_sync_through_a_relay_alone() -> Result<()> {
    init_logging();
    let (relay_map, _url, _relay) = iroh::test_utils::run_relay_server().await?;
    let config = |dir: &tempfile::TempDir| NodeConfig {
        data_dir: dir.path().to_owned(),
        relay: RelayChoice::TestRelayOnly(relay_map.clone()),
        relay_ca: None,
        bind: None,
        local_discovery: false,
        dial: true,
        proxy: None,
    };
    let (ada_dir, bo_dir) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let ada = Node::start(config(&ada_dir)).await?;
    let bo = Node::start(config(&bo_dir)).await?;
    // Neither has a direct address: only the relay reaches them.
    eventually("Ada is reachable through the relay", || async {
        ada.addr().addrs.iter().any(TransportAddr::is_relay)
    })
    .await?;
    assert!(ada.addr().ip_addrs().next().is_none(), "no direct path");

    let set = ada.create_set("Relayed", "", profile("Ada")).await?;
    let ticket = ada
        .invite(&set, "Bo", Duration::from_hours(1), None)
        .await?;
    bo.join(&ticket.to_string(), profile("Bo"), TIMEOUT).await?;
    bo.apply(
        &set,
        Command::ProposeRule {
            text: "Via the relay.".into(),
        },
    )
    .await?;
    eventually("Ada receives Bo's edit through the relay", || async {
        ada.set(&set)
            .is_ok_and(|s| s.ground_rules.values().any(|r| r.text == "Via the relay."))
    })
    .await?;
    ada.shutdown().await;
    bo.shutdown().await;
    Ok(())
}
