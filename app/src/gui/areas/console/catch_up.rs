//! The catch-up round: each member's news, and bids for time.

use egui::RichText;
use revans_model::{ActionLearningSet, Command, MeetingId, MemberId, Outcome as ActionOutcome};

use super::{Shown, Voice};
use crate::gui::look::member_colour;
use crate::gui::{Shell, look};
use crate::render::{entered, name_of};

/// A line, with who entered it for its owner if the room's scribe did.
fn said(set: &ActionLearningSet, owner: &MemberId, by: Option<&MemberId>, text: String) -> String {
    match entered(set, owner, by) {
        Some(note) => format!("{text} ({note})"),
        None => text,
    }
}

#[allow(clippy::too_many_lines)] // the area drawn top to bottom, as it appears
pub(super) fn catch_up(app: &mut Shell, ui: &mut egui::Ui, shown: Shown<'_>, voice: &Voice) {
    let Shown {
        set,
        meeting_id,
        meeting,
    } = shown;
    ui.label(RichText::new("Catching up").strong());
    ui.label("A round which allows each person to share immediate news.");
    for (member, news) in &meeting.catch_up {
        ui.label(said(
            set,
            member,
            news.entered_by.as_ref(),
            format!("{}: {}", name_of(set, member), news.news.as_str()),
        ));
    }
    news_form(app, ui, meeting_id, voice);

    // Who is away today, with what they said: their actions carry to the next meeting,
    // not reported here as not done.
    for (member, word) in meeting.away() {
        let reason = if word.reason.is_empty() {
            String::new()
        } else {
            format!(" ({})", word.reason)
        };
        let open = set.open_actions_of(member).len();
        let carries = if open == 0 {
            String::new()
        } else {
            format!(
                "; {} carried to the next meeting",
                crate::render::counted(open, "action")
            )
        };
        ui.label(
            RichText::new(format!(
                "{} sent apologies{reason}{carries}.",
                name_of(set, member)
            ))
            .color(member_colour(set, member)),
        );
    }
    // Every member's open actions, theirs to report on (the away member's carry);
    // accounts as they are given.
    let others: Vec<_> = set
        .current_members()
        .into_iter()
        .filter(|(id, _)| Some(*id) != voice.member.as_ref() && !meeting.is_away(id))
        .flat_map(|(id, _)| set.open_actions_of(id))
        .collect();
    let began = meeting
        .started_at
        .map_or(i64::MAX, revans_model::Timestamp::millis);
    let mut accounts: Vec<_> = set
        .actions
        .values()
        .filter_map(|a| a.report_back.as_ref().map(|r| (a, r)))
        .filter(|(_, r)| r.reported_at.millis() >= began)
        .collect();
    accounts.sort_by_key(|(_, r)| r.reported_at);
    if !accounts.is_empty() {
        ui.add_space(8.0);
        ui.label(RichText::new("Accounts given").strong());
        for (action, report) in accounts {
            look::card(ui, Some(member_colour(set, &action.owner)), |ui| {
                ui.label(
                    RichText::new(said(
                        set,
                        &action.owner,
                        report.entered_by.as_ref(),
                        format!(
                            "{}: {} ({}/10 likely): {}",
                            name_of(set, &action.owner),
                            action.text,
                            action.likelihood,
                            report.outcome.name()
                        ),
                    ))
                    .color(member_colour(set, &action.owner)),
                );
                for (label, text) in [
                    ("What happened", &report.what_happened),
                    ("What they learned", &report.learned),
                ] {
                    if !text.is_blank() {
                        ui.label(format!("{label}: {}", text.as_str()));
                    }
                }
                // A done action is offered for celebration.
                let done = report.outcome == ActionOutcome::Done;
                crate::gui::areas::celebrate(
                    app,
                    ui,
                    set,
                    (&action.owner, &action.text, done),
                    "celebrate",
                );
            });
        }
    }
    app.status(ui, "celebrate");
    if !others.is_empty() {
        ui.add_space(8.0);
        ui.label(RichText::new("Actions the others will report on").strong());
        for (_, action) in others {
            ui.label(
                RichText::new(format!(
                    "{}: {} ({}/10 likely)",
                    name_of(set, &action.owner),
                    action.text,
                    action.likelihood
                ))
                .color(member_colour(set, &action.owner)),
            );
        }
    }
    your_reports(app, ui, set, voice);
}

/// This member's news for the catch-up round: written ahead, from the meeting's planning,
/// or in the round itself.
pub(super) fn news_form(app: &mut Shell, ui: &mut egui::Ui, meeting_id: &MeetingId, voice: &Voice) {
    let field = voice.field("news.text");
    app.prose(ui, &format!("{} news", voice.whose()), &field);
    if ui.button("Share news").clicked() {
        let news = app.value(&field);
        app.apply(
            "news",
            "Sharing…",
            voice.command(Command::CatchUp {
                meeting: meeting_id.clone(),
                news,
            }),
        );
    }
    app.status(ui, "news");
}

/// The open actions of the member speaking, each with its own fields to report back on:
/// ahead of the meeting or at its catch-up.
pub(super) fn your_reports(
    app: &mut Shell,
    ui: &mut egui::Ui,
    set: &ActionLearningSet,
    voice: &Voice,
) {
    let Some(me) = &voice.member else {
        return;
    };
    let open = set.open_actions_of(me);
    if open.is_empty() {
        return;
    }
    ui.add_space(8.0);
    ui.label(RichText::new(format!("{} actions to report back on", voice.whose())).strong());
    for (action_id, action) in open {
        let action_id = action_id.clone();
        // Each action its own fields: typing about one never fills another's.
        let what = format!("report.{action_id}.what");
        let learned_field = format!("report.{action_id}.learned");
        look::card(ui, None, |ui| {
            ui.label(format!("{} ({}/10 likely)", action.text, action.likelihood));
            app.text(ui, "What happened", &what);
            app.text(ui, "What I learned", &learned_field);
            ui.horizontal(|ui| {
                for (outcome, label) in [
                    (ActionOutcome::Done, "Done"),
                    (ActionOutcome::Partly, "Partly"),
                    (ActionOutcome::Not, "Not done"),
                ] {
                    if ui
                        .button(label)
                        .on_hover_text(format!("Report: {label}"))
                        .clicked()
                    {
                        let what_happened = app.value(&what);
                        let learned = app.value(&learned_field);
                        app.apply(
                            "report",
                            "Reporting…",
                            voice.command(Command::ReportBack {
                                action: action_id.clone(),
                                outcome,
                                what_happened,
                                learned,
                            }),
                        );
                    }
                }
            });
        });
    }
    app.status(ui, "report");
}
