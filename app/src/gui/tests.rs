//! The real app and a real node on a temporary data directory, driven by labels as a
//! person would (`egui_kittest` through `AccessKit`).
//! Over 600 lines: each case is small, and they share one harness.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use revans_sync::NodeConfig;

use super::RevansApp;

const TIMEOUT: Duration = Duration::from_secs(30);

pub(super) fn app(dir: &std::path::Path) -> Harness<'static, RevansApp> {
    app_sized(dir, egui::vec2(1200.0, 1600.0))
}

pub(super) fn app_sized(dir: &std::path::Path, size: egui::Vec2) -> Harness<'static, RevansApp> {
    let config = NodeConfig::loopback(dir.to_owned());
    Harness::builder().with_size(size).build_eframe(move |cc| {
        RevansApp::new(cc, config, crate::cli::exec::handed_over()).unwrap()
    })
}

/// The desktop's dialogs, answered by the test: the folder and the backup chosen, and
/// the folders the file manager was asked to open.
pub(super) struct Answers {
    pub(super) folder: Option<std::path::PathBuf>,
    pub(super) backup: Option<std::path::PathBuf>,
    pub(super) opened: std::sync::Arc<std::sync::Mutex<Vec<std::path::PathBuf>>>,
}

impl super::desktop::Desktop for Answers {
    fn choose_folder(&self, _start: &std::path::Path) -> Option<std::path::PathBuf> {
        self.folder.clone()
    }

    fn choose_backup(&self) -> Option<std::path::PathBuf> {
        self.backup.clone()
    }

    fn open_folder(&self, folder: &std::path::Path) -> Result<(), String> {
        self.opened.lock().unwrap().push(folder.to_owned());
        Ok(())
    }
}

/// Steps frames until `ready` holds, as the node's work arrives in the background.
pub(super) fn until(
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
            h.state().shell.errors
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

pub(super) fn see(h: &mut Harness<'static, RevansApp>, label: &str) {
    until(h, label, |h| h.query_all_by_label(label).next().is_some());
}

pub(super) fn see_text(h: &mut Harness<'static, RevansApp>, text: &str) {
    until(h, text, |h| {
        h.query_all_by_label_contains(text).next().is_some()
    });
}

pub(super) fn click(h: &mut Harness<'static, RevansApp>, label: &str) {
    see(h, label);
    h.get_by_label(label).click();
    h.step();
}

pub(super) fn type_into(h: &mut Harness<'static, RevansApp>, label: &str, text: &str) {
    see(h, label);
    h.get_by_label(label).focus();
    h.step();
    h.get_by_label(label).type_text(text);
    h.step();
}

/// Waits until nothing is under way and no error is shown.
pub(super) fn settled(h: &mut Harness<'static, RevansApp>) {
    until(h, "the work to finish", |h| {
        h.state().shell.pending.is_empty()
    });
    assert!(
        h.state().shell.errors.is_empty(),
        "{:?}",
        h.state().shell.errors
    );
}

/// The device key of the node an app runs, read from its data directory: what a scene
/// needs to link this very device to a member of a generated history (it consents).
pub(super) fn device_key(node: &revans_sync::Node) -> iroh::SecretKey {
    let bytes = std::fs::read(node.data_dir().join("device.key")).unwrap();
    iroh::SecretKey::from_bytes(&bytes.try_into().unwrap())
}

pub(super) fn profile_and_set(h: &mut Harness<'static, RevansApp>, name: &str) {
    type_into(h, "Your name", name);
    click(h, "Save profile");
    settled(h);
    type_into(h, "Set name", "Tuesday set");
    click(h, "Create set");
    settled(h);
    see(h, "Meeting console");
}

#[allow(clippy::too_many_lines)] // a scenario, step after step
#[test]
fn a_set_runs_a_whole_meeting_from_plan_to_review() {
    let root = tempfile::tempdir().unwrap();
    let mut h = app(&root.path().join("ada"));
    see_text(&mut h, "how should your set know you");
    profile_and_set(&mut h, "Ada");
    joins(&mut h, &root.path().join("bo"), "Bo");

    click(&mut h, "Meetings");
    // The date picker starts a week from today, at 09:30.
    type_into(&mut h, "Where", "Room 4");
    click(&mut h, "Plan meeting");
    settled(&mut h);
    see_text(&mut h, "Room 4");

    click(&mut h, "Meeting console");
    click(&mut h, "Move on to Catch-up");
    // Planned for a week from now: starting it asks first.
    see_text(&mut h, "Start it now?");
    click(&mut h, "Yes, start it now");
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
    // Ada presents, so her device names no one by default: she credits Bo, number 1.
    click(&mut h, "1 Bo");
    click(&mut h, "Log question");
    settled(&mut h);
    see_text(&mut h, "1 question, 0 statements so far");
    see(&mut h, "Question from Bo");
    type_into(&mut h, "Action", "Call the board");
    click(&mut h, "Add action");
    settled(&mut h);
    click(&mut h, "End turn");
    settled(&mut h);
    click(&mut h, "Move on to Review");
    settled(&mut h);
    type_into(&mut h, "What worked well?", "Good questions");
    click(&mut h, "Share my say");
    settled(&mut h);
    // The writer sees their say back, in the round.
    see(&mut h, "What worked well: Good questions");
    type_into(
        &mut h,
        "My action steps before the next meeting are:",
        "Call the board on Monday",
    );
    type_into(
        &mut h,
        "The most interesting thing I have learned today about the problems facing each of the other set members is:",
        "We all fight the same rota",
    );
    click(&mut h, "Save my review");
    settled(&mut h);
    see_text(&mut h, "Your review is saved");
    click(&mut h, "Close the meeting");
    see_text(
        &mut h,
        "Close the meeting? Its record is kept, and it cannot be reopened.",
    );
    click(&mut h, "Cancel");
    h.step();
    assert!(
        h.query_all_by_label("Close the meeting? Its record is kept, and it cannot be reopened.")
            .next()
            .is_none(),
        "Cancel puts the question away"
    );
    see(&mut h, "What worked well?");
    click(&mut h, "Close the meeting");
    click(&mut h, "Yes, close it");
    settled(&mut h);
    see(&mut h, "How the meeting went");
    see(&mut h, "Ada: Call the board (7/10 likely)");
    // The summary holds the review in the round: Ada's say and her own review.
    see(&mut h, "The review, in the round");
    see(&mut h, "My action steps: Call the board on Monday");
    // And Ada's own learning comes back in her journal, meeting by meeting.
    click(&mut h, "Journal");
    see(&mut h, "Your learning, meeting by meeting");
    see(&mut h, "My action steps: Call the board on Monday");

    // The history tells the meeting in the practice's words.
    click(&mut h, "History");
    for happened in [
        "Ada began the set",
        "Ada planned a meeting for",
        "The meeting at Room 4 began with its catch-up round",
        "Ada locked the batting order: Ada",
        "Ada's turn began (",
        "Ada's turn ended: 1 question, 0 statements",
        "Ada committed to \"Call the board\" (7/10 likely)",
        "The meeting at Room 4 closed: 1 turn",
    ] {
        see_text(&mut h, happened);
    }
    assert!(
        h.query_all_by_label_contains("Facilitation changed")
            .next()
            .is_none(),
        "beginning the set is not a change of facilitation"
    );

    // What the screens said is what the set holds.
    let node = h.state().shell.node().cloned().unwrap();
    let set_id = h.state().shell.selected.clone().unwrap();
    let set = node.set(&set_id).unwrap();
    let action = set.actions.values().next().unwrap();
    assert_eq!(action.text, "Call the board");
    assert_eq!(action.likelihood, 7, "the likelihood slider's value");
    let meeting = set.meetings.values().next().unwrap();
    assert_eq!(meeting.location, "Room 4");
    let mine = meeting.member_reviews.values().next().unwrap();
    assert_eq!(mine.process.worked_well.as_str(), "Good questions");
    assert_eq!(mine.my_action_steps.as_str(), "Call the board on Monday");
    assert_eq!(mine.other_members.as_str(), "We all fight the same rota");
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
    type_into(&mut ada, "Where", "Room 4");
    click(&mut ada, "Plan meeting");
    settled(&mut ada);
    click(&mut ada, "Meeting console");
    click(&mut ada, "Move on to Catch-up");
    click(&mut ada, "Yes, start it now");
    settled(&mut ada);
    click(&mut ada, "Move on to Agenda");
    settled(&mut ada);

    click(&mut ada, "People and sync");
    type_into(&mut ada, "Who is it for", "Bo");
    click(&mut ada, "Make invitation ticket");
    settled(&mut ada);
    let ticket = ada
        .state()
        .shell
        .tickets
        .get("invite")
        .map(|t| t.text.clone())
        .expect("a ticket is shown");
    see_text(&mut ada, "For Bo: it admits one device, once, until");
    see_text(&mut ada, "For Bo, made by Ada; valid until");
    // Copy puts the ticket on the system clipboard and says so.
    ada.get_by_label("Copy ticket").click();
    ada.step();
    assert!(
        ada.output()
            .platform_output
            .commands
            .contains(&egui::OutputCommand::CopyText(ticket.clone())),
        "the ticket goes to the clipboard"
    );
    see_text(&mut ada, "Ticket copied to the clipboard");

    type_into(&mut bo, "Ticket", &ticket);
    click(&mut bo, "Join set");
    until(&mut bo, "Bo to join", |h| {
        h.state().shell.pending.is_empty() && h.state().shell.set().is_some()
    });
    assert!(
        bo.state().shell.errors.is_empty(),
        "{:?}",
        bo.state().shell.errors
    );
    // Once used, the invitation is no longer waiting on Ada's screen, and Bo's device,
    // admitted moments ago, shows as connected there.
    until(&mut ada, "Bo's invitation to be used", |h| {
        h.query_all_by_label_contains("For Bo, made by Ada")
            .next()
            .is_none()
    });
    let bo_device = bo.state().shell.node().unwrap().device().short().to_owned();
    until(&mut ada, "Bo's device shown as connected", |h| {
        h.query_all_by_label(&format!(
            "Device {bo_device}: online (direct connection); has our latest change; last heard just now"
        ))
        .next()
        .is_some()
    });
    click(&mut bo, "People and sync");
    click(&mut bo, "Sync now");
    settled(&mut bo);
    see_text(&mut bo, "In step with a member's device");
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

/// The node, the selected set and the app's runtime, to set a scene up directly.
pub(super) fn scene(h: &Harness<'static, RevansApp>) -> (revans_sync::Node, revans_model::SetId) {
    (
        h.state().shell.node().cloned().unwrap(),
        h.state().shell.selected.clone().unwrap(),
    )
}

pub(super) fn apply(h: &Harness<'static, RevansApp>, command: revans_model::Command) {
    let (node, set) = scene(h);
    let runtime = h.state().shell.runtime.clone();
    runtime.block_on(node.apply(&set, command)).unwrap();
}

/// A meeting planned for now in Room 4.
pub(super) fn plan_now(h: &Harness<'static, RevansApp>) -> revans_model::MeetingId {
    apply(
        h,
        revans_model::Command::PlanMeeting(revans_model::MeetingPlan {
            scheduled_at: chrono::Utc::now(),
            minutes: None,
            location: "Room 4".into(),
            host: None,
            closing: false,
        }),
    );
    let (node, set) = scene(h);
    let state = node.set(&set).unwrap();
    state.meetings.keys().next().unwrap().clone()
}

/// A meeting planned for now, in its turns: this device's member bid and the batting
/// order is locked.
fn meeting_in_turns(h: &Harness<'static, RevansApp>) -> revans_model::MeetingId {
    use revans_model::{Command, Phase};
    let meeting = plan_now(h);
    for to in [Phase::CatchUp, Phase::Agenda] {
        let meeting = meeting.clone();
        apply(h, Command::MovePhase { meeting, to });
    }
    apply(
        h,
        Command::BidForTime {
            meeting: meeting.clone(),
            minutes: Some(30),
            urgency: revans_model::Urgency::Normal,
            issue: None,
            note: String::new(),
        },
    );
    let (lock, turns) = (meeting.clone(), meeting.clone());
    apply(
        h,
        Command::LockAgenda {
            meeting: lock,
            slots: None,
        },
    );
    apply(
        h,
        Command::MovePhase {
            meeting: turns,
            to: Phase::Turns,
        },
    );
    meeting
}

/// A meeting in its catch-up, planned for now, with two of Ada's actions open.
fn catch_up_with_two_actions(h: &mut Harness<'static, RevansApp>) {
    plan_now(h);
    for text in ["Call the board", "Write to the union"] {
        apply(
            h,
            revans_model::Command::AddAction {
                text: text.into(),
                likelihood: 6,
                issue: None,
                meeting: None,
            },
        );
    }
    click(h, "Meeting console");
    click(h, "Move on to Catch-up");
    settled(h);
    see_text(h, "Your actions to report back on");
}

#[test]
fn each_open_action_has_its_own_report_back_fields() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path());
    profile_and_set(&mut h, "Ada");
    catch_up_with_two_actions(&mut h);

    let first = h.query_all_by_label("What happened").next().unwrap();
    first.focus();
    h.step();
    h.query_all_by_label("What happened")
        .next()
        .unwrap()
        .type_text("The board said yes");
    h.step();
    let boxes: Vec<Option<String>> = h
        .query_all_by_label("What happened")
        .map(|b| b.value())
        .collect();
    assert_eq!(boxes.len(), 2, "one box per open action");
    assert_eq!(boxes[0].as_deref(), Some("The board said yes"));
    assert_eq!(
        boxes[1].as_deref().unwrap_or_default(),
        "",
        "the other action's box stays empty"
    );

    h.query_all_by_label("Done").next().unwrap().click();
    h.step();
    settled(&mut h);
    see_text(&mut h, "Reported back");
    let (node, set) = scene(&h);
    let set = node.set(&set).unwrap();
    let reported: Vec<_> = set
        .actions
        .values()
        .filter_map(|a| {
            a.report_back
                .as_ref()
                .map(|r| (a.text.clone(), r.what_happened.as_str().to_owned()))
        })
        .collect();
    assert_eq!(
        reported.len(),
        1,
        "only the action reported on: {reported:?}"
    );
    assert_eq!(reported[0].1, "The board said yes");
    // A done action is celebrated in one click, once.
    click(&mut h, "Celebrate");
    settled(&mut h);
    see(&mut h, "Celebrated");
    let (node, id) = scene(&h);
    let celebrations: Vec<_> = node
        .set(&id)
        .unwrap()
        .celebrations
        .values()
        .map(|c| c.text.clone())
        .collect();
    assert_eq!(celebrations, ["Call the board"]);
    assert!(h.query_all_by_label("Celebrate").next().is_none());

    // The room sees the catch-up too: each action, and an account's outcome as given.
    click(&mut h, "Room view");
    see(&mut h, "Ada");
    see(&mut h, "· Call the board (6/10 likely)");
    see(&mut h, "done");
    see(&mut h, "· Write to the union (6/10 likely)");
    see(&mut h, "to report");
}

#[test]
fn an_error_clears_as_it_is_fixed_and_every_save_is_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path());
    profile_and_set(&mut h, "Ada");
    click(&mut h, "Issues");
    click(&mut h, "Add issue");
    until(&mut h, "the empty statement to be refused", |h| {
        !h.state().shell.errors.is_empty()
    });
    let refused = h.state().shell.errors.get("issue").cloned().unwrap();
    see_text(&mut h, &refused);
    type_into(
        &mut h,
        "Describe your problem in one sentence",
        "My team will not adopt the rota",
    );
    type_into(
        &mut h,
        "Who else would like to see progress on this problem?",
        "The ward sisters",
    );
    type_into(&mut h, "... To the practice?", "Fewer agency shifts");
    assert!(
        h.query_all_by_label_contains(&refused).next().is_none(),
        "the error went as the person typed"
    );
    click(&mut h, "Add issue");
    settled(&mut h);
    see_text(&mut h, "Issue added");
    see_text(&mut h, "My team will not adopt the rota");
    see_text(
        &mut h,
        "Who else would like to see progress: The ward sisters",
    );
    see_text(&mut h, "Benefits to the practice: Fewer agency shifts");

    // Enter in a one-line field does what its button does.
    click(&mut h, "Overview");
    type_into(&mut h, "New ground rule", "Phones face down");
    h.key_press(egui::Key::Enter);
    h.step();
    settled(&mut h);
    see_text(&mut h, "Ground rules updated");
    see(&mut h, "Phones face down");
}

#[test]
fn handing_facilitation_over_asks_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path());
    profile_and_set(&mut h, "Ada");
    click(&mut h, "Overview");
    click(&mut h, "Rotate facilitation");
    see_text(
        &mut h,
        "Rotate facilitation? Each meeting is then facilitated",
    );
    click(&mut h, "Cancel");
    settled(&mut h);
    let (node, set) = scene(&h);
    assert!(
        matches!(
            node.set(&set).unwrap().facilitation,
            revans_model::Facilitation::Facilitated { .. }
        ),
        "nothing changed on Cancel"
    );
    click(&mut h, "Rotate facilitation");
    click(&mut h, "Yes, rotate");
    settled(&mut h);
    assert!(matches!(
        node.set(&set).unwrap().facilitation,
        revans_model::Facilitation::Rotating { .. }
    ));
}

#[test]
fn an_invitation_not_yet_used_can_be_withdrawn() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path());
    profile_and_set(&mut h, "Ada");
    click(&mut h, "People and sync");
    type_into(&mut h, "Who is it for", "Cy");
    h.key_press(egui::Key::Enter);
    h.step();
    settled(&mut h);
    see_text(&mut h, "For Cy, made by Ada; valid until");
    click(&mut h, "Withdraw");
    settled(&mut h);
    see_text(&mut h, "Invitation withdrawn");
    assert!(
        h.query_all_by_label_contains("For Cy, made by Ada")
            .next()
            .is_none(),
        "a withdrawn invitation is no longer listed"
    );
    let (node, set) = scene(&h);
    let set = node.set(&set).unwrap();
    assert!(set.invitations.values().all(|i| i.revoked.is_some()));
}

#[test]
fn a_device_admitted_that_went_away_shows_when_it_was_heard_from() {
    let root = tempfile::tempdir().unwrap();
    let mut h = app(&root.path().join("ada"));
    profile_and_set(&mut h, "Ada");
    click(&mut h, "People and sync");
    type_into(&mut h, "Who is it for", "Bo");
    click(&mut h, "Make invitation ticket");
    settled(&mut h);
    let ticket = h.state().shell.tickets.get("invite").unwrap().text.clone();

    // Bo joins from a device that goes away at once, as `revans join` does.
    let runtime = h.state().shell.runtime.clone();
    let bo_dir = root.path().join("bo");
    let device = runtime.block_on(async move {
        let bo = revans_sync::Node::start(NodeConfig::loopback(bo_dir))
            .await
            .unwrap();
        bo.join(
            &ticket,
            revans_model::Profile {
                display_name: "Bo".into(),
                organisation: String::new(),
            },
            TIMEOUT,
        )
        .await
        .unwrap();
        let device = bo.device().short().to_owned();
        bo.shutdown().await;
        device
    });
    // Its join counts as hearing from it: never "last heard never".
    let shown = format!("Device {device}: offline; has our latest change; last heard");
    until(&mut h, "Bo's device shown as heard from moments ago", |h| {
        h.query_all_by_label(&format!("{shown} just now"))
            .next()
            .is_some()
            || h.query_all_by_label(&format!("{shown} when it joined, just now"))
                .next()
                .is_some()
    });
}

#[test]
fn planning_a_meeting_picks_its_date_and_host_and_meets_at_the_hosts_workplace() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path());
    type_into(&mut h, "Your name", "Ada");
    type_into(&mut h, "Your organisation", "Engines Ltd");
    click(&mut h, "Save profile");
    settled(&mut h);
    type_into(&mut h, "Set name", "Tuesday set");
    click(&mut h, "Create set");
    settled(&mut h);
    click(&mut h, "Meetings");

    // The date picker shows its date; a week from today when the set has no meeting.
    let week_ahead = chrono::Local::now().date_naive() + chrono::Days::new(7);
    see(&mut h, &week_ahead.format("%Y-%m-%d").to_string());
    click(&mut h, "Host");
    click(&mut h, "Ada");
    h.step();
    assert_eq!(
        h.get_by_label("Where").value().as_deref(),
        Some("Engines Ltd"),
        "the host's organisation is the place"
    );
    click(&mut h, "Plan meeting");
    settled(&mut h);

    let (node, set) = scene(&h);
    let set = node.set(&set).unwrap();
    let meeting = set.meetings.values().next().unwrap();
    let me = node.me(&set_id(&h)).unwrap();
    assert_eq!(meeting.host.as_ref(), Some(&me));
    assert_eq!(meeting.location, "Engines Ltd");
    let local = meeting.scheduled_at.get().with_timezone(&chrono::Local);
    assert_eq!(local.date_naive(), week_ahead);
    assert_eq!(local.format("%H:%M").to_string(), "09:30");
}

fn set_id(h: &Harness<'static, RevansApp>) -> revans_model::SetId {
    h.state().shell.selected.clone().unwrap()
}

#[test]
fn the_record_is_exported_from_the_app_and_its_folder_opened() {
    let dir = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut h = app(dir.path());
    profile_and_set(&mut h, "Ada");
    let opened = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    h.state_mut().shell.desktop = Box::new(Answers {
        folder: Some(out.path().to_owned()),
        backup: None,
        opened: opened.clone(),
    });
    click(&mut h, "Overview");
    let folder = out.path().display().to_string();
    // The folder is chosen in the system's dialog, answered here.
    click(&mut h, "Choose folder…");
    see(&mut h, &format!("Folder: {folder}"));

    click(&mut h, "Export");
    settled(&mut h);
    let written = out.path().join("Tuesday set.md");
    see_text(&mut h, &format!("Exported to {}", written.display()));
    let md = std::fs::read_to_string(&written).unwrap();
    assert!(md.starts_with("# Tuesday set"), "{md}");
    click(&mut h, "Open folder");
    assert_eq!(
        *opened.lock().unwrap(),
        [out.path().to_owned()],
        "Open folder asks the file manager to open {folder}"
    );

    click(&mut h, "Automerge document");
    click(&mut h, "Export");
    settled(&mut h);
    let bytes = std::fs::read(out.path().join("Tuesday set.automerge")).unwrap();
    let doc = automerge::Automerge::load(&bytes).unwrap();
    let back = revans_model::ActionLearningSet::from_doc(&doc).unwrap();
    assert_eq!(back.name, "Tuesday set");
}

#[test]
fn sets_and_rules_keep_their_places() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path());
    profile_and_set(&mut h, "Ada");
    for rule in [
        "Phones face down",
        "Start on time",
        "What is said stays here",
    ] {
        apply(&h, revans_model::Command::ProposeRule { text: rule.into() });
    }
    click(&mut h, "Overview");
    see(&mut h, "What is said stays here");
    let top = |h: &Harness<'static, RevansApp>, label: &str| h.get_by_label(label).rect().top();
    let rules: Vec<f32> = [
        "Phones face down",
        "Start on time",
        "What is said stays here",
    ]
    .iter()
    .map(|r| top(&h, r))
    .collect();
    assert!(
        rules.windows(2).all(|w| w[0] < w[1]),
        "rules in the order proposed: {rules:?}"
    );

    // A second set, named to come first: the sidebar is in name order and stays so.
    click(&mut h, "New or join…");
    type_into(&mut h, "Set name", "Monday set");
    click(&mut h, "Create set");
    settled(&mut h);
    // The sidebar comes first in the window; the open set's heading repeats its name.
    let sidebar = |h: &Harness<'static, RevansApp>, label: &str| {
        h.query_all_by_label(label).next().unwrap().rect().top()
    };
    see_text(&mut h, "Tuesday set");
    for pick in ["Tuesday set", "Monday set", "Tuesday set"] {
        h.query_all_by_label(pick).next().unwrap().click();
        h.step();
        settled(&mut h);
        assert!(
            sidebar(&h, "Monday set") < sidebar(&h, "Tuesday set"),
            "the sidebar moved after choosing {pick}"
        );
    }
}

#[test]
fn the_timeline_shows_the_set_as_it_stood_and_comes_back_to_now() {
    use revans_model::{Command, Phase};
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path());
    profile_and_set(&mut h, "Ada");
    let meeting = meeting_in_turns(&h);
    for to in [Phase::Review, Phase::Closed] {
        apply(
            &h,
            Command::MovePhase {
                meeting: meeting.clone(),
                to,
            },
        );
    }
    // Changes carry their author's time to the second: the rule comes a second later.
    let closed = chrono::Utc::now().timestamp();
    let deadline = Instant::now() + TIMEOUT;
    while chrono::Utc::now().timestamp() <= closed {
        assert!(Instant::now() < deadline, "the clock stopped");
        std::thread::sleep(Duration::from_millis(20));
    }
    apply(
        &h,
        Command::ProposeRule {
            text: "Phones face down".into(),
        },
    );

    click(&mut h, "History");
    let button = h
        .query_all_by_label_contains("Meeting of ")
        .next()
        .map(|n| {
            use egui_kittest::kittest::NodeT as _;
            n.accesskit_node().label().unwrap_or_default()
        })
        .unwrap();
    click(&mut h, &button);
    settled(&mut h);
    see_text(&mut h, "The set as it stood when the meeting of");
    click(&mut h, "Overview");
    see_text(&mut h, "Ground rules");
    assert!(
        h.query_all_by_label("Phones face down").next().is_none(),
        "the rule came after the meeting"
    );
    click(&mut h, "Back to now");
    see(&mut h, "Phones face down");
    // Leaving the set for another also leaves its past.
    click(&mut h, "History");
    click(&mut h, &button);
    settled(&mut h);
    see_text(&mut h, "The set as it stood when the meeting of");
    click(&mut h, "New or join…");
    see_text(&mut h, "Start a set, or join one");
    h.query_all_by_label("Tuesday set").next().unwrap().click();
    h.step();
    click(&mut h, "Overview");
    see(&mut h, "Phones face down");
    assert!(
        h.query_all_by_label_contains("The set as it stood when")
            .next()
            .is_none(),
        "the banner is gone"
    );
}

/// On an 800x600 screen the tabs stay one row, the turn can be ended without scrolling,
/// and the sets sidebar folds away.
#[test]
fn at_800_by_600_a_turn_is_run_without_scrolling() {
    use revans_model::Command;
    let dir = tempfile::tempdir().unwrap();
    let mut h = app_sized(dir.path(), egui::vec2(800.0, 600.0));
    profile_and_set(&mut h, "Ada");
    let meeting = meeting_in_turns(&h);
    let (node, set) = scene(&h);
    let me = node.me(&set).unwrap();
    apply(
        &h,
        Command::StartTurn {
            meeting,
            presenter: me,
        },
    );

    click(&mut h, "Meeting console");
    see_text(&mut h, "Ada is presenting");
    let tabs: Vec<f32> = revans_tabs()
        .iter()
        .map(|tab| h.query_all_by_label(tab).next().unwrap().rect().top())
        .collect();
    assert!(
        tabs.iter().all(|top| (top - tabs[0]).abs() < 1.0),
        "the tab bar is one row: {tabs:?}"
    );
    let end = h.get_by_label("End turn").rect();
    assert!(end.bottom() <= 600.0, "End turn is below the fold: {end:?}");

    click(&mut h, "Hide sets");
    assert!(
        h.query_all_by_label("New or join…").next().is_none(),
        "the sidebar folded away"
    );
    click(&mut h, "Sets");
    see(&mut h, "New or join…");
}

fn revans_tabs() -> Vec<&'static str> {
    crate::tab::Tab::ALL.iter().map(|t| t.title()).collect()
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
    let node = h.state().shell.node().cloned().unwrap();
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
    history.link(0, &device_key(&node), now).unwrap();
    let bytes = history.backup();
    let runtime = h.state().shell.runtime.clone();
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

/// Replaces what a labelled field holds, as a person selecting all and typing does.
fn replace_in(h: &mut Harness<'static, RevansApp>, label: &str, text: &str) {
    see(h, label);
    h.get_by_label(label).focus();
    h.step();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.step();
    h.get_by_label(label).type_text(text);
    h.step();
}

/// Clicks the button labelled `button` on the row that shows `row` (a rule's Reword
/// among many).
pub(super) fn click_beside(h: &mut Harness<'static, RevansApp>, row: &str, button: &str) {
    see(h, row);
    let y = h.get_by_label(row).rect().center().y;
    let distance = |node: &egui_kittest::Node<'_>| (node.rect().center().y - y).abs();
    h.query_all_by_label(button)
        .min_by(|a, b| distance(a).total_cmp(&distance(b)))
        .unwrap()
        .click();
    h.step();
}

/// A free port on 127.0.0.1 other than `not`, for a node that must not be found where
/// it was before.
fn free_port(not: u16) -> std::net::SocketAddr {
    loop {
        let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = socket.local_addr().unwrap();
        if addr.port() != not {
            return addr;
        }
    }
}

/// Ada, in the app, and Bo, on a device of his own that is away, each give a rule new
/// words and the meeting a new place. When Bo's device comes back, Ada's app shows both
/// versions of each where they appear, with who wrote them; keeping one settles it on
/// Bo's device too.
#[allow(clippy::too_many_lines)] // a scenario, step after step
#[test]
fn a_value_changed_on_two_devices_at_once_shows_both_and_one_is_kept() {
    use revans_model::{Command, Host, MeetingPlan};
    let root = tempfile::tempdir().unwrap();
    let mut h = app(&root.path().join("ada"));
    profile_and_set(&mut h, "Ada");
    let (ada, set) = scene(&h);
    let runtime = h.state().shell.runtime.clone();
    apply(
        &h,
        Command::ProposeRule {
            text: "Phones off".into(),
        },
    );
    apply(
        &h,
        Command::PlanMeeting(MeetingPlan {
            scheduled_at: chrono::Utc::now() + chrono::Duration::days(7),
            minutes: None,
            location: "Room 4".into(),
            host: None,
            closing: false,
        }),
    );
    let ticket = runtime
        .block_on(ada.invite(&set, "Bo", Duration::from_hours(1), None))
        .unwrap()
        .to_string();
    let bo_dir = root.path().join("bo");
    let mut config = NodeConfig::loopback(bo_dir.clone());
    let first = free_port(0);
    config.bind = Some(first);
    let bo = runtime.block_on(async {
        let bo = revans_sync::Node::start(config).await.unwrap();
        let profile = revans_model::Profile {
            display_name: "Bo".into(),
            organisation: "City Council".into(),
        };
        bo.join(&ticket, profile, TIMEOUT).await.unwrap();
        bo
    });
    until(&mut h, "Bo to hold Ada's set", |h| {
        let ada = h.state().shell.node().unwrap();
        bo.heads(&set).ok() == ada.heads(&set).ok()
    });
    let (rule, meeting) = {
        let state = bo.set(&set).unwrap();
        let rule = state
            .ground_rules
            .iter()
            .find(|(_, r)| r.text == "Phones off")
            .map(|(id, _)| id.clone())
            .unwrap();
        (rule, state.meetings.keys().next().unwrap().clone())
    };
    runtime.block_on(bo.shutdown());

    // Apart: Ada in the app, Bo on his own device (which nobody can find where it was).
    click(&mut h, "Overview");
    click_beside(&mut h, "Phones off", "Reword");
    replace_in(&mut h, "New words", "Phones off and away");
    click(&mut h, "Save changes");
    settled(&mut h);
    see(&mut h, "Phones off and away");
    click(&mut h, "Meetings");
    click(&mut h, "Move");
    replace_in(&mut h, "Meets at", "Council offices");
    click(&mut h, "Save changes");
    settled(&mut h);
    see(&mut h, "Council offices");
    let mut away = NodeConfig::loopback(bo_dir.clone());
    away.bind = Some(free_port(first.port()));
    away.dial = false;
    runtime.block_on(async {
        let bo = revans_sync::Node::start(away).await.unwrap();
        for command in [
            Command::RewordRule {
                rule: rule.clone(),
                text: "Phones face down".into(),
            },
            Command::MoveMeeting {
                meeting: meeting.clone(),
                scheduled_at: None,
                location: Some("Bo's hospital".into()),
                host: Some(Host::NoOne),
            },
        ] {
            bo.apply(&set, command).await.unwrap();
        }
        bo.shutdown().await;
    });
    let bo = runtime
        .block_on(revans_sync::Node::start(NodeConfig::loopback(bo_dir)))
        .unwrap();

    // Back together: both versions, where they appear, with who wrote each.
    click(&mut h, "Overview");
    see_text(
        &mut h,
        "was changed by two members at the same time. Both versions are kept until someone keeps one:",
    );
    see(&mut h, "\u{201c}Phones face down\u{201d}");
    see_text(&mut h, "by Bo, ");
    see_text(&mut h, "by Ada, ");
    click(&mut h, "Meetings");
    see(&mut h, "two versions");
    see(&mut h, "Keep \u{201c}Bo's hospital\u{201d}");
    click(&mut h, "Keep \u{201c}Council offices\u{201d}");
    settled(&mut h);
    see_text(&mut h, "Kept: every device will show it");
    click(&mut h, "Overview");
    click(&mut h, "Keep \u{201c}Phones face down\u{201d}");
    settled(&mut h);
    until(&mut h, "the versions to go", |h| {
        h.query_all_by_label_contains("two members at the same time")
            .next()
            .is_none()
    });
    until(&mut h, "Bo's device to take what was kept", |_| {
        bo.conflicts(&set).is_ok_and(|c| c.is_empty())
    });
    let state = bo.set(&set).unwrap();
    assert_eq!(state.ground_rules[&rule].text, "Phones face down");
    assert_eq!(state.meetings[&meeting].location, "Council offices");
    assert!(ada.conflicts(&set).unwrap().is_empty());
    runtime.block_on(bo.shutdown());
}

/// `name` joins Ada's set from a node of their own, which then goes away; they are a
/// member in Ada's app.
pub(super) fn joins(
    h: &mut Harness<'static, RevansApp>,
    dir: &std::path::Path,
    name: &str,
) -> revans_model::MemberId {
    let (bo, member) = joins_running(h, dir, name);
    let runtime = h.state().shell.runtime.clone();
    runtime.block_on(bo.shutdown());
    member
}

/// `name` joins Ada's set from a node of their own, which goes on running; they are a
/// member in Ada's app.
fn joins_running(
    h: &mut Harness<'static, RevansApp>,
    dir: &std::path::Path,
    name: &str,
) -> (revans_sync::Node, revans_model::MemberId) {
    let (ada, set) = scene(h);
    let runtime = h.state().shell.runtime.clone();
    let ticket = runtime
        .block_on(ada.invite(&set, name, Duration::from_hours(1), None))
        .unwrap()
        .to_string();
    let bo = runtime.block_on(async {
        let bo = revans_sync::Node::start(NodeConfig::loopback(dir.to_owned()))
            .await
            .unwrap();
        let profile = revans_model::Profile {
            display_name: name.into(),
            organisation: "City Council".into(),
        };
        bo.join(&ticket, profile, TIMEOUT).await.unwrap();
        bo
    });
    let member = bo.me(&set).unwrap();
    until(h, "the newcomer to be a member in Ada's app", |h| {
        h.state()
            .shell
            .set()
            .is_some_and(|s| s.is_current_member(&member))
    });
    (bo, member)
}

/// Before the meeting begins, a member writes their news and their bid ahead; the
/// catch-up round and the agenda start from them.
#[test]
fn news_and_a_bid_are_prepared_before_the_meeting_begins() {
    use revans_model::{Command, Phase};
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path());
    profile_and_set(&mut h, "Ada");
    let meeting = plan_now(&h);
    click(&mut h, "Meeting console");
    see(&mut h, "Before we meet");
    type_into(&mut h, "Your news", "The restructure went ahead.");
    click(&mut h, "Share news");
    settled(&mut h);
    type_into(&mut h, "Minutes wanted (blank for an equal share)", "25");
    type_into(
        &mut h,
        "What I want from the set today (optional)",
        "A way to talk to the board",
    );
    click(&mut h, "Bid for time");
    settled(&mut h);
    see_text(&mut h, "A way to talk to the board");
    let (node, set) = scene(&h);
    let state = node.set(&set).unwrap();
    let m = &state.meetings[&meeting];
    assert_eq!(
        m.phase,
        Phase::Planned,
        "all of it before the meeting began"
    );
    let bid = m.bids.values().next().unwrap();
    assert_eq!(
        (bid.minutes, bid.note.as_str()),
        (Some(25), "A way to talk to the board")
    );
    apply(
        &h,
        Command::MovePhase {
            meeting: meeting.clone(),
            to: Phase::CatchUp,
        },
    );
    see(&mut h, "Ada: The restructure went ahead.");
}

/// A journal entry can be a note for the next meeting: it shows on that meeting's
/// console, on this member's devices only.
#[test]
fn a_private_note_for_the_next_meeting_shows_on_its_console() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path());
    profile_and_set(&mut h, "Ada");
    let meeting = plan_now(&h);
    click(&mut h, "Journal");
    type_into(&mut h, "New entry", "Ask Bo how the rota talk went.");
    let when = {
        let set = h.state().shell.set().unwrap();
        crate::render::local(set.meetings[&meeting].scheduled_at.get())
    };
    click(&mut h, &format!("A note for the meeting of {when}"));
    click(&mut h, "Write entry");
    settled(&mut h);
    see_text(&mut h, &format!("for the meeting of {when}"));
    click(&mut h, "Meeting console");
    see(&mut h, "Your private notes for this meeting");
    see(&mut h, "Ask Bo how the rota talk went.");
    let (node, set) = scene(&h);
    let shared = node.set(&set).unwrap();
    assert!(
        !format!("{shared:?}").contains("Ask Bo how the rota talk went."),
        "the note never enters the set"
    );
}

/// The set adds a question of its own, with when it helps; it joins the bank the turn's
/// prompts rotate through.
#[test]
fn the_set_adds_a_question_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path());
    profile_and_set(&mut h, "Ada");
    click(&mut h, "Overview");
    type_into(
        &mut h,
        "A question of the set's own",
        "What would you regret not trying?",
    );
    click(&mut h, "When it helps");
    click(&mut h, "options");
    click(&mut h, "Add question");
    settled(&mut h);
    see(&mut h, "What would you regret not trying? (options)");
    let (node, set) = scene(&h);
    let added: Vec<_> = node
        .set(&set)
        .unwrap()
        .question_bank
        .values()
        .filter(|q| q.added_by.is_some())
        .map(|q| (q.text.clone(), q.category))
        .collect();
    assert_eq!(
        added,
        [(
            "What would you regret not trying?".to_owned(),
            revans_model::QuestionCategory::Options
        )]
    );
}

/// When facilitation rotates, the console says whose meeting it is to run.
#[test]
fn the_console_says_who_facilitates_today_when_it_rotates() {
    use revans_model::{Command, Facilitation};
    let root = tempfile::tempdir().unwrap();
    let mut h = app(&root.path().join("ada"));
    profile_and_set(&mut h, "Ada");
    let bo = joins(&mut h, &root.path().join("bo"), "Bo");
    let ada = h.state().shell.me().unwrap();
    apply(
        &h,
        Command::ChangeFacilitation {
            to: Facilitation::Rotating {
                order: vec![bo, ada],
            },
        },
    );
    plan_now(&h);
    click(&mut h, "Meeting console");
    see(&mut h, "Facilitating today: Bo");
}

/// The set agrees its priorities in the Issues area: moving the first issue later
/// records the whole order, and the cards follow it.
#[test]
fn the_set_orders_its_priorities_among_the_open_issues() {
    use revans_model::{Command, ProblemStatement};
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path());
    profile_and_set(&mut h, "Ada");
    for statement in ["The rota will not stick", "My budget halves in April"] {
        apply(
            &h,
            Command::AddIssue {
                problem: ProblemStatement {
                    statement: statement.into(),
                    ..ProblemStatement::default()
                },
            },
        );
    }
    click(&mut h, "Issues");
    see(&mut h, "The set's priorities");
    let first = {
        let set = h.state().shell.set().unwrap();
        set.open_issues_by_priority()[0].1.statement.clone()
    };
    click_beside(&mut h, "1.", "Later");
    settled(&mut h);
    let (node, set) = scene(&h);
    let state = node.set(&set).unwrap();
    let agreed: Vec<_> = state
        .open_issues_by_priority()
        .into_iter()
        .map(|(_, i)| (i.statement.clone(), i.priority))
        .collect();
    assert_eq!(agreed.len(), 2);
    assert_eq!(agreed[1], (first, Some(2)), "the first moved second");
    assert_eq!(agreed[0].1, Some(1));
}

/// Bo sends apologies from his own device with a reason; Ada sees it where meetings are
/// planned and says she is coming; at the catch-up Bo's open action carries to the next
/// meeting instead of waiting for an account.
#[test]
fn apologies_are_shown_to_the_set_and_an_away_members_actions_carry() {
    use revans_model::{Command, Phase};
    let root = tempfile::tempdir().unwrap();
    let mut h = app(&root.path().join("ada"));
    profile_and_set(&mut h, "Ada");
    let (bo, bo_member) = joins_running(&mut h, &root.path().join("bo"), "Bo");
    let (_, set) = scene(&h);
    let meeting = plan_now(&h);
    until(&mut h, "the meeting to reach Bo", |_| {
        bo.set(&set)
            .is_ok_and(|s| s.meetings.contains_key(&meeting))
    });
    let runtime = h.state().shell.runtime.clone();
    for command in [
        Command::AddAction {
            text: "Ask the rota team".into(),
            likelihood: 6,
            issue: None,
            meeting: None,
        },
        Command::Attend {
            meeting: meeting.clone(),
            coming: false,
            reason: "At a funeral that day".into(),
        },
    ] {
        runtime.block_on(bo.apply(&set, command)).unwrap();
    }
    until(&mut h, "Bo's apologies to reach Ada", |h| {
        h.state()
            .shell
            .set()
            .is_some_and(|s| s.meetings[&meeting].is_away(&bo_member))
    });
    click(&mut h, "Meetings");
    see(&mut h, "Apologies from Bo: At a funeral that day");
    click(&mut h, "I'm coming");
    settled(&mut h);
    see(&mut h, "Coming: Ada");

    apply(
        &h,
        Command::MovePhase {
            meeting: meeting.clone(),
            to: Phase::CatchUp,
        },
    );
    click(&mut h, "Meeting console");
    see(
        &mut h,
        "Bo sent apologies (At a funeral that day); 1 action carried to the next meeting.",
    );
    assert!(
        h.query_all_by_label_contains("Ask the rota team")
            .next()
            .is_none(),
        "the away member's action is not among those to report on"
    );
    runtime.block_on(bo.shutdown());
}

/// The set arranges its batting order before locking it: each bid shows what its member
/// wants from the set today, the second presenter is moved first, and the order locked
/// is the one arranged.
#[test]
fn the_set_arranges_its_batting_order_and_locks_it() {
    use revans_model::{Command, Phase, Urgency};
    let root = tempfile::tempdir().unwrap();
    let mut h = app(&root.path().join("ada"));
    profile_and_set(&mut h, "Ada");
    let (bo, bo_member) = joins_running(&mut h, &root.path().join("bo"), "Bo");
    let (_, set) = scene(&h);
    let meeting = plan_now(&h);
    for to in [Phase::CatchUp, Phase::Agenda] {
        let meeting = meeting.clone();
        apply(&h, Command::MovePhase { meeting, to });
    }
    until(&mut h, "the agenda to reach Bo", |_| {
        bo.set(&set).is_ok_and(|s| {
            s.meetings
                .get(&meeting)
                .is_some_and(|m| m.phase == Phase::Agenda)
        })
    });
    let runtime = h.state().shell.runtime.clone();
    runtime
        .block_on(bo.apply(
            &set,
            Command::BidForTime {
                meeting: meeting.clone(),
                minutes: Some(20),
                urgency: Urgency::Normal,
                issue: None,
                note: "A sounding board on the rota".into(),
            },
        ))
        .unwrap();
    click(&mut h, "Meeting console");
    type_into(&mut h, "Minutes wanted (blank for an equal share)", "30");
    type_into(
        &mut h,
        "What I want from the set today (optional)",
        "Courage for the board",
    );
    click(&mut h, "Bid for time");
    settled(&mut h);
    until(&mut h, "Bo's bid to reach Ada", |h| {
        h.state()
            .shell
            .set()
            .is_some_and(|s| s.meetings[&meeting].bids.contains_key(&bo_member))
    });
    see_text(&mut h, "A sounding board on the rota");
    see_text(&mut h, "Courage for the board");
    let proposed: Vec<_> = {
        let set = h.state().shell.set().unwrap();
        revans_model::batting_order(set, &set.meetings[&meeting])
            .slots
            .into_iter()
            .map(|s| s.member)
            .collect()
    };
    assert_eq!(proposed.len(), 2);
    click_beside(&mut h, "1.", "Later");
    see(&mut h, "Batting order as the set arranges it");
    click(&mut h, "Lock batting order");
    settled(&mut h);
    see(&mut h, "Batting order (locked)");
    let (node, _) = scene(&h);
    let agenda = node.set(&set).unwrap().meetings[&meeting]
        .agenda
        .clone()
        .unwrap();
    let locked: Vec<_> = agenda.slots.into_iter().map(|s| s.member).collect();
    assert_eq!(locked, [proposed[1].clone(), proposed[0].clone()]);
    runtime.block_on(bo.shutdown());
}

/// The room view shows the running turn for the whole room; the one at the shared screen
/// credits a question to Bo with his number, and it shows as his, with the summary of
/// the meeting once it closes.
#[test]
fn the_room_view_credits_who_asked_and_the_meeting_closes_on_its_summary() {
    let root = tempfile::tempdir().unwrap();
    let mut h = app(&root.path().join("ada"));
    profile_and_set(&mut h, "Ada");
    let bo = joins(&mut h, &root.path().join("bo"), "Bo");
    let meeting = meeting_in_turns(&h);
    click(&mut h, "Meeting console");
    click(&mut h, "Start Ada's turn");
    settled(&mut h);

    click(&mut h, "Room view");
    see(&mut h, "Leave room view");
    assert!(
        h.query_all_by_label("Hide sets").next().is_none(),
        "the room view has the whole window"
    );
    see(&mut h, "Ask questions rather than give advice.");
    see_text(&mut h, "left in the turn");
    see_text(&mut h, "Batting order: Ada ");
    // Ada presents: her device cannot ask her questions; Bo is number 1.
    click(&mut h, "Log question");
    see_text(&mut h, "Say who asked");
    h.key_press(egui::Key::Num1);
    h.step();
    click(&mut h, "Log question");
    settled(&mut h);
    see(&mut h, "Bo asked");
    see(&mut h, "1 question, 0 statements");
    click(&mut h, "Leave room view");
    see(&mut h, "Question from Bo");

    click(&mut h, "End turn");
    settled(&mut h);
    click(&mut h, "Move on to Review");
    settled(&mut h);
    click(&mut h, "Close the meeting");
    click(&mut h, "Yes, close it");
    settled(&mut h);
    see(&mut h, "How the meeting went");
    see(&mut h, "No actions were committed at this meeting.");
    see(&mut h, "No one wrote a review of this meeting.");
    let (node, set) = scene(&h);
    let summary =
        revans_model::meeting_summary(&node.set(&set).unwrap(), &meeting, chrono::Utc::now())
            .unwrap();
    assert_eq!(summary.members[&bo].questions, 1, "the question is Bo's");
}

/// What struck the presenter is kept in their turn from the console, shows there for the
/// next one to open, and is in the meeting's summary once it closes.
#[test]
fn insights_kept_in_a_turn_show_in_the_turn_and_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path());
    profile_and_set(&mut h, "Ada");
    let meeting = meeting_in_turns(&h);
    click(&mut h, "Meeting console");
    click(&mut h, "Start Ada's turn");
    settled(&mut h);
    click(&mut h, "Insights");
    type_into(&mut h, "What struck Ada", "I have been avoiding the board.");
    click(&mut h, "Keep insights");
    settled(&mut h);
    let (node, set) = scene(&h);
    let kept = node.set(&set).unwrap();
    let ada = kept.meetings[&meeting].running_turn().unwrap().1;
    assert_eq!(ada.insights.as_str(), "I have been avoiding the board.");

    click(&mut h, "End turn");
    settled(&mut h);
    click(&mut h, "Move on to Review");
    settled(&mut h);
    click(&mut h, "Close the meeting");
    click(&mut h, "Yes, close it");
    settled(&mut h);
    see(&mut h, "How the meeting went");
    see(&mut h, "Ada: I have been avoiding the board.");
}

/// The Actions area lists mine, the open ones or all, each with its likelihood and state,
/// and charts what was said against what was done.
#[test]
fn actions_are_filtered_and_follow_through_is_charted() {
    use revans_model::{Applied, Command, Outcome};
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path());
    profile_and_set(&mut h, "Ada");
    click(&mut h, "Actions");
    see_text(&mut h, "No actions yet: each presenter commits to theirs");
    let meeting = plan_now(&h);
    let (node, set) = scene(&h);
    let runtime = h.state().shell.runtime.clone();
    let mut ids = Vec::new();
    for (text, likelihood) in [("Call the board", 7), ("Write to the union", 4)] {
        let applied = runtime
            .block_on(node.apply(
                &set,
                Command::AddAction {
                    text: text.into(),
                    likelihood,
                    issue: None,
                    meeting: Some(meeting.clone()),
                },
            ))
            .unwrap();
        let Applied::Action(id) = applied else {
            panic!("an action")
        };
        ids.push(id);
    }
    apply(
        &h,
        Command::ReportBack {
            action: ids[0].clone(),
            outcome: Outcome::Done,
            what_happened: "They said yes.".into(),
            learned: String::new(),
        },
    );
    see(&mut h, "Call the board");
    see(&mut h, "7/10 likely");
    see(&mut h, "done");
    click(&mut h, "Open");
    see(&mut h, "Write to the union");
    assert!(
        h.query_all_by_label("Call the board").next().is_none(),
        "a reported action is not open"
    );
    click(&mut h, "Mine");
    see(&mut h, "Call the board");
    see(&mut h, "Said and done");
    see_text(
        &mut h,
        "Latest: you said 70% and did 100% at meeting 1; the whole set said 70% and did 100% at meeting 1.",
    );
}
