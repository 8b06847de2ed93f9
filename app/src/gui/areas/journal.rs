//! The member's private journal: what reaches only their own devices. Entries can be
//! notes for the next meeting (shown on its console, on this member's devices alone), and
//! the member's own reviews come back here meeting by meeting: learning at three levels,
//! in one place.

use egui::RichText;
use revans_model::{ActionLearningSet, JournalCommand};

use crate::gui::{Outcome, Shell, look};
use crate::render::local;

pub(crate) fn ui(app: &mut Shell, ui: &mut egui::Ui) {
    ui.heading("Journal");
    ui.label("Private: only your own devices ever hold it.");
    let set = app.set().cloned();
    // The meeting an entry can be a note for: the set's next one not yet closed.
    let next = set.as_ref().and_then(|set| {
        set.next_meeting()
            .map(|(id, m)| (id.clone(), local(m.scheduled_at.get())))
    });
    app.prose(ui, "New entry", "journal.text");
    let mut for_next = app.value("journal.for_next.keep") == "yes";
    if let Some((_, when)) = &next
        && ui
            .checkbox(&mut for_next, format!("A note for the meeting of {when}"))
            .changed()
    {
        (if for_next { "yes" } else { "" }).clone_into(app.field("journal.for_next.keep"));
    }
    if ui.button("Write entry").clicked() {
        let text = app.value("journal.text");
        let meeting = next.as_ref().filter(|_| for_next).map(|(id, _)| id.clone());
        let set = app.selected.clone();
        app.run("journal", "Writing…", move |node| async move {
            node.journal_apply(JournalCommand::Write { text, set, meeting })
                .await
                .map(|_| Outcome::Done)
        });
    }
    app.status(ui, "journal");
    if let Some(journal) = &app.journal {
        for (_, entry) in journal.newest_first() {
            ui.separator();
            let about = entry
                .meeting
                .as_ref()
                .and_then(|m| set.as_ref()?.meetings.get(m))
                .map_or_else(String::new, |m| {
                    format!(" · for the meeting of {}", local(m.scheduled_at.get()))
                });
            ui.label(RichText::new(format!("{}{about}", local(entry.written_at.get()))).weak());
            ui.label(entry.text.as_str());
        }
    }
    if let (Some(set), Some(me)) = (&set, app.me()) {
        own_learning(ui, set, &me, app.journal.as_ref());
    }
}

/// The member's own learning, meeting by meeting, newest first: their review (what they
/// learned about their problem, themselves and the set), the accounts they gave of their
/// actions, and their journal's notes for that meeting. Theirs alone to see.
fn own_learning(
    ui: &mut egui::Ui,
    set: &ActionLearningSet,
    me: &revans_model::MemberId,
    journal: Option<&revans_model::Journal>,
) {
    let mut meetings = set.meetings_in_order();
    meetings.reverse();
    let mut any = false;
    for (id, meeting) in meetings {
        let review = meeting.member_reviews.get(me);
        let accounts: Vec<_> = set
            .actions
            .values()
            .filter(|a| a.owner == *me && set.due_meeting(a) == Some(id))
            .filter_map(|a| a.report_back.as_ref().map(|r| (a, r)))
            .collect();
        let notes: Vec<String> = journal.map_or_else(Vec::new, |j| {
            j.newest_first()
                .into_iter()
                .filter(|(_, e)| e.meeting.as_ref() == Some(id))
                .map(|(_, e)| e.text.as_str().trim().to_owned())
                .collect()
        });
        let answers: Vec<_> = review.map_or_else(Vec::new, |r| {
            r.answers()
                .into_iter()
                .filter(|(_, text)| !text.is_blank())
                .collect()
        });
        if answers.is_empty() && accounts.is_empty() && notes.is_empty() {
            continue;
        }
        if !any {
            look::section(ui, "Your learning, meeting by meeting");
            any = true;
        }
        look::card(ui, None, |ui| {
            ui.label(RichText::new(local(meeting.scheduled_at.get())).strong());
            for (label, text) in answers {
                ui.label(format!("{label}: {}", text.as_str().trim()));
            }
            for (action, report) in accounts {
                let learned = if report.learned.is_blank() {
                    String::new()
                } else {
                    format!("; learned: {}", report.learned.as_str().trim())
                };
                ui.label(format!(
                    "My action: {} ({}){learned}",
                    action.text,
                    report.outcome.name()
                ));
            }
            for note in notes {
                ui.label(format!("My note: {note}"));
            }
        });
    }
}
