//! The meeting console: the phase stepper and each phase's work, live for every member.
//!
//! Shortcuts: F5 logs a question, F6 a statement, F7 starts the next turn or ends the
//! running one, F8 moves the meeting to its next phase, F11 shows the room view; and, for
//! laptops whose function keys are media keys, Ctrl+Shift (Cmd+Shift on a Mac) with Q, S,
//! T, N and R the same.

mod agenda;
mod catch_up;
mod first;
mod review;
pub(crate) mod room;
mod turns;

use chrono::TimeDelta;
use egui::RichText;
use revans_model::{
    ActionLearningSet, Command, Meeting, MeetingId, MemberId, Phase, meeting_time_left,
};

use crate::gui::Shell;
use crate::render::{local, name_of};
use room::summary;

/// A member's own review at the end of a meeting, in the practice's words.
const OWN_REVIEW: [(&str, &str); 5] = [
    (
        "The three key things I have learned about my problem today are:",
        "mine.problem",
    ),
    (
        "The one thing I've learned about myself today is:",
        "mine.myself",
    ),
    ("My action steps before the next meeting are:", "mine.steps"),
    (
        "The most interesting thing I have learned today about the problems facing each of the other set members is:",
        "mine.others",
    ),
    (
        "The thing that stands out for me today in terms of the working of this set is:",
        "mine.set",
    ),
];

/// A console shortcut: its function key, or Ctrl (Cmd on a Mac) with Shift and a letter,
/// for laptops whose function keys are media keys. Each shortcut's hover text names both.
pub(super) fn shortcut(ui: &egui::Ui, function: egui::Key, letter: egui::Key) -> bool {
    ui.input_mut(|i| {
        i.key_pressed(function)
            || i.consume_key(egui::Modifiers::COMMAND | egui::Modifiers::SHIFT, letter)
    })
}

const PHASES: [Phase; 5] = [
    Phase::CatchUp,
    Phase::Agenda,
    Phase::Turns,
    Phase::Review,
    Phase::Closed,
];

fn phase_title(phase: Phase) -> &'static str {
    match phase {
        Phase::Planned => "Planned",
        Phase::CatchUp => "Catch-up",
        Phase::Agenda => "Agenda",
        Phase::Turns => "Turns",
        Phase::Review => "Review",
        Phase::Closed => "Closed",
    }
}

/// The console keeps the meeting it shows, whether it fills the screen as the room view,
/// and what its forms pick: who asked the next question, the issue a bid names, an
/// action's likelihood.
pub(crate) struct Console {
    /// The meeting chosen, else the first not yet closed.
    meeting: Option<MeetingId>,
    /// Whether the console shows the room view, full screen.
    pub(crate) room: bool,
    /// Who asked the next question logged, when picked (else this device's member).
    asker: Option<MemberId>,
    /// The issue the bid names, once picked.
    bid_issue: Option<revans_model::IssueId>,
    /// The likelihood on the action form, 1 to 10.
    likelihood: u8,
    /// Whose turn's insights the insights box holds, and the text it was filled with:
    /// the box follows the turn, and takes others' words while this device has not
    /// changed it.
    insights_of: Option<(MemberId, String)>,
    /// The batting order as the set is arranging it before locking it (moved, minutes
    /// changed, someone passing), for the meeting named; `None` shows the proposal.
    arranged: Option<(MeetingId, Vec<revans_model::Slot>)>,
    /// Whose words the forms record, when this device keeps the record for the room:
    /// another member at the meeting (else this device's member).
    speaking: Option<MemberId>,
}

/// Whose words the console's forms record: this device's member's own, or (this device
/// keeping the record for the room) another member's at the meeting.
pub(super) struct Voice {
    /// Whose records the forms write; `None` on a device whose member is not known.
    pub(super) member: Option<MemberId>,
    /// Their name, when they are not this device's member.
    other: Option<String>,
}

impl Voice {
    /// `command` as the member speaking would do it: entered for them by this device's
    /// member when it is another's.
    pub(super) fn command(&self, command: Command) -> Command {
        match (&self.member, &self.other) {
            (Some(member), Some(_)) => Command::For {
                member: member.clone(),
                command: Box::new(command),
            },
            _ => command,
        }
    }

    /// A form field's name, one per member spoken for: words typed for one member never
    /// fill another's form.
    pub(super) fn field(&self, name: &str) -> String {
        match (&self.member, &self.other) {
            (Some(member), Some(_)) => format!("{name}.{member}"),
            _ => name.to_owned(),
        }
    }

    /// Whether the forms record this device's member's own words.
    pub(super) fn is_own(&self) -> bool {
        self.other.is_none()
    }

    /// "Your", or "Bo's".
    pub(super) fn whose(&self) -> String {
        self.other
            .as_ref()
            .map_or_else(|| "Your".to_owned(), |name| format!("{name}'s"))
    }
}

/// The meeting the console shows, in the set it belongs to: what each phase draws from.
#[derive(Clone, Copy)]
struct Shown<'a> {
    set: &'a ActionLearningSet,
    meeting_id: &'a MeetingId,
    meeting: &'a Meeting,
}

impl Default for Console {
    fn default() -> Self {
        Self {
            meeting: None,
            room: false,
            asker: None,
            bid_issue: None,
            likelihood: 7,
            insights_of: None,
            arranged: None,
            speaking: None,
        }
    }
}

impl Console {
    /// The meeting the console shows: the one chosen, else the first not yet closed.
    fn console_meeting(&self, set: &ActionLearningSet) -> Option<MeetingId> {
        self.meeting
            .clone()
            .filter(|m| set.meetings.contains_key(m))
            .or_else(|| set.next_meeting().map(|(id, _)| id.clone()))
            .or_else(|| {
                set.meetings_in_order()
                    .into_iter()
                    .last()
                    .map(|(id, _)| id.clone())
            })
    }

    /// Whose words the forms record now: the member chosen to speak for, while they are
    /// a current member and the meeting runs; else this device's member.
    fn voice(&self, app: &Shell, set: &ActionLearningSet, meeting: &Meeting) -> Voice {
        let me = app.me();
        let other = self
            .speaking
            .as_ref()
            .filter(|m| Some(*m) != me.as_ref() && meeting.is_running())
            .filter(|m| set.member(m).is_some_and(revans_model::Member::is_current));
        match other {
            Some(member) => Voice {
                member: Some(member.clone()),
                other: Some(name_of(set, member)),
            },
            None => Voice {
                member: me,
                other: None,
            },
        }
    }

    /// With one laptop in the circle: whose words to record, one click a member, and
    /// marking them as here.
    fn recording_for(&mut self, app: &mut Shell, ui: &mut egui::Ui, shown: Shown<'_>) {
        let Shown {
            set,
            meeting_id,
            meeting,
        } = shown;
        let me = app.me();
        let members = set.current_members();
        if !meeting.is_running() || members.len() < 2 {
            return;
        }
        ui.horizontal_wrapped(|ui| {
            ui.label("Recording")
                .on_hover_text("With one laptop in the room: record each member's words as they speak, marked as entered by you");
            if ui
                .selectable_label(self.speaking.is_none(), "My own words")
                .clicked()
            {
                self.speaking = None;
            }
            for (id, member) in members {
                if Some(id) == me.as_ref() {
                    continue;
                }
                let chosen = self.speaking.as_ref() == Some(id);
                if ui
                    .selectable_label(chosen, format!("{}'s words", member.display_name))
                    .clicked()
                {
                    self.speaking = Some(id.clone());
                }
            }
        });
        let voice = self.voice(app, set, meeting);
        if let (Some(member), Some(name)) = (&voice.member, &voice.other) {
            ui.label(format!(
                "What you enter now is {name}'s, marked \"entered by {} for {name}\" until {name} confirms or changes it from their own device.",
                me.as_ref().map_or_else(String::new, |m| name_of(set, m)),
            ));
            if !meeting.is_here(member) {
                ui.horizontal(|ui| {
                    ui.label(format!("{name} is not marked as here."));
                    if ui.button(format!("{name} is here")).clicked() {
                        app.apply(
                            "here",
                            "Marking…",
                            voice.command(Command::Attend {
                                meeting: meeting_id.clone(),
                                coming: true,
                                reason: String::new(),
                            }),
                        );
                    }
                });
            }
            app.status(ui, "here");
        }
    }

    pub(crate) fn ui(&mut self, app: &mut Shell, ui: &mut egui::Ui) {
        let Some(set) = app.set().cloned() else {
            return;
        };
        let Some(meeting_id) = self.console_meeting(&set) else {
            ui.heading("Meeting console");
            ui.label("No meeting is planned yet: plan one under Meetings.");
            return;
        };
        let Some(meeting) = set.meetings.get(&meeting_id).cloned() else {
            return;
        };
        let shown = Shown {
            set: &set,
            meeting_id: &meeting_id,
            meeting: &meeting,
        };
        let now = app.now();
        let f11 = shortcut(ui, egui::Key::F11, egui::Key::R);
        if f11 {
            self.set_room(ui.ctx(), !self.room);
        }
        if self.room {
            self.room_view(app, ui, shown);
            return;
        }
        ui.horizontal(|ui| {
            ui.heading("Meeting console");
            if ui
                .button("Room view")
                .on_hover_text(
                    "F11 or Ctrl+Shift+R: full screen, for a shared screen or a projector",
                )
                .clicked()
            {
                self.set_room(ui.ctx(), true);
            }
            egui::ComboBox::from_label("Meeting")
                .selected_text(local(meeting.scheduled_at.get()))
                .show_ui(ui, |ui| {
                    for (id, m) in set.meetings_in_order() {
                        let text =
                            format!("{} · {}", local(m.scheduled_at.get()), phase_title(m.phase));
                        if ui.selectable_label(*id == meeting_id, text).clicked() {
                            self.meeting = Some(id.clone());
                        }
                    }
                });
        });
        if let Some(left) = meeting_time_left(&meeting, now) {
            let left = if left < TimeDelta::zero() {
                format!("{} min over time", -left.num_minutes())
            } else {
                format!("{} min left in the meeting", left.num_minutes())
            };
            ui.label(format!(
                "{} · {} minutes · {left}",
                meeting.location, meeting.minutes
            ));
        }

        private_notes(app, ui, &meeting_id, &meeting);
        // When facilitation rotates, whose meeting this is to run.
        if let Some(today) = set.rotating_facilitator(&meeting_id) {
            ui.label(
                RichText::new(format!("Facilitating today: {}", name_of(&set, today))).strong(),
            );
        }
        stepper(app, ui, &meeting_id, &meeting);
        self.recording_for(app, ui, shown);
        ui.separator();
        let voice = self.voice(app, &set, &meeting);
        if meeting.phase == Phase::CatchUp && first::is_first(shown) {
            first::first_meeting(app, ui, shown);
        }
        match meeting.phase {
            Phase::Planned => self.before_we_meet(app, ui, shown, &voice),
            Phase::CatchUp => catch_up::catch_up(app, ui, shown, &voice),
            Phase::Agenda => self.agenda(app, ui, shown, &voice),
            Phase::Turns => self.turns(app, ui, shown, &voice),
            Phase::Review => review::review(app, ui, shown, &voice),
            Phase::Closed => {
                if meeting.closing && set.closed.is_none() {
                    close_the_set(app, ui);
                }
                summary(ui, &set, &meeting_id, app.now());
            }
        }
    }
}

/// This member's private notes for this meeting, from their journal: on their own
/// devices only, never the set's.
fn private_notes(app: &Shell, ui: &mut egui::Ui, meeting_id: &MeetingId, meeting: &Meeting) {
    let notes: Vec<String> = app.journal.as_ref().map_or_else(Vec::new, |journal| {
        journal
            .newest_first()
            .into_iter()
            .filter(|(_, e)| e.meeting.as_ref() == Some(meeting_id))
            .map(|(_, e)| e.text.as_str().to_owned())
            .collect()
    });
    if !notes.is_empty() {
        egui::CollapsingHeader::new("Your private notes for this meeting")
            .default_open(meeting.phase == Phase::Planned)
            .show(ui, |ui| {
                for note in notes {
                    ui.label(note);
                }
            });
    }
}

/// After the set's last meeting: closing the set, asked first.
fn close_the_set(app: &mut Shell, ui: &mut egui::Ui) {
    ui.label("This was the set's last meeting.");
    if ui.button("Close the set").clicked() {
        app.ask(
            "Close the set? Its record is kept on every member's device, read-only: it can be read, exported and searched, but not changed, and it cannot be reopened.",
            "Yes, close the set",
            ("close", "Closing…"),
            Command::CloseSet,
        );
    }
    app.status(ui, "close");
    ui.add_space(8.0);
}

fn stepper(app: &mut Shell, ui: &mut egui::Ui, meeting_id: &MeetingId, meeting: &Meeting) {
    ui.horizontal(|ui| {
        for phase in PHASES {
            let text = RichText::new(phase_title(phase));
            let text = if phase == meeting.phase {
                text.strong().underline()
            } else {
                text.weak()
            };
            ui.label(text);
            if phase != Phase::Closed {
                ui.label(">");
            }
        }
    });
    ui.horizontal(|ui| {
        if let Some(previous) = meeting.phase.previous()
            && previous != Phase::Planned
            && meeting.phase != Phase::Closed
            && ui
                .button(format!("Back to {}", phase_title(previous)))
                .clicked()
        {
            app.apply(
                "phase",
                "Moving…",
                Command::MovePhase {
                    meeting: meeting_id.clone(),
                    to: previous,
                },
            );
        }
        if let Some(next) = meeting.phase.next() {
            let label = if next == Phase::Closed {
                "Close the meeting".to_owned()
            } else {
                format!("Move on to {}", phase_title(next))
            };
            let pressed = shortcut(ui, egui::Key::F8, egui::Key::N);
            if ui
                .button(label)
                .on_hover_text("F8 or Ctrl+Shift+N")
                .clicked()
                || pressed
            {
                let command = Command::MovePhase {
                    meeting: meeting_id.clone(),
                    to: next,
                };
                let early = meeting.scheduled_at.get() - app.now();
                if next == Phase::Closed {
                    app.ask(
                        "Close the meeting? Its record is kept, and it cannot be reopened.",
                        "Yes, close it",
                        ("phase", "Closing…"),
                        command,
                    );
                } else if next == Phase::CatchUp && early > TimeDelta::hours(12) {
                    app.ask(
                        format!(
                            "This meeting is planned for {}, {} from now. Start it now?",
                            local(meeting.scheduled_at.get()),
                            crate::render::span(early)
                        ),
                        "Yes, start it now",
                        ("phase", "Moving…"),
                        command,
                    );
                } else {
                    app.apply("phase", "Moving…", command);
                }
            }
        }
    });
    app.status(ui, "phase");
}

impl Console {
    /// Before the meeting begins: each member writes their news, their bid and their
    /// report-backs ahead, and the round starts from what was prepared.
    fn before_we_meet(
        &mut self,
        app: &mut Shell,
        ui: &mut egui::Ui,
        shown: Shown<'_>,
        voice: &Voice,
    ) {
        let Shown {
            set,
            meeting_id,
            meeting,
        } = shown;
        ui.label("The meeting opens with a catch-up round: move on to Catch-up when the set has gathered.");
        ui.add_space(8.0);
        ui.label(RichText::new("Before we meet").strong());
        ui.label("Write your news, your bid for time and your report-backs ahead: they reach the set now, and the meeting starts from them.");
        catch_up::news_form(app, ui, meeting_id, voice);
        agenda::bids(ui, set, meeting);
        self.bid_form(app, ui, set, meeting_id, voice);
        catch_up::your_reports(app, ui, set, voice);
    }
}
