//! Changing what was written (a set's name, a rule's words, an issue, a planned meeting,
//! one's own action), and the values two members changed at the same time: each version
//! with who wrote it and when, where the value appears, and one click to keep one.

use egui::RichText;
use revans_model::{ActionLearningSet, Command, Field, Host, ProblemStatement};

use super::forms::{Editing, ISSUE_TEMPLATE, parse_local};
use super::{Shell, look};
use crate::render::{self, name_of};

/// The template's answers on the edit form, by the add form's field names.
fn edit_name(name: &str) -> String {
    name.replacen("issue.", "edit.", 1)
}

impl Shell {
    /// Starts changing a record: its form holds what the record says now.
    pub(super) fn edit(&mut self, set: &ActionLearningSet, editing: Editing) {
        self.errors.remove("edit");
        let mut fill = |name: &str, value: &str| {
            self.fields.insert(name.to_owned(), value.to_owned());
        };
        match &editing {
            Editing::Set => {
                fill("edit.name", &set.name);
                fill("edit.purpose", set.purpose.as_str());
            }
            Editing::Rule(rule) => {
                if let Some(rule) = set.ground_rules.get(rule) {
                    fill("edit.text", &rule.text);
                }
            }
            Editing::Issue(issue) => {
                if let Some(issue) = set.issues.get(issue) {
                    fill("edit.statement", &issue.statement);
                    for ((_, name), answer) in ISSUE_TEMPLATE.iter().zip(answers(issue)) {
                        fill(&edit_name(name), answer);
                    }
                }
            }
            Editing::Meeting { meeting, .. } => {
                if let Some(meeting) = set.meetings.get(meeting) {
                    let starts = meeting.scheduled_at.get().with_timezone(&chrono::Local);
                    fill("edit.when", &starts.format("%Y-%m-%d %H:%M").to_string());
                    fill("edit.where", &meeting.location);
                }
            }
            Editing::Action { action, .. } => {
                if let Some(action) = set.actions.get(action) {
                    fill("edit.text", &action.text);
                }
            }
        }
        self.editing = Some(editing);
    }

    /// Whether this record's form is open.
    pub(super) fn editing(&self, editing: &Editing) -> bool {
        match (&self.editing, editing) {
            (Some(Editing::Meeting { meeting: a, .. }), Editing::Meeting { meeting: b, .. }) => {
                a == b
            }
            (Some(Editing::Action { action: a, .. }), Editing::Action { action: b, .. }) => a == b,
            (Some(open), _) => open == editing,
            (None, _) => false,
        }
    }

    /// The open form, where its record appears.
    #[allow(clippy::too_many_lines)] // the area drawn top to bottom, as it appears
    pub(super) fn edit_form(&mut self, ui: &mut egui::Ui, set: &ActionLearningSet) {
        let Some(editing) = self.editing.clone() else {
            return;
        };
        look::card(ui, None, |ui| {
            let (entered, command) = match editing {
                Editing::Set => {
                    let entered = self.text(ui, "The set's name", "edit.name");
                    self.prose(ui, "What the set is for", "edit.purpose");
                    let command = Command::EditSet {
                        name: Some(self.value("edit.name")),
                        purpose: Some(self.value("edit.purpose")),
                    };
                    (entered, command)
                }
                Editing::Rule(rule) => {
                    let entered = self.text(ui, "New words", "edit.text");
                    ui.label(
                        RichText::new(
                            "Everyone is asked to agree to the new words; you agree as you save them.",
                        )
                        .weak(),
                    );
                    let text = self.value("edit.text");
                    (entered, Command::RewordRule { rule, text })
                }
                Editing::Issue(issue) => {
                    let entered = self.text(ui, "Your problem in one sentence", "edit.statement");
                    for (label, name) in ISSUE_TEMPLATE {
                        self.prose(ui, label, &edit_name(name));
                    }
                    let value = |name: &str| self.value(&edit_name(name));
                    let problem = ProblemStatement {
                        statement: self.value("edit.statement"),
                        important_to_me: value("issue.why_me"),
                        important_to_my_practice: value("issue.why_practice"),
                        recognising_progress: value("issue.progress"),
                        who_else_wants_progress: value("issue.who_else"),
                        anticipated_difficulties: value("issue.difficulties"),
                        benefits_to_me: value("issue.benefits_me"),
                        benefits_to_others: value("issue.benefits_others"),
                        benefits_to_the_practice: value("issue.benefits_practice"),
                    };
                    (entered, Command::EditIssue { issue, problem })
                }
                Editing::Meeting { meeting, mut host } => {
                    let entered =
                        self.text(ui, "Starts (YYYY-MM-DD HH:MM, local time)", "edit.when")
                            | self.text(ui, "Meets at", "edit.where");
                    let chosen = host
                        .as_ref()
                        .map_or_else(|| "No host".to_owned(), |h| name_of(set, h));
                    egui::ComboBox::from_label("Hosted by")
                        .selected_text(chosen)
                        .show_ui(ui, |ui| {
                            ui.selectable_value(&mut host, None, "No host");
                            for (id, member) in set.current_members() {
                                ui.selectable_value(
                                    &mut host,
                                    Some(id.clone()),
                                    &member.display_name,
                                );
                            }
                        });
                    self.editing = Some(Editing::Meeting {
                        meeting: meeting.clone(),
                        host: host.clone(),
                    });
                    let command = Command::MoveMeeting {
                        meeting,
                        scheduled_at: parse_local(&self.value("edit.when")),
                        location: Some(self.value("edit.where")),
                        host: Some(host.map_or(Host::NoOne, Host::Member)),
                    };
                    (entered, command)
                }
                Editing::Action {
                    action,
                    mut likelihood,
                } => {
                    let entered = self.text(ui, "What you will do", "edit.text");
                    ui.add(
                        egui::Slider::new(&mut likelihood, 1..=10)
                            .text("How likely you are to do it (1-10)"),
                    );
                    self.editing = Some(Editing::Action {
                        action: action.clone(),
                        likelihood,
                    });
                    let command = Command::EditAction {
                        action,
                        text: Some(self.value("edit.text")),
                        likelihood: Some(likelihood),
                    };
                    (entered, command)
                }
            };
            ui.horizontal(|ui| {
                let save = ui.button("Save changes").clicked() || entered;
                if ui.button("Cancel").clicked() {
                    self.editing = None;
                    self.errors.remove("edit");
                } else if save {
                    match command {
                        Command::MoveMeeting {
                            scheduled_at: None, ..
                        } => self.error(
                            "edit",
                            "Write when it starts as a date and time, like 2026-12-08 09:30.",
                        ),
                        command => self.apply("edit", "Saving…", command),
                    }
                }
            });
            self.status(ui, "edit");
        });
    }

    /// The versions of a value two members changed at once, marked where the value
    /// appears: each with who wrote it and when, and a button to keep it.
    pub(super) fn versions(&mut self, ui: &mut egui::Ui, set: &ActionLearningSet, field: &Field) {
        if self.past.is_some() {
            return;
        }
        let Some(conflict) = self
            .selected
            .as_ref()
            .and_then(|id| self.conflicts.get(id))
            .and_then(|all| all.iter().find(|c| &c.field == field))
            .cloned()
        else {
            return;
        };
        let warn = ui.visuals().warn_fg_color;
        look::card(ui, Some(warn), |ui| {
            ui.label(
                    RichText::new(format!(
                        "{} was changed by two members at the same time. Both versions are kept until someone keeps one:",
                        render::field(set, field)
                    ))
                    .color(warn),
                );
            for version in &conflict.versions {
                ui.horizontal_wrapped(|ui| {
                    let value = render::kept(set, &version.value);
                    ui.label(RichText::new(&value).strong());
                    let mut said = format!("by {}", render::written(set, version));
                    if version.shown {
                        said.push_str(" (shown now)");
                    }
                    ui.label(RichText::new(said).weak());
                    if ui.button(format!("Keep {value}")).clicked() {
                        self.apply(
                            "keep",
                            "Keeping…",
                            Command::Keep {
                                field: field.clone(),
                                value: version.value.clone(),
                            },
                        );
                    }
                });
            }
            self.status(ui, "keep");
        });
    }

    /// Whether a value has more than one version now: its record is marked.
    pub(super) fn in_conflict(&self, field: &Field) -> bool {
        self.past.is_none()
            && self
                .selected
                .as_ref()
                .and_then(|id| self.conflicts.get(id))
                .is_some_and(|all| all.iter().any(|c| &c.field == field))
    }
}

/// An issue's answers after its one sentence, in the template's order.
fn answers(issue: &revans_model::Issue) -> [&str; 8] {
    [
        issue.important_to_me.as_str(),
        issue.important_to_my_practice.as_str(),
        issue.recognising_progress.as_str(),
        issue.who_else_wants_progress.as_str(),
        issue.anticipated_difficulties.as_str(),
        issue.benefits_to_me.as_str(),
        issue.benefits_to_others.as_str(),
        issue.benefits_to_the_practice.as_str(),
    ]
}
