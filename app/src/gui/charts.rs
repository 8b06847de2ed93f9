//! Actions and follow-through as pictures (`egui_plot`): how likely the member at this
//! device said their actions were against what they did, and follow-through meeting by
//! meeting, each beside the whole set's with no one named (a member's own record of said
//! and done is theirs to see); airtime meeting by meeting. Each chart is also said in
//! words below it.

use chrono::{DateTime, Utc};
use egui::Color32;
use egui_plot::{Line, Plot, PlotPoints, Points, uniform_grid_spacer};
use revans_model::{
    ActionLearningSet, MeetingFollowThrough, MemberId, airtime, follow_through_by_meeting,
    the_sets_follow_through_by_meeting,
};

use super::look::{in_joining_order, member_colour};
use crate::render::name_of;

/// The whole set's figures: a quiet colour, no one's.
const THE_SET: Color32 = Color32::from_rgb(0x8a, 0x8f, 0x98);

/// The charts as of `now` for `me` (the member at this device, if any), or what is
/// missing for them.
pub(super) fn charts(
    ui: &mut egui::Ui,
    set: &ActionLearningSet,
    me: Option<&MemberId>,
    now: DateTime<Utc>,
) {
    let the_set = the_sets_follow_through_by_meeting(set);
    super::look::section(ui, "Said and done");
    if the_set.is_empty() {
        super::look::empty(
            ui,
            "Nothing to chart yet: once members report back on actions committed at a meeting, this shows how likely you said each of yours was against what you did, beside the whole set's.",
        );
    } else {
        key(ui, set, me);
        calibration(ui, set, me);
        let mine = me
            .and_then(|me| follow_through_by_meeting(set).remove(me))
            .unwrap_or_default();
        follow_through_over_time(ui, set, me, &mine, &the_set);
    }
    super::look::section(ui, "Airtime over the meetings");
    members_key(ui, set);
    airtime_over_time(ui, set, now);
}

/// Who is who on the airtime chart: each current member's name in their colour.
fn members_key(ui: &mut egui::Ui, set: &ActionLearningSet) {
    ui.horizontal_wrapped(|ui| {
        for (member, m) in set.current_members() {
            dot(ui, member_colour(set, member), &m.display_name);
        }
    });
}

/// One entry of a key: a dot and words in its colour.
fn dot(ui: &mut egui::Ui, colour: Color32, words: &str) {
    let (at, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
    ui.painter().circle_filled(at.center(), 5.0, colour);
    ui.label(egui::RichText::new(words).color(colour));
    ui.add_space(8.0);
}

/// Whose is which: you in your colour, the set in grey, once for the charts (a legend on
/// each would cover the points).
fn key(ui: &mut egui::Ui, set: &ActionLearningSet, me: Option<&MemberId>) {
    ui.horizontal_wrapped(|ui| {
        if let Some(me) = me {
            dot(ui, member_colour(set, me), "You");
        }
        dot(ui, THE_SET, "The whole set");
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

/// Figures meeting by meeting: a line, with a mark at each meeting (so a single meeting
/// shows too).
fn series_of(plot: &mut egui_plot::PlotUi<'_>, name: &str, colour: Color32, points: Vec<[f64; 2]>) {
    plot.line(
        Line::new(name, PlotPoints::from(points.clone()))
            .color(colour)
            .width(2.0),
    );
    plot.points(
        Points::new(name, PlotPoints::from(points))
            .radius(3.5)
            .color(colour),
    );
}

/// Each reported action: the likelihood said (across) against what was done (up), the
/// whole set's in grey with yours over them in your colour, beside the line where the two
/// agree.
fn calibration(ui: &mut egui::Ui, set: &ActionLearningSet, me: Option<&MemberId>) {
    let points = |mine: bool| -> Vec<[f64; 2]> {
        set.actions
            .values()
            .filter(|a| !mine || Some(&a.owner) == me)
            .filter_map(|a| {
                a.report_back
                    .as_ref()
                    .map(|r| [f64::from(a.likelihood), r.outcome.score() * 100.0])
            })
            .collect()
    };
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
                .color(Color32::GRAY),
            );
            plot.points(
                Points::new("the whole set", PlotPoints::from(points(false)))
                    .radius(4.0)
                    .color(THE_SET),
            );
            if let Some(me) = me {
                plot.points(
                    Points::new("you", PlotPoints::from(points(true)))
                        .radius(5.0)
                        .color(member_colour(set, me)),
                );
            }
        });
}

/// Follow-through meeting by meeting: what you did of the actions you committed to at
/// each meeting, beside what the whole set did.
fn follow_through_over_time(
    ui: &mut egui::Ui,
    set: &ActionLearningSet,
    me: Option<&MemberId>,
    mine: &[MeetingFollowThrough],
    the_set: &[MeetingFollowThrough],
) {
    #[allow(clippy::cast_precision_loss)]
    let last = the_set.iter().map(|m| m.number).max().unwrap_or(1) as f64;
    #[allow(clippy::cast_precision_loss)]
    let done = |series: &[MeetingFollowThrough]| -> Vec<[f64; 2]> {
        series
            .iter()
            .map(|m| [m.number as f64, m.did * 100.0])
            .collect()
    };
    chart("follow-through")
        .x_axis_label("meeting")
        .include_x(0.5)
        .include_x(last + 0.5)
        .y_axis_label("done (%)")
        .include_y(0.0)
        .include_y(105.0)
        .show(ui, |plot| {
            series_of(plot, "the whole set", THE_SET, done(the_set));
            if let Some(me) = me.filter(|_| !mine.is_empty()) {
                series_of(plot, "you", member_colour(set, me), done(mine));
            }
        });
    let said = |who: &str, series: &[MeetingFollowThrough]| {
        series.last().map(|last| {
            format!(
                "{who} said {:.0}% and did {:.0}% at meeting {}",
                last.said * 100.0,
                last.did * 100.0,
                last.number
            )
        })
    };
    let words: Vec<String> = [said("you", mine), said("the whole set", the_set)]
        .into_iter()
        .flatten()
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
                series_of(
                    plot,
                    &name_of(set, member),
                    member_colour(set, member),
                    points,
                );
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
