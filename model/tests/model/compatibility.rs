//! A document written by a newer Revans: fields this version does not know survive every
//! command and a save and load; a newer schema is refused rather than damaged.

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ReadDoc, ScalarValue, Value};
use revans_model::{
    ActionLearningSet, Command, CommandError, LoadError, MeetingPlan, Phase, Urgency, apply,
};

use crate::fixture::{Fixture, t};

fn map_at(doc: &Automerge, path: &[&str]) -> automerge::ObjId {
    let mut obj = automerge::ROOT;
    for key in path {
        let (value, id) = doc.get(&obj, *key).unwrap().unwrap();
        assert!(
            matches!(value, Value::Object(ObjType::Map)),
            "{key} is a map"
        );
        obj = id;
    }
    obj
}

fn scalar(doc: &Automerge, path: &[&str], key: &str) -> Option<ScalarValue> {
    match doc.get(map_at(doc, path), key).unwrap() {
        Some((Value::Scalar(s), _)) => Some(s.into_owned()),
        _ => None,
    }
}

#[test]
fn fields_this_version_does_not_know_survive_commands_and_a_round_trip() {
    let mut f = Fixture::new();
    let m = f.plan(0, 120);
    let bo = f.members[1].clone();
    let (meeting_path, member_path) = (["meetings", m.as_str()], ["members", bo.as_str()]);

    // What a later version might add: a new collection, a new field on a member and on
    // a meeting, and a new field inside a bid.
    f.bid_equal_share(&m, 1, 1);
    f.doc
        .transact::<_, _, automerge::AutomergeError>(|tx| {
            let later = tx.put_object(automerge::ROOT, "agreements_log", ObjType::Map)?;
            tx.put(&later, "entry1", "kept")?;
            let member = map_at_tx(tx, &member_path);
            tx.put(&member, "pronouns", "they")?;
            let meeting = map_at_tx(tx, &meeting_path);
            tx.put(&meeting, "video_link", "room 4")?;
            let bids = map_at_tx(tx, &["meetings", m.as_str(), "bids", bo.as_str()]);
            tx.put(&bids, "energy", 7_i64)?;
            Ok(())
        })
        .unwrap();

    // This version edits every one of those records.
    f.link(1, 9);
    f.advance(&m, Phase::Agenda, 3);
    f.ok(
        1,
        4,
        Command::BidForTime {
            meeting: m.clone(),
            minutes: Some(20),
            urgency: Urgency::High,
            issue: None,
            note: "Changed my mind.".into(),
        },
    );
    f.ok(
        0,
        5,
        Command::EditSet {
            name: Some("Renamed".into()),
            purpose: None,
        },
    );

    let loaded = Automerge::load(&f.doc.save()).unwrap();
    assert_eq!(
        scalar(&loaded, &["agreements_log"], "entry1"),
        Some("kept".into())
    );
    assert_eq!(
        scalar(&loaded, &member_path, "pronouns"),
        Some("they".into())
    );
    assert_eq!(
        scalar(&loaded, &meeting_path, "video_link"),
        Some("room 4".into())
    );
    assert_eq!(
        scalar(
            &loaded,
            &["meetings", m.as_str(), "bids", bo.as_str()],
            "energy"
        ),
        Some(ScalarValue::Int(7))
    );
    // And what this version knows reads as it should.
    let set = ActionLearningSet::from_doc(&loaded).unwrap();
    assert_eq!(set.name, "Renamed");
    assert_eq!(set.members[&bo].devices.len(), 2);
    assert_eq!(set.meetings[&m].bids[&bo].minutes, Some(20));
}

fn map_at_tx(tx: &automerge::transaction::Transaction<'_>, path: &[&str]) -> automerge::ObjId {
    let mut obj = automerge::ROOT;
    for key in path {
        obj = tx.get(&obj, *key).unwrap().unwrap().1;
    }
    obj
}

#[test]
fn a_set_from_a_newer_schema_is_refused_not_rewritten() {
    let mut f = Fixture::new();
    f.doc
        .transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.put(automerge::ROOT, "schema", 2_u64)?;
            Ok(())
        })
        .unwrap();
    assert_eq!(
        ActionLearningSet::from_doc(&f.doc),
        Err(LoadError::TooNew(2))
    );
    let author = f.by(0, 1);
    let before = f.doc.save();
    let e = apply(
        &mut f.doc,
        &author,
        Command::PlanMeeting(MeetingPlan {
            scheduled_at: t(10),
            minutes: None,
            location: "Here".into(),
            host: None,
            closing: false,
        }),
    )
    .unwrap_err();
    assert_eq!(e, CommandError::Load(LoadError::TooNew(2)));
    assert!(e.to_string().contains("update Revans"), "{e}");
    assert_eq!(f.doc.save(), before);
}

#[test]
fn a_damaged_record_is_left_out_and_the_set_still_reads() {
    let mut f = Fixture::new();
    let bo = f.members[1].clone();
    f.doc
        .transact::<_, _, automerge::AutomergeError>(|tx| {
            let member = map_at_tx(tx, &["members", bo.as_str()]);
            tx.put(&member, "joined_at", "not a time")?;
            Ok(())
        })
        .unwrap();
    // Every other device refuses such a change ...
    let change = f.doc.get_last_local_change().unwrap().clone();
    let refusal = revans_model::check_change(&f.doc, &f.id, &change).unwrap_err();
    assert_eq!(
        refusal.reason,
        "a change to a member's profile after it was made"
    );
    // ... and a copy that holds one anyway still reads, without that record.
    let set = ActionLearningSet::from_doc(&f.doc).unwrap();
    assert!(!set.members.contains_key(&bo));
    assert_eq!(set.members.len(), 3);
}

/// A question logged by an earlier Revans names no asker: the set still reads, the
/// question is its logger's, and the meeting can still be written.
#[test]
fn a_question_from_before_askers_were_named_reads_as_its_loggers() {
    let mut f = Fixture::new();
    let m = f.plan(0, 120);
    f.advance(&m, Phase::Agenda, 1);
    f.bid_equal_share(&m, 0, 2);
    f.lock(&m, 0, 3);
    f.advance(&m, Phase::Turns, 4);
    let ada = f.members[0].clone();
    f.ok(
        0,
        5,
        Command::StartTurn {
            meeting: m.clone(),
            presenter: ada.clone(),
        },
    );
    f.ok(
        1,
        6,
        Command::LogContribution {
            meeting: m.clone(),
            kind: revans_model::ContributionKind::Question,
            text: "What would success look like?".into(),
            asker: None,
        },
    );
    // As an earlier version wrote it: no `asker` at all.
    let path = [
        "meetings",
        m.as_str(),
        "turns",
        ada.as_str(),
        "contributions",
    ];
    let said = f.doc.keys(map_at(&f.doc, &path)).next().unwrap();
    let record = map_at(&f.doc, &[&path[..], &[said.as_str()]].concat());
    f.doc
        .transact::<_, _, automerge::AutomergeError>(|tx| tx.delete(&record, "asker"))
        .unwrap();
    let set = f.set();
    let question = &set.meetings[&m].turns[&ada]
        .contributions
        .values()
        .next()
        .unwrap();
    assert_eq!(question.asker, None);
    assert_eq!(question.asked_by(), &f.members[1]);
    f.ok(0, 7, Command::EndTurn { meeting: m.clone() });
}
