//! What the app tells the person besides the areas: a question before a step that
//! cannot be undone, short acknowledgements (toasts), and each place's progress and
//! errors.

use revans_model::Command;

use super::{Confirm, Shell, TOAST_SECONDS, look};

impl Shell {
    /// Asks before applying a command that cannot be undone.
    pub(super) fn ask(
        &mut self,
        question: impl Into<String>,
        yes: impl Into<String>,
        (place, doing): (&'static str, &'static str),
        command: Command,
    ) {
        self.confirm = Some(Confirm {
            question: question.into(),
            yes: yes.into(),
            place,
            doing,
            command,
        });
    }

    /// The question waiting for an answer, over the whole window.
    pub(super) fn confirmation(&mut self, ctx: &egui::Context) {
        let Some(confirm) = &self.confirm else {
            return;
        };
        let mut answer = None;
        let modal = egui::Modal::new(egui::Id::unique("confirm")).show(ctx, |ui| {
            ui.set_max_width(440.0);
            ui.label(&confirm.question);
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if ui.button(&confirm.yes).clicked() {
                    answer = Some(true);
                }
                if ui.button("Cancel").clicked() {
                    answer = Some(false);
                }
            });
        });
        if modal.should_close() && answer.is_none() {
            answer = Some(false);
        }
        match answer {
            Some(true) => {
                if let Some(confirm) = self.confirm.take() {
                    self.apply(confirm.place, confirm.doing, confirm.command);
                }
            }
            Some(false) => self.confirm = None,
            None => {}
        }
    }

    /// Says something went right, briefly, in the corner.
    pub(super) fn toast(&mut self, text: impl Into<String>) {
        let until = self.ctx.input(|i| i.time) + TOAST_SECONDS;
        self.toasts.push((text.into(), until));
        if self.toasts.len() > 4 {
            self.toasts.remove(0);
        }
    }

    /// The acknowledgements still due, in the bottom right corner.
    pub(super) fn toasts(&mut self, ctx: &egui::Context) {
        let now = ctx.input(|i| i.time);
        self.toasts.retain(|(_, until)| *until > now);
        let Some(soonest) = self.toasts.iter().map(|(_, until)| *until).reduce(f64::min) else {
            return;
        };
        egui::Area::new(egui::Id::unique("toasts"))
            .anchor(egui::Align2::RIGHT_BOTTOM, egui::vec2(-16.0, -16.0))
            .order(egui::Order::Foreground)
            .interactable(false)
            .show(ctx, |ui| {
                // Each with a green mark: done, as asked.
                let done = look::outcome_colour(Some(revans_model::Outcome::Done));
                for (text, _) in &self.toasts {
                    egui::Frame::popup(ui.style())
                        .inner_margin(egui::Margin::symmetric(12, 8))
                        .show(ui, |ui| {
                            ui.horizontal(|ui| {
                                let (mark, _) = ui.allocate_exact_size(
                                    egui::vec2(10.0, 10.0),
                                    egui::Sense::hover(),
                                );
                                ui.painter().circle_filled(mark.center(), 5.0, done);
                                ui.label(text);
                            });
                        });
                }
            });
        ctx.request_repaint_after(std::time::Duration::from_secs_f64((soonest - now).max(0.0)));
    }

    /// Progress or the error for a place, in words, where the person acted.
    pub(super) fn status(&self, ui: &mut egui::Ui, place: &'static str) {
        if let Some(doing) = self.pending.get(place) {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(doing);
            });
        }
        if let Some(error) = self.errors.get(place) {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
    }

    pub(super) fn busy(&self, place: &'static str) -> bool {
        self.pending.contains_key(place)
    }

    pub(super) fn error(&mut self, place: &'static str, message: impl Into<String>) {
        self.errors.insert(place, message.into());
    }
}
