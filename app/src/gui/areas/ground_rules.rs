//! The set's ground rules: those proposed, each with who agreed; the practice's
//! suggestions offered to pick from; and a rule in the set's own words. On the Overview,
//! and on the first meeting's console, where the set chooses them together.

use egui::RichText;
use revans_model::{ActionLearningSet, Command, Field, MemberId};

use crate::gui::Shell;
use crate::gui::forms::Editing;
use crate::render::name_of;

pub(crate) fn ui(
    app: &mut Shell,
    ui: &mut egui::Ui,
    set: &ActionLearningSet,
    me: Option<&MemberId>,
) {
    ui.label(RichText::new("Ground rules").strong());
    // In the order proposed: a rule proposed elsewhere lands at the end, not mid-list.
    let mut rules: Vec<_> = set
        .ground_rules
        .iter()
        .filter(|(_, r)| r.retired.is_none())
        .collect();
    rules.sort_by_key(|(id, r)| (r.proposed_at, *id));
    let (offered, proposed): (Vec<_>, Vec<_>) =
        rules.into_iter().partition(|(_, r)| r.is_offered());
    if proposed.is_empty() {
        ui.label(RichText::new("None yet: the set chooses its own, from the practice's suggestions below or in its own words.").weak());
    }
    for (id, rule) in proposed {
        ui.horizontal_wrapped(|ui| {
            let agreed: Vec<String> = rule.agreed_by.keys().map(|m| name_of(set, m)).collect();
            ui.label(&rule.text);
            if agreed.is_empty() {
                ui.label(RichText::new("not yet agreed").weak());
            } else {
                ui.label(RichText::new(format!("agreed by {}", agreed.join(", "))).weak());
            }
            let mine = me.is_some_and(|m| rule.agreed_by.contains_key(m));
            if !mine
                && ui
                    .button("Agree")
                    .on_hover_text(format!("Agree to: {}", rule.text))
                    .clicked()
            {
                app.apply(
                    "rules",
                    "Agreeing…",
                    Command::AgreeRule { rule: id.clone() },
                );
            }
            let editing = Editing::Rule(id.clone());
            if !app.editing(&editing)
                && ui
                    .button("Reword")
                    .on_hover_text(format!("New words for: {}", rule.text))
                    .clicked()
            {
                app.edit(set, editing);
            }
        });
        app.versions(ui, set, &Field::RuleWording(id.clone()));
        if app.editing(&Editing::Rule(id.clone())) {
            app.edit_form(ui, set);
        }
    }
    if !offered.is_empty() {
        egui::CollapsingHeader::new(format!(
            "Suggested by the practice ({}): pick the ones the set wants",
            offered.len()
        ))
        .id_salt("offered rules")
        .show(ui, |ui| {
            for (id, rule) in offered {
                ui.horizontal_wrapped(|ui| {
                    ui.label(&rule.text);
                    if ui
                        .button("Pick")
                        .on_hover_text(format!(
                            "Propose it, agreeing to it yourself: {}",
                            rule.text
                        ))
                        .clicked()
                    {
                        app.apply("rules", "Picking…", Command::AgreeRule { rule: id.clone() });
                    }
                });
            }
        });
    }
    let entered = app.text(ui, "New ground rule", "rules.text");
    if ui.button("Propose rule").clicked() || entered {
        let text = app.value("rules.text");
        app.apply("rules", "Proposing…", Command::ProposeRule { text });
    }
    app.status(ui, "rules");
}
