//! Removal wins (issue 23), between real nodes: a member's change made while they were
//! being removed, relayed by a member who had not heard of the removal, is void on every
//! device once each holds both, whichever came first.

use std::time::Duration;

use anyhow::{Context, Result};
use revans_model::{Command, Facilitation};
use revans_tests::{TIMEOUT, TestNode, ada_admits_bo, ensure, eventually, init_logging, profile};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)] // one story: three devices apart and together again
async fn a_change_made_while_its_author_was_removed_is_void_wherever_it_arrives() -> Result<()> {
    init_logging();
    let mut ada = TestNode::start().await?;
    let mut bo = TestNode::start().await?;
    let mut cy = TestNode::start().await?;
    let set = ada_admits_bo(&ada, &bo).await?;
    let for_cy = ada
        .node()
        .invite(&set, "Cy", Duration::from_hours(1), None)
        .await?;
    cy.node()
        .join(&for_cy.to_string(), profile("Cy"), TIMEOUT)
        .await?;
    ada.node()
        .apply(
            &set,
            Command::ChangeFacilitation {
                to: Facilitation::SelfManaged,
            },
        )
        .await?;
    eventually("all three hold the same set", || async {
        let heads = ada.node().heads(&set).ok();
        heads.is_some()
            && bo.node().heads(&set).ok() == heads
            && cy.node().heads(&set).ok() == heads
    })
    .await?;
    let bo_member = bo.node().me(&set)?;
    let cy_member = cy.node().me(&set)?;

    // Bo and Cy go offline; Ada removes Bo, then goes offline herself.
    bo.stop().await;
    cy.stop().await;
    ada.node()
        .apply(
            &set,
            Command::RemoveMember {
                member: bo_member.clone(),
            },
        )
        .await?;
    ada.stop().await;
    // Bo, not knowing, proposes a rule; Cy, not knowing either, meets him and takes it.
    bo.restart().await?;
    bo.node()
        .apply(
            &set,
            Command::ProposeRule {
                text: "Bo decides.".into(),
            },
        )
        .await?;
    cy.restart().await?;
    let has_rule = |node: &TestNode| {
        node.node()
            .set(&set)
            .is_ok_and(|s| s.ground_rules.values().any(|r| r.text == "Bo decides."))
    };
    eventually("Cy holds Bo's rule", || async { has_rule(&cy) }).await?;
    // Bo leaves; Ada comes back and meets Cy: each now holds the removal and the rule.
    bo.stop().await;
    ada.restart().await?;
    // Every change, void or not: the documents as held, not the sets as shown.
    let held = |node: &TestNode| {
        let node = node.node().clone();
        let set = set.clone();
        async move {
            let bytes = node.save(&set).await.ok()?;
            let mut heads = automerge::Automerge::load(&bytes).ok()?.get_heads();
            heads.sort();
            Some(heads)
        }
    };
    eventually("Ada and Cy hold every change", || async {
        let ours = held(&ada).await;
        ours.is_some() && held(&cy).await == ours
    })
    .await?;
    for (who, node) in [("Ada", &ada), ("Cy", &cy)] {
        // Each holds Bo's change (Cy took it, and passes it on) and names it void.
        eventually(
            &format!("{who}'s device names Bo's change void"),
            || async {
                node.node().refused(&set).is_ok_and(|refused| {
                    refused.iter().any(|r| {
                        r.void && r.reason == "made by a member removed (or gone) at the same time"
                    })
                })
            },
        )
        .await?;
        let state = node.node().set(&set)?;
        ensure(
            !has_rule(node),
            &format!("{who}'s device does not show Bo's rule"),
        )?;
        ensure(!state.is_current_member(&bo_member), "Bo is out")?;
        ensure(state.is_current_member(&cy_member), "Cy is a member")?;
    }
    // And the set goes on: what Cy writes now reaches Ada and is shown.
    cy.node()
        .apply(
            &set,
            Command::ProposeRule {
                text: "We ask, we do not tell.".into(),
            },
        )
        .await?;
    eventually("Ada shows Cy's new rule", || async {
        ada.node().set(&set).is_ok_and(|s| {
            s.ground_rules
                .values()
                .any(|r| r.text == "We ask, we do not tell.")
        })
    })
    .await
    .context("the set goes on after a void change")?;
    Ok(())
}
