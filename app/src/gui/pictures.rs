//! Pictures of the views a room reads (the room view in a turn, a meeting's summary, the
//! charts), rendered with wgpu on the CPU and compared with the ones checked in under
//! `app/tests/snapshots`. They catch what labels cannot: a ring that lost its colour, a
//! bar drawn off its scale, type too small to read.
//!
//! Each scene is the seeded history (fixed keys, seed and dates) seen at a fixed moment,
//! so the picture is the same on every run. After a deliberate change to how these look:
//! `UPDATE_SNAPSHOTS=1 cargo test -p revans pictures`, then look at the new images before
//! committing them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, TimeZone as _, Utc};
use egui_kittest::Harness;
use revans_model::{ActionLearningSet, Command, ContributionKind, Phase};
use revans_tests::history::{self, History};

use super::areas::console::room;
use super::tests::{app_sized, click, device_key, see, see_text, settled, type_into, until};
use super::{charts, look};

/// The moment every scene is seen at.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 3, 10, 0, 0).unwrap()
}

/// Three meetings of a seven-member set, and a fourth in its turns: Bo presenting for
/// eight minutes, three of the others having spoken.
fn seeded() -> History {
    let keys: Vec<_> = (1..=7u8)
        .map(|i| iroh::SecretKey::from_bytes(&[i; 32]))
        .collect();
    let mut history = history::generate(&keys, 3, 7, now()).unwrap();
    history::open_a_meeting_in_turns(&mut history, now()).unwrap();
    let meeting = in_turns(&history);
    for (minute, asker, kind, text) in [
        (
            6,
            2,
            ContributionKind::Question,
            "What would success look like?",
        ),
        (
            5,
            3,
            ContributionKind::Statement,
            "I would just change the rota back.",
        ),
        (
            4,
            0,
            ContributionKind::Question,
            "Who else wants this to work?",
        ),
    ] {
        let asked_by = history.members[asker].clone();
        history
            .apply(
                asker,
                now() - Duration::minutes(minute),
                Command::LogContribution {
                    meeting: meeting.clone(),
                    kind,
                    text: text.into(),
                    asker: Some(asked_by),
                },
            )
            .unwrap();
    }
    history
}

/// The seeded set's meeting in its turns.
fn in_turns(history: &History) -> revans_model::MeetingId {
    let set = ActionLearningSet::from_doc(&history.doc).unwrap();
    set.meetings_in_order()
        .into_iter()
        .find(|(_, m)| m.phase == Phase::Turns)
        .map(|(id, _)| id.clone())
        .unwrap()
}

/// A harness drawing `draw` alone, in the app's type scale and the `theme` given.
fn view(
    size: egui::Vec2,
    theme: egui::Theme,
    mut draw: impl FnMut(&mut egui::Ui) + 'static,
) -> Harness<'static, ()> {
    let mut h = Harness::builder()
        .with_size(size)
        .with_theme(theme)
        .build_ui(move |ui| {
            look::apply(ui.ctx());
            egui::CentralPanel::default().show(ui, |ui| draw(ui));
        });
    h.run();
    h
}

/// The app on a 1080p projector's screen (the screen the room view is for), on Ada's
/// second device holding `history`, seen at [`now`], on the meeting console.
fn on_the_projector(
    dir: &std::path::Path,
    mut history: History,
) -> Harness<'static, super::RevansApp> {
    let mut h = app_sized(dir, egui::vec2(1920.0, 1080.0));
    type_into(&mut h, "Your name", "Ada Okafor");
    click(&mut h, "Save profile");
    settled(&mut h);
    let node = h.state().shell.node().cloned().unwrap();
    // This device is Ada's second: the scene is what her screen shows.
    history.link(0, &device_key(&node), now()).unwrap();
    let runtime = h.state().shell.runtime.clone();
    runtime
        .block_on(node.import_set(&history.backup()))
        .unwrap();
    h.state_mut().shell.frozen_at = Some(now());
    see(&mut h, "Meeting console");
    click(&mut h, "Meeting console");
    h
}

/// The acknowledgements of the steps taken fade; the room sees the meeting alone.
fn faded(h: &mut Harness<'static, super::RevansApp>) {
    until(h, "the acknowledgements to fade", |h| {
        h.state().shell.toasts.is_empty()
    });
    h.remove_cursor();
    h.step();
}

#[test]
fn the_room_view_in_a_turn() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = on_the_projector(dir.path(), seeded());
    see_text(&mut h, "Bo Lindqvist is presenting");
    click(&mut h, "Room view");
    see(&mut h, "Leave room view");
    see_text(&mut h, "Cy Mensah asked: What would success look like?");
    faded(&mut h);
    h.snapshot("room_view_turn");
    // Two minutes over: the ring and its words turn red, the prompts turn to commitment.
    h.state_mut().shell.frozen_at = Some(now() + Duration::minutes(6));
    see_text(&mut h, "2:00 over time");
    h.snapshot("room_view_over_time");
    // A bright room reads a light screen better: the same view in the light theme.
    h.ctx.set_theme(egui::Theme::Light);
    h.run();
    h.snapshot("room_view_over_time_light");
}

/// At review time the room reads the review in the round: each member's say and their
/// own learning, in their colour.
#[test]
fn the_room_view_at_review_time() {
    let mut history = seeded();
    let meeting = in_turns(&history);
    let at = now() - Duration::minutes(1);
    let end = Command::EndTurn {
        meeting: meeting.clone(),
    };
    history.apply(0, at, end).unwrap();
    let review = Command::MovePhase {
        meeting: meeting.clone(),
        to: Phase::Review,
    };
    history.apply(0, at, review).unwrap();
    for (member, worked, learned) in [
        (1, "Being heard out to the end.", "I decide too fast."),
        (
            2,
            "The questions about feelings.",
            "I avoid the hard conversation.",
        ),
    ] {
        let say = Command::ReviewProcess {
            meeting: meeting.clone(),
            worked_well: Some(worked.into()),
            was_difficult: None,
            more_effective: None,
        };
        history.apply(member, at, say).unwrap();
        let own = Command::ReviewMeeting {
            meeting: meeting.clone(),
            answers: revans_model::MemberReviewAnswers {
                myself: Some(learned.into()),
                ..revans_model::MemberReviewAnswers::default()
            },
        };
        history.apply(member, at, own).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let mut h = on_the_projector(dir.path(), history);
    click(&mut h, "Room view");
    see_text(&mut h, "What worked well: Being heard out to the end.");
    see_text(&mut h, "About myself: I avoid the hard conversation.");
    faded(&mut h);
    h.snapshot("room_view_review");
}

/// With one laptop in the room, Ada records Bo's words in his turn: whose words she is
/// recording, and his action marked as entered by her.
#[test]
fn the_scribes_console_in_a_turn() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = on_the_projector(dir.path(), seeded());
    see_text(&mut h, "Bo Lindqvist is presenting");
    click(&mut h, "Bo Lindqvist's words");
    click(&mut h, "Bo Lindqvist is here");
    settled(&mut h);
    type_into(
        &mut h,
        "Action",
        "Ask the ward sisters what they would change",
    );
    click(&mut h, "Add action");
    settled(&mut h);
    see_text(&mut h, "(entered by Ada Okafor for Bo Lindqvist)");
    faded(&mut h);
    h.snapshot("scribe_console");
}

#[test]
fn the_summary_of_a_closed_meeting_in_the_light_theme() {
    let set = ActionLearningSet::from_doc(&seeded().doc).unwrap();
    let (last, _) = set
        .meetings_in_order()
        .into_iter()
        .rev()
        .find(|(_, m)| m.phase == Phase::Closed)
        .unwrap();
    let last = last.clone();
    // In the light theme: the app is finished in both.
    let mut h = view(egui::vec2(980.0, 620.0), egui::Theme::Light, move |ui| {
        room::summary(ui, &set, &last, now());
    });
    h.snapshot("meeting_summary");
}

#[test]
fn the_charts_of_three_meetings() {
    let set = ActionLearningSet::from_doc(&seeded().doc).unwrap();
    // As the set's first member sees them: theirs beside the whole set's.
    let me = set.members_in_joining_order()[0].0.clone();
    let mut h = view(egui::vec2(900.0, 820.0), egui::Theme::Dark, move |ui| {
        egui::ScrollArea::vertical().show(ui, |ui| charts::charts(ui, &set, Some(&me), now()));
    });
    h.snapshot("charts");
}
