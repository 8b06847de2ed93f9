//! Presenters' turns: the running turn's clock, and logging what is said in it.

use chrono::TimeDelta;
use egui::RichText;
use revans_model::{
    ActionLearningSet, Command, ContributionKind, MeetingId, MemberId, Turn, TurnState,
    turn_schedule, turn_time_left,
};

use super::room::{TRY_ASKING, batting_bar, clock, elapsed, said_in, time_colour, words};
use super::{Console, Shown, Voice};
use crate::gui::Shell;
use crate::gui::look::member_colour;
use crate::render::name_of;

impl Console {
    #[allow(clippy::too_many_lines)] // the area drawn top to bottom, as it appears
    pub(super) fn turns(
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
        let now = app.now();
        let schedule = turn_schedule(set, meeting, now);
        batting_bar(ui, set, &schedule, 28.0);
        egui::Grid::new("schedule").striped(true).show(ui, |ui| {
            for t in &schedule {
                ui.label(name_of(set, &t.member));
                let lost = t.minutes_lost();
                if lost > 0 && t.state == TurnState::Waiting {
                    ui.colored_label(
                        Shell::warn_color(ui),
                        format!("{} min ({lost} min lost to overruns)", t.minutes),
                    );
                } else {
                    ui.label(format!("{} min", t.minutes));
                }
                ui.label(match t.state {
                    TurnState::Waiting => "to come",
                    TurnState::Running { .. } => "presenting",
                    TurnState::Done { .. } => "done",
                    TurnState::Withdrawn => "withdrawn",
                });
                ui.end_row();
            }
        });
        ui.add_space(8.0);
        let f7 = super::shortcut(ui, egui::Key::F7, egui::Key::T);
        if let Some((presenter, left)) = turn_time_left(meeting, now) {
            let issue = schedule
                .iter()
                .find(|t| t.member == presenter)
                .and_then(|t| t.issue.as_ref())
                .and_then(|i| set.issues.get(i))
                .map(|i| i.statement.clone());
            ui.label(
                RichText::new(format!("{} is presenting", name_of(set, &presenter))).heading(),
            );
            if let Some(issue) = issue {
                ui.label(format!("Issue: {issue}"));
            }
            // The clock and End turn side by side, near the top: in reach on a small screen.
            let mut end = f7;
            let allotted = TimeDelta::minutes(i64::from(
                meeting
                    .turns
                    .get(&presenter)
                    .map_or(0, |t| t.allocated_minutes),
            ));
            ui.horizontal(|ui| {
                // Coloured as in the room view: green, amber in the last fifth, red once over.
                let text = RichText::new(clock(left))
                    .size(40.0)
                    .monospace()
                    .color(time_colour(left, allotted));
                let shown = ui.label(text);
                if left < TimeDelta::zero() {
                    shown.on_hover_text("Over time: the turns still to come lose these minutes");
                }
                end |= ui
                    .button("End turn")
                    .on_hover_text("F7 or Ctrl+Shift+T")
                    .clicked();
            });
            if end {
                app.apply(
                    "turn",
                    "Ending the turn…",
                    Command::EndTurn {
                        meeting: meeting_id.clone(),
                    },
                );
            }
            ui.label(RichText::new("Ask questions rather than give advice.").italics());
            for q in set.prompts(meeting, &presenter, elapsed(left, allotted)) {
                ui.label(format!("· {}", q.text));
            }
            let entered = app.text(ui, "Words (optional)", "said.text");
            let asker = self.asker_picker(app, ui, set, &presenter);
            let f5 = super::shortcut(ui, egui::Key::F5, egui::Key::Q);
            let f6 = super::shortcut(ui, egui::Key::F6, egui::Key::S);
            ui.horizontal(|ui| {
                let question = ui
                    .button("Log question")
                    .on_hover_text("F5, Ctrl+Shift+Q or Enter")
                    .clicked()
                    || f5
                    || entered;
                let statement = ui
                    .button("Log statement")
                    .on_hover_text("F6 or Ctrl+Shift+S")
                    .clicked()
                    || f6;
                for (pressed, kind) in [
                    (question, ContributionKind::Question),
                    (statement, ContributionKind::Statement),
                ] {
                    if pressed {
                        let text = app.value("said.text");
                        self.log_said(app, meeting_id, kind, asker.clone(), text);
                    }
                }
            });
            if let Some((_, turn)) = meeting.running_turn() {
                let said = said_in(turn);
                ui.label(format!("{} so far", said.counts()));
                if said.statements > said.questions {
                    ui.label(RichText::new(TRY_ASKING).italics());
                }
                for c in said.newest_first {
                    let who = c.asked_by();
                    let kind = match c.kind {
                        ContributionKind::Question => "Question from",
                        ContributionKind::Statement => "Statement from",
                    };
                    ui.colored_label(
                        member_colour(set, who),
                        format!("{kind} {}{}", name_of(set, who), words(c)),
                    );
                }
            }
            app.status(ui, "said");
            if let Some((_, turn)) = meeting.running_turn() {
                self.insights(
                    app,
                    ui,
                    Shown {
                        set,
                        meeting_id,
                        meeting,
                    },
                    &presenter,
                    turn,
                );
            }
            if voice.member.as_ref() == Some(&presenter) {
                self.action_capture(app, ui, (set, meeting_id), voice);
            }
        } else if let Some(next) = schedule.iter().find(|t| t.state == TurnState::Waiting) {
            let who = name_of(set, &next.member);
            if voice
                .member
                .as_ref()
                .is_some_and(|me| meeting.turns.contains_key(me))
            {
                self.action_capture(app, ui, (set, meeting_id), voice);
            }
            if ui
                .button(format!("Start {who}'s turn"))
                .on_hover_text("F7 or Ctrl+Shift+T")
                .clicked()
                || f7
            {
                app.apply(
                    "turn",
                    "Starting the turn…",
                    Command::StartTurn {
                        meeting: meeting_id.clone(),
                        presenter: next.member.clone(),
                    },
                );
            }
        } else {
            if voice
                .member
                .as_ref()
                .is_some_and(|me| meeting.turns.contains_key(me))
            {
                self.action_capture(app, ui, (set, meeting_id), voice);
            }
            ui.label("Every turn is done: move on to the review.");
        }
        app.status(ui, "turn");
    }

    /// What struck the presenter, kept in their turn: a few lines the presenter writes,
    /// or whoever keeps the record for them, folded away until wanted.
    fn insights(
        &mut self,
        app: &mut Shell,
        ui: &mut egui::Ui,
        shown: Shown<'_>,
        presenter: &MemberId,
        turn: &Turn,
    ) {
        let kept = turn.insights.as_str();
        // Filled from the turn when the turn changes, and when someone else's words
        // arrive while this device has not touched the box.
        let filled = match &self.insights_of {
            Some((of, text)) if of == presenter => {
                text != kept && app.value("insights.text") == *text
            }
            _ => true,
        };
        if filled {
            kept.clone_into(app.field("insights.text"));
            self.insights_of = Some((presenter.clone(), kept.to_owned()));
        }
        egui::CollapsingHeader::new("Insights")
            .default_open(!turn.insights.is_blank())
            .show(ui, |ui| {
                let label = format!("What struck {}", name_of(shown.set, presenter));
                app.prose(ui, &label, "insights.text");
                if ui.button("Keep insights").clicked() {
                    let insights = app.value("insights.text");
                    self.insights_of = Some((presenter.clone(), insights.clone()));
                    app.apply(
                        "insights",
                        "Keeping the insights…",
                        Command::NoteInsights {
                            meeting: shown.meeting_id.clone(),
                            insights,
                        },
                    );
                }
                app.status(ui, "insights");
            });
    }

    /// Logs a question or statement as asked by `asker`; with no one picked, says so.
    pub(crate) fn log_said(
        &mut self,
        app: &mut Shell,
        meeting_id: &MeetingId,
        kind: ContributionKind,
        asker: Option<revans_model::MemberId>,
        text: String,
    ) {
        let Some(asker) = asker else {
            app.error(
                "said",
                "Say who asked: pick them above (or press their number, 1 to 7).",
            );
            return;
        };
        app.apply(
            "said",
            "Logging…",
            Command::LogContribution {
                meeting: meeting_id.clone(),
                kind,
                text,
                asker: Some(asker),
            },
        );
        // The next one is this device's member's again unless someone is picked.
        self.asker = None;
    }

    /// Who asked the next question: this device's member by default; on a shared screen the
    /// one logging picks the member with a click or their number (1 to 7). `None` when no
    /// one is picked and this device's member is the presenter.
    pub(crate) fn asker_picker(
        &mut self,
        app: &mut Shell,
        ui: &mut egui::Ui,
        set: &ActionLearningSet,
        presenter: &revans_model::MemberId,
    ) -> Option<revans_model::MemberId> {
        const KEYS: [egui::Key; 7] = [
            egui::Key::Num1,
            egui::Key::Num2,
            egui::Key::Num3,
            egui::Key::Num4,
            egui::Key::Num5,
            egui::Key::Num6,
            egui::Key::Num7,
        ];
        let others: Vec<(revans_model::MemberId, String)> = set
            .current_members()
            .into_iter()
            .filter(|(id, _)| *id != presenter)
            .map(|(id, m)| (id.clone(), m.display_name.clone()))
            .collect();
        if self
            .asker
            .as_ref()
            .is_some_and(|a| !others.iter().any(|(id, _)| id == a))
        {
            self.asker = None;
        }
        // Numbers pick only while no text field is being typed in.
        if !ui.ctx().egui_wants_keyboard_input() {
            for (key, (id, _)) in KEYS.iter().zip(&others) {
                if ui.input(|i| i.key_pressed(*key)) {
                    self.asker = Some(id.clone());
                }
            }
        }
        let me = app.me().filter(|m| m != presenter);
        let chosen = self.asker.clone().or(me);
        ui.horizontal_wrapped(|ui| {
            ui.label("Asked by");
            for (i, (id, name)) in others.iter().enumerate() {
                // The one picked filled with their colour, the others in it: readable in
                // both themes and from across the room.
                let colour = member_colour(set, id);
                let picked = chosen.as_ref() == Some(id);
                let text = RichText::new(format!("{} {name}", i + 1)).color(if picked {
                    egui::Color32::WHITE
                } else {
                    colour
                });
                let button = egui::Button::new(text).selected(picked).fill(if picked {
                    colour
                } else {
                    egui::Color32::TRANSPARENT
                });
                if ui.add(button).clicked() {
                    self.asker = Some(id.clone());
                }
            }
        });
        chosen
    }
}
