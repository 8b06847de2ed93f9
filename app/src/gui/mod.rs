//! The desktop app. The UI thread never waits: commands go to the node on the app's own
//! tokio runtime, and what comes back (results, the node's events) arrives on a channel
//! that each frame drains, waking the UI with a repaint.

mod areas;
mod charts;
mod editing;
mod forms;
mod look;
#[cfg(test)]
mod pictures;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::Arc;
use std::sync::mpsc;

use chrono::Utc;
use egui::{Color32, RichText};
use revans_model::{ActionLearningSet, Command, Conflict, Journal, MemberId, Profile, SetId};
use revans_sync::{DeviceSync, Event, Node, NodeConfig, NodeError, RefusedChange};

use crate::control::Executor;
use crate::export::ExportFormat;
use crate::tab::Tab;

/// Which actions the Actions area lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ActionFilter {
    Mine,
    Open,
    All,
}

/// How long an acknowledgement stays in the corner.
const TOAST_SECONDS: f64 = 4.0;

/// What to say when the work asked for at a place is done; `None` where the screen
/// already shows the result (a ticket, the set just created or joined).
fn acknowledgement(place: &str) -> Option<&'static str> {
    Some(match place {
        "profile" => "Profile saved",
        "rules" => "Ground rules updated",
        "issue" => "Issue added",
        "issues" => "Issue updated",
        "plan" => "Meeting planned",
        "phase" => "The meeting moved on",
        "news" => "News shared",
        "report" => "Reported back",
        "bid" => "Bid made",
        "lock" => "Batting order locked",
        "turn" => "Turn updated",
        "said" => "Logged",
        "action" => "Action added",
        "review" => "The set's review is saved",
        "mine" => "Your review is saved",
        "journal" => "Journal entry written",
        "facilitation" => "Facilitation changed",
        "remove" => "Member removed",
        "sync" => "In step with a member's device",
        "withdraw" => "Invitation withdrawn",
        "edit" => "Changes saved",
        "keep" => "Kept: every device will show it",
        _ => return None,
    })
}

/// What the app remembers between runs (window size is eframe's own).
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Remembered {
    last_set: Option<String>,
    tab: Option<Tab>,
    #[serde(default)]
    sidebar_hidden: bool,
}

/// The set as it stood at a moment in its past.
struct Past {
    set: SetId,
    /// The moment, in words: "when the meeting of Tue 1 Dec 2026 09:30 closed".
    moment: String,
    state: Arc<ActionLearningSet>,
}

/// A ticket made, and whom it admits until when, in words.
#[derive(Clone)]
struct Ticket {
    text: String,
    about: String,
}

/// What came back from a piece of work on the node.
enum Outcome {
    Done,
    Ticket(Ticket),
    Set(SetId),
    /// A file written: where.
    Exported(std::path::PathBuf),
    /// The set as it stood at a moment.
    Past(Past),
}

enum Msg {
    Started(Result<Node, String>),
    Event(Event),
    Done {
        place: &'static str,
        result: Result<Outcome, String>,
    },
}

/// A step that cannot be undone (closing a meeting, handing facilitation over, removing
/// a member, starting a meeting long before its time), asked about before it is taken.
struct Confirm {
    question: String,
    yes: String,
    place: &'static str,
    doing: &'static str,
    command: Command,
}

enum NodeSlot {
    Starting,
    Ready(Node),
    Failed(String),
}

/// The app.
pub struct RevansApp {
    runtime: Arc<tokio::runtime::Runtime>,
    ctx: egui::Context,
    slot: NodeSlot,
    tx: mpsc::Sender<Msg>,
    rx: mpsc::Receiver<Msg>,
    /// Each set as last read from the node; shared, so a frame never copies a set.
    sets: Vec<(SetId, Result<Arc<ActionLearningSet>, String>)>,
    selected: Option<SetId>,
    tab: Tab,
    profile: Option<Profile>,
    journal: Option<Journal>,
    sync: HashMap<SetId, Vec<(MemberId, Vec<DeviceSync>)>>,
    /// Changes from members' devices this device refused lately, per set.
    refused: HashMap<SetId, Vec<RefusedChange>>,
    /// Values two members changed at once, per set.
    conflicts: HashMap<SetId, Vec<Conflict>>,
    /// The record whose edit form is open.
    editing: Option<forms::Editing>,
    /// What is under way, by the place in the UI where it was asked for.
    pending: BTreeMap<&'static str, String>,
    /// What went wrong, by place, in words.
    errors: BTreeMap<&'static str, String>,
    /// The tickets made, by place, until the next is made there.
    tickets: BTreeMap<&'static str, Ticket>,
    /// Every text field's contents, by name (`place.what`, or `place.id.what` for one of
    /// many alike, such as each action's report-back).
    fields: HashMap<String, String>,
    /// Short acknowledgements ("Action added"), each until an egui time, newest last.
    toasts: Vec<(String, f64)>,
    /// Whether the sets sidebar is shown (hidden to make room on a small screen).
    sidebar: bool,
    /// The meeting the console shows.
    console_meeting: Option<revans_model::MeetingId>,
    /// A step that cannot be undone, waiting for the person to confirm it.
    confirm: Option<Confirm>,
    remembered: Remembered,
    control: Option<tokio::task::JoinHandle<()>>,
    /// What carries out the `revans` commands the control socket hands to this window.
    commands: Executor,
    /// Whether the person asked to create or join another set.
    adding: bool,
    /// The format chosen for an export, and the last file exported.
    export_format: ExportFormat,
    last_export: Option<std::path::PathBuf>,
    /// The set as it stood at a moment chosen on the timeline, shown read-only.
    past: Option<Past>,
    /// The date and host on the plan-a-meeting form, until a meeting is planned.
    plan_date: Option<jiff::civil::Date>,
    plan_host: Option<MemberId>,
    /// The likelihood on the action form, 1 to 10.
    likelihood: u8,
    /// Who asked the next question logged, when picked (else this device's member).
    asker: Option<MemberId>,
    /// The issue the bid names, once picked.
    bid_issue: Option<revans_model::IssueId>,
    /// Whether the console shows the room view, full screen.
    room: bool,
    /// Which actions the Actions area lists.
    action_filter: ActionFilter,
    /// How the node was started, to try again after a failure.
    config: NodeConfig,
    /// A moment the app takes as now, for pictures that must come out the same every
    /// time (the snapshot tests); otherwise the system clock.
    frozen_at: Option<chrono::DateTime<Utc>>,
}

impl RevansApp {
    /// Starts the app: the runtime, then the node in the background.
    pub fn new(
        cc: &eframe::CreationContext<'_>,
        config: NodeConfig,
        commands: Executor,
    ) -> anyhow::Result<Self> {
        let remembered: Remembered = cc
            .storage
            .and_then(|s| eframe::get_value(s, eframe::APP_KEY))
            .unwrap_or_default();
        Self::with_context(cc.egui_ctx.clone(), config, remembered, commands)
    }

    fn with_context(
        ctx: egui::Context,
        config: NodeConfig,
        remembered: Remembered,
        commands: Executor,
    ) -> anyhow::Result<Self> {
        let runtime = Arc::new(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .thread_name("revans-node")
                .build()
                .map_err(|e| anyhow::anyhow!("Could not start the app's worker threads: {e}"))?,
        );
        let (tx, rx) = mpsc::channel();
        look::apply(&ctx);
        let app = Self {
            runtime,
            ctx,
            slot: NodeSlot::Starting,
            tx,
            rx,
            sets: Vec::new(),
            selected: remembered.last_set.clone().map(SetId::from),
            tab: remembered.tab.unwrap_or(Tab::Overview),
            profile: None,
            journal: None,
            sync: HashMap::new(),
            refused: HashMap::new(),
            conflicts: HashMap::new(),
            editing: None,
            pending: BTreeMap::new(),
            errors: BTreeMap::new(),
            tickets: BTreeMap::new(),
            fields: HashMap::new(),
            toasts: Vec::new(),
            sidebar: !remembered.sidebar_hidden,
            console_meeting: None,
            confirm: None,
            remembered,
            control: None,
            commands,
            adding: false,
            export_format: ExportFormat::Md,
            last_export: None,
            past: None,
            plan_date: None,
            plan_host: None,
            likelihood: 7,
            asker: None,
            bid_issue: None,
            room: false,
            action_filter: ActionFilter::All,
            config: config.clone(),
            frozen_at: None,
        };
        app.start_node(config);
        Ok(app)
    }

    fn start_node(&self, config: NodeConfig) {
        let tx = self.tx.clone();
        let ctx = self.ctx.clone();
        self.runtime.spawn(async move {
            let result = Node::start(config).await.map_err(|e| match e {
                NodeError::DataDir(revans_sync::data_dir::DataDirError::Busy(dir)) => format!(
                    "Another Revans is using {}: close it (or stop `revans serve`) and open the app again.",
                    dir.display()
                ),
                e => e.to_string(),
            });
            if let Ok(node) = &result {
                let mut events = node.subscribe();
                let tx = tx.clone();
                let ctx = ctx.clone();
                tokio::spawn(async move {
                    loop {
                        match events.recv().await {
                            Ok(event) => {
                                if tx.send(Msg::Event(event)).is_err() {
                                    break;
                                }
                                ctx.request_repaint();
                            }
                            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                            Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                        }
                    }
                });
            }
            let _ = tx.send(Msg::Started(result));
            ctx.request_repaint();
        });
    }

    /// The node, once it runs.
    fn node(&self) -> Option<&Node> {
        match &self.slot {
            NodeSlot::Ready(node) => Some(node),
            _ => None,
        }
    }

    /// Runs `work` on the node in the background; `place` shows its progress and result.
    fn run<F, E>(&mut self, place: &'static str, doing: &str, work: impl FnOnce(Node) -> F)
    where
        F: Future<Output = Result<Outcome, E>> + Send + 'static,
        E: std::fmt::Display,
    {
        let Some(node) = self.node().cloned() else {
            return;
        };
        self.errors.remove(place);
        self.tickets.remove(place);
        self.pending.insert(place, doing.to_owned());
        let tx = self.tx.clone();
        let ctx = self.ctx.clone();
        let future = work(node);
        self.runtime.spawn(async move {
            let result = future.await.map_err(|e| e.to_string());
            let _ = tx.send(Msg::Done { place, result });
            ctx.request_repaint();
        });
    }

    /// Applies a command to the selected set, in the background.
    fn apply(&mut self, place: &'static str, doing: &str, command: Command) {
        let Some(set) = self.selected.clone() else {
            return;
        };
        if self.past.is_some() {
            self.error(
                place,
                "You are looking at the set as it was: go back to now to change it.",
            );
            return;
        }
        self.run(place, doing, move |node| async move {
            node.apply(&set, command).await.map(|_| Outcome::Done)
        });
    }

    fn drain(&mut self) {
        // A node event re-reads only what it touched; the person's own work, or the node
        // starting, re-reads everything (their profile among it).
        let mut changed = false;
        let mut changed_sets = std::collections::HashSet::new();
        let mut peers_changed = false;
        while let Ok(msg) = self.rx.try_recv() {
            match msg {
                Msg::Started(Ok(node)) => {
                    let _guard = self.runtime.enter();
                    match crate::control::listen(node.clone(), self.commands.clone()) {
                        Ok(handle) => self.control = Some(handle),
                        Err(e) => {
                            self.errors.insert(
                                "app",
                                format!("Commands from `revans` cannot reach this window: {e:#}."),
                            );
                        }
                    }
                    self.slot = NodeSlot::Ready(node);
                    changed = true;
                }
                Msg::Started(Err(e)) => self.slot = NodeSlot::Failed(e),
                Msg::Event(event) => match &event {
                    Event::Storage(problem) => {
                        self.errors.insert(
                            "app",
                            format!("Something could not be saved or read: {problem}"),
                        );
                    }
                    Event::SetChanged(set) => {
                        changed_sets.insert(set.clone());
                    }
                    Event::PeerConnected(_)
                    | Event::PeerGone { .. }
                    | Event::PeerAcknowledged { .. }
                    | Event::Refused { .. } => peers_changed = true,
                    Event::Network(_) => {}
                },
                Msg::Done { place, result } => {
                    self.pending.remove(place);
                    match result {
                        Ok(outcome) => {
                            self.errors.remove(place);
                            self.finished(place, outcome);
                        }
                        Err(e) => {
                            self.errors.insert(place, e);
                        }
                    }
                    changed = true;
                }
            }
        }
        if changed {
            self.refresh();
        } else if !changed_sets.is_empty() || peers_changed {
            self.refresh_after_events(&changed_sets);
        }
    }

    /// Re-reads the sets that changed, every set's sync status, and the journal (whose
    /// changes from the person's other devices come with no event of their own).
    fn refresh_after_events(&mut self, changed: &std::collections::HashSet<SetId>) {
        let Some(node) = self.node().cloned() else {
            return;
        };
        for id in changed {
            let state = node.set(id).map_err(|e| e.to_string());
            match self.sets.iter_mut().find(|(s, _)| s == id) {
                Some(entry) => entry.1 = state,
                None => self.sets.push((id.clone(), state)),
            }
        }
        self.sort_sets();
        for (id, _) in &self.sets {
            if let Ok(status) = node.sync_status(id) {
                self.sync.insert(id.clone(), status);
            }
            if let Ok(refused) = node.refused(id) {
                self.refused.insert(id.clone(), refused);
            }
            if let Ok(found) = node.conflicts(id) {
                self.conflicts.insert(id.clone(), found);
            }
        }
        self.journal = node.journal().ok().flatten();
        self.keep_a_set_selected();
    }

    /// The sidebar's order: by name (damaged sets, which have none, last), then id; it
    /// never moves under the person's pointer.
    fn sort_sets(&mut self) {
        self.sets.sort_by_cached_key(|(id, set)| {
            (
                set.as_ref()
                    .map_or_else(|_| (1, String::new()), |s| (0, s.name.to_lowercase())),
                id.clone(),
            )
        });
    }

    fn keep_a_set_selected(&mut self) {
        let known = self
            .selected
            .as_ref()
            .is_some_and(|s| self.sets.iter().any(|(id, _)| id == s));
        if !known && !self.adding {
            self.selected = self.sets.first().map(|(id, _)| id.clone());
        }
    }

    /// What to do once work succeeded: clear its form, say it is done, show what it made.
    fn finished(&mut self, place: &'static str, outcome: Outcome) {
        if let Some(done) = acknowledgement(place) {
            self.toast(done);
        }
        match outcome {
            Outcome::Ticket(ticket) => {
                self.tickets.insert(place, ticket);
            }
            Outcome::Past(past) => {
                self.past = Some(past);
            }
            Outcome::Exported(path) => {
                self.toast(format!("Wrote {}", path.display()));
                self.last_export = Some(path);
            }
            Outcome::Set(id) => {
                self.selected = Some(id);
                self.adding = false;
                self.tab = Tab::Overview;
            }
            Outcome::Done => {}
        }
        if place == "plan" {
            self.plan_date = None;
            self.plan_host = None;
        }
        if place == "edit" {
            self.editing = None;
        }
        // A form that did its work empties, ready for the next.
        let prefix = format!("{place}.");
        for (name, value) in &mut self.fields {
            if name.starts_with(&prefix)
                && name.rsplit('.').next().is_none_or(|last| last != "keep")
            {
                value.clear();
            }
        }
    }

    /// Reads the sets, the journal and sync status again from the node (in memory).
    fn refresh(&mut self) {
        let Some(node) = self.node() else { return };
        let sets: Vec<_> = node
            .sets()
            .into_iter()
            .map(|(id, s)| (id, s.map_err(|e| e.to_string())))
            .collect();
        let profile = node.profile().ok().flatten();
        let journal = node.journal().ok().flatten();
        let mut sync = HashMap::new();
        let mut refused = HashMap::new();
        let mut conflicts = HashMap::new();
        for (id, _) in &sets {
            if let Ok(status) = node.sync_status(id) {
                sync.insert(id.clone(), status);
            }
            if let Ok(changes) = node.refused(id) {
                refused.insert(id.clone(), changes);
            }
            if let Ok(found) = node.conflicts(id) {
                conflicts.insert(id.clone(), found);
            }
        }
        self.sets = sets;
        self.sort_sets();
        self.profile = profile;
        self.journal = journal;
        self.sync = sync;
        self.refused = refused;
        self.conflicts = conflicts;
        self.keep_a_set_selected();
    }

    /// The set the screens show: as it is now, or as it stood at the moment chosen on the
    /// History tab's timeline.
    fn set(&self) -> Option<&Arc<ActionLearningSet>> {
        let id = self.selected.as_ref()?;
        if let Some(past) = self.past.as_ref().filter(|p| &p.set == id) {
            return Some(&past.state);
        }
        self.sets
            .iter()
            .find(|(s, _)| s == id)
            .and_then(|(_, s)| s.as_ref().ok())
    }

    fn me(&self) -> Option<MemberId> {
        let node = self.node()?;
        self.set()?.member_for_device(node.device()).cloned()
    }

    fn field(&mut self, name: &str) -> &mut String {
        self.fields.entry(name.to_owned()).or_default()
    }

    fn value(&self, name: &str) -> String {
        self.fields.get(name).cloned().unwrap_or_default()
    }

    /// A labelled one-line text field; AccessKit and tests find it by its label. Returns
    /// whether the person pressed Enter in it (the form's main button then acts). Typing
    /// in it clears its form's error: the person is fixing it.
    fn text(&mut self, ui: &mut egui::Ui, label: &str, name: &str) -> bool {
        let response = ui
            .horizontal(|ui| {
                let l = ui.label(label);
                let buffer = self.fields.entry(name.to_owned()).or_default();
                ui.add(egui::TextEdit::singleline(buffer).desired_width(320.0))
                    .labelled_by(l.id)
            })
            .inner;
        if response.changed() {
            self.fixing(name);
        }
        response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter))
    }

    /// A labelled text area (Enter starts a new line).
    fn prose(&mut self, ui: &mut egui::Ui, label: &str, name: &str) {
        let l = ui.label(label);
        let buffer = self.fields.entry(name.to_owned()).or_default();
        let response = ui
            .add(
                egui::TextEdit::multiline(buffer)
                    .desired_rows(3)
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(l.id);
        if response.changed() {
            self.fixing(name);
        }
    }

    /// The person is changing a field: the error its form showed no longer applies.
    fn fixing(&mut self, name: &str) {
        let place = name.split('.').next().unwrap_or(name);
        self.errors.retain(|p, _| *p != place);
    }

    /// Asks before applying a command that cannot be undone.
    fn ask(
        &mut self,
        question: impl Into<String>,
        yes: impl Into<String>,
        (place, doing): (&'static str, &'static str),
        command: Command,
    ) {
        self.confirm = Some(Confirm {
            question: question.into(),
            yes: yes.into(),
            place,
            doing,
            command,
        });
    }

    /// The question waiting for an answer, over the whole window.
    fn confirmation(&mut self, ctx: &egui::Context) {
        let Some(confirm) = &self.confirm else {
            return;
        };
        let mut answer = None;
        let modal = egui::Modal::new(egui::Id::unique("confirm")).show(ctx, |ui| {
            ui.set_max_width(440.0);
            ui.label(&confirm.question);
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if ui.button(&confirm.yes).clicked() {
                    answer = Some(true);
                }
                if ui.button("Cancel").clicked() {
                    answer = Some(false);
                }
            });
        });
        if modal.should_close() && answer.is_none() {
            answer = Some(false);
        }
        match answer {
            Some(true) => {
                if let Some(confirm) = self.confirm.take() {
                    self.apply(confirm.place, confirm.doing, confirm.command);
                }
            }
            Some(false) => self.confirm = None,
            None => {}
        }
    }

    /// Says something went right, briefly, in the corner.
    fn toast(&mut self, text: impl Into<String>) {
        let until = self.ctx.input(|i| i.time) + TOAST_SECONDS;
        self.toasts.push((text.into(), until));
        if self.toasts.len() > 4 {
            self.toasts.remove(0);
        }
    }

    /// The acknowledgements still due, in the bottom right corner.
    fn toasts(&mut self, ctx: &egui::Context) {
        let now = ctx.input(|i| i.time);
        self.toasts.retain(|(_, until)| *until > now);
        let Some(soonest) = self.toasts.iter().map(|(_, until)| *until).reduce(f64::min) else {
            return;
        };
        egui::Area::new(egui::Id::unique("toasts"))
            .anchor(egui::Align2::RIGHT_BOTTOM, egui::vec2(-16.0, -16.0))
            .order(egui::Order::Foreground)
            .interactable(false)
            .show(ctx, |ui| {
                // Each with a green mark: done, as asked.
                let done = look::outcome_colour(Some(revans_model::Outcome::Done));
                for (text, _) in &self.toasts {
                    egui::Frame::popup(ui.style())
                        .inner_margin(egui::Margin::symmetric(12, 8))
                        .show(ui, |ui| {
                            ui.horizontal(|ui| {
                                let (mark, _) = ui.allocate_exact_size(
                                    egui::vec2(10.0, 10.0),
                                    egui::Sense::hover(),
                                );
                                ui.painter().circle_filled(mark.center(), 5.0, done);
                                ui.label(text);
                            });
                        });
                }
            });
        ctx.request_repaint_after(std::time::Duration::from_secs_f64((soonest - now).max(0.0)));
    }

    /// Progress or the error for a place, in words, where the person acted.
    fn status(&self, ui: &mut egui::Ui, place: &'static str) {
        if let Some(doing) = self.pending.get(place) {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(doing);
            });
        }
        if let Some(error) = self.errors.get(place) {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
    }

    fn busy(&self, place: &'static str) -> bool {
        self.pending.contains_key(place)
    }

    fn error(&mut self, place: &'static str, message: impl Into<String>) {
        self.errors.insert(place, message.into());
    }

    fn first_run(&mut self, ui: &mut egui::Ui) {
        ui.heading("Welcome to Revans");
        ui.label(
            "Revans keeps your Action Learning Set's shared record on your members' own machines. First, how should your set know you?",
        );
        ui.add_space(8.0);
        let name_entered = self.text(ui, "Your name", "profile.name");
        let org_entered = self.text(ui, "Your organisation", "profile.org");
        if ui.button("Save profile").clicked() || name_entered || org_entered {
            let name = self.value("profile.name").trim().to_owned();
            if name.is_empty() {
                self.error("profile", "Write your name first.");
            } else {
                let profile = Profile {
                    display_name: name,
                    organisation: self.value("profile.org").trim().to_owned(),
                };
                self.run("profile", "Saving…", move |node| async move {
                    node.set_profile(&profile).map(|()| Outcome::Done)
                });
            }
        }
        self.status(ui, "profile");
    }

    fn start_or_join(&mut self, ui: &mut egui::Ui) {
        ui.heading("Start a set, or join one");
        ui.add_space(6.0);
        look::card(ui, None, |ui| {
            ui.label(RichText::new("Create a set").strong());
            let entered = self.text(ui, "Set name", "create.name")
                | self.text(ui, "Purpose", "create.purpose");
            if (ui
                .add_enabled(!self.busy("create"), egui::Button::new("Create set"))
                .clicked()
                || entered)
                && !self.busy("create")
            {
                let name = self.value("create.name").trim().to_owned();
                let purpose = self.value("create.purpose");
                let founder = self.profile.clone().unwrap_or_default();
                self.run("create", "Creating the set…", move |node| async move {
                    node.create_set(&name, &purpose, founder)
                        .await
                        .map(Outcome::Set)
                });
            }
            self.status(ui, "create");
        });
        ui.add_space(6.0);
        look::card(ui, None, |ui| {
            ui.label(RichText::new("Join with a ticket").strong());
            ui.label("Paste the ticket a member gave you. Any member's device that is online can let you in. A ticket you made on your other device links this one to you.");
            let entered = self.text(ui, "Ticket", "join.ticket");
            let ticket = self.value("join.ticket").trim().to_owned();
            // The two kinds of ticket are told apart as the CLI does: `join` takes an
            // invitation, `link-device` a link.
            let link = ticket
                .parse::<revans_sync::ticket::InviteTicket>()
                .is_ok_and(|t| t.link.is_some());
            if link {
                ui.label(RichText::new("This ticket links this device to the member who made it on their other device: their journal comes here too.").weak());
            }
            let button = if link { "Link this device" } else { "Join set" };
            if (ui
                .add_enabled(!self.busy("join"), egui::Button::new(button))
                .clicked()
                || entered)
                && !self.busy("join")
            {
                let profile = self.profile.clone().unwrap_or_default();
                let timeout = std::time::Duration::from_secs(30);
                let waiting = if link {
                    "Reaching your other device…"
                } else {
                    "Reaching the set's members…"
                };
                self.run("join", waiting, move |node| async move {
                    let joined = if link {
                        node.link_device(&ticket, timeout).await
                    } else {
                        node.join(&ticket, profile, timeout).await
                    };
                    joined.map(Outcome::Set)
                });
            }
            self.status(ui, "join");
        });
    }

    /// The sets, each with its sync badge: how many members' devices hold our latest.
    fn sets_panel(&mut self, ui: &mut egui::Ui) {
        ui.heading("Sets");
        ui.separator();
        let mut pick = None;
        for (id, set) in &self.sets {
            let (title, badge) = match set {
                Ok(set) => {
                    let status = self.sync.get(id);
                    let (current, all) = status.map_or((0, 0), |members| {
                        let others: Vec<_> = members
                            .iter()
                            .flat_map(|(_, d)| d.iter())
                            .filter(|d| !d.this_device)
                            .collect();
                        (others.iter().filter(|d| d.up_to_date).count(), others.len())
                    });
                    (set.name.clone(), format!("{current}/{all} devices current"))
                }
                Err(e) => (
                    format!("{} (damaged)", &id.as_str()[..6.min(id.as_str().len())]),
                    e.clone(),
                ),
            };
            let selected = self.selected.as_ref() == Some(id);
            let response = ui.selectable_label(selected, &title);
            ui.label(RichText::new(badge).small().weak());
            if response.clicked() {
                pick = Some(id.clone());
            }
            ui.add_space(4.0);
        }
        if let Some(id) = pick {
            // Another set opens as it is now.
            if self.selected.as_ref() != Some(&id) {
                self.past = None;
                self.editing = None;
            }
            self.selected = Some(id);
            self.adding = false;
        }
        ui.separator();
        if ui.button("New or join…").clicked() {
            self.selected = None;
            self.past = None;
            self.adding = true;
        }
    }
}

impl eframe::App for RevansApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.drain();
        let ctx = ui.ctx().clone();
        self.toasts(&ctx);
        self.confirmation(&ctx);
        // The room view has the whole screen: no sidebar, no tabs.
        if self.room && self.tab == Tab::Console && self.past.is_none() && self.set().is_some() {
            egui::CentralPanel::default_margins().show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .auto_shrink([false, false])
                    .show(ui, |ui| self.console(ui));
            });
            if self.turn_running() {
                ctx.request_repaint_after(std::time::Duration::from_secs(1));
            }
            return;
        }
        egui::Panel::top("top").show(ui, |ui| {
            ui.horizontal(|ui| {
                if ui
                    .selectable_label(
                        self.sidebar,
                        if self.sidebar { "Hide sets" } else { "Sets" },
                    )
                    .on_hover_text("Show or hide the list of sets")
                    .clicked()
                {
                    self.sidebar = !self.sidebar;
                }
                ui.label(RichText::new("Revans").strong());
                if let Some(profile) = &self.profile {
                    ui.label(format!("· {}", profile.display_name));
                }
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    let current = ui.ctx().options(|o| o.theme_preference);
                    for (preference, label) in [
                        (egui::ThemePreference::System, "System theme"),
                        (egui::ThemePreference::Dark, "Dark"),
                        (egui::ThemePreference::Light, "Light"),
                    ] {
                        if ui.selectable_label(current == preference, label).clicked() {
                            ui.ctx().set_theme(preference);
                        }
                    }
                });
            });
            self.status(ui, "app");
        });
        match &self.slot {
            NodeSlot::Starting => {
                egui::CentralPanel::default_margins().show(ui, |ui| {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label("Opening your sets…");
                    });
                });
                return;
            }
            NodeSlot::Failed(e) => {
                let e = e.clone();
                let mut retry = false;
                egui::CentralPanel::default_margins().show(ui, |ui| {
                    ui.heading("Revans could not start");
                    ui.colored_label(ui.visuals().error_fg_color, e);
                    retry = ui.button("Try again").clicked();
                });
                if retry {
                    self.slot = NodeSlot::Starting;
                    self.start_node(self.config.clone());
                }
                return;
            }
            NodeSlot::Ready(_) => {}
        }
        if self.profile.is_none() {
            egui::CentralPanel::default_margins().show(ui, |ui| self.first_run(ui));
            return;
        }
        if self.sidebar {
            egui::Panel::left("sets")
                .default_size(200.0)
                .show(ui, |ui| {
                    egui::ScrollArea::vertical().show(ui, |ui| self.sets_panel(ui));
                });
        }
        egui::CentralPanel::default_margins().show(ui, |ui| {
            if self.set().is_none() {
                self.start_or_join(ui);
                return;
            }
            // One row however narrow the window: it scrolls sideways rather than wrap, its
            // scroll bar below the tabs rather than over them.
            ui.scope(|ui| {
                ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
                egui::ScrollArea::horizontal()
                    .id_salt("tabs")
                    .show(ui, |ui| {
                        ui.horizontal(|ui| {
                            for tab in Tab::ALL {
                                if ui.selectable_label(self.tab == tab, tab.title()).clicked() {
                                    self.tab = tab;
                                }
                            }
                        });
                    });
            });
            ui.separator();
            if let Some(moment) = self.past.as_ref().map(|p| p.moment.clone()) {
                let mut back = false;
                egui::Frame::group(ui.style())
                    .fill(ui.visuals().warn_fg_color.gamma_multiply(0.15))
                    .show(ui, |ui| {
                        ui.horizontal_wrapped(|ui| {
                            ui.label(
                                RichText::new(format!(
                                    "The set as it stood {moment}. Nothing can be changed here."
                                ))
                                .strong(),
                            );
                            back = ui.button("Back to now").clicked();
                        });
                    });
                if back {
                    self.past = None;
                }
            }
            // The past is read-only; the History tab stays live, to choose another moment.
            let editable = self.past.is_none() || self.tab == Tab::History;
            egui::ScrollArea::vertical()
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    ui.add_enabled_ui(editable, |ui| self.area(ui));
                });
        });
        // The clock moves only while a turn runs or people's status is on screen.
        if self.tab == Tab::Console && self.turn_running() {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_secs(1));
        } else if self.tab == Tab::People {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_secs(2));
            self.refresh_sync_soon();
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        self.remembered.last_set = self.selected.as_ref().map(ToString::to_string);
        self.remembered.tab = Some(self.tab);
        self.remembered.sidebar_hidden = !self.sidebar;
        eframe::set_value(storage, eframe::APP_KEY, &self.remembered);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.shutdown();
    }
}

impl RevansApp {
    /// The chosen area of the set.
    fn area(&mut self, ui: &mut egui::Ui) {
        match self.tab {
            Tab::Overview => self.overview(ui),
            Tab::Issues => self.issues(ui),
            Tab::Meetings => self.meetings(ui),
            Tab::Console => self.console(ui),
            Tab::Actions => self.actions(ui),
            Tab::Journal => self.journal_view(ui),
            Tab::History => self.history(ui),
            Tab::People => self.people(ui),
        }
    }

    fn refresh_sync_soon(&mut self) {
        if let (Some(node), Some(id)) = (self.node(), self.selected.clone())
            && let Ok(status) = node.sync_status(&id)
        {
            self.sync.insert(id, status);
        }
    }

    fn turn_running(&self) -> bool {
        self.set()
            .is_some_and(|set| set.meetings.values().any(|m| m.running_turn().is_some()))
    }

    /// Stops the node with everything on disk.
    fn shutdown(&mut self) {
        if let Some(control) = self.control.take() {
            control.abort();
        }
        if let NodeSlot::Ready(node) = std::mem::replace(&mut self.slot, NodeSlot::Starting) {
            let socket = crate::control::socket_path(node.data_dir());
            self.runtime.block_on(node.shutdown());
            let _ = std::fs::remove_file(socket);
        }
    }

    fn now(&self) -> chrono::DateTime<Utc> {
        self.frozen_at.unwrap_or_else(Utc::now)
    }

    fn warn_color(ui: &egui::Ui) -> Color32 {
        ui.visuals().warn_fg_color
    }
}

/// Opens the desktop app on the data directory the options name, on `show` if given, or
/// full screen in the room view if `room`.
pub fn run(
    config: NodeConfig,
    show: Option<Tab>,
    room: bool,
    commands: Executor,
) -> anyhow::Result<()> {
    // The window's own state goes inside the data directory, made owner-only before the
    // window toolkit writes anything (left to itself it would make the folder 0755).
    revans_sync::data_dir::DataDir::make_private(&config.data_dir)?;
    let options = eframe::NativeOptions {
        persistence_path: Some(config.data_dir.join("window.ron")),
        viewport: egui::ViewportBuilder::default()
            .with_title("Revans")
            .with_inner_size([1100.0, 760.0])
            .with_min_inner_size([640.0, 480.0])
            .with_fullscreen(room),
        // The one renderer the app is built with; the tests' pictures use wgpu on the CPU.
        renderer: eframe::Renderer::Glow,
        persist_window: !room,
        ..Default::default()
    };
    eframe::run_native(
        "Revans",
        options,
        Box::new(move |cc| {
            let mut app = RevansApp::new(cc, config, commands)?;
            if let Some(tab) = show {
                app.tab = tab;
            }
            if room {
                app.tab = Tab::Console;
                app.room = true;
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("The window could not open: {e}"))
}
