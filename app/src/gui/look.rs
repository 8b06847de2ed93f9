//! The app's visual language: a type scale with headings clearly larger than body text,
//! roomier spacing, cards for records and forms, status chips, and empty states that say
//! what to do next. The same in light and dark: colours come from the theme's own
//! visuals, and member colours are chosen to read on both.

use egui::{Color32, FontFamily, FontId, RichText, TextStyle};
use revans_model::{ActionLearningSet, MemberId};

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

/// Every text style of `ui` `k` times as large (the room view, read from across a room).
pub(super) fn enlarge_text(ui: &mut egui::Ui, k: f32) {
    for font in ui.style_mut().text_styles.values_mut() {
        font.size *= k;
    }
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

/// The colour of an action's state: done is celebrated in green; partly and not done are
/// calm, a learning to talk about and not an alarm (the practice: "safe to admit
/// mistakes").
pub(super) fn outcome_colour(outcome: Option<revans_model::Outcome>) -> Color32 {
    match outcome {
        None => Color32::from_rgb(0x3b, 0x82, 0xc4),
        Some(revans_model::Outcome::Done) => Color32::from_rgb(0x3f, 0x9e, 0x5a),
        Some(revans_model::Outcome::Partly) => Color32::from_rgb(0x5f, 0x9e, 0x9a),
        Some(revans_model::Outcome::Not) => Color32::from_rgb(0x8a, 0x8f, 0x98),
    }
}

/// What an empty area says: what is missing and what to do next.
pub(super) fn empty(ui: &mut egui::Ui, text: &str) {
    card(ui, None, |ui| {
        ui.label(RichText::new(text).italics().weak());
    });
}

/// A card: one record or one form, the width of its column, on a faint fill with rounded
/// corners; with `accent`, a bar of that colour down its left edge (the member whose it
/// is).
pub(super) fn card<R>(
    ui: &mut egui::Ui,
    accent: Option<Color32>,
    add: impl FnOnce(&mut egui::Ui) -> R,
) -> egui::InnerResponse<R> {
    let shown = egui::Frame::new()
        .fill(ui.visuals().faint_bg_color)
        .stroke(ui.visuals().widgets.noninteractive.bg_stroke)
        .corner_radius(8.0)
        .inner_margin(egui::Margin {
            left: if accent.is_some() { 18 } else { 12 },
            right: 12,
            top: 8,
            bottom: 8,
        })
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            add(ui)
        });
    if let Some(colour) = accent {
        let rect = shown.response.rect;
        let bar = egui::Rect::from_min_max(
            rect.min + egui::vec2(5.0, 7.0),
            egui::pos2(rect.min.x + 9.0, rect.max.y - 7.0),
        );
        ui.painter().rect_filled(bar, 2.0, colour);
    }
    ui.add_space(2.0);
    shown
}

/// One colour per member, the same on every screen and device: by the member's place
/// in the order members joined.
pub(crate) fn member_colour(set: &ActionLearningSet, member: &MemberId) -> Color32 {
    const PALETTE: [Color32; 8] = [
        Color32::from_rgb(0x3b, 0x82, 0xc4),
        Color32::from_rgb(0xd9, 0x7b, 0x29),
        Color32::from_rgb(0x3f, 0x9e, 0x5a),
        Color32::from_rgb(0xb8, 0x4a, 0x8f),
        Color32::from_rgb(0x8a, 0x6d, 0xc9),
        Color32::from_rgb(0x2a, 0x9d, 0x9d),
        Color32::from_rgb(0xc2, 0x4b, 0x4b),
        Color32::from_rgb(0x8c, 0x8c, 0x3a),
    ];
    let index = set
        .members_in_joining_order()
        .iter()
        .position(|(m, _)| *m == member)
        .unwrap_or(0);
    PALETTE[index % PALETTE.len()]
}

/// The members `by_member` holds figures for, in the order they joined, with the figures.
pub(crate) fn in_joining_order<'a, T>(
    set: &'a ActionLearningSet,
    by_member: &'a std::collections::BTreeMap<MemberId, T>,
) -> Vec<(&'a MemberId, &'a T)> {
    set.members_in_joining_order()
        .into_iter()
        .filter_map(|(member, _)| by_member.get(member).map(|t| (member, t)))
        .collect()
}
