//! Issues: each member's problem, in the practice's template, and how it stands.

use egui::RichText;
use revans_model::{Command, Field, IssueStatus, ProblemStatement};

use crate::gui::forms::Editing;
use crate::gui::forms::ISSUE_TEMPLATE;
use crate::gui::look::member_colour;
use crate::gui::{Shell, look};
use crate::render::name_of;

#[allow(clippy::too_many_lines)] // the area drawn top to bottom, as it appears
pub(crate) fn ui(app: &mut Shell, ui: &mut egui::Ui) {
    let Some(set) = app.set().cloned() else {
        return;
    };
    let me = app.me();
    ui.heading("Issues");
    ui.label("Each member brings a real problem: \"a situation in which I am part of the problem and the problem is part of me\".");
    if set.issues.is_empty() {
        look::empty(
            ui,
            "No issues yet: bring the problem you want the set's help with, below. Only the one sentence is needed to start.",
        );
    }
    priorities(app, ui, &set);
    for (id, issue) in in_order(&set) {
        look::card(ui, Some(member_colour(&set, &issue.owner)), |ui| {
            ui.label(RichText::new(&issue.statement).strong());
            ui.label(format!(
                "{} · {}",
                name_of(&set, &issue.owner),
                issue.status.name()
            ));
            for (label, text) in [
                ("Why it is important to me", &issue.important_to_me),
                (
                    "Why it is important to my practice",
                    &issue.important_to_my_practice,
                ),
                ("How I will recognise progress", &issue.recognising_progress),
                (
                    "Who else would like to see progress",
                    &issue.who_else_wants_progress,
                ),
                ("Difficulties I anticipate", &issue.anticipated_difficulties),
                ("Benefits to me", &issue.benefits_to_me),
                ("Benefits to other people", &issue.benefits_to_others),
                ("Benefits to the practice", &issue.benefits_to_the_practice),
            ] {
                if !text.is_blank() {
                    ui.label(format!("{label}: {}", text.as_str()));
                }
            }
            if issue.status == IssueStatus::Resolved {
                super::celebrate(
                    app,
                    ui,
                    &set,
                    (&issue.owner, &issue.statement, true),
                    "issues",
                );
            }
            app.versions(ui, &set, &Field::IssueStatement(id.clone()));
            let editing = Editing::Issue(id.clone());
            if app.editing(&editing) {
                app.edit_form(ui, &set);
            } else if Some(&issue.owner) == me.as_ref() && issue.status == IssueStatus::Open {
                ui.horizontal(|ui| {
                    if ui.button("Edit issue").clicked() {
                        app.edit(&set, editing);
                    }
                    if ui.button("Mark resolved").clicked() {
                        app.apply(
                            "issues",
                            "Saving…",
                            Command::ResolveIssue { issue: id.clone() },
                        );
                    }
                    if ui.button("Drop issue").clicked() {
                        app.apply(
                            "issues",
                            "Saving…",
                            Command::DropIssue { issue: id.clone() },
                        );
                    }
                });
            }
        });
    }
    if matches!(app.editing, Some(Editing::Issue(_))) {
        // One form at a time: the issue being changed has the template's fields.
        app.status(ui, "issues");
        return;
    }
    ui.add_space(8.0);
    ui.label(RichText::new("Bring an issue").strong());
    app.text(
        ui,
        "Describe your problem in one sentence",
        "issue.statement",
    );
    ui.label("The rest of the template is optional; answer what helps.");
    for (label, name) in ISSUE_TEMPLATE {
        app.prose(ui, label, name);
    }
    if ui.button("Add issue").clicked() {
        let mut problem = ProblemStatement::new(&app.value("issue.statement"));
        problem.important_to_me = app.value("issue.why_me");
        problem.important_to_my_practice = app.value("issue.why_practice");
        problem.recognising_progress = app.value("issue.progress");
        problem.who_else_wants_progress = app.value("issue.who_else");
        problem.anticipated_difficulties = app.value("issue.difficulties");
        problem.benefits_to_me = app.value("issue.benefits_me");
        problem.benefits_to_others = app.value("issue.benefits_others");
        problem.benefits_to_the_practice = app.value("issue.benefits_practice");
        app.apply("issue", "Adding…", Command::AddIssue { problem });
    }
    app.status(ui, "issue");
    app.status(ui, "issues");
}

/// The set's priorities among the open issues, agreed together: moving one earlier or
/// later records the whole order for every member at once (the batting order follows it).
pub(super) fn priorities(
    app: &mut Shell,
    ui: &mut egui::Ui,
    set: &revans_model::ActionLearningSet,
) {
    let open = set.open_issues_by_priority();
    if open.len() < 2 {
        return;
    }
    look::section(ui, "The set's priorities");
    let order: Vec<_> = open.iter().map(|(id, _)| (*id).clone()).collect();
    let mut moved = None;
    egui::Grid::new("priorities").striped(true).show(ui, |ui| {
        for (i, (_, issue)) in open.iter().enumerate() {
            ui.label(format!("{}.", i + 1));
            ui.label(&issue.statement);
            ui.label(name_of(set, &issue.owner));
            if ui
                .add_enabled(i > 0, egui::Button::new("Earlier"))
                .clicked()
            {
                moved = Some((i, i - 1));
            }
            if ui
                .add_enabled(i + 1 < open.len(), egui::Button::new("Later"))
                .clicked()
            {
                moved = Some((i, i + 1));
            }
            ui.end_row();
        }
    });
    if let Some((from, to)) = moved {
        let mut order = order;
        order.swap(from, to);
        app.apply(
            "priorities",
            "Recording the set's priorities…",
            Command::PrioritiseIssues { order },
        );
    }
    app.status(ui, "priorities");
}

/// Open issues in the set's order of priority, then the resolved and dropped.
fn in_order(
    set: &revans_model::ActionLearningSet,
) -> Vec<(&revans_model::IssueId, &revans_model::Issue)> {
    let mut issues = set.open_issues_by_priority();
    let mut closed: Vec<_> = set
        .issues
        .iter()
        .filter(|(_, i)| i.status != IssueStatus::Open)
        .collect();
    closed.sort_by_key(|(id, i)| (i.created_at, *id));
    issues.extend(closed);
    issues
}
