//! Admission without the creator, expiry, a second device, and removal.

use std::time::Duration;

use anyhow::Result;
use revans_model::Command;
use revans_sync::NodeError;
use revans_sync::protocol::Refusal;
use revans_tests::{TIMEOUT, TestNode, ada_admits_bo, eventually, init_logging, profile};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_who_is_not_the_creator_admits_a_newcomer_while_the_creator_is_offline()
-> Result<()> {
    init_logging();
    let mut ada = TestNode::start().await?;
    let bo = TestNode::start().await?;
    let cy = TestNode::start().await?;
    let set = ada.node().create_set("Set", "", profile("Ada")).await?;
    let for_bo = ada
        .node()
        .invite(&set, "Bo", Duration::from_hours(1), None)
        .await?;
    bo.node()
        .join(&for_bo.to_string(), profile("Bo"), TIMEOUT)
        .await?;
    // Ada learns where Bo's device is, then invites Cy and goes offline.
    let bo_device = bo.node().device().clone();
    eventually("Ada knows Bo's address", || async {
        ada.node().set(&set).is_ok_and(|s| {
            s.members.values().any(|m| {
                m.devices
                    .get(&bo_device)
                    .is_some_and(|d| !d.addresses.is_empty())
            })
        })
    })
    .await?;
    let for_cy = ada
        .node()
        .invite(&set, "Cy", Duration::from_hours(1), None)
        .await?;
    eventually("Bo holds Cy's invitation", || async {
        bo.node().heads(&set).ok() == ada.node().heads(&set).ok()
    })
    .await?;
    ada.stop().await;

    cy.node()
        .join(&for_cy.to_string(), profile("Cy"), TIMEOUT)
        .await?;
    let on_cy = cy.node().set(&set)?;
    let cy_member = cy.node().me(&set)?;
    let bo_member = bo.node().me(&set)?;
    assert_eq!(
        on_cy.members[&cy_member].admitted_by.as_ref(),
        Some(&bo_member)
    );
    assert_eq!(on_cy.current_members().len(), 3);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_invitation_admits_no_one() -> Result<()> {
    init_logging();
    let ada = TestNode::start().await?;
    let eve = TestNode::start().await?;
    let set = ada.node().create_set("Set", "", profile("Ada")).await?;
    let ticket = ada
        .node()
        .invite(&set, "Eve", Duration::from_millis(200), None)
        .await?;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let e = eve
        .node()
        .join(&ticket.to_string(), profile("Eve"), TIMEOUT)
        .await
        .unwrap_err();
    assert!(matches!(e, NodeError::Refused(Refusal::Expired)), "{e}");
    assert!(e.to_string().contains("expired"), "{e}");
    assert!(eve.node().sets().is_empty());
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_device_links_to_its_member() -> Result<()> {
    init_logging();
    let ada = TestNode::start().await?;
    let bo = TestNode::start().await?;
    let bo_laptop = TestNode::start().await?;
    let set = ada_admits_bo(&ada, &bo).await?;
    let bo_member = bo.node().me(&set)?;
    let link = bo
        .node()
        .invite(
            &set,
            "Bo's laptop",
            Duration::from_hours(1),
            Some(bo_member.clone()),
        )
        .await?;
    bo_laptop
        .node()
        .link_device(&link.to_string(), TIMEOUT)
        .await?;
    assert_eq!(bo_laptop.node().me(&set)?, bo_member);
    let state = bo_laptop.node().set(&set)?;
    assert_eq!(state.members.len(), 2);
    assert_eq!(state.members[&bo_member].devices.len(), 2);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_member_is_refused_and_gets_no_later_change() -> Result<()> {
    init_logging();
    let ada = TestNode::start().await?;
    let bo = TestNode::start().await?;
    let set = ada_admits_bo(&ada, &bo).await?;
    let bo_member = bo.node().me(&set)?;

    ada.node()
        .apply(
            &set,
            Command::RemoveMember {
                member: bo_member.clone(),
            },
        )
        .await?;
    ada.node()
        .apply(
            &set,
            Command::ProposeRule {
                text: "After Bo left.".into(),
            },
        )
        .await?;
    // Give any wrongly open channel ample time to carry the change, then check.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let on_bo = bo.node().set(&set)?;
    assert!(
        !on_bo
            .ground_rules
            .values()
            .any(|r| r.text == "After Bo left."),
        "a removed member receives no later change"
    );
    // Bo keeps what he already had.
    assert_eq!(on_bo.name, "Set");
    // Bo's own edits no longer reach Ada.
    let _ = bo
        .node()
        .apply(
            &set,
            Command::ProposeRule {
                text: "Written after removal.".into(),
            },
        )
        .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        !ada.node()
            .set(&set)?
            .ground_rules
            .values()
            .any(|r| r.text == "Written after removal."),
        "a removed member's device is refused"
    );
    Ok(())
}
