//! The set at a glance: its name and purpose, ground rules, who is in it, and exporting
//! its record.

use chrono::Utc;
use egui::RichText;
use revans_model::{ActionLearningSet, Command, Facilitation, Field};

use crate::export;
use crate::export::ExportFormat;
use crate::gui::forms::Editing;
use crate::gui::{Outcome, Shell, look};

/// What the app exports, in the order offered.
const EXPORTS: [(ExportFormat, &str); 5] = [
    (ExportFormat::Md, "Record (Markdown)"),
    (ExportFormat::Json, "Whole set (JSON)"),
    (ExportFormat::Ics, "Calendar"),
    (ExportFormat::Automerge, "Automerge document"),
    (ExportFormat::Revans, "Backup"),
];

fn export_note(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::Md => {
            "Everything the set holds, to read or print: what stays in the room, so keep it to the set."
        }
        ExportFormat::Json => {
            "The whole set as data, for other tools: what stays in the room, so keep it to the set."
        }
        ExportFormat::Ics => {
            "The meetings, for a calendar: times and places only, nothing said in the set."
        }
        ExportFormat::Automerge => "The set's document, loadable by any Automerge tool.",
        ExportFormat::Revans => {
            "A signed backup that `revans import` restores, every change checked."
        }
    }
}

fn extension(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::Md => "md",
        ExportFormat::Json => "json",
        ExportFormat::Ics => "ics",
        ExportFormat::Automerge => "automerge",
        ExportFormat::Revans => "revans",
    }
}

/// The overview: the set at a glance, its own questions, and exporting it. It keeps the
/// format chosen for an export and the kind of question being added.
pub(crate) struct Overview {
    format: ExportFormat,
    /// The kind of question on the add-a-question form.
    kind: revans_model::QuestionCategory,
}

impl Default for Overview {
    fn default() -> Self {
        Self {
            format: ExportFormat::Md,
            kind: revans_model::QuestionCategory::Exploring,
        }
    }
}

impl Overview {
    #[allow(clippy::too_many_lines)] // the area drawn top to bottom, as it appears
    pub(crate) fn ui(&mut self, app: &mut Shell, ui: &mut egui::Ui) {
        let Some(set) = app.set().cloned() else {
            return;
        };
        let me = app.me();
        ui.horizontal_wrapped(|ui| {
            ui.heading(&set.name);
            if !app.editing(&Editing::Set) && ui.button("Edit name and purpose").clicked() {
                app.edit(&set, Editing::Set);
            }
        });
        app.versions(ui, &set, &Field::SetName);
        if app.editing(&Editing::Set) {
            app.edit_form(ui, &set);
        }
        if !set.purpose.is_blank() {
            ui.label(set.purpose.as_str());
        }
        ui.label(format!("The set is {}.", export::facilitation(&set)));
        ui.add_space(8.0);

        ui.label(RichText::new("Members").strong());
        egui::Grid::new("members").striped(true).show(ui, |ui| {
            for (id, member) in set.current_members() {
                ui.label(&member.display_name);
                ui.label(&member.organisation);
                ui.label(match set.role_of(id) {
                    revans_model::Role::Facilitator => "facilitator",
                    revans_model::Role::Member => "",
                });
                ui.end_row();
            }
        });
        ui.add_space(8.0);

        ui.label(RichText::new("Facilitation").strong());
        ui.label(
            "A facilitator runs the first meetings and steps back until the set manages itself.",
        );
        ui.horizontal(|ui| {
            if !matches!(set.facilitation, Facilitation::SelfManaged)
                && ui.button("Step back: the set manages itself").clicked()
            {
                app.ask(
                    "Step back? From now on no one facilitates: the set manages itself, and any member can take up facilitation again.",
                    "Yes, step back",
                    ("facilitation", "Handing over…"),
                    Command::ChangeFacilitation {
                        to: Facilitation::SelfManaged,
                    },
                );
            }
            if !matches!(set.facilitation, Facilitation::Rotating { .. })
                && ui.button("Rotate facilitation").clicked()
            {
                let order = set
                    .current_members()
                    .into_iter()
                    .map(|(id, _)| id.clone())
                    .collect();
                app.ask(
                    "Rotate facilitation? Each meeting is then facilitated by the next member in turn, starting with the first.",
                    "Yes, rotate",
                    ("facilitation", "Handing over…"),
                    Command::ChangeFacilitation {
                        to: Facilitation::Rotating { order },
                    },
                );
            }
            if let Some(me) = me.clone()
                && set.facilitation
                    != (Facilitation::Facilitated {
                        facilitator: me.clone(),
                    })
                && ui.button("I will facilitate").clicked()
            {
                app.ask(
                    "Facilitate the set? You run its meetings until you step back or hand over.",
                    "Yes, I will facilitate",
                    ("facilitation", "Handing over…"),
                    Command::ChangeFacilitation {
                        to: Facilitation::Facilitated { facilitator: me },
                    },
                );
            }
        });
        app.status(ui, "facilitation");
        ui.add_space(8.0);

        super::ground_rules::ui(app, ui, &set, me.as_ref());
        self.questions(app, ui, &set);
        ui.add_space(8.0);
        self.export(app, ui, &set);
    }

    /// The set's own questions, beside the practice's: each offered as a prompt in the
    /// stage of a turn its kind fits.
    fn questions(&mut self, app: &mut Shell, ui: &mut egui::Ui, set: &ActionLearningSet) {
        use revans_model::QuestionCategory;
        look::section(ui, "The set's own questions");
        let own: Vec<_> = set
            .question_bank
            .values()
            .filter(|q| q.added_by.is_some())
            .collect();
        if own.is_empty() {
            ui.label(
                RichText::new("The practice's questions are offered as prompts in each turn; add the set's own here.")
                    .weak(),
            );
        }
        for q in own {
            ui.label(format!("{} ({})", q.text, q.category.name()));
        }
        let entered = app.text(ui, "A question of the set's own", "question.text");
        egui::ComboBox::from_label("When it helps")
            .selected_text(self.kind.name())
            .show_ui(ui, |ui| {
                for kind in QuestionCategory::ALL {
                    ui.selectable_value(&mut self.kind, kind, kind.name());
                }
            });
        if ui.button("Add question").clicked() || entered {
            let text = app.value("question.text");
            app.apply(
                "question",
                "Adding…",
                Command::AddQuestion {
                    text,
                    category: self.kind,
                },
            );
        }
        app.status(ui, "question");
    }

    /// Exports the record to a file: where it went, and a way to open its folder.
    fn export(&mut self, app: &mut Shell, ui: &mut egui::Ui, set: &ActionLearningSet) {
        ui.label(RichText::new("Export the record").strong());
        ui.horizontal_wrapped(|ui| {
            for (format, label) in EXPORTS {
                ui.selectable_value(&mut self.format, format, label);
            }
        });
        ui.label(RichText::new(export_note(self.format)).weak());
        if app.value("export.dir.keep").is_empty() {
            let folder = directories::UserDirs::new()
                .map(|d| {
                    d.document_dir()
                        .unwrap_or_else(|| d.home_dir())
                        .display()
                        .to_string()
                })
                .unwrap_or_default();
            *app.field("export.dir.keep") = folder;
        }
        // The folder, chosen in the system's own dialog.
        ui.horizontal_wrapped(|ui| {
            ui.label(format!("Folder: {}", app.value("export.dir.keep")));
            if ui.button("Choose folder…").clicked() {
                let start = std::path::PathBuf::from(app.value("export.dir.keep"));
                if let Some(folder) = app.desktop.choose_folder(&start) {
                    *app.field("export.dir.keep") = folder.display().to_string();
                }
            }
        });
        if ui.button("Export").clicked() {
            let folder = std::path::PathBuf::from(app.value("export.dir.keep").trim());
            let format = self.format;
            let stem: String = set
                .name
                .chars()
                .map(|c| {
                    if c.is_alphanumeric() || " -_".contains(c) {
                        c
                    } else {
                        '-'
                    }
                })
                .collect();
            let path = folder.join(format!("{}.{}", stem.trim(), extension(format)));
            let set = set.clone();
            let Some(id) = app.selected.clone() else {
                return;
            };
            app.run("export", "Writing…", move |node| async move {
                let bytes = match format {
                    ExportFormat::Md => Ok(export::markdown(&set, Utc::now()).into_bytes()),
                    ExportFormat::Json => export::json(&set)
                        .map(String::into_bytes)
                        .map_err(|e| e.to_string()),
                    ExportFormat::Ics => Ok(export::ics(&set).into_bytes()),
                    ExportFormat::Automerge => node.save(&id).await.map_err(|e| e.to_string()),
                    ExportFormat::Revans => node.backup(&id).await.map_err(|e| e.to_string()),
                }?;
                export::write_private(&path, &bytes)
                    .map(|()| Outcome::Exported(path.clone()))
                    .map_err(|e| {
                        format!(
                            "Could not write {}: {e}. Choose a folder that exists and you may write to.",
                            path.display()
                        )
                    })
            });
        }
        app.status(ui, "export");
        if let Some(path) = app.last_export.clone() {
            ui.horizontal_wrapped(|ui| {
                ui.label(format!("Exported to {}", path.display()));
                if let Some(folder) = path.parent()
                    && ui.button("Open folder").clicked()
                    && let Err(why) = app.desktop.open_folder(folder)
                {
                    app.error(
                        "export",
                        format!("The file manager did not open {}: {why}.", folder.display()),
                    );
                }
            });
        }
    }
}
