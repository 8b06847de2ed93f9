//! The end of a meeting: actions committed to, and the review of how it went.

use egui::RichText;
use revans_model::{ActionLearningSet, Command, MeetingId, MemberReviewAnswers};

use super::room::round;
use super::{Console, Shown, Voice};
use crate::gui::{Shell, look};

use super::OWN_REVIEW;

impl Console {
    /// The actions of the member speaking, each with how likely they are to do it.
    pub(super) fn action_capture(
        &mut self,
        app: &mut Shell,
        ui: &mut egui::Ui,
        (set, meeting_id): (&ActionLearningSet, &MeetingId),
        voice: &Voice,
    ) {
        look::card(ui, None, |ui| {
            ui.label(
                RichText::new(format!("{} actions before the next meeting", voice.whose()))
                    .strong(),
            );
            // What they committed to at this meeting so far, and who wrote it down.
            let committed = set.actions.values().filter(|a| {
                Some(&a.owner) == voice.member.as_ref() && a.meeting.as_ref() == Some(meeting_id)
            });
            for action in committed {
                let note = crate::render::entered(set, &action.owner, action.entered_by.as_ref())
                    .map_or_else(String::new, |note| format!(" ({note})"));
                ui.label(format!(
                    "{} ({}/10 likely){note}",
                    action.text, action.likelihood
                ));
            }
            let field = voice.field("action.text");
            let entered = app.text(ui, "Action", &field);
            ui.add(egui::Slider::new(&mut self.likelihood, 1..=10).text("Likelihood (1-10)"));
            if ui.button("Add action").clicked() || entered {
                let text = app.value(&field);
                let likelihood = self.likelihood;
                app.apply(
                    "action",
                    "Adding…",
                    voice.command(Command::AddAction {
                        text,
                        likelihood,
                        issue: None,
                        meeting: Some(meeting_id.clone()),
                    }),
                );
            }
            app.status(ui, "action");
        });
    }
}

/// The review in the round, and the say and own review of the member speaking.
pub(super) fn review(app: &mut Shell, ui: &mut egui::Ui, shown: Shown<'_>, voice: &Voice) {
    let Shown {
        set,
        meeting_id,
        meeting,
    } = shown;
    if meeting.closing {
        looking_back(app, ui, set);
    }
    ui.label(RichText::new("Review of the meeting, in the round").strong());
    ui.label("Each member shares their review with the group: your say on how the meeting went, and your own learning.");
    round(ui, set, meeting);
    ui.add_space(8.0);
    let whose = voice.whose();
    let (share, save) = if voice.is_own() {
        ("Share my say".to_owned(), "Save my review".to_owned())
    } else {
        (format!("Share {whose} say"), format!("Save {whose} review"))
    };
    ui.label(RichText::new(format!("{whose} say on the meeting")).strong());
    let [worked, difficult, effective] =
        ["review.worked", "review.difficult", "review.effective"].map(|f| voice.field(f));
    app.prose(ui, "What worked well?", &worked);
    app.prose(ui, "What was difficult?", &difficult);
    app.prose(ui, "How could we be more effective?", &effective);
    if ui.button(share).clicked() {
        let some = |s: String| (!s.trim().is_empty()).then_some(s);
        app.apply(
            "review",
            "Saving…",
            voice.command(Command::ReviewProcess {
                meeting: meeting_id.clone(),
                worked_well: some(app.value(&worked)),
                was_difficult: some(app.value(&difficult)),
                more_effective: some(app.value(&effective)),
            }),
        );
    }
    app.status(ui, "review");
    ui.add_space(8.0);
    ui.label(RichText::new(format!("{whose} own review")).strong());
    let fields = OWN_REVIEW.map(|(label, name)| (label, voice.field(name)));
    for (label, name) in &fields {
        app.prose(ui, label, name);
    }
    if ui.button(save).clicked() {
        let some = |s: String| (!s.trim().is_empty()).then_some(s);
        let [problem, myself, steps, others, the_set] =
            fields.map(|(_, name)| some(app.value(&name)));
        app.apply(
            "mine",
            "Saving…",
            voice.command(Command::ReviewMeeting {
                meeting: meeting_id.clone(),
                answers: MemberReviewAnswers {
                    my_problem: problem,
                    myself,
                    my_action_steps: steps,
                    other_members: others,
                    the_set,
                },
            }),
        );
    }
    app.status(ui, "mine");
}

/// The set's last meeting looks back over its life: what each member achieved, each
/// achievement offered for celebration.
fn looking_back(app: &mut Shell, ui: &mut egui::Ui, set: &ActionLearningSet) {
    ui.label(RichText::new("The set's last meeting: looking back").strong());
    ui.label("What each member achieved over the set's life. Celebrate it together before the set closes.");
    for (member, who) in set.current_members() {
        let resolved = set
            .issues
            .values()
            .filter(|i| i.owner == *member && i.status == revans_model::IssueStatus::Resolved);
        let done = set.actions.values().filter(|a| {
            a.owner == *member
                && a.report_back
                    .as_ref()
                    .is_some_and(|r| r.outcome == revans_model::Outcome::Done)
        });
        let achieved: Vec<String> = resolved
            .map(|i| i.statement.clone())
            .chain(done.map(|a| a.text.clone()))
            .collect();
        if achieved.is_empty() {
            continue;
        }
        look::card(
            ui,
            Some(crate::gui::look::member_colour(set, member)),
            |ui| {
                ui.label(RichText::new(&who.display_name).strong());
                for text in achieved {
                    ui.horizontal_wrapped(|ui| {
                        ui.label(&text);
                        crate::gui::areas::celebrate(
                            app,
                            ui,
                            set,
                            (member, &text, true),
                            "celebrate",
                        );
                    });
                }
            },
        );
    }
    app.status(ui, "celebrate");
    ui.add_space(8.0);
}
