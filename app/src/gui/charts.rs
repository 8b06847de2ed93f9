//! Actions and follow-through as pictures (`egui_plot`): how likely each member said their
//! actions were against what they did, follow-through meeting by meeting, and airtime
//! meeting by meeting. Each chart is also said in words below it.

use egui_plot::{Legend, Line, Plot, PlotPoints, Points};
use revans_model::{ActionLearningSet, airtime, follow_through_by_meeting};

use super::room::member_colour;
use crate::cli::refs::name_of;

/// The three charts, or what is missing for them.
pub(super) fn charts(ui: &mut egui::Ui, set: &ActionLearningSet) {
    let by_meeting = follow_through_by_meeting(set);
    super::look::section(ui, "Said and done");
    if by_meeting.is_empty() {
        super::look::empty(
            ui,
            "Nothing to chart yet: once members report back on actions committed at a meeting, this shows how likely they said each was against what they did.",
        );
    } else {
        calibration(ui, set);
        follow_through_over_time(ui, set, &by_meeting);
    }
    super::look::section(ui, "Airtime over the meetings");
    airtime_over_time(ui, set);
}

/// A chart that stays put: its figures are read, not explored.
fn chart(id: &str) -> Plot<'_> {
    Plot::new(id)
        .height(200.0)
        .legend(Legend::default())
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
}

/// Each reported action: the likelihood said (across) against what was done (up), one
/// colour per member, beside the line where the two agree.
fn calibration(ui: &mut egui::Ui, set: &ActionLearningSet) {
    chart("calibration")
        .x_axis_label("likelihood said (1-10)")
        .y_axis_label("done (%)")
        .include_x(0.0)
        .include_x(10.5)
        .include_y(0.0)
        .include_y(105.0)
        .show(ui, |plot| {
            plot.line(
                Line::new(
                    "as likely as done",
                    PlotPoints::from(vec![[1.0, 10.0], [10.0, 100.0]]),
                )
                .color(egui::Color32::GRAY),
            );
            for (member, _) in set.current_members() {
                let points: Vec<[f64; 2]> = set
                    .actions
                    .values()
                    .filter(|a| &a.owner == member)
                    .filter_map(|a| {
                        a.report_back
                            .as_ref()
                            .map(|r| [f64::from(a.likelihood), r.outcome.score() * 100.0])
                    })
                    .collect();
                if points.is_empty() {
                    continue;
                }
                plot.points(
                    Points::new(name_of(set, member), PlotPoints::from(points))
                        .radius(5.0)
                        .color(member_colour(set, member)),
                );
            }
        });
}

/// Follow-through meeting by meeting: what each member did of the actions committed at
/// each meeting.
fn follow_through_over_time(
    ui: &mut egui::Ui,
    set: &ActionLearningSet,
    by_meeting: &std::collections::BTreeMap<
        revans_model::MemberId,
        Vec<revans_model::MeetingFollowThrough>,
    >,
) {
    chart("follow-through")
        .x_axis_label("meeting")
        .y_axis_label("done (%)")
        .include_y(0.0)
        .include_y(105.0)
        .show(ui, |plot| {
            for (member, series) in by_meeting {
                #[allow(clippy::cast_precision_loss)]
                let points: Vec<[f64; 2]> = series
                    .iter()
                    .map(|m| [m.number as f64, m.did * 100.0])
                    .collect();
                plot.line(
                    Line::new(name_of(set, member), PlotPoints::from(points))
                        .color(member_colour(set, member))
                        .width(2.0),
                );
            }
        });
    let words: Vec<String> = by_meeting
        .iter()
        .filter_map(|(member, series)| {
            series.last().map(|last| {
                format!(
                    "{} said {:.0}% and did {:.0}% at meeting {}",
                    name_of(set, member),
                    last.said * 100.0,
                    last.did * 100.0,
                    last.number
                )
            })
        })
        .collect();
    ui.label(
        egui::RichText::new(format!("Latest: {}.", words.join("; ")))
            .small()
            .weak(),
    );
}

/// Minutes each member presented at each meeting.
fn airtime_over_time(ui: &mut egui::Ui, set: &ActionLearningSet) {
    let air = airtime(set, super::RevansApp::now());
    let order: Vec<_> = set.meetings_in_order();
    if air.total.is_empty() {
        super::look::empty(
            ui,
            "No turns yet: once presenters take their turns, this shows each member's minutes meeting by meeting.",
        );
        return;
    }
    chart("airtime")
        .x_axis_label("meeting")
        .y_axis_label("minutes presenting")
        .include_y(0.0)
        .show(ui, |plot| {
            for member in air.total.keys() {
                #[allow(clippy::cast_precision_loss)]
                let points: Vec<[f64; 2]> = order
                    .iter()
                    .enumerate()
                    .filter_map(|(i, (id, _))| {
                        air.per_meeting
                            .get(*id)
                            .and_then(|m| m.get(member))
                            .map(|s| [(i + 1) as f64, *s as f64 / 60.0])
                    })
                    .collect();
                plot.line(
                    Line::new(name_of(set, member), PlotPoints::from(points))
                        .color(member_colour(set, member))
                        .width(2.0),
                );
            }
        });
    let words: Vec<String> = air
        .total
        .iter()
        .map(|(member, seconds)| format!("{} {} min", name_of(set, member), seconds / 60))
        .collect();
    ui.label(
        egui::RichText::new(format!("In all: {}.", words.join(", ")))
            .small()
            .weak(),
    );
}
