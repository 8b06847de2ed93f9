//! Closing a set: its record kept on every device, read-only; the only change it takes
//! after is a member leaving.

use automerge::ScalarValue;
use automerge::transaction::Transactable;
use revans_model::{Command, CommandError, MeetingPlan, Phase};

use crate::fixture::{Fixture, at, hostile, t};

fn last_meeting(f: &mut Fixture) -> revans_model::MeetingId {
    match f.ok(
        0,
        3,
        Command::PlanMeeting(MeetingPlan {
            scheduled_at: t(60),
            minutes: Some(120),
            location: "Room 4".into(),
            host: None,
            closing: true,
        }),
    ) {
        revans_model::Applied::Meeting(id) => id,
        other => panic!("expected a meeting, got {other:?}"),
    }
}

#[test]
fn a_set_closes_after_its_last_meeting_and_then_takes_only_leaving() {
    let mut f = Fixture::new();
    let m = last_meeting(&mut f);
    assert!(f.set().meetings[&m].closing, "the set's last meeting");
    f.advance(&m, Phase::Agenda, 61);
    // Not while a meeting runs.
    assert_eq!(
        f.refused(0, 62, Command::CloseSet),
        CommandError::MeetingStillRunning
    );
    f.bid_equal_share(&m, 0, 62);
    f.lock(&m, 0, 62);
    f.advance(&m, Phase::Closed, 63);
    // While Ada facilitates, closing is her call.
    assert!(matches!(
        f.refused(1, 64, Command::CloseSet),
        CommandError::FacilitatorsCall { .. }
    ));
    f.ok(0, 65, Command::CloseSet);
    let closed = f.set().closed.unwrap();
    assert_eq!(closed.by, f.members[0]);
    // Nothing changes the record now, the facilitator's word included.
    for (member, command) in [
        (
            1,
            Command::CatchUp {
                meeting: m.clone(),
                news: "Late news".into(),
            },
        ),
        (
            0,
            Command::EditSet {
                name: Some("Renamed".into()),
                purpose: None,
            },
        ),
        (0, Command::CloseSet),
    ] {
        assert!(matches!(
            f.refused(member, 70, command),
            CommandError::SetClosed { .. }
        ));
    }
    // But a member may leave it, the facilitator too.
    for member in [1, 0] {
        let leaving = Command::RemoveMember {
            member: f.members[member].clone(),
        };
        f.ok(member, 71, leaving);
    }
    assert_eq!(f.set().current_members().len(), 2);
}

#[test]
fn every_device_refuses_a_change_to_a_closed_set_and_its_reopening() {
    let mut f = Fixture::new();
    f.ok(0, 5, Command::CloseSet);
    let renamed = hostile(&f, 1, |tx| {
        tx.put(automerge::ROOT, "name", "Renamed")?;
        Ok(())
    });
    assert_eq!(
        renamed.unwrap_err(),
        "a change to the set of a closed set, which keeps its record as it is"
    );
    let reopened = hostile(&f, 0, |tx| {
        tx.put(automerge::ROOT, "closed", ScalarValue::Null)?;
        Ok(())
    });
    assert_eq!(
        reopened.unwrap_err(),
        "reopening a closed set, which nobody may do"
    );
    // Another member's news is refused too; leaving is not.
    let bo = f.members[1].clone();
    let left = hostile(&f, 1, |tx| {
        let record = at(tx, &["members", bo.as_str()]);
        let departure = tx.put_object(&record, "departure", automerge::ObjType::Map)?;
        tx.put(&departure, "kind", "Left")?;
        tx.put(&departure, "by", bo.as_str())?;
        tx.put(
            &departure,
            "at",
            ScalarValue::Timestamp(t(6).timestamp_millis()),
        )?;
        Ok(())
    });
    assert_eq!(left, Ok(()));
}
