//! The meeting as the room sees it: a full-screen view of the console for a shared screen
//! or a projector, readable from the back of the room; and the summary of a meeting once
//! it closes (and of any past meeting).

use chrono::{DateTime, TimeDelta, Utc};
use egui::{Color32, RichText, Stroke, pos2, vec2};
use revans_model::{
    ActionLearningSet, Contribution, ContributionKind, Meeting, MeetingId, Phase, ScheduledTurn,
    Turn, TurnState, meeting_summary, turn_schedule, turn_time_left,
};

use super::{Console, Shown};
use crate::gui::Shell;
use crate::gui::look::{self, in_joining_order, member_colour};
use crate::render::{counted, name_of};

/// Green while there is time, amber in the last fifth, red once over.
pub(crate) fn time_colour(left: TimeDelta, allotted: TimeDelta) -> Color32 {
    if left < TimeDelta::zero() {
        Color32::from_rgb(0xd6, 0x3a, 0x3a)
    } else if left.num_seconds() * 5 <= allotted.num_seconds() {
        Color32::from_rgb(0xe0, 0x9a, 0x1f)
    } else {
        Color32::from_rgb(0x3f, 0x9e, 0x5a)
    }
}

/// How much of a turn's allotted time is gone: 0.0 at its start, 1.0 at its end.
#[allow(clippy::cast_precision_loss)]
pub(crate) fn elapsed(left: TimeDelta, allotted: TimeDelta) -> f64 {
    if allotted <= TimeDelta::zero() {
        return 1.0;
    }
    1.0 - left.num_seconds() as f64 / allotted.num_seconds() as f64
}

/// `12:05`, or `-3:10` once over.
pub(crate) fn clock(delta: TimeDelta) -> String {
    let seconds = delta.num_seconds();
    let sign = if seconds < 0 { "-" } else { "" };
    let s = seconds.unsigned_abs();
    format!("{sign}{}:{:02}", s / 60, s % 60)
}

/// What was said in a turn: newest first, and how many were questions and statements.
pub(crate) struct Said<'a> {
    pub(crate) newest_first: Vec<&'a Contribution>,
    pub(crate) questions: usize,
    pub(crate) statements: usize,
}

impl Said<'_> {
    /// "2 questions, 1 statement".
    pub(crate) fn counts(&self) -> String {
        format!(
            "{}, {}",
            counted(self.questions, "question"),
            counted(self.statements, "statement")
        )
    }
}

pub(crate) fn said_in(turn: &Turn) -> Said<'_> {
    let mut newest_first: Vec<_> = turn.contributions.values().collect();
    newest_first.sort_by_key(|c| std::cmp::Reverse(c.at));
    let questions = newest_first
        .iter()
        .filter(|c| c.kind == ContributionKind::Question)
        .count();
    Said {
        statements: newest_first.len() - questions,
        newest_first,
        questions,
    }
}

/// What the set is asked when it tells more than it asks: a nudge to the whole set, in
/// the practice's words, never a warning against anyone.
pub(crate) const TRY_ASKING: &str =
    "More telling than asking so far: what question would help the presenter find it?";

/// A contribution's words after its speaker: ": the words", or nothing if none were noted.
pub(crate) fn words(c: &Contribution) -> String {
    if c.text.is_empty() {
        String::new()
    } else {
        format!(": {}", c.text)
    }
}

impl Console {
    /// The room view: what a shared screen shows of the meeting, in large type. Laid out
    /// for 1280 by 720 and scaled up to fill a larger screen (a 1080p projector shows it
    /// half as large again).
    pub(super) fn room_view(&mut self, app: &mut Shell, ui: &mut egui::Ui, shown: Shown<'_>) {
        let k = (ui.available_width() / 1280.0)
            .min(ui.available_height() / 720.0)
            .max(1.0);
        ui.scope(|ui| {
            crate::gui::look::enlarge_text(ui, k);
            // Spacing in whole points, so everything drawn stays on the pixel grid.
            let style = ui.style_mut();
            style.spacing.item_spacing = (style.spacing.item_spacing * k).round();
            style.spacing.button_padding = (style.spacing.button_padding * k).round();
            self.room_view_at(app, ui, shown, k);
        });
    }

    /// The room view at `k` times its 1280 by 720 size.
    #[allow(clippy::too_many_lines)] // the area drawn top to bottom, as it appears
    fn room_view_at(&mut self, app: &mut Shell, ui: &mut egui::Ui, shown: Shown<'_>, k: f32) {
        let Shown {
            set,
            meeting_id,
            meeting,
        } = shown;
        let now = app.now();
        let schedule = turn_schedule(set, meeting, now);
        ui.horizontal(|ui| {
            ui.label(
                RichText::new(phase_words(meeting.phase))
                    .size(28.0 * k)
                    .weak(),
            );
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let leave = ui.button("Leave room view").on_hover_text("Esc or F11");
                if leave.clicked() || ui.input(|i| i.key_pressed(egui::Key::Escape)) {
                    self.set_room(ui.ctx(), false);
                }
            });
        });
        ui.add_space(12.0 * k);
        if let Some((presenter, left)) = turn_time_left(meeting, now) {
            let turn = meeting.turns.get(&presenter);
            let allotted = TimeDelta::minutes(i64::from(turn.map_or(0, |t| t.allocated_minutes)));
            ui.horizontal(|ui| {
                ui.vertical(|ui| {
                    countdown(ui, left, allotted, k);
                    let words = if left < TimeDelta::zero() {
                        format!("{} over time", clock(-left))
                    } else {
                        format!("{} left in the turn", clock(left))
                    };
                    ui.label(
                        RichText::new(words)
                            .size(24.0 * k)
                            .color(time_colour(left, allotted)),
                    );
                });
                ui.add_space(24.0 * k);
                ui.vertical(|ui| {
                    ui.label(
                        RichText::new(name_of(set, &presenter))
                            .size(64.0 * k)
                            .strong()
                            .color(member_colour(set, &presenter)),
                    );
                    let issue = schedule
                        .iter()
                        .find(|t| t.member == presenter)
                        .and_then(|t| t.issue.as_ref())
                        .and_then(|i| set.issues.get(i));
                    if let Some(issue) = issue {
                        ui.label(RichText::new(&issue.statement).size(32.0 * k));
                    }
                    ui.add_space(12.0 * k);
                    ui.label(
                        RichText::new("Ask questions rather than give advice.")
                            .size(28.0 * k)
                            .italics(),
                    );
                    for q in set.prompts(meeting, &presenter, elapsed(left, allotted)) {
                        ui.label(RichText::new(format!("· {}", q.text)).size(26.0 * k));
                    }
                });
            });
            ui.add_space(16.0 * k);
            batting_bar(ui, set, &schedule, 48.0 * k);
            ui.add_space(12.0 * k);
            // Logging from the shared screen: pick who asked (1 to 7), then F5 or F6 (or
            // Ctrl+Shift+Q or S).
            let asker = self.asker_picker(app, ui, set, &presenter);
            let f5 = super::shortcut(ui, egui::Key::F5, egui::Key::Q);
            let f6 = super::shortcut(ui, egui::Key::F6, egui::Key::S);
            ui.horizontal(|ui| {
                let question = ui
                    .button("Log question")
                    .on_hover_text("F5 or Ctrl+Shift+Q")
                    .clicked()
                    || f5;
                let statement = ui
                    .button("Log statement")
                    .on_hover_text("F6 or Ctrl+Shift+S")
                    .clicked()
                    || f6;
                for (pressed, kind) in [
                    (question, ContributionKind::Question),
                    (statement, ContributionKind::Statement),
                ] {
                    if pressed {
                        self.log_said(app, meeting_id, kind, asker.clone(), String::new());
                    }
                }
            });
            app.status(ui, "said");
            ui.add_space(12.0 * k);
            if let Some(turn) = turn {
                let said = said_in(turn);
                // The room sees the turn's balance and the questions with who asked
                // them; a statement is counted, never put on the screen under a name.
                ui.label(RichText::new(said.counts()).size(28.0 * k).strong());
                if said.statements > said.questions {
                    ui.label(RichText::new(TRY_ASKING).size(28.0 * k).italics());
                }
                let questions = said
                    .newest_first
                    .into_iter()
                    .filter(|c| c.kind == ContributionKind::Question);
                for c in questions.take(6) {
                    let who = c.asked_by();
                    ui.label(
                        RichText::new(format!("{} asked{}", name_of(set, who), words(c)))
                            .size(26.0 * k)
                            .color(member_colour(set, who)),
                    );
                }
            }
        } else if meeting.phase == Phase::Closed {
            // The summary, half as large again: read from the back of the room.
            ui.scope(|ui| {
                crate::gui::look::enlarge_text(ui, 1.5);
                summary(ui, set, meeting_id, now);
            });
        } else {
            if !schedule.is_empty() {
                batting_bar(ui, set, &schedule, 48.0 * k);
                ui.add_space(16.0 * k);
            }
            if let Some(next) = schedule.iter().find(|t| t.state == TurnState::Waiting)
                && meeting.phase == Phase::Turns
            {
                ui.label(
                    RichText::new(format!("Next: {}", name_of(set, &next.member))).size(56.0 * k),
                );
            }
            if meeting.phase == Phase::CatchUp {
                catch_up(ui, set, meeting, k);
            }
            if meeting.phase == Phase::Review {
                // Read from the back of the room, as the summary is.
                ui.scope(|ui| {
                    crate::gui::look::enlarge_text(ui, 1.5);
                    round(ui, set, meeting);
                });
            }
        }
    }

    /// Enters or leaves the room view, full screen.
    pub(crate) fn set_room(&mut self, ctx: &egui::Context, on: bool) {
        self.room = on;
        ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(on));
    }
}

/// Catch-up as the room sees it: member by member, their news and the actions they are
/// to report back on, each account's outcome appearing as it is given.
fn catch_up(ui: &mut egui::Ui, set: &ActionLearningSet, meeting: &Meeting, k: f32) {
    let began = meeting
        .started_at
        .map_or(i64::MAX, revans_model::Timestamp::millis);
    for (member, _) in set.current_members() {
        let colour = member_colour(set, member);
        ui.add_space(8.0 * k);
        ui.label(
            RichText::new(name_of(set, member))
                .size(30.0 * k)
                .strong()
                .color(colour),
        );
        if let Some(news) = meeting.catch_up.get(member) {
            ui.label(RichText::new(news.news.as_str()).size(24.0 * k));
            if let Some(note) = crate::render::entered(set, member, news.entered_by.as_ref()) {
                ui.label(RichText::new(note).size(18.0 * k).italics());
            }
        }
        let mut actions: Vec<_> = set
            .actions
            .values()
            .filter(|a| &a.owner == member)
            .filter(|a| {
                a.report_back
                    .as_ref()
                    .is_none_or(|r| r.reported_at.millis() >= began)
            })
            .collect();
        actions.sort_by_key(|a| a.created_at);
        for action in actions {
            ui.horizontal_wrapped(|ui| {
                ui.label(
                    RichText::new(format!(
                        "· {} ({}/10 likely)",
                        action.text, action.likelihood
                    ))
                    .size(22.0 * k),
                );
                let outcome = action.report_back.as_ref().map(|r| r.outcome);
                let said = outcome.map_or("to report", outcome_words);
                ui.label(
                    RichText::new(said)
                        .size(22.0 * k)
                        .strong()
                        .color(crate::gui::look::outcome_colour(outcome)),
                );
            });
        }
    }
}

/// How a meeting went, member by member (a turn still running counts up to `now`).
pub(crate) fn summary(
    ui: &mut egui::Ui,
    set: &ActionLearningSet,
    meeting_id: &MeetingId,
    now: DateTime<Utc>,
) {
    let Some(summary) = meeting_summary(set, meeting_id, now) else {
        return;
    };
    ui.label(RichText::new("How the meeting went").heading());
    let longest = summary
        .members
        .values()
        .map(|m| (i64::from(m.planned_minutes.unwrap_or(0)) * 60).max(m.used_seconds.unwrap_or(0)))
        .max()
        .unwrap_or(0)
        .max(60);
    egui::Grid::new("summary")
        .striped(true)
        .spacing(vec2(16.0, 6.0))
        .show(ui, |ui| {
            for heading in ["Member", "Airtime", "", "Questions asked", "Actions"] {
                ui.label(RichText::new(heading).strong());
            }
            ui.end_row();
            for (member, part) in in_joining_order(set, &summary.members) {
                let colour = member_colour(set, member);
                ui.label(RichText::new(name_of(set, member)).color(colour).strong());
                airtime_bar(ui, colour, part.planned_minutes, part.used_seconds, longest);
                ui.label(airtime_words(part.planned_minutes, part.used_seconds));
                ui.label(part.questions.to_string());
                ui.label(part.actions.to_string());
                ui.end_row();
            }
        });
    // The set's balance of asking and telling, not anyone's tally of statements.
    let (questions, statements) = summary.asked_and_told();
    ui.label(format!(
        "The set asked {} and made {}.",
        counted(questions, "question"),
        counted(statements, "statement")
    ));
    if summary.told_more_than_asked() {
        ui.label(RichText::new(TRY_ASKING).italics());
    }
    ui.add_space(8.0);
    ui.label(RichText::new("Actions committed").strong());
    if summary.actions.is_empty() {
        ui.label(RichText::new("No actions were committed at this meeting.").weak());
    }
    for (_, action) in &summary.actions {
        ui.label(format!(
            "{}: {} ({}/10 likely){}{}",
            name_of(set, &action.owner),
            action.text,
            action.likelihood,
            action
                .report_back
                .as_ref()
                .map_or(String::new(), |r| format!(", {}", outcome_words(r.outcome))),
            crate::render::entered(set, &action.owner, action.entered_by.as_ref())
                .map_or_else(String::new, |note| format!(" ({note})"))
        ));
    }
    insights(ui, set, meeting_id);
    celebrated(ui, set, meeting_id);
    ui.add_space(8.0);
    ui.label(RichText::new("The review, in the round").strong());
    if let Some(meeting) = set.meetings.get(meeting_id)
        && !round(ui, set, meeting)
    {
        ui.label(RichText::new("No one wrote a review of this meeting.").weak());
    }
}

/// What the set celebrated while the meeting ran.
fn celebrated(ui: &mut egui::Ui, set: &ActionLearningSet, meeting_id: &MeetingId) {
    let Some(meeting) = set.meetings.get(meeting_id) else {
        return;
    };
    let Some(began) = meeting.started_at else {
        return;
    };
    let until = meeting
        .closed_at
        .map_or(i64::MAX, revans_model::Timestamp::millis);
    let mut during: Vec<_> = set
        .celebrations
        .values()
        .filter(|c| (began.millis()..=until).contains(&c.at.millis()))
        .collect();
    if during.is_empty() {
        return;
    }
    during.sort_by_key(|c| c.at);
    ui.add_space(8.0);
    ui.label(RichText::new("Celebrated").strong());
    for c in during {
        ui.label(format!("{}: {}", name_of(set, &c.member), c.text));
    }
}

/// What struck each presenter, kept in their turn, in the order the turns were taken.
fn insights(ui: &mut egui::Ui, set: &ActionLearningSet, meeting_id: &MeetingId) {
    let Some(meeting) = set.meetings.get(meeting_id) else {
        return;
    };
    let mut kept: Vec<_> = meeting
        .turns
        .iter()
        .filter(|(_, turn)| !turn.insights.is_blank())
        .collect();
    kept.sort_by_key(|(_, turn)| turn.started_at);
    if !kept.is_empty() {
        ui.add_space(8.0);
        ui.label(RichText::new("Insights").strong());
    }
    for (presenter, turn) in kept {
        ui.label(format!(
            "{}: {}",
            name_of(set, presenter),
            turn.insights.as_str().trim()
        ));
    }
}

/// The review as a round: each member's say on how the meeting went and their own
/// review, in the order members joined, in their colour; and what the set wrote together
/// before the review became a round. Returns whether there was anything to show.
pub(crate) fn round(ui: &mut egui::Ui, set: &ActionLearningSet, meeting: &Meeting) -> bool {
    let mut any = false;
    let together = meeting.process_review.answers();
    if together.iter().any(|(_, text)| !text.is_blank()) {
        any = true;
        look::card(ui, None, |ui| {
            ui.label(RichText::new("The set, together").strong());
            for (label, text) in together {
                if !text.is_blank() {
                    ui.label(format!("{label}: {}", text.as_str().trim()));
                }
            }
        });
    }
    for (member, review) in in_joining_order(set, &meeting.member_reviews) {
        let answers: Vec<_> = review
            .answers()
            .into_iter()
            .filter(|(_, text)| !text.is_blank())
            .collect();
        if answers.is_empty() {
            continue;
        }
        any = true;
        let colour = member_colour(set, member);
        look::card(ui, Some(colour), |ui| {
            ui.label(RichText::new(name_of(set, member)).strong().color(colour));
            if let Some(note) = crate::render::entered(set, member, review.entered_by.as_ref()) {
                ui.label(RichText::new(note).italics());
            }
            for (label, text) in answers {
                ui.label(format!("{label}: {}", text.as_str().trim()));
            }
        });
    }
    any
}

fn outcome_words(outcome: revans_model::Outcome) -> &'static str {
    match outcome {
        revans_model::Outcome::Done => "done",
        revans_model::Outcome::Partly => "partly done",
        revans_model::Outcome::Not => "not done",
    }
}

fn phase_words(phase: Phase) -> &'static str {
    match phase {
        Phase::Planned => "Not yet begun",
        Phase::CatchUp => "Catching up",
        Phase::Agenda => "Bids for time and the batting order",
        Phase::Turns => "Turns",
        Phase::Review => "Review of the meeting",
        Phase::Closed => "Closed",
    }
}

/// "12 of 15 min", "15 min planned, no turn", "12 min, not on the agenda".
fn airtime_words(planned: Option<u32>, used: Option<i64>) -> String {
    let used_minutes = used.map(|s| (s + 30) / 60);
    match (planned, used_minutes) {
        (Some(p), Some(u)) => format!("{u} of {p} min"),
        (Some(p), None) => format!("{p} min planned, no turn"),
        (None, Some(u)) => format!("{u} min, not on the agenda"),
        (None, None) => "no turn".to_owned(),
    }
}

/// Planned minutes as an outline, used time filled, on one scale for every member.
fn airtime_bar(
    ui: &mut egui::Ui,
    colour: Color32,
    planned: Option<u32>,
    used: Option<i64>,
    longest_seconds: i64,
) {
    let (rect, _) = ui.allocate_exact_size(vec2(220.0, 16.0), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    #[allow(clippy::cast_precision_loss)]
    let width = |seconds: i64| rect.width() * (seconds as f32 / longest_seconds as f32).min(1.0);
    if let Some(used) = used {
        let filled = egui::Rect::from_min_size(rect.min, vec2(width(used), rect.height()));
        painter.rect_filled(filled, 2.0, colour);
    }
    if let Some(planned) = planned {
        let outline = egui::Rect::from_min_size(
            rect.min,
            vec2(width(i64::from(planned) * 60), rect.height()),
        );
        painter.rect_stroke(
            outline,
            2.0,
            Stroke::new(1.5, ui.visuals().strong_text_color()),
            egui::StrokeKind::Inside,
        );
    }
}

/// The batting order as one bar of allotted minutes: the running turn outlined, turns done
/// muted, and minutes lost to overruns shown on the turns still to come.
pub(crate) fn batting_bar(
    ui: &mut egui::Ui,
    set: &ActionLearningSet,
    schedule: &[ScheduledTurn],
    height: f32,
) {
    let total: u32 = schedule
        .iter()
        .map(|t| t.agreed_minutes.max(t.minutes))
        .sum();
    if total == 0 {
        return;
    }
    let (rect, _) =
        ui.allocate_exact_size(vec2(ui.available_width(), height), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    let mut x = rect.left();
    #[allow(clippy::cast_precision_loss)]
    let per_minute = rect.width() / total as f32;
    for turn in schedule {
        #[allow(clippy::cast_precision_loss)]
        let kept = turn.minutes as f32 * per_minute;
        #[allow(clippy::cast_precision_loss)]
        let lost = turn.minutes_lost() as f32 * per_minute;
        let colour = member_colour(set, &turn.member);
        let (fill, text) = match turn.state {
            TurnState::Done { .. } | TurnState::Withdrawn => {
                (colour.gamma_multiply(0.35), ui.visuals().weak_text_color())
            }
            _ => (colour, Color32::WHITE),
        };
        let segment = egui::Rect::from_min_max(pos2(x, rect.top()), pos2(x + kept, rect.bottom()));
        painter.rect_filled(segment.shrink2(vec2(1.0, 0.0)), 4.0, fill);
        if matches!(turn.state, TurnState::Running { .. }) {
            painter.rect_stroke(
                segment,
                4.0,
                Stroke::new(3.0, ui.visuals().strong_text_color()),
                egui::StrokeKind::Outside,
            );
        }
        // The name and minutes, or the first name, or only the minutes: what fits.
        let name = name_of(set, &turn.member);
        let first = name
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned();
        let fitting = [
            format!("{name} {} min", turn.minutes),
            format!("{first} {}", turn.minutes),
            turn.minutes.to_string(),
        ]
        .into_iter()
        .map(|label| painter.layout_no_wrap(label, egui::FontId::proportional(height * 0.4), text))
        .find(|galley| galley.size().x + 8.0 <= segment.width());
        if let Some(galley) = fitting {
            painter.galley(segment.center() - galley.size() / 2.0, galley, text);
        }
        x += kept;
        if lost > 0.0 {
            let gone = egui::Rect::from_min_max(pos2(x, rect.top()), pos2(x + lost, rect.bottom()));
            painter.rect_filled(
                gone.shrink2(vec2(1.0, 0.0)),
                4.0,
                ui.visuals().warn_fg_color.gamma_multiply(0.5),
            );
            x += lost;
        }
    }
    // Said in words too, for screen readers and tests.
    let described: Vec<String> = schedule
        .iter()
        .map(|t| {
            let lost = t.minutes_lost();
            let state = match t.state {
                TurnState::Waiting if lost > 0 => format!("to come, {lost} min lost to overruns"),
                TurnState::Waiting => "to come".to_owned(),
                TurnState::Running { .. } => "presenting".to_owned(),
                TurnState::Done { .. } => "done".to_owned(),
                TurnState::Withdrawn => "withdrawn".to_owned(),
            };
            format!("{} {} min ({state})", name_of(set, &t.member), t.minutes)
        })
        .collect();
    ui.label(
        RichText::new(format!("Batting order: {}", described.join(", ")))
            .small()
            .weak(),
    );
}

/// The time left as a ring that empties, in a colour that turns amber as time runs low
/// and red once over, with the clock in its middle; `k` times its 280-point size.
fn countdown(ui: &mut egui::Ui, left: TimeDelta, allotted: TimeDelta, k: f32) {
    let size = 280.0 * k;
    let (rect, _) = ui.allocate_exact_size(vec2(size, size), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    let centre = rect.center();
    let radius = size / 2.0 - 14.0 * k;
    let colour = time_colour(left, allotted);
    painter.circle_stroke(
        centre,
        radius,
        Stroke::new(18.0 * k, ui.visuals().faint_bg_color),
    );
    #[allow(clippy::cast_precision_loss)]
    let fraction = if allotted.num_seconds() > 0 {
        (left.num_seconds() as f32 / allotted.num_seconds() as f32).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let shown = if left < TimeDelta::zero() {
        1.0
    } else {
        fraction
    };
    let steps = 96;
    #[allow(clippy::cast_precision_loss)]
    let points: Vec<egui::Pos2> = (0..=steps)
        .map(|i| {
            let angle = -std::f32::consts::FRAC_PI_2
                + std::f32::consts::TAU * shown * (i as f32 / steps as f32);
            centre + radius * vec2(angle.cos(), angle.sin())
        })
        .collect();
    painter.add(egui::Shape::line(points, Stroke::new(18.0 * k, colour)));
    painter.text(
        centre,
        egui::Align2::CENTER_CENTER,
        clock(left),
        egui::FontId::monospace(64.0 * k),
        colour,
    );
}
