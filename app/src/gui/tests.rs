//! The real app and a real node on a temporary data directory, driven by labels as a
//! person would (`egui_kittest` through `AccessKit`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use revans_sync::NodeConfig;

use super::RevansApp;

const TIMEOUT: Duration = Duration::from_secs(30);

fn app(dir: &std::path::Path) -> Harness<'static, RevansApp> {
    let config = NodeConfig::loopback(dir.to_owned());
    Harness::builder()
        .with_size(egui::vec2(1200.0, 1600.0))
        .build_eframe(move |cc| RevansApp::new(cc, config).unwrap())
}

/// Steps frames until `ready` holds, as the node's work arrives in the background.
fn until(
    h: &mut Harness<'static, RevansApp>,
    what: &str,
    ready: impl Fn(&Harness<'static, RevansApp>) -> bool,
) {
    let start = Instant::now();
    loop {
        h.step();
        if ready(h) {
            return;
        }
        assert!(
            start.elapsed() < TIMEOUT,
            "waited {TIMEOUT:?} for {what}; errors shown: {:?}",
            h.state().errors
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn see(h: &mut Harness<'static, RevansApp>, label: &str) {
    until(h, label, |h| h.query_all_by_label(label).next().is_some());
}

fn see_text(h: &mut Harness<'static, RevansApp>, text: &str) {
    until(h, text, |h| {
        h.query_all_by_label_contains(text).next().is_some()
    });
}

fn click(h: &mut Harness<'static, RevansApp>, label: &str) {
    see(h, label);
    h.get_by_label(label).click();
    h.step();
}

fn type_into(h: &mut Harness<'static, RevansApp>, label: &str, text: &str) {
    see(h, label);
    h.get_by_label(label).focus();
    h.step();
    h.get_by_label(label).type_text(text);
    h.step();
}

/// Waits until nothing is under way and no error is shown.
fn settled(h: &mut Harness<'static, RevansApp>) {
    until(h, "the work to finish", |h| h.state().pending.is_empty());
    assert!(h.state().errors.is_empty(), "{:?}", h.state().errors);
}

fn profile_and_set(h: &mut Harness<'static, RevansApp>, name: &str) {
    type_into(h, "Your name", name);
    click(h, "Save profile");
    settled(h);
    type_into(h, "Set name", "Tuesday set");
    click(h, "Create set");
    settled(h);
    see(h, "Meeting console");
}

#[test]
fn a_set_runs_a_whole_meeting_from_plan_to_review() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path());
    see_text(&mut h, "how should your set know you");
    profile_and_set(&mut h, "Ada");

    click(&mut h, "Meetings");
    type_into(
        &mut h,
        "When (YYYY-MM-DD HH:MM, local time)",
        "2026-12-01 09:30",
    );
    type_into(&mut h, "Where", "Room 4");
    click(&mut h, "Plan meeting");
    settled(&mut h);
    see_text(&mut h, "Room 4");

    click(&mut h, "Meeting console");
    click(&mut h, "Move on to Catch-up");
    settled(&mut h);
    click(&mut h, "Move on to Agenda");
    settled(&mut h);
    type_into(&mut h, "Minutes wanted (blank for an equal share)", "30");
    click(&mut h, "Bid for time");
    settled(&mut h);
    see_text(&mut h, "Proposed batting order");
    click(&mut h, "Lock batting order");
    settled(&mut h);
    see_text(&mut h, "Batting order (locked)");
    click(&mut h, "Move on to Turns");
    settled(&mut h);
    click(&mut h, "Start Ada's turn");
    settled(&mut h);
    see_text(&mut h, "Ada is presenting");
    click(&mut h, "Log question");
    settled(&mut h);
    see_text(&mut h, "1 questions, 0 statements so far");
    type_into(&mut h, "Action", "Call the board");
    click(&mut h, "Add action");
    settled(&mut h);
    click(&mut h, "End turn");
    settled(&mut h);
    click(&mut h, "Move on to Review");
    settled(&mut h);
    type_into(&mut h, "What worked well?", "Good questions");
    click(&mut h, "Save set review");
    settled(&mut h);
    click(&mut h, "Close the meeting");
    settled(&mut h);
    see_text(&mut h, "This meeting is closed: 1 turns, 1 actions.");

    // What the screens said is what the set holds.
    let node = h.state().node().cloned().unwrap();
    let set_id = h.state().selected.clone().unwrap();
    let set = node.set(&set_id).unwrap();
    let action = set.actions.values().next().unwrap();
    assert_eq!(action.text, "Call the board");
    assert_eq!(action.likelihood, 7, "the likelihood slider's value");
    let meeting = set.meetings.values().next().unwrap();
    assert_eq!(
        meeting.process_review.worked_well.as_str(),
        "Good questions"
    );
    assert_eq!(meeting.location, "Room 4");
}

#[test]
fn a_bid_made_in_one_app_appears_in_the_other() {
    let root = tempfile::tempdir().unwrap();
    let mut ada = app(&root.path().join("ada"));
    let mut bo = app(&root.path().join("bo"));
    profile_and_set(&mut ada, "Ada");
    type_into(&mut bo, "Your name", "Bo");
    click(&mut bo, "Save profile");
    settled(&mut bo);

    click(&mut ada, "Meetings");
    type_into(
        &mut ada,
        "When (YYYY-MM-DD HH:MM, local time)",
        "2026-12-01 09:30",
    );
    type_into(&mut ada, "Where", "Room 4");
    click(&mut ada, "Plan meeting");
    settled(&mut ada);
    click(&mut ada, "Meeting console");
    click(&mut ada, "Move on to Catch-up");
    settled(&mut ada);
    click(&mut ada, "Move on to Agenda");
    settled(&mut ada);

    click(&mut ada, "People and sync");
    type_into(&mut ada, "Who is it for", "Bo");
    click(&mut ada, "Make invitation ticket");
    settled(&mut ada);
    let ticket = ada
        .state()
        .notices
        .get("invite")
        .cloned()
        .expect("a ticket is shown");

    type_into(&mut bo, "Ticket", &ticket);
    click(&mut bo, "Join set");
    until(&mut bo, "Bo to join", |h| {
        h.state().pending.is_empty() && h.state().set().is_some()
    });
    assert!(bo.state().errors.is_empty(), "{:?}", bo.state().errors);
    click(&mut bo, "Meeting console");
    see_text(&mut bo, "Bids for time");

    // Ada bids in her window; Bo's window shows it without anyone asking.
    click(&mut ada, "Meeting console");
    type_into(&mut ada, "Minutes wanted (blank for an equal share)", "25");
    click(&mut ada, "Bid for time");
    settled(&mut ada);
    until(&mut bo, "Ada's bid in Bo's window", |h| {
        h.query_all_by_label("25 min").next().is_some()
            && h.query_all_by_label("Ada").next().is_some()
    });
}

#[test]
fn an_idle_app_stops_drawing() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path());
    profile_and_set(&mut h, "Ada");
    click(&mut h, "Meeting console");
    settled(&mut h);
    // With nothing running and nothing arriving, the app asks for no more frames: egui
    // settles instead of redrawing forever (which `try_run` reports as an error).
    let frames = h.try_run();
    assert!(frames.is_ok(), "the idle app kept asking to redraw");
}

/// Frames of the meeting console for the largest set there is (two years of seeded
/// history, seven members, a turn running), for `valgrind --tool=callgrind`
/// (see BENCHMARKS.md); ignored in the test run.
#[test]
#[ignore = "a benchmark, run under callgrind"]
fn draw_the_console_of_the_largest_set() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path());
    type_into(&mut h, "Your name", "Ada");
    click(&mut h, "Save profile");
    settled(&mut h);
    let node = h.state().node().cloned().unwrap();
    // The set comes from the release benchmark (`bench --save-set FILE`, generating it in
    // a debug build takes minutes); without it, a shorter history made here.
    let now = chrono::Utc::now();
    let mut history = if let Some(path) = std::env::var_os("REVANS_LARGEST_SET") {
        let mut key_path = path.clone();
        key_path.push(".founder-key");
        let key: [u8; 32] = std::fs::read(key_path).unwrap().try_into().unwrap();
        revans_tests::history::History::load(
            &std::fs::read(path).unwrap(),
            iroh::SecretKey::from_bytes(&key),
        )
        .unwrap()
    } else {
        let keys: Vec<_> = (0..7).map(|_| iroh::SecretKey::generate()).collect();
        let mut history = revans_tests::history::generate(&keys, 2, 7, now).unwrap();
        revans_tests::history::open_a_meeting_in_turns(&mut history, now).unwrap();
        history
    };
    // This device becomes the founder's second device.
    history.link(0, node.device().clone(), now).unwrap();
    let bytes = history.backup();
    let runtime = h.state().runtime.clone();
    runtime.block_on(node.import_set(&bytes)).unwrap();
    // The only set, so the app opens it.
    see(&mut h, "Meeting console");
    click(&mut h, "Meeting console");
    see_text(&mut h, "is presenting");
    // What callgrind counts: these frames, each drawing the console in full.
    for _ in 0..20 {
        h.step();
    }
}
