//! The text fields every form shares: their contents by name, a one-line text, a prose
//! box, and a field the person is asked to fix.

use super::Shell;

impl Shell {
    pub(super) fn field(&mut self, name: &str) -> &mut String {
        self.fields.entry(name.to_owned()).or_default()
    }

    pub(super) fn value(&self, name: &str) -> String {
        self.fields.get(name).cloned().unwrap_or_default()
    }

    /// A labelled one-line text field; AccessKit and tests find it by its label. Returns
    /// whether the person pressed Enter in it (the form's main button then acts). Typing
    /// in it clears its form's error: the person is fixing it.
    pub(super) fn text(&mut self, ui: &mut egui::Ui, label: &str, name: &str) -> bool {
        let response = ui
            .horizontal(|ui| {
                let l = ui.label(label);
                let buffer = self.fields.entry(name.to_owned()).or_default();
                ui.add(egui::TextEdit::singleline(buffer).desired_width(320.0))
                    .labelled_by(l.id)
            })
            .inner;
        if response.changed() {
            self.fixing(name);
        }
        response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter))
    }

    /// A labelled text area (Enter starts a new line).
    pub(super) fn prose(&mut self, ui: &mut egui::Ui, label: &str, name: &str) {
        let l = ui.label(label);
        let buffer = self.fields.entry(name.to_owned()).or_default();
        let response = ui
            .add(
                egui::TextEdit::multiline(buffer)
                    .desired_rows(3)
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(l.id);
        if response.changed() {
            self.fixing(name);
        }
    }

    /// The person is changing a field: the error its form showed no longer applies.
    pub(super) fn fixing(&mut self, name: &str) {
        let place = name.split('.').next().unwrap_or(name);
        self.errors.retain(|p, _| *p != place);
    }
}
