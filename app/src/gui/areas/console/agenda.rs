//! The agenda: the batting order proposed from the bids, locked by the set.

use egui::RichText;
use revans_model::{Command, Urgency, batting_order};

use super::{Console, Shown};
use crate::gui::Shell;
use crate::render::name_of;

impl Console {
    #[allow(clippy::too_many_lines)] // the area drawn top to bottom, as it appears
    pub(super) fn agenda(&mut self, app: &mut Shell, ui: &mut egui::Ui, shown: Shown<'_>) {
        let Shown {
            set,
            meeting_id,
            meeting,
        } = shown;
        ui.label(RichText::new("Bids for time").strong());
        egui::Grid::new("bids").striped(true).show(ui, |ui| {
            for (member, bid) in &meeting.bids {
                ui.label(name_of(set, member));
                ui.label(
                    bid.minutes
                        .map_or("an equal share".to_owned(), |m| format!("{m} min")),
                );
                ui.label(format!("{} urgency", bid.urgency.name()));
                ui.label(
                    bid.issue
                        .as_ref()
                        .and_then(|i| set.issues.get(i))
                        .map(|i| i.statement.clone())
                        .unwrap_or_default(),
                );
                ui.label(&bid.note);
                ui.end_row();
            }
        });
        if meeting.agenda.is_none() {
            let entered = app.text(
                ui,
                "Minutes wanted (blank for an equal share)",
                "bid.minutes",
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
            let mine: Vec<_> = app
                .me()
                .map(|me| {
                    set.open_issues_by_priority()
                        .into_iter()
                        .filter(|(_, i)| i.owner == me)
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
            if ui.button("Bid for time").clicked() || entered {
                let minutes = app.value("bid.minutes");
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
                    Err(_) => app.error("bid", "Write the minutes as a whole number, or leave it blank for an equal share."),
                    Ok(minutes) => app.apply(
                        "bid",
                        "Bidding…",
                        Command::BidForTime {
                            meeting: meeting_id.clone(),
                            minutes,
                            urgency,
                            issue: self.bid_issue.clone(),
                            note: String::new(),
                        },
                    ),
                }
            }
            app.status(ui, "bid");
        }
        ui.add_space(8.0);
        let order = batting_order(set, meeting);
        ui.label(
            RichText::new(if order.locked {
                "Batting order (locked)"
            } else {
                "Proposed batting order"
            })
            .strong(),
        );
        ui.label(format!(
            "{} of {} minutes for turns allocated",
            order.allocated(),
            order.minutes_for_turns
        ));
        egui::Grid::new("order").striped(true).show(ui, |ui| {
            for (i, slot) in order.slots.iter().enumerate() {
                ui.label(format!("{}.", i + 1));
                ui.label(name_of(set, &slot.member));
                ui.label(format!("{} min", slot.minutes));
                ui.label(
                    slot.issue
                        .as_ref()
                        .and_then(|i| set.issues.get(i))
                        .map(|i| i.statement.clone())
                        .unwrap_or_default(),
                );
                ui.end_row();
            }
        });
        if !order.locked && !order.slots.is_empty() && ui.button("Lock batting order").clicked() {
            app.apply(
                "lock",
                "Locking…",
                Command::LockAgenda {
                    meeting: meeting_id.clone(),
                    slots: None,
                },
            );
        }
        app.status(ui, "lock");
    }
}
