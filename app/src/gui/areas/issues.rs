//! Issues: each member's problem, in the practice's template, and how it stands.

use egui::RichText;
use revans_model::{Command, Field, IssueStatus, ProblemStatement};

use crate::gui::forms::Editing;
use crate::gui::forms::ISSUE_TEMPLATE;
use crate::gui::look::member_colour;
use crate::gui::{RevansApp, look};
use crate::render::name_of;

impl RevansApp {
    pub(crate) fn issues(&mut self, ui: &mut egui::Ui) {
        let Some(set) = self.set().cloned() else {
            return;
        };
        let me = self.me();
        ui.heading("Issues");
        ui.label("Each member brings a real problem: \"a situation in which I am part of the problem and the problem is part of me\".");
        if set.issues.is_empty() {
            look::empty(
                ui,
                "No issues yet: bring the problem you want the set's help with, below. Only the one sentence is needed to start.",
            );
        }
        let mut issues: Vec<_> = set.issues.iter().collect();
        issues
            .sort_by_key(|(id, i)| (i.status != IssueStatus::Open, i.priority, i.created_at, *id));
        for (id, issue) in issues {
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
                self.versions(ui, &set, &Field::IssueStatement(id.clone()));
                let editing = Editing::Issue(id.clone());
                if self.editing(&editing) {
                    self.edit_form(ui, &set);
                } else if Some(&issue.owner) == me.as_ref() && issue.status == IssueStatus::Open {
                    ui.horizontal(|ui| {
                        if ui.button("Edit issue").clicked() {
                            self.edit(&set, editing);
                        }
                        if ui.button("Mark resolved").clicked() {
                            self.apply(
                                "issues",
                                "Saving…",
                                Command::ResolveIssue { issue: id.clone() },
                            );
                        }
                        if ui.button("Drop issue").clicked() {
                            self.apply(
                                "issues",
                                "Saving…",
                                Command::DropIssue { issue: id.clone() },
                            );
                        }
                    });
                }
            });
        }
        if matches!(self.editing, Some(Editing::Issue(_))) {
            // One form at a time: the issue being changed has the template's fields.
            self.status(ui, "issues");
            return;
        }
        ui.add_space(8.0);
        ui.label(RichText::new("Bring an issue").strong());
        self.text(
            ui,
            "Describe your problem in one sentence",
            "issue.statement",
        );
        ui.label("The rest of the template is optional; answer what helps.");
        for (label, name) in ISSUE_TEMPLATE {
            self.prose(ui, label, name);
        }
        if ui.button("Add issue").clicked() {
            let mut problem = ProblemStatement::new(&self.value("issue.statement"));
            problem.important_to_me = self.value("issue.why_me");
            problem.important_to_my_practice = self.value("issue.why_practice");
            problem.recognising_progress = self.value("issue.progress");
            problem.who_else_wants_progress = self.value("issue.who_else");
            problem.anticipated_difficulties = self.value("issue.difficulties");
            problem.benefits_to_me = self.value("issue.benefits_me");
            problem.benefits_to_others = self.value("issue.benefits_others");
            problem.benefits_to_the_practice = self.value("issue.benefits_practice");
            self.apply("issue", "Adding…", Command::AddIssue { problem });
        }
        self.status(ui, "issue");
        self.status(ui, "issues");
    }
}
