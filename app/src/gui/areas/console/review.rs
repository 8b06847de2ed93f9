//! The end of a meeting: actions committed to, and the review of how it went.

use egui::RichText;
use revans_model::{Command, MeetingId, MemberReviewAnswers};

use super::room::round;
use super::{Console, Shown};
use crate::gui::{Shell, look};

use super::OWN_REVIEW;

impl Console {
    /// The presenter's actions, each with how likely they are to do it.
    pub(super) fn action_capture(
        &mut self,
        app: &mut Shell,
        ui: &mut egui::Ui,
        meeting_id: &MeetingId,
    ) {
        look::card(ui, None, |ui| {
            ui.label(RichText::new("Your actions before the next meeting").strong());
            let entered = app.text(ui, "Action", "action.text");
            ui.add(egui::Slider::new(&mut self.likelihood, 1..=10).text("Likelihood (1-10)"));
            if ui.button("Add action").clicked() || entered {
                let text = app.value("action.text");
                let likelihood = self.likelihood;
                app.apply(
                    "action",
                    "Adding…",
                    Command::AddAction {
                        text,
                        likelihood,
                        issue: None,
                        meeting: Some(meeting_id.clone()),
                    },
                );
            }
            app.status(ui, "action");
        });
    }
}

pub(super) fn review(app: &mut Shell, ui: &mut egui::Ui, shown: Shown<'_>) {
    let Shown {
        set,
        meeting_id,
        meeting,
    } = shown;
    ui.label(RichText::new("Review of the meeting, in the round").strong());
    ui.label("Each member shares their review with the group: your say on how the meeting went, and your own learning.");
    round(ui, set, meeting);
    ui.add_space(8.0);
    ui.label(RichText::new("Your say on the meeting").strong());
    app.prose(ui, "What worked well?", "review.worked");
    app.prose(ui, "What was difficult?", "review.difficult");
    app.prose(ui, "How could we be more effective?", "review.effective");
    if ui.button("Share my say").clicked() {
        let some = |s: String| (!s.trim().is_empty()).then_some(s);
        app.apply(
            "review",
            "Saving…",
            Command::ReviewProcess {
                meeting: meeting_id.clone(),
                worked_well: some(app.value("review.worked")),
                was_difficult: some(app.value("review.difficult")),
                more_effective: some(app.value("review.effective")),
            },
        );
    }
    app.status(ui, "review");
    ui.add_space(8.0);
    ui.label(RichText::new("Your own review").strong());
    for (label, name) in OWN_REVIEW {
        app.prose(ui, label, name);
    }
    if ui.button("Save my review").clicked() {
        let some = |s: String| (!s.trim().is_empty()).then_some(s);
        app.apply(
            "mine",
            "Saving…",
            Command::ReviewMeeting {
                meeting: meeting_id.clone(),
                answers: MemberReviewAnswers {
                    my_problem: some(app.value("mine.problem")),
                    myself: some(app.value("mine.myself")),
                    my_action_steps: some(app.value("mine.steps")),
                    other_members: some(app.value("mine.others")),
                    the_set: some(app.value("mine.set")),
                },
            },
        );
    }
    app.status(ui, "mine");
}
