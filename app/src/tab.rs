//! The areas of a set, which both faces name: the app's tab bar draws them, and
//! `revans --show AREA` opens one.

/// The areas of a set, in the order of the tab bar; `revans --show AREA` names one.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, clap::ValueEnum,
)]
pub enum Tab {
    Overview,
    Issues,
    Meetings,
    Console,
    Actions,
    Journal,
    History,
    People,
}

impl Tab {
    pub(crate) const ALL: [Tab; 8] = [
        Tab::Overview,
        Tab::Issues,
        Tab::Meetings,
        Tab::Console,
        Tab::Actions,
        Tab::Journal,
        Tab::History,
        Tab::People,
    ];

    pub(crate) fn title(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Issues => "Issues",
            Tab::Meetings => "Meetings",
            Tab::Console => "Meeting console",
            Tab::Actions => "Actions",
            Tab::Journal => "Journal",
            Tab::History => "History",
            Tab::People => "People and sync",
        }
    }
}
