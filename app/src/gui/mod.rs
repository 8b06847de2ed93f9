//! The desktop app. The UI thread never waits: commands go to the node on the app's own
//! tokio runtime, and what comes back (results, the node's events) arrives on a channel
//! that each frame drains, waking the UI with a repaint.
//!
//! The app is a shell and its areas. This file holds the shell's state (`Shell`: what
//! every area shares), the frame (top bar, tabs, the area shown) and opening the window.
//! Around it, the shell's other parts: the channel to the node (`work`), the sidebar, the
//! first run (`welcome`), questions, toasts and progress (`notices`), the text fields
//! forms share (`fields`, `forms`), editing records (`editing`), the app's look and
//! charts. Each area of a set is a room of its own in `areas`, keeping its own state and
//! borrowing the shell to draw: `self.areas.ui(tab, &mut self.shell, ui)`.

mod areas;
mod charts;
#[cfg(test)]
mod conventions;
mod desktop;
mod editing;
mod fields;
mod forms;
#[cfg(test)]
mod life;
mod look;
mod notices;
#[cfg(test)]
mod pictures;
#[cfg(test)]
mod scribing;
mod sidebar;
#[cfg(test)]
mod tests;
mod welcome;
mod work;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::mpsc;

use chrono::Utc;
use egui::{Color32, RichText};
use revans_model::{ActionLearningSet, Command, Conflict, Journal, MemberId, Profile, SetId};
use revans_sync::{DeviceSync, Event, Node, NodeConfig, RefusedChange};

use crate::control::Executor;
use crate::tab::Tab;

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
        "insights" => "Insights kept",
        "attend" => "Your word is with the set",
        "priorities" => "The set's priorities are recorded",
        "celebrate" => "Celebrated",
        "question" => "Added to the set's questions",
        "review" => "Your say on the meeting is shared with the set",
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

/// The app: its shell, and each area of a set with the state it owns.
pub struct RevansApp {
    shell: Shell,
    areas: areas::Areas,
}

/// What every area shares: the node and the channel to it, the sets as last read, the
/// set and area chosen, the text of every form, what is under way and what went wrong,
/// questions and toasts, and the moment of the past being looked at.
pub(crate) struct Shell {
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
    /// A step that cannot be undone, waiting for the person to confirm it.
    confirm: Option<Confirm>,
    remembered: Remembered,
    control: Option<crate::control::Listening>,
    /// What carries out the `revans` commands the control channel hands to this window.
    commands: Executor,
    /// Whether the person asked to create or join another set.
    adding: bool,
    /// The last file exported.
    last_export: Option<std::path::PathBuf>,
    /// The set as it stood at a moment chosen on the timeline, shown read-only.
    past: Option<Past>,
    /// How the node was started, to try again after a failure.
    config: NodeConfig,
    /// A moment the app takes as now, for pictures that must come out the same every
    /// time (the snapshot tests); otherwise the system clock.
    frozen_at: Option<chrono::DateTime<Utc>>,
    /// The reminders of meetings and actions due, given as desktop notifications.
    reminders: crate::reminders::Reminders,
    /// The desktop's file dialogs and file manager.
    desktop: Box<dyn desktop::Desktop>,
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
        let shell = Shell {
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
            confirm: None,
            remembered,
            control: None,
            commands,
            adding: false,
            last_export: None,
            past: None,
            config: config.clone(),
            frozen_at: None,
            reminders: crate::reminders::Reminders::new(Box::new(crate::reminders::Desktop)),
            desktop: Box::new(desktop::Native),
        };
        shell.start_node(None, config);
        Ok(Self {
            shell,
            areas: areas::Areas::default(),
        })
    }
}

impl eframe::App for RevansApp {
    #[allow(clippy::too_many_lines)] // the frame drawn top to bottom, as it appears
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        for place in self.shell.drain() {
            self.areas.finished(place);
        }
        let ctx = ui.ctx().clone();
        self.shell.toasts(&ctx);
        self.shell.remind(&ctx);
        self.shell.dropped(&ctx);
        self.shell.confirmation(&ctx);
        // The room view has the whole screen: no sidebar, no tabs.
        if self.areas.console.room
            && self.shell.tab == Tab::Console
            && self.shell.past.is_none()
            && self.shell.set().is_some()
        {
            egui::CentralPanel::default_margins().show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .auto_shrink([false, false])
                    .show(ui, |ui| self.areas.console.ui(&mut self.shell, ui));
            });
            if self.shell.turn_running() {
                ctx.request_repaint_after(std::time::Duration::from_secs(1));
            }
            return;
        }
        egui::Panel::top("top").show(ui, |ui| {
            ui.horizontal(|ui| {
                if ui
                    .selectable_label(
                        self.shell.sidebar,
                        if self.shell.sidebar {
                            "Hide sets"
                        } else {
                            "Sets"
                        },
                    )
                    .on_hover_text("Show or hide the list of sets")
                    .clicked()
                {
                    self.shell.sidebar = !self.shell.sidebar;
                }
                ui.label(RichText::new("Revans").strong());
                if let Some(profile) = &self.shell.profile {
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
            self.shell.status(ui, "app");
        });
        match &self.shell.slot {
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
                    self.shell.slot = NodeSlot::Starting;
                    self.shell.start_node(None, self.shell.config.clone());
                }
                return;
            }
            NodeSlot::Ready(_) => {}
        }
        if self.shell.profile.is_none() {
            egui::CentralPanel::default_margins().show(ui, |ui| self.shell.first_run(ui));
            return;
        }
        if self.shell.sidebar {
            egui::Panel::left("sets")
                .default_size(200.0)
                .show(ui, |ui| {
                    egui::ScrollArea::vertical().show(ui, |ui| self.shell.sets_panel(ui));
                });
        }
        egui::CentralPanel::default_margins().show(ui, |ui| {
            if self.shell.set().is_none() {
                self.shell.start_or_join(ui);
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
                                if ui
                                    .selectable_label(self.shell.tab == tab, tab.title())
                                    .clicked()
                                {
                                    self.shell.tab = tab;
                                }
                            }
                        });
                    });
            });
            ui.separator();
            let closed = self.shell.set().and_then(|s| s.closed.clone());
            if let Some(closed) = &closed {
                egui::Frame::group(ui.style()).show(ui, |ui| {
                    ui.label(
                        RichText::new(format!(
                            "This set closed on {}. Its record is kept on every member's device, read-only: export it under Overview, and leave it under People and sync when you wish.",
                            crate::render::local(closed.at.get())
                        ))
                        .strong(),
                    );
                });
            }
            if let Some(moment) = self.shell.past.as_ref().map(|p| p.moment.clone()) {
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
                    self.shell.past = None;
                }
            }
            // The past is read-only; the History tab stays live, to choose another moment.
            // A closed set is read, exported and left, not changed.
            let editable = (self.shell.past.is_none() || self.shell.tab == Tab::History)
                && (closed.is_none()
                    || matches!(
                        self.shell.tab,
                        Tab::Overview | Tab::People | Tab::History | Tab::Journal
                    ));
            egui::ScrollArea::vertical()
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    ui.add_enabled_ui(editable, |ui| {
                        self.areas.ui(self.shell.tab, &mut self.shell, ui);
                    });
                });
        });
        // The clock moves only while a turn runs or people's status is on screen.
        if self.shell.tab == Tab::Console && self.shell.turn_running() {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_secs(1));
        } else if self.shell.tab == Tab::People {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_secs(2));
            self.shell.refresh_sync_soon();
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        self.shell.remembered.last_set = self.shell.selected.as_ref().map(ToString::to_string);
        self.shell.remembered.tab = Some(self.shell.tab);
        self.shell.remembered.sidebar_hidden = !self.shell.sidebar;
        eframe::set_value(storage, eframe::APP_KEY, &self.shell.remembered);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.shell.shutdown();
    }
}

impl Shell {
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
        if let Some(node) = self.let_go_of_node() {
            self.runtime.block_on(node.shutdown());
        }
    }

    /// Closes the control channel and takes the running node out of the window, which
    /// shows it starting from now on: for the caller to stop.
    fn let_go_of_node(&mut self) -> Option<Node> {
        if let Some(control) = self.control.take() {
            control.stop();
        }
        match std::mem::replace(&mut self.slot, NodeSlot::Starting) {
            NodeSlot::Ready(node) => Some(node),
            NodeSlot::Starting | NodeSlot::Failed(_) => None,
        }
    }

    fn now(&self) -> chrono::DateTime<Utc> {
        self.frozen_at.unwrap_or_else(Utc::now)
    }

    fn warn_color(ui: &egui::Ui) -> Color32 {
        ui.visuals().warn_fg_color
    }
}

/// The app id: the desktop file, the icon and the window are named by it.
pub const APP_ID: &str = "org.revans.Revans";

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
    let options = |renderer| eframe::NativeOptions {
        persistence_path: Some(config.data_dir.join("window.ron")),
        viewport: egui::ViewportBuilder::default()
            .with_title("Revans")
            // The app id names the window to the desktop, as the .desktop file and the
            // icon installed beside it are named (packaging/).
            .with_app_id(APP_ID)
            .with_icon(
                eframe::icon_data::from_png_bytes(include_bytes!(
                    "../../../packaging/icons/org.revans.Revans-256.png"
                ))
                .unwrap_or_default(),
            )
            .with_inner_size([1100.0, 760.0])
            .with_min_inner_size([640.0, 480.0])
            .with_fullscreen(room),
        // wgpu (Vulkan, Metal, DirectX 12), as the tests' pictures are drawn; OpenGL where
        // it cannot start (see below).
        renderer,
        persist_window: !room,
        // Names in any script: a glyph the built-in fonts lack comes from the system's.
        system_font_fallback: true,
        ..Default::default()
    };
    let app = |config: NodeConfig, commands: Executor| -> eframe::AppCreator<'static> {
        Box::new(move |cc| {
            let mut app = RevansApp::new(cc, config, commands)?;
            if let Some(tab) = show {
                app.shell.tab = tab;
            }
            if room {
                app.shell.tab = Tab::Console;
                app.areas.console.room = true;
            }
            Ok(Box::new(app))
        })
    };
    let drawn = eframe::run_native(
        "Revans",
        options(eframe::Renderer::Wgpu),
        app(config.clone(), commands.clone()),
    );
    match drawn {
        // No adapter wgpu can use (a remote desktop with GDI only, an old GPU driver):
        // the same window, drawn with OpenGL.
        Err(eframe::Error::Wgpu(why)) => {
            tracing::warn!(%why, "wgpu could not start; drawing with OpenGL instead");
            eframe::run_native(
                "Revans",
                options(eframe::Renderer::Glow),
                app(config, commands),
            )
        }
        other => other,
    }
    .map_err(|e| anyhow::anyhow!("The window could not open: {e}"))
}
