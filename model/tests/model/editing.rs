//! Changing what was written (a set's name, a rule's words, a meeting's time and place,
//! one's own action) and two members changing one value at the same time: both versions
//! are shown with who wrote each, until one is kept.

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ScalarValue};
use revans_model::{
    ActionId, Applied, Command, CommandError, Field, Host, Kept, MeetingId, Outcome, Phase, RuleId,
    apply, check_change, conflicts,
};

use crate::fixture::{Fixture, at, hostile, t};

fn propose(f: &mut Fixture, member: usize, text: &str) -> RuleId {
    match f.ok(member, 1, Command::ProposeRule { text: text.into() }) {
        Applied::Rule(id) => id,
        other => panic!("expected a rule, got {other:?}"),
    }
}

fn reword(rule: &RuleId, text: &str) -> Command {
    Command::RewordRule {
        rule: rule.clone(),
        text: text.into(),
    }
}

fn move_to(meeting: &MeetingId, location: &str) -> Command {
    Command::MoveMeeting {
        meeting: meeting.clone(),
        scheduled_at: None,
        location: Some(location.into()),
        host: None,
    }
}

fn action(f: &mut Fixture, member: usize) -> ActionId {
    match f.ok(
        member,
        4,
        Command::AddAction {
            text: "Ask the board for a pilot".into(),
            likelihood: 6,
            issue: None,
            meeting: None,
        },
    ) {
        Applied::Action(id) => id,
        other => panic!("expected an action, got {other:?}"),
    }
}

#[test]
fn rewording_a_rule_asks_everyone_to_agree_again() {
    let mut f = Fixture::new();
    let rule = propose(&mut f, 0, "Phones off");
    f.ok(1, 2, Command::AgreeRule { rule: rule.clone() });
    f.ok(2, 3, reword(&rule, "Phones face down on the table"));
    let set = f.set();
    assert_eq!(
        set.ground_rules[&rule].text,
        "Phones face down on the table"
    );
    let agreed: Vec<_> = set.ground_rules[&rule].agreed_by.keys().collect();
    assert_eq!(
        agreed,
        vec![&f.members[2]],
        "only the member who reworded it agrees"
    );
    assert!(matches!(
        f.refused(0, 4, reword(&rule, "Phones face down on the table")),
        CommandError::Unchanged(_)
    ));
    f.ok(0, 5, Command::RetireRule { rule: rule.clone() });
    assert_eq!(
        f.refused(0, 6, reword(&rule, "Phones away")),
        CommandError::RuleRetired
    );
}

#[test]
fn a_planned_meeting_moves_and_one_that_has_begun_does_not() {
    let mut f = Fixture::new();
    let m = f.plan(60, 120);
    f.ok(
        2,
        5,
        Command::MoveMeeting {
            meeting: m.clone(),
            scheduled_at: Some(t(24 * 60)),
            location: Some("Cy's school, library".into()),
            host: Some(Host::Member(f.members[2].clone())),
        },
    );
    let meeting = &f.set().meetings[&m];
    assert_eq!(meeting.scheduled_at.get(), t(24 * 60));
    assert_eq!(meeting.location, "Cy's school, library");
    assert_eq!(meeting.host.as_ref(), Some(&f.members[2]));
    assert!(matches!(
        f.refused(0, 6, move_to(&m, "Cy's school, library")),
        CommandError::Unchanged(_)
    ));
    f.advance(&m, Phase::CatchUp, 7);
    assert_eq!(
        f.refused(0, 8, move_to(&m, "Elsewhere")),
        CommandError::MeetingBegun
    );
}

#[test]
fn only_its_owner_changes_an_action_and_only_before_reporting_on_it() {
    let mut f = Fixture::new();
    let a = action(&mut f, 1);
    let edit = |text: &str, likelihood| Command::EditAction {
        action: a.clone(),
        text: Some(text.into()),
        likelihood: Some(likelihood),
    };
    assert!(matches!(
        f.refused(0, 5, edit("Something else", 9)),
        CommandError::NotYours { what: "action", .. }
    ));
    assert_eq!(
        f.refused(1, 5, edit("Ask the board", 11)),
        CommandError::Likelihood(11)
    );
    f.ok(1, 5, edit("Ask the board for a three-month pilot", 8));
    let set = f.set();
    assert_eq!(
        set.actions[&a].text,
        "Ask the board for a three-month pilot"
    );
    assert_eq!(set.actions[&a].likelihood, 8);
    f.ok(
        1,
        6,
        Command::ReportBack {
            action: a.clone(),
            outcome: Outcome::Done,
            what_happened: "They said yes.".into(),
            learned: String::new(),
        },
    );
    assert_eq!(
        f.refused(1, 7, edit("Rewritten after the fact", 10)),
        CommandError::ActionReported
    );
}

/// Applies a command on a copy of the set on `member`'s device, apart from the fixture's.
fn apart(f: &Fixture, doc: &mut Automerge, member: usize, minute: i64, command: Command) {
    doc.set_actor(f.devices[member].actor());
    apply(doc, &f.by(member, minute), command).unwrap();
}

/// Merges `other` into the fixture's document; every change it brings must pass the
/// rules.
fn merge(f: &mut Fixture, other: &Automerge) {
    let before = f.doc.get_heads();
    f.doc.merge(&mut other.clone()).unwrap();
    for change in f.doc.get_changes(&before) {
        check_change(&f.doc, &f.id, &change).unwrap();
    }
}

#[test]
fn two_members_changing_one_value_at_once_see_both_until_one_is_kept() {
    let mut f = Fixture::new();
    let rule = propose(&mut f, 0, "Phones off");
    let m = f.plan(24 * 60, 120);
    let mut bos = f.doc.fork();
    // Offline, each changes the rule's words and the meeting's place.
    f.ok(0, 10, reword(&rule, "Phones off and away"));
    f.ok(0, 10, move_to(&m, "Council offices, room 2"));
    apart(&f, &mut bos, 1, 11, reword(&rule, "Phones face down"));
    apart(&f, &mut bos, 1, 11, move_to(&m, "Bo's hospital, boardroom"));
    let adas = f.doc.clone();
    merge(&mut f, &bos);
    bos.merge(&mut adas.clone()).unwrap();

    let found = conflicts(&f.doc);
    assert_eq!(
        found,
        conflicts(&bos),
        "every device lists the same versions"
    );
    let fields: Vec<&Field> = found.iter().map(|c| &c.field).collect();
    assert_eq!(
        fields,
        vec![
            &Field::RuleWording(rule.clone()),
            &Field::MeetingLocation(m.clone())
        ]
    );
    let wording = &found[0];
    let mut versions: Vec<(String, Option<_>)> = wording
        .versions
        .iter()
        .map(|v| (v.value.to_string(), v.by.clone()))
        .collect();
    versions.sort();
    assert_eq!(
        versions,
        vec![
            (
                "\u{201c}Phones face down\u{201d}".into(),
                Some(f.members[1].clone())
            ),
            (
                "\u{201c}Phones off and away\u{201d}".into(),
                Some(f.members[0].clone())
            ),
        ]
    );
    assert_eq!(wording.versions.iter().filter(|v| v.shown).count(), 1);
    assert!(wording.versions.iter().all(|v| v.at.is_some()));

    // Writing the meeting for something else (a bid, a phase) leaves both versions.
    f.ok(2, 12, Command::AgreeRule { rule: rule.clone() });
    f.advance(&m, Phase::CatchUp, 12);
    assert_eq!(conflicts(&f.doc).len(), 2, "other changes settle nothing");

    // Cy keeps Bo's place, the version not shown, and Ada's wording.
    let hidden =
        |c: &revans_model::Conflict| c.versions.iter().find(|v| !v.shown).unwrap().value.clone();
    let place = hidden(&found[1]);
    f.ok(
        2,
        13,
        Command::Keep {
            field: Field::MeetingLocation(m.clone()),
            value: place.clone(),
        },
    );
    f.ok(
        2,
        13,
        Command::Keep {
            field: Field::RuleWording(rule.clone()),
            value: Kept::Text("Phones off and away".into()),
        },
    );
    assert!(conflicts(&f.doc).is_empty());
    let set = f.set();
    assert_eq!(Kept::Text(set.meetings[&m].location.clone()), place);
    assert_eq!(set.ground_rules[&rule].text, "Phones off and away");
    assert_eq!(
        set.ground_rules[&rule].agreed_by.keys().collect::<Vec<_>>(),
        vec![&f.members[2]],
        "keeping a wording asks everyone to agree to it again"
    );
    // Bo's device takes the resolution and shows the same.
    bos.merge(&mut f.doc.clone()).unwrap();
    assert!(conflicts(&bos).is_empty());
    assert_eq!(
        revans_model::ActionLearningSet::from_doc(&bos).unwrap(),
        set
    );
    assert!(matches!(
        f.refused(
            2,
            14,
            Command::Keep {
                field: Field::MeetingLocation(m.clone()),
                value: place,
            }
        ),
        CommandError::NoConflict(_)
    ));
}

#[test]
fn a_rules_words_change_only_with_agreement_begun_anew() {
    let mut f = Fixture::new();
    let rule = propose(&mut f, 0, "Everything stays in the room");
    f.ok(1, 2, Command::AgreeRule { rule: rule.clone() });
    let words = hostile(&f, 2, |tx| {
        let r = at(tx, &["ground_rules", rule.as_str()]);
        tx.put(&r, "text", "Everything may be shared")
    });
    assert!(words.unwrap_err().contains("keep the agreement"));
    let wipe = hostile(&f, 2, |tx| {
        let r = at(tx, &["ground_rules", rule.as_str()]);
        tx.put_object(&r, "agreed_by", ObjType::Map).map(|_| ())
    });
    assert!(wipe.unwrap_err().contains("without new words"));
    let honest = hostile(&f, 2, |tx| {
        let r = at(tx, &["ground_rules", rule.as_str()]);
        tx.put(&r, "text", "Everything stays in this room")?;
        let agreed = tx.put_object(&r, "agreed_by", ObjType::Map)?;
        tx.put(
            &agreed,
            f.members[2].as_str(),
            ScalarValue::Timestamp(t(3).timestamp_millis()),
        )
    });
    assert_eq!(honest, Ok(()));
}

#[test]
fn an_action_reported_on_is_not_rewritten() {
    let mut f = Fixture::new();
    let a = action(&mut f, 1);
    f.ok(
        1,
        6,
        Command::ReportBack {
            action: a.clone(),
            outcome: Outcome::Not,
            what_happened: "No time.".into(),
            learned: String::new(),
        },
    );
    let rewrite = hostile(&f, 1, |tx| {
        let action = at(tx, &["actions", a.as_str()]);
        tx.put(&action, "likelihood", 1_u64)
    });
    assert!(rewrite.unwrap_err().contains("after it was reported on"));
}

/// A command given the set as the node keeps it (read from a document with the same
/// heads) writes exactly what it writes when it reads the set itself: the same change,
/// byte for byte.
#[test]
fn a_command_on_the_kept_set_writes_what_it_writes_reading_the_set() {
    let mut f = Fixture::new();
    let rule = propose(&mut f, 0, "We start on time.");
    let commands = [
        Command::AgreeRule { rule: rule.clone() },
        Command::EditSet {
            name: Some("Leaders".into()),
            purpose: None,
        },
        Command::RewordRule {
            rule,
            text: "We start and end on time.".into(),
        },
        Command::RemoveMember {
            member: f.members[2].clone(),
        },
    ];
    for command in commands {
        // Removing a member is the facilitator's (member 0); the rest anyone's.
        let member = usize::from(!matches!(command, Command::RemoveMember { .. }));
        let by = f.by(member, 5);
        let (mut reading, mut kept) = (f.doc.fork(), f.doc.fork());
        for doc in [&mut reading, &mut kept] {
            doc.set_actor(f.devices[member].actor());
        }
        let state = std::sync::Arc::new(revans_model::ActionLearningSet::from_doc(&kept).unwrap());
        let read = apply(&mut reading, &by, command.clone());
        let given = revans_model::apply_to_kept(&mut kept, &by, command, state);
        assert_eq!(read, given);
        assert_eq!(reading.get_heads(), kept.get_heads(), "the same change");
        assert_ne!(
            reading.get_heads(),
            f.doc.get_heads(),
            "something was written"
        );
    }
}

/// A set kept current record by record holds texts read at older heads (the records no
/// change has touched since): a command on it still writes what it writes reading the set.
#[test]
fn a_command_on_a_set_kept_current_record_by_record_writes_its_texts() {
    let mut f = Fixture::new();
    let mut kept = revans_model::ActionLearningSet::from_doc(&f.doc).unwrap();
    // Bo proposes a rule; the kept set reads again only what that touched.
    let before = f.doc.get_heads();
    propose(&mut f, 1, "Phones away.");
    let mut memo = revans_model::Memo::default();
    let base = f.doc.fork_at(&before).unwrap();
    for change in f.doc.get_changes(&before) {
        let touched = revans_model::check_change_with(&base, &f.id, &change, &mut memo).unwrap();
        kept.refresh(&f.doc, &touched).unwrap();
    }
    assert_eq!(
        kept,
        revans_model::ActionLearningSet::from_doc(&f.doc).unwrap()
    );
    // Ada edits the purpose, a text read before the rule.
    let command = Command::EditSet {
        name: None,
        purpose: Some("Learning our way through knotty problems, together.".into()),
    };
    let (mut reading, mut given) = (f.doc.fork(), f.doc.fork());
    for doc in [&mut reading, &mut given] {
        doc.set_actor(f.devices[0].actor());
    }
    let by = f.by(0, 9);
    apply(&mut reading, &by, command.clone()).unwrap();
    revans_model::apply_to_kept(&mut given, &by, command, std::sync::Arc::new(kept)).unwrap();
    assert_eq!(reading.get_heads(), given.get_heads(), "the same change");
}
