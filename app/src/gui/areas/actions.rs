//! Actions: what members committed to, how likely, and what they reported back.

use egui::RichText;
use revans_model::{Field, follow_through};

use crate::gui::forms::Editing;
use crate::gui::look::member_colour;
use crate::gui::{Shell, charts, look};
use crate::render::name_of;

/// Which actions the Actions area lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ActionFilter {
    Mine,
    Open,
    All,
}

/// The actions area keeps which actions it lists.
pub(crate) struct Actions {
    filter: ActionFilter,
}

impl Default for Actions {
    fn default() -> Self {
        Self {
            filter: ActionFilter::All,
        }
    }
}

impl Actions {
    #[allow(clippy::too_many_lines)] // the area drawn top to bottom, as it appears
    pub(crate) fn ui(&mut self, app: &mut Shell, ui: &mut egui::Ui) {
        let Some(set) = app.set().cloned() else {
            return;
        };
        let me = app.me();
        ui.heading("Actions");
        ui.horizontal(|ui| {
            ui.label("Show");
            for (filter, label) in [
                (ActionFilter::Mine, "Mine"),
                (ActionFilter::Open, "Open"),
                (ActionFilter::All, "All"),
            ] {
                if ui.selectable_label(self.filter == filter, label).clicked() {
                    self.filter = filter;
                }
            }
        });
        let mut actions: Vec<_> = set
            .actions
            .iter()
            .filter(|(_, a)| match self.filter {
                ActionFilter::Mine => Some(&a.owner) == me.as_ref(),
                ActionFilter::Open => a.report_back.is_none(),
                ActionFilter::All => true,
            })
            .collect();
        actions.sort_by_key(|(id, a)| (Some(&a.owner) != me.as_ref(), a.created_at, *id));
        if actions.is_empty() {
            look::empty(
                ui,
                match self.filter {
                    ActionFilter::Mine => {
                        "You have no actions yet: commit to one at the end of your turn."
                    }
                    ActionFilter::Open => "No action is waiting for its account.",
                    ActionFilter::All => {
                        "No actions yet: each presenter commits to theirs at the end of their turn."
                    }
                },
            );
        }
        for (id, a) in &actions {
            ui.horizontal_wrapped(|ui| {
                ui.label(
                    RichText::new(name_of(&set, &a.owner))
                        .strong()
                        .color(member_colour(&set, &a.owner)),
                );
                ui.label(&a.text);
                look::chip(
                    ui,
                    &format!("{}/10 likely", a.likelihood),
                    ui.visuals().weak_text_color(),
                );
                let outcome = a.report_back.as_ref().map(|r| r.outcome);
                look::chip(
                    ui,
                    outcome.map_or("open", revans_model::Outcome::name),
                    look::outcome_colour(outcome),
                );
                // Written down by the room's scribe: theirs until the owner confirms it.
                let account = a.report_back.as_ref().and_then(|r| {
                    crate::render::entered(&set, &a.owner, r.entered_by.as_ref())
                        .map(|note| format!("account {note}"))
                });
                let note =
                    crate::render::entered(&set, &a.owner, a.entered_by.as_ref()).or(account);
                if let Some(note) = note {
                    ui.label(RichText::new(note).italics());
                }
                let entered_for_me = a.entered_by.as_ref().is_some_and(|by| *by != a.owner);
                if Some(&a.owner) == me.as_ref()
                    && entered_for_me
                    && a.report_back.is_none()
                    && ui
                        .button("Confirm")
                        .on_hover_text("It is as I said it: make it my own word")
                        .clicked()
                {
                    app.apply(
                        "confirm",
                        "Confirming…",
                        revans_model::Command::EditAction {
                            action: (*id).clone(),
                            text: None,
                            likelihood: None,
                        },
                    );
                }
                let marked = app.in_conflict(&Field::ActionText((*id).clone()))
                    || app.in_conflict(&Field::ActionLikelihood((*id).clone()));
                if marked {
                    ui.colored_label(ui.visuals().warn_fg_color, "two versions");
                }
                if Some(&a.owner) == me.as_ref()
                    && a.report_back.is_none()
                    && app.editing.is_none()
                    && ui
                        .button("Edit")
                        .on_hover_text(format!("Change: {}", a.text))
                        .clicked()
                {
                    app.edit(
                        &set,
                        Editing::Action {
                            action: (*id).clone(),
                            likelihood: a.likelihood,
                        },
                    );
                }
            });
            app.versions(ui, &set, &Field::ActionText((*id).clone()));
            app.versions(ui, &set, &Field::ActionLikelihood((*id).clone()));
            if app.editing(&Editing::Action {
                action: (*id).clone(),
                likelihood: a.likelihood,
            }) {
                app.edit_form(ui, &set);
            }
        }
        app.status(ui, "confirm");
        // Your own follow-through is yours to see; the set's is everyone's, with no one
        // named.
        look::section(ui, "Follow-through");
        let by_member = follow_through(&set);
        let me = app.me();
        if let Some(mine) = me.as_ref().and_then(|me| by_member.get(me)) {
            let calibration = mine.calibration.as_ref().map_or_else(String::new, |c| {
                format!(
                    "; you said {:.0}% likely on average and did {:.0}%",
                    c.mean_likelihood * 10.0,
                    c.follow_through * 100.0
                )
            });
            ui.label(format!(
                "Yours: {} done, {} partly, {} not, {} open{calibration}",
                mine.done, mine.partly, mine.not, mine.open
            ));
        }
        let all = revans_model::the_sets_follow_through(&set);
        ui.label(format!(
            "The whole set: {} done, {} partly, {} not, {} open",
            all.done, all.partly, all.not, all.open
        ));
        charts::charts(ui, &set, me.as_ref(), app.now());
    }
}
