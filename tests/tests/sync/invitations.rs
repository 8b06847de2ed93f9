//! Create, invite, join; both edit; both converge. Strangers and altered tickets.

use std::time::Duration;

use anyhow::Result;
use revans_model::{Command, MeetingPlan, Urgency};
use revans_sync::NodeError;
use revans_sync::protocol::Refusal;
use revans_tests::{TIMEOUT, TestNode, eventually, init_logging, profile};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_invite_join_both_edit_both_converge() -> Result<()> {
    init_logging();
    let ada = TestNode::start().await?;
    let bo = TestNode::start().await?;
    let set = ada
        .node()
        .create_set("Northern Leaders", "Knotty problems.", profile("Ada"))
        .await?;
    let ticket = ada
        .node()
        .invite(&set, "Bo", Duration::from_hours(1), None)
        .await?;

    let joined = bo
        .node()
        .join(&ticket.to_string(), profile("Bo"), TIMEOUT)
        .await?;
    assert_eq!(joined, set);
    let on_bo = bo.node().set(&set)?;
    assert_eq!(on_bo.name, "Northern Leaders");
    assert_eq!(on_bo.current_members().len(), 2);
    let bo_member = bo.node().me(&set)?;
    assert_eq!(on_bo.members[&bo_member].display_name, "Bo");

    // Both edit at once.
    let meeting = ada
        .node()
        .apply(
            &set,
            Command::PlanMeeting(MeetingPlan {
                scheduled_at: chrono::Utc::now(),
                minutes: None,
                location: "Ada's office".into(),
                host: None,
                closing: false,
            }),
        )
        .await?;
    let revans_model::Applied::Meeting(meeting) = meeting else {
        panic!("a meeting")
    };
    bo.node()
        .apply(
            &set,
            Command::ProposeRule {
                text: "Phones away.".into(),
            },
        )
        .await?;
    eventually("Bo sees Ada's meeting", || async {
        bo.node()
            .set(&set)
            .is_ok_and(|s| s.meetings.contains_key(&meeting))
    })
    .await?;
    bo.node()
        .apply(
            &set,
            Command::BidForTime {
                meeting: meeting.clone(),
                minutes: Some(20),
                urgency: Urgency::High,
                issue: None,
                note: String::new(),
            },
        )
        .await?;
    eventually("both hold the same heads", || async {
        ada.node().heads(&set).ok() == bo.node().heads(&set).ok()
    })
    .await?;
    let on_ada = ada.node().set(&set)?;
    assert!(
        on_ada
            .ground_rules
            .values()
            .any(|r| r.text == "Phones away.")
    );
    assert_eq!(on_ada.meetings[&meeting].bids[&bo_member].minutes, Some(20));

    // Ada's view of who has her latest change: Bo's device, connected and current.
    let bo_device = bo.node().device().clone();
    eventually("Ada sees Bo's device up to date", || async {
        ada.node().sync_status(&set).is_ok_and(|members| {
            members.iter().any(|(member, devices)| {
                *member == bo_member
                    && devices.iter().any(|d| {
                        d.device == bo_device
                            && d.connected
                            && d.up_to_date
                            && d.last_heard.is_some()
                    })
            })
        })
    })
    .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_used_invitation_is_refused_with_its_reason() -> Result<()> {
    init_logging();
    let ada = TestNode::start().await?;
    let bo = TestNode::start().await?;
    let eve = TestNode::start().await?;
    let set = ada.node().create_set("Set", "", profile("Ada")).await?;
    let ticket = ada
        .node()
        .invite(&set, "Bo", Duration::from_hours(1), None)
        .await?
        .to_string();
    bo.node().join(&ticket, profile("Bo"), TIMEOUT).await?;
    let refused = eve
        .node()
        .join(&ticket, profile("Eve"), TIMEOUT)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, NodeError::Refused(Refusal::Used)),
        "{refused}"
    );
    assert!(refused.to_string().contains("used already"), "{refused}");
    assert!(
        eve.node().sets().is_empty(),
        "nothing of the set reached Eve"
    );
    Ok(())
}
