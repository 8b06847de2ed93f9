//! Actions: "What first steps are you going to take before our next meeting?" and "On a
//! scale of 1 to 10, how likely are you to do this action?", with the account brought
//! back next time.

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use crate::ids::{IssueId, MeetingId, MemberId};
use crate::text::SharedText;
use crate::time::Timestamp;

/// An action a member commits to. The presenter chooses their own actions.
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Action {
    /// The member who will do it.
    pub owner: MemberId,
    /// The issue it moves forward.
    #[autosurgeon(missing = "Option::default")]
    pub issue: Option<IssueId>,
    /// The meeting it was committed at; `None` when added between meetings. It is due at
    /// the next meeting after that (derived, see [`crate::ActionLearningSet::due_meeting`]).
    #[autosurgeon(missing = "Option::default")]
    pub meeting: Option<MeetingId>,
    /// What they will do.
    pub text: String,
    /// How likely they are to do it, from 1 to 10.
    pub likelihood: u8,
    /// Who wrote it down.
    pub created_by: MemberId,
    /// When.
    pub created_at: Timestamp,
    /// The account brought back to the set.
    #[autosurgeon(missing = "Option::default")]
    pub report_back: Option<ReportBack>,
    /// Who wrote it down for its owner in the room, as the meeting's scribe, until the
    /// owner confirms or changes it; `None` when it is the owner's own word.
    #[autosurgeon(missing = "Option::default")]
    #[serde(default)]
    pub entered_by: Option<MemberId>,
}

impl Action {
    /// Whether the owner still has to report back on it.
    #[must_use]
    pub fn is_open(&self) -> bool {
        self.report_back.is_none()
    }
}

/// "An account of the effects of the action are brought back to the set."
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct ReportBack {
    /// Done, partly done, or not done.
    pub outcome: Outcome,
    /// What happened.
    #[autosurgeon(missing = "SharedText::default")]
    pub what_happened: SharedText,
    /// What they learned from it.
    #[autosurgeon(missing = "SharedText::default")]
    pub learned: SharedText,
    /// When it was reported (or last changed).
    pub reported_at: Timestamp,
    /// Who gave the account for its owner in the room, as the meeting's scribe; `None`
    /// when it is the owner's own word.
    #[autosurgeon(missing = "Option::default")]
    #[serde(default)]
    pub entered_by: Option<MemberId>,
}

/// How far an action was carried out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Reconcile, Hydrate, Serialize, Deserialize)]
pub enum Outcome {
    /// Done.
    Done,
    /// Partly done.
    Partly,
    /// Not done.
    Not,
}

impl Outcome {
    /// How much of the action was done, from 0 to 1: what a likelihood predicted.
    #[must_use]
    pub fn score(self) -> f64 {
        match self {
            Outcome::Done => 1.0,
            Outcome::Partly => 0.5,
            Outcome::Not => 0.0,
        }
    }

    /// The outcome's name, as the command line takes it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::Partly => "partly",
            Outcome::Not => "not",
        }
    }
}
