//! The member's private journal: what reaches only their own devices.

use egui::RichText;
use revans_model::JournalCommand;

use crate::gui::{Outcome, RevansApp};
use crate::render::local;

impl RevansApp {
    pub(crate) fn journal_view(&mut self, ui: &mut egui::Ui) {
        ui.heading("Journal");
        ui.label("Private: only your own devices ever hold it.");
        self.prose(ui, "New entry", "journal.text");
        if ui.button("Write entry").clicked() {
            let text = self.value("journal.text");
            let set = self.selected.clone();
            self.run("journal", "Writing…", move |node| async move {
                node.journal_apply(JournalCommand::Write {
                    text,
                    set,
                    meeting: None,
                })
                .await
                .map(|_| Outcome::Done)
            });
        }
        self.status(ui, "journal");
        if let Some(journal) = &self.journal {
            for (_, entry) in journal.newest_first() {
                ui.separator();
                ui.label(RichText::new(local(entry.written_at.get())).weak());
                ui.label(entry.text.as_str());
            }
        }
    }
}
