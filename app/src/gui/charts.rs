//! Actions and follow-through as pictures (`egui_plot`): how likely each member said their
//! actions were against what they did, follow-through meeting by meeting, and airtime
//! meeting by meeting. Each chart is also said in words below it.

use chrono::{DateTime, Utc};
use egui_plot::{Line, Plot, PlotPoints, Points, uniform_grid_spacer};
use revans_model::{ActionLearningSet, airtime, follow_through_by_meeting};

use super::look::{in_joining_order, member_colour};
use crate::render::name_of;

/// The three charts as of `now`, or what is missing for them.
pub(super) fn charts(ui: &mut egui::Ui, set: &ActionLearningSet, now: DateTime<Utc>) {
    let by_meeting = follow_through_by_meeting(set);
    key(ui, set);
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
    airtime_over_time(ui, set, now);
}

/// Who is who: each current member's name in their colour, once for all the charts (a
/// legend on each would cover the points).
fn key(ui: &mut egui::Ui, set: &ActionLearningSet) {
    ui.horizontal_wrapped(|ui| {
        for (member, m) in set.current_members() {
            let colour = member_colour(set, member);
            let (dot, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
            ui.painter().circle_filled(dot.center(), 5.0, colour);
            ui.label(egui::RichText::new(&m.display_name).color(colour));
            ui.add_space(8.0);
        }
    });
}

/// A chart that stays put: its figures are read, not explored; whole steps across (a
/// likelihood, a meeting's number).
fn chart(id: &str) -> Plot<'_> {
    Plot::new(id)
        .height(200.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .x_grid_spacer(uniform_grid_spacer(|_| [1.0, 5.0, 10.0]))
}

/// One member's figures meeting by meeting: a line, with a mark at each meeting (so a
/// single meeting shows too).
fn series_of(
    plot: &mut egui_plot::PlotUi<'_>,
    set: &ActionLearningSet,
    member: &revans_model::MemberId,
    points: Vec<[f64; 2]>,
) {
    let colour = member_colour(set, member);
    plot.line(
        Line::new(name_of(set, member), PlotPoints::from(points.clone()))
            .color(colour)
            .width(2.0),
    );
    plot.points(
        Points::new(name_of(set, member), PlotPoints::from(points))
            .radius(3.5)
            .color(colour),
    );
}

/// Each reported action: the likelihood said (across) against what was done (up), one
/// colour per member, beside the line where the two agree.
fn calibration(ui: &mut egui::Ui, set: &ActionLearningSet) {
    chart("calibration")
        .x_axis_label("likelihood said (1-10)")
        .y_axis_label("done (%)")
        .include_x(0.5)
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
    #[allow(clippy::cast_precision_loss)]
    let last = by_meeting
        .values()
        .flat_map(|series| series.iter().map(|m| m.number))
        .max()
        .unwrap_or(1) as f64;
    chart("follow-through")
        .x_axis_label("meeting")
        .include_x(0.5)
        .include_x(last + 0.5)
        .y_axis_label("done (%)")
        .include_y(0.0)
        .include_y(105.0)
        .show(ui, |plot| {
            for (member, series) in in_joining_order(set, by_meeting) {
                #[allow(clippy::cast_precision_loss)]
                let points: Vec<[f64; 2]> = series
                    .iter()
                    .map(|m| [m.number as f64, m.did * 100.0])
                    .collect();
                series_of(plot, set, member, points);
            }
        });
    let words: Vec<String> = in_joining_order(set, by_meeting)
        .into_iter()
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
fn airtime_over_time(ui: &mut egui::Ui, set: &ActionLearningSet, now: DateTime<Utc>) {
    let air = airtime(set, now);
    let order: Vec<_> = set.meetings_in_order();
    if air.total.is_empty() {
        super::look::empty(
            ui,
            "No turns yet: once presenters take their turns, this shows each member's minutes meeting by meeting.",
        );
        return;
    }
    #[allow(clippy::cast_precision_loss)]
    let meetings = order.len() as f64;
    chart("airtime")
        .x_axis_label("meeting")
        .include_x(0.5)
        .include_x(meetings + 0.5)
        .y_axis_label("minutes presenting")
        .include_y(0.0)
        .show(ui, |plot| {
            for (member, _) in in_joining_order(set, &air.total) {
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
                series_of(plot, set, member, points);
            }
        });
    let words: Vec<String> = in_joining_order(set, &air.total)
        .into_iter()
        .map(|(member, seconds)| format!("{} {} min", name_of(set, member), seconds / 60))
        .collect();
    ui.label(
        egui::RichText::new(format!("In all: {}.", words.join(", ")))
            .small()
            .weak(),
    );
}
