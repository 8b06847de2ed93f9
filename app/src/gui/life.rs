//! A set's life beyond one meeting, driven by labels as a person would: its last meeting
//! looking back, and closing it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use revans_model::{Command, MeetingPlan, Outcome, Phase};

use std::sync::{Arc, Mutex};

use super::tests::{app, apply, click, profile_and_set, scene, see, see_text, settled, until};
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
