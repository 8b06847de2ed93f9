//! The member's private journal: what reaches only their own devices.

use egui::RichText;
use revans_model::JournalCommand;

use crate::gui::{Outcome, Shell};
use crate::render::local;

pub(crate) fn ui(app: &mut Shell, ui: &mut egui::Ui) {
    ui.heading("Journal");
    ui.label("Private: only your own devices ever hold it.");
    app.prose(ui, "New entry", "journal.text");
    if ui.button("Write entry").clicked() {
        let text = app.value("journal.text");
        let set = app.selected.clone();
        app.run("journal", "Writing…", move |node| async move {
            node.journal_apply(JournalCommand::Write {
                text,
                set,
                meeting: None,
            })
            .await
            .map(|_| Outcome::Done)
        });
    }
    app.status(ui, "journal");
    if let Some(journal) = &app.journal {
        for (_, entry) in journal.newest_first() {
            ui.separator();
            ui.label(RichText::new(local(entry.written_at.get())).weak());
            ui.label(entry.text.as_str());
        }
    }
}
