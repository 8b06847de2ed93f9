//! The areas of a set, one module each: the overview, issues, meetings, the meeting
//! console (with its full-screen room view), actions, the private journal, history, and
//! people and sync. Each is drawn by one entry point, `ui`, which borrows the shell for
//! the set shown, the text of its forms and the work it sends to the node. An area with
//! state of its own (the overview, meetings, the console, actions) is a type that keeps
//! it, drawn by `ui(&mut self, app, ui)`; the others are a function `ui(app, ui)`.

mod actions;
pub(crate) mod console;
pub(crate) mod ground_rules;
mod history;
pub(crate) mod issues;
mod journal;
mod meetings;
mod overview;
mod people;

pub(crate) use actions::Actions;
pub(crate) use console::Console;
pub(crate) use meetings::Meetings;
pub(crate) use overview::Overview;

/// "Achievements will be celebrated in an appropriate way": "Celebrated" once the set has
/// celebrated `member` for `text`, else (when `offered`) a button that does, its work
/// shown at `place`. The catch-up, the last meeting's looking back and the Issues area
/// share it.
pub(crate) fn celebrate(
    app: &mut super::Shell,
    ui: &mut egui::Ui,
    set: &revans_model::ActionLearningSet,
    (member, text, offered): (&revans_model::MemberId, &str, bool),
    place: &'static str,
) {
    let celebrated = set
        .celebrations
        .values()
        .any(|c| c.member == *member && c.text == text);
    if celebrated {
        ui.label(egui::RichText::new("Celebrated").strong());
    } else if offered && ui.button("Celebrate").clicked() {
        app.apply(
            place,
            "Celebrating…",
            revans_model::Command::Celebrate {
                member: member.clone(),
                text: text.to_owned(),
            },
        );
    }
}

/// The areas that keep state of their own.
#[derive(Default)]
pub(crate) struct Areas {
    pub(crate) overview: Overview,
    pub(crate) meetings: Meetings,
    pub(crate) console: Console,
    pub(crate) actions: Actions,
}

impl Areas {
    /// Draws the area `tab` names.
    pub(crate) fn ui(&mut self, tab: crate::tab::Tab, app: &mut super::Shell, ui: &mut egui::Ui) {
        use crate::tab::Tab;
        match tab {
            Tab::Overview => self.overview.ui(app, ui),
            Tab::Issues => issues::ui(app, ui),
            Tab::Meetings => self.meetings.ui(app, ui),
            Tab::Console => self.console.ui(app, ui),
            Tab::Actions => self.actions.ui(app, ui),
            Tab::Journal => journal::ui(app, ui),
            Tab::History => history::ui(app, ui),
            Tab::People => people::ui(app, ui),
        }
    }

    /// The shell's work at `place` finished: the areas whose forms it was clear them.
    pub(crate) fn finished(&mut self, place: &str) {
        self.meetings.finished(place);
    }
}
