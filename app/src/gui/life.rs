//! A set's life beyond one meeting, driven by labels as a person would: its last meeting
//! looking back, and closing it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use revans_model::{Command, MeetingPlan, Outcome, Phase};

use std::sync::{Arc, Mutex};

use super::tests::{
    app, apply, click, click_beside, joins, plan_now, profile_and_set, scene, see, see_text,
    settled, type_into, until,
};
use crate::reminders::{Notifier, Reminders};

/// Notifications as a desktop would show them, kept for the test to read.
struct Shown(Arc<Mutex<Vec<String>>>);

impl Notifier for Shown {
    fn notify(&self, title: &str, _body: &str) -> Result<(), String> {
        self.0.lock().unwrap().push(title.to_owned());
        Ok(())
    }
}

/// A meeting in half an hour and an action due at it: the app reminds of each once, and
/// a reminder switched off is given no more.
#[test]
fn reminders_are_given_once_and_can_be_switched_off() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path());
    let shown = Arc::new(Mutex::new(Vec::new()));
    h.state_mut().shell.reminders = Reminders::new(Box::new(Shown(shown.clone())));
    profile_and_set(&mut h, "Ada");
    apply(
        &h,
        Command::AddAction {
            text: "Call the board".into(),
            likelihood: 7,
            issue: None,
            meeting: None,
        },
    );
    apply(
        &h,
        Command::PlanMeeting(MeetingPlan {
            scheduled_at: chrono::Utc::now() + chrono::Duration::minutes(30),
            minutes: None,
            location: "Room 4".into(),
            host: None,
            closing: false,
        }),
    );
    until(&mut h, "three reminders", |_| {
        shown.lock().unwrap().len() == 3
    });
    let mut titles = shown.lock().unwrap().clone();
    titles.sort();
    assert_eq!(
        titles,
        [
            "Tuesday set: an action is due",
            "Tuesday set: meeting in an hour",
            "Tuesday set: meeting tomorrow",
        ]
    );
    // Looked at again, nothing is given twice.
    h.state_mut().shell.reminders.look_again();
    for _ in 0..5 {
        h.step();
    }
    assert_eq!(shown.lock().unwrap().len(), 3);
    // Switched off in the app, as the data directory keeps it.
    click(&mut h, "People and sync");
    click(&mut h, "An hour before a meeting");
    let (node, _) = scene(&h);
    let (wanted, given) = node.reminders().unwrap();
    assert!(!wanted.hour_before && wanted.day_before);
    assert_eq!(given.len(), 3, "the reminders given are remembered");
}

/// The set's last meeting looks back over what each member achieved, celebrates it, and
/// the set closes: read-only from then on, on every screen.
#[allow(clippy::too_many_lines)] // a meeting, step after step
#[test]
fn a_set_closes_after_its_last_meeting() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path());
    profile_and_set(&mut h, "Ada");
    apply(
        &h,
        Command::AddAction {
            text: "Win over the board".into(),
            likelihood: 6,
            issue: None,
            meeting: None,
        },
    );
    let (node, set) = scene(&h);
    let action = node
        .set(&set)
        .unwrap()
        .actions
        .keys()
        .next()
        .unwrap()
        .clone();
    apply(
        &h,
        Command::ReportBack {
            action,
            outcome: Outcome::Done,
            what_happened: "They said yes.".into(),
            learned: String::new(),
        },
    );
    apply(
        &h,
        Command::PlanMeeting(MeetingPlan {
            scheduled_at: chrono::Utc::now(),
            minutes: None,
            location: "Room 4".into(),
            host: None,
            closing: true,
        }),
    );
    let meeting = node
        .set(&set)
        .unwrap()
        .meetings
        .keys()
        .next()
        .unwrap()
        .clone();
    for to in [Phase::CatchUp, Phase::Agenda] {
        let meeting = meeting.clone();
        apply(&h, Command::MovePhase { meeting, to });
    }
    apply(
        &h,
        Command::BidForTime {
            meeting: meeting.clone(),
            minutes: None,
            urgency: revans_model::Urgency::Normal,
            issue: None,
            note: String::new(),
        },
    );
    apply(
        &h,
        Command::LockAgenda {
            meeting: meeting.clone(),
            slots: None,
        },
    );
    for to in [Phase::Turns, Phase::Review] {
        let meeting = meeting.clone();
        apply(&h, Command::MovePhase { meeting, to });
    }
    click(&mut h, "Meeting console");
    see(&mut h, "The set's last meeting: looking back");
    see(&mut h, "Win over the board");
    click(&mut h, "Celebrate");
    settled(&mut h);
    see(&mut h, "Celebrated");
    click(&mut h, "Close the meeting");
    click(&mut h, "Yes, close it");
    settled(&mut h);
    see(&mut h, "This was the set's last meeting.");
    click(&mut h, "Close the set");
    see_text(&mut h, "Close the set? Its record is kept");
    click(&mut h, "Yes, close the set");
    settled(&mut h);
    see_text(&mut h, "This set closed on");
    let state = node.set(&set).unwrap();
    assert!(state.closed.is_some());
    assert_eq!(state.celebrations.len(), 1);
    // Read-only now: a change is refused with what the member can still do.
    let refused = h
        .state()
        .shell
        .runtime
        .clone()
        .block_on(node.apply(&set, Command::CloseSet))
        .unwrap_err();
    assert!(
        refused.to_string().contains("You can still leave it"),
        "{refused}"
    );
}

/// The set's first meeting opens with introductions, ground rules the set picks from the
/// practice's suggestions (none is proposed before), and its issues in the order it
/// agrees.
#[test]
fn the_first_meeting_introduces_chooses_rules_and_orders_issues() {
    let root = tempfile::tempdir().unwrap();
    let mut h = app(&root.path().join("ada"));
    profile_and_set(&mut h, "Ada");
    joins(&mut h, &root.path().join("bo"), "Bo");
    plan_now(&h);
    // Before anyone picks one, the practice's rules are offered, not proposed.
    click(&mut h, "Overview");
    see_text(&mut h, "None yet: the set chooses its own");
    click(&mut h, "Meeting console");
    click(&mut h, "Move on to Catch-up");
    settled(&mut h);
    see(&mut h, "Introductions");
    see(&mut h, "Bo, City Council");
    click(
        &mut h,
        "Suggested by the practice (14): pick the ones the set wants",
    );
    click_beside(&mut h, "Everything stays in the room.", "Pick");
    settled(&mut h);
    see(&mut h, "agreed by Ada");
    see_text(&mut h, "Suggested by the practice (13)");
    for issue in ["Two teams will not talk", "My budget halves in April"] {
        type_into(&mut h, "My issue, in one sentence", issue);
        click(&mut h, "Bring this issue");
        settled(&mut h);
    }
    see(&mut h, "The set's priorities");
    // The set agrees the budget comes first.
    click_beside(&mut h, "My budget halves in April", "Earlier");
    settled(&mut h);
    let (node, set) = scene(&h);
    let state = node.set(&set).unwrap();
    let order: Vec<&str> = state
        .open_issues_by_priority()
        .into_iter()
        .map(|(_, i)| i.statement.as_str())
        .collect();
    assert_eq!(
        order,
        ["My budget halves in April", "Two teams will not talk"]
    );
    let picked: Vec<&str> = state
        .ground_rules
        .values()
        .filter(|r| !r.is_offered())
        .map(|r| r.text.as_str())
        .collect();
    assert_eq!(picked, ["Everything stays in the room."]);
}
