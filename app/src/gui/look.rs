//! The app's visual language: a type scale with headings clearly larger than body text,
//! roomier spacing, status chips, and empty states that say what to do next. The same in
//! light and dark: colours come from the theme's own visuals, and member colours are
//! chosen to read on both.

use egui::{Color32, FontFamily, FontId, RichText, TextStyle};

/// The type scale and spacing, applied to both themes.
pub(super) fn apply(ctx: &egui::Context) {
    ctx.all_styles_mut(|style| {
        style.text_styles = [
            (
                TextStyle::Heading,
                FontId::new(24.0, FontFamily::Proportional),
            ),
            (TextStyle::Body, FontId::new(15.0, FontFamily::Proportional)),
            (
                TextStyle::Button,
                FontId::new(15.0, FontFamily::Proportional),
            ),
            (
                TextStyle::Small,
                FontId::new(12.0, FontFamily::Proportional),
            ),
            (
                TextStyle::Monospace,
                FontId::new(14.0, FontFamily::Monospace),
            ),
        ]
        .into();
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
        style.spacing.button_padding = egui::vec2(8.0, 4.0);
    });
}

/// A section title within an area: between the heading and body text.
pub(super) fn section(ui: &mut egui::Ui, text: &str) {
    ui.add_space(6.0);
    ui.label(RichText::new(text).size(18.0).strong());
}

/// A small coloured label for a state ("open", "done", "7/10").
pub(super) fn chip(ui: &mut egui::Ui, text: &str, colour: Color32) {
    egui::Frame::new()
        .fill(colour.gamma_multiply(0.18))
        .stroke(egui::Stroke::new(1.0, colour.gamma_multiply(0.6)))
        .corner_radius(8.0)
        .inner_margin(egui::Margin::symmetric(6, 1))
        .show(ui, |ui| {
            ui.label(RichText::new(text).small().color(colour));
        });
}

/// The colour of an action's state.
pub(super) fn outcome_colour(outcome: Option<revans_model::Outcome>) -> Color32 {
    match outcome {
        None => Color32::from_rgb(0x3b, 0x82, 0xc4),
        Some(revans_model::Outcome::Done) => Color32::from_rgb(0x3f, 0x9e, 0x5a),
        Some(revans_model::Outcome::Partly) => Color32::from_rgb(0xe0, 0x9a, 0x1f),
        Some(revans_model::Outcome::Not) => Color32::from_rgb(0xc2, 0x4b, 0x4b),
    }
}

/// What an empty area says: what is missing and what to do next.
pub(super) fn empty(ui: &mut egui::Ui, text: &str) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.label(RichText::new(text).italics().weak());
    });
}
