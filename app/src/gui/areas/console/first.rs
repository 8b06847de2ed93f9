//! The set's first meeting opens differently (the practice: introductions with first
//! names; the group sets its own ground rules; solicit issues and get the group to
//! prioritise them): before the first catch-up round, the console offers each in turn.

use egui::RichText;
use revans_model::{Command, ProblemStatement};

use super::Shown;
use crate::gui::areas::{ground_rules, issues};
use crate::gui::{Shell, look};
use crate::render::name_of;

/// Whether the meeting shown is the set's first.
pub(super) fn is_first(shown: Shown<'_>) -> bool {
    shown
        .set
        .meetings_in_order()
        .first()
        .is_some_and(|(id, _)| *id == shown.meeting_id)
}

/// Introductions, the set's own ground rules, and its issues in the order of priority
/// it agrees.
pub(super) fn first_meeting(app: &mut Shell, ui: &mut egui::Ui, shown: Shown<'_>) {
    let set = shown.set;
    let me = app.me();
    egui::CollapsingHeader::new(RichText::new("The set's first meeting").strong())
        .id_salt("first meeting")
        .default_open(true)
        .show(ui, |ui| {
            look::section(ui, "Introductions");
            ui.label("Go round the circle: first names, where each of you works, and what brought you to the set.");
            for (id, member) in set.members_in_joining_order() {
                if member.is_current() {
                    let from = if member.organisation.trim().is_empty() {
                        String::new()
                    } else {
                        format!(", {}", member.organisation.trim())
                    };
                    ui.label(format!("{}{from}", name_of(set, id)));
                }
            }
            look::section(ui, "Choosing our ground rules together");
            ground_rules::ui(app, ui, set, me.as_ref());
            look::section(ui, "Our issues, and their priority");
            ui.label("Each brings a real problem of their own; then the set agrees which come first.");
            let entered = app.text(ui, "My issue, in one sentence", "first.issue.text");
            if ui.button("Bring this issue").clicked() || entered {
                let problem = ProblemStatement::new(&app.value("first.issue.text"));
                app.apply("first.issue", "Adding…", Command::AddIssue { problem });
            }
            app.status(ui, "first.issue");
            let open = set.open_issues_by_priority();
            if open.len() == 1 {
                let (_, issue) = open[0];
                ui.label(format!("{}: {}", name_of(set, &issue.owner), issue.statement));
            }
            issues::priorities(app, ui, set);
        });
    ui.separator();
}
