//! History: the set's timeline, the set as it stood at a moment, and the changes this
//! device refused.

use chrono::{DateTime, Local, TimeZone as _, Utc};
use egui::RichText;
use revans_model::ActionLearningSet;

use crate::gui::{Outcome, Shell, look};
use crate::render::local;

pub(crate) fn ui(app: &mut Shell, ui: &mut egui::Ui) {
    let Some(set) = app.set().cloned() else {
        return;
    };
    ui.heading("History");
    timeline(app, ui, &set);
    // Newest first, day by day: the day once, then each event at its time.
    let mut day = None;
    for (at, what) in crate::history::events(&set) {
        let at = at.with_timezone(&Local);
        if day != Some(at.date_naive()) {
            day = Some(at.date_naive());
            look::section(ui, &at.format("%A %e %B %Y").to_string());
        }
        ui.horizontal_wrapped(|ui| {
            ui.label(
                RichText::new(at.format("%H:%M").to_string())
                    .weak()
                    .monospace(),
            );
            ui.label(what);
        });
    }
}

/// The moments to see the set as it stood: each meeting's close, and each day
/// something happened, newest first.
fn timeline(app: &mut Shell, ui: &mut egui::Ui, set: &ActionLearningSet) {
    let Some(id) = app.selected.clone() else {
        return;
    };
    let mut moments: Vec<(DateTime<Utc>, String, String)> = set
        .meetings_in_order()
        .into_iter()
        .filter_map(|(_, m)| {
            let closed = m.closed_at?.get();
            let when = local(m.scheduled_at.get());
            Some((
                closed,
                format!("Meeting of {when}"),
                format!("when the meeting of {when} closed"),
            ))
        })
        .collect();
    let mut days: Vec<chrono::NaiveDate> = crate::history::events(set)
        .iter()
        .map(|(at, _)| at.with_timezone(&Local).date_naive())
        .collect();
    days.dedup();
    for day in days.into_iter().take(30) {
        let Some(end) = day
            .and_hms_opt(23, 59, 59)
            .and_then(|t| Local.from_local_datetime(&t).latest())
        else {
            continue;
        };
        let label = day.format("%a %e %b %Y").to_string();
        moments.push((
            end.with_timezone(&Utc),
            label.clone(),
            format!("at the end of {label}"),
        ));
    }
    moments.sort_by_key(|(at, _, _)| std::cmp::Reverse(*at));
    ui.label(RichText::new("The set as it stood").strong());
    ui.horizontal_wrapped(|ui| {
        for (at, label, moment) in moments {
            if ui
                .button(label)
                .on_hover_text(format!("See the whole set as it stood {moment}"))
                .clicked()
            {
                let set_id = id.clone();
                app.run(
                    "timeline",
                    "Reading the set's history…",
                    move |node| async move {
                        node.set_at(&set_id, at).await.map(|(state, _)| {
                            Outcome::Past(crate::gui::Past {
                                set: set_id,
                                moment,
                                state: std::sync::Arc::new(state),
                            })
                        })
                    },
                );
            }
        }
    });
    app.status(ui, "timeline");
    ui.separator();
}
