//! The agenda: the batting order proposed from the bids, arranged and locked by the set.

use egui::RichText;
use revans_model::{ActionLearningSet, Command, MeetingId, Urgency, batting_order};

use super::{Console, Shown, Voice};
use crate::gui::Shell;
use crate::render::{entered, name_of};

impl Console {
    pub(super) fn agenda(
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
        bids(ui, set, meeting);
        if meeting.agenda.is_none() {
            self.bid_form(app, ui, set, meeting_id, voice);
        }
        ui.add_space(8.0);
        self.batting_order(app, ui, set, meeting_id, meeting);
    }

    /// The bid of the member speaking: minutes, urgency, the issue, what they want from
    /// the set today; or a pass. Offered from the meeting's planning until its agenda is
    /// locked.
    #[allow(clippy::too_many_lines)] // the form drawn top to bottom, as it appears
    pub(super) fn bid_form(
        &mut self,
        app: &mut Shell,
        ui: &mut egui::Ui,
        set: &ActionLearningSet,
        meeting_id: &MeetingId,
        voice: &Voice,
    ) {
        ui.label(RichText::new(format!("{} bid for time", voice.whose())).strong());
        let minutes_field = voice.field("bid.minutes");
        let note_field = voice.field("bid.note");
        let entered = app.text(
            ui,
            "Minutes wanted (blank for an equal share)",
            &minutes_field,
        );
        ui.horizontal(|ui| {
            ui.label("Urgency");
            let urgency = app.field("bid.urgency.keep");
            if urgency.is_empty() {
                "normal".clone_into(urgency);
            }
            for u in ["low", "normal", "high"] {
                let selected = app.value("bid.urgency.keep") == u;
                if ui.selectable_label(selected, u).clicked() {
                    u.clone_into(app.field("bid.urgency.keep"));
                }
            }
        });
        // The bid names the issue to work on: one of this member's open issues.
        let mine: Vec<_> = voice
            .member
            .as_ref()
            .map(|me| {
                set.open_issues_by_priority()
                    .into_iter()
                    .filter(|(_, i)| i.owner == *me)
                    .map(|(id, i)| (id.clone(), i.statement.clone()))
                    .collect()
            })
            .unwrap_or_default();
        if !mine.is_empty() {
            let chosen = self
                .bid_issue
                .as_ref()
                .and_then(|c| mine.iter().find(|(id, _)| id == c))
                .map_or_else(|| "No particular issue".to_owned(), |(_, s)| s.clone());
            egui::ComboBox::from_label("Issue to work on")
                .selected_text(chosen)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.bid_issue, None, "No particular issue");
                    for (id, statement) in &mine {
                        ui.selectable_value(&mut self.bid_issue, Some(id.clone()), statement);
                    }
                });
        }
        let noted = app.text(ui, "What I want from the set today (optional)", &note_field);
        if ui.button("Bid for time").clicked() || entered || noted {
            let minutes = app.value(&minutes_field);
            let minutes = if minutes.trim().is_empty() {
                Ok(None)
            } else {
                minutes.trim().parse::<u32>().map(Some)
            };
            let urgency = match app.value("bid.urgency.keep").as_str() {
                "low" => Urgency::Low,
                "high" => Urgency::High,
                _ => Urgency::Normal,
            };
            match minutes {
                Err(_) => app.error(
                    "bid",
                    "Write the minutes as a whole number, or leave it blank for an equal share.",
                ),
                Ok(minutes) => app.apply(
                    "bid",
                    "Bidding…",
                    voice.command(Command::BidForTime {
                        meeting: meeting_id.clone(),
                        minutes,
                        urgency,
                        // Only an issue of the member's own, whoever was spoken for before.
                        issue: self
                            .bid_issue
                            .clone()
                            .filter(|c| mine.iter().any(|(id, _)| id == c)),
                        note: app.value(&note_field).trim().to_owned(),
                    }),
                ),
            }
        }
        if ui
            .button("Pass this time")
            .on_hover_text("You are here, but ask for no turn today")
            .clicked()
        {
            app.apply(
                "bid",
                "Passing…",
                voice.command(Command::Pass {
                    meeting: meeting_id.clone(),
                }),
            );
        }
        app.status(ui, "bid");
    }

    /// The batting order: proposed from the bids, then arranged by the set (a presenter
    /// moved up or down, their minutes changed, or left out this time) and locked.
    fn batting_order(
        &mut self,
        app: &mut Shell,
        ui: &mut egui::Ui,
        set: &ActionLearningSet,
        meeting_id: &MeetingId,
        meeting: &revans_model::Meeting,
    ) {
        let order = batting_order(set, meeting);
        if order.locked {
            self.arranged = None;
        }
        let arranging = match &self.arranged {
            Some((m, slots)) if m == meeting_id => Some(slots.clone()),
            _ => None,
        };
        let mut slots = arranging.clone().unwrap_or_else(|| order.slots.clone());
        ui.label(
            RichText::new(if order.locked {
                "Batting order (locked)"
            } else if arranging.is_some() {
                "Batting order as the set arranges it"
            } else {
                "Proposed batting order"
            })
            .strong(),
        );
        let allocated: u32 = slots.iter().map(|s| s.minutes).sum();
        ui.label(format!(
            "{allocated} of {} minutes for turns allocated",
            order.minutes_for_turns
        ));
        let changed = arrange(
            ui,
            set,
            meeting,
            &mut slots,
            order.locked,
            order.minutes_for_turns,
        );
        if changed {
            self.arranged = Some((meeting_id.clone(), slots.clone()));
        }
        if order.locked {
            app.status(ui, "lock");
            return;
        }
        ui.horizontal(|ui| {
            if !slots.is_empty() && ui.button("Lock batting order").clicked() {
                app.apply(
                    "lock",
                    "Locking…",
                    Command::LockAgenda {
                        meeting: meeting_id.clone(),
                        slots: self.arranged.as_ref().map(|(_, s)| s.clone()),
                    },
                );
            }
            if self.arranged.is_some() && ui.button("Back to the proposed order").clicked() {
                self.arranged = None;
            }
        });
        app.status(ui, "lock");
    }
}

/// The batting order's rows; unless it is locked, each presenter's minutes can be changed
/// and they can be moved earlier or later or left out this time. Returns whether anything was.
fn arrange(
    ui: &mut egui::Ui,
    set: &ActionLearningSet,
    meeting: &revans_model::Meeting,
    slots: &mut Vec<revans_model::Slot>,
    locked: bool,
    minutes_for_turns: u32,
) -> bool {
    let mut changed = false;
    egui::Grid::new("order").striped(true).show(ui, |ui| {
        let mut moved: Option<(usize, usize)> = None;
        let mut passing: Option<usize> = None;
        let last = slots.len().saturating_sub(1);
        for (i, slot) in slots.iter_mut().enumerate() {
            ui.label(format!("{}.", i + 1));
            ui.label(name_of(set, &slot.member));
            if locked {
                ui.label(format!("{} min", slot.minutes));
            } else {
                let minutes = egui::DragValue::new(&mut slot.minutes)
                    .range(1..=minutes_for_turns.max(1))
                    .suffix(" min");
                changed |= ui.add(minutes).changed();
            }
            ui.label(
                slot.issue
                    .as_ref()
                    .and_then(|i| set.issues.get(i))
                    .map(|i| i.statement.clone())
                    .unwrap_or_default(),
            );
            ui.label(
                meeting
                    .bids
                    .get(&slot.member)
                    .map(|b| b.note.clone())
                    .unwrap_or_default(),
            );
            if !locked {
                let who = name_of(set, &slot.member);
                if ui
                    .add_enabled(i > 0, egui::Button::new("Earlier"))
                    .on_hover_text(format!("{who} presents earlier"))
                    .clicked()
                {
                    moved = Some((i, i - 1));
                }
                if ui
                    .add_enabled(i < last, egui::Button::new("Later"))
                    .on_hover_text(format!("{who} presents later"))
                    .clicked()
                {
                    moved = Some((i, i + 1));
                }
                if ui
                    .button("Pass")
                    .on_hover_text(format!("{who} passes this time"))
                    .clicked()
                {
                    passing = Some(i);
                }
            }
            ui.end_row();
        }
        if let Some((from, to)) = moved {
            slots.swap(from, to);
            changed = true;
        }
        if let Some(i) = passing {
            slots.remove(i);
            changed = true;
        }
    });
    changed
}

/// The bids made so far: minutes, urgency, issue, and what each wants from the set.
pub(super) fn bids(ui: &mut egui::Ui, set: &ActionLearningSet, meeting: &revans_model::Meeting) {
    ui.label(RichText::new("Bids for time").strong());
    egui::Grid::new("bids").striped(true).show(ui, |ui| {
        for (member, bid) in &meeting.bids {
            ui.label(name_of(set, member));
            ui.label(if bid.passing {
                "passes this time".to_owned()
            } else {
                bid.minutes
                    .map_or("an equal share".to_owned(), |m| format!("{m} min"))
            });
            ui.label(if bid.passing {
                String::new()
            } else {
                format!("{} urgency", bid.urgency.name())
            });
            ui.label(
                bid.issue
                    .as_ref()
                    .and_then(|i| set.issues.get(i))
                    .map(|i| i.statement.clone())
                    .unwrap_or_default(),
            );
            ui.label(&bid.note);
            ui.label(entered(set, member, bid.entered_by.as_ref()).unwrap_or_default());
            ui.end_row();
        }
    });
}
