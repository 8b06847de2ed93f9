//! A member's issue: the problem situation they bring to the set, written with the
//! practice's template ("Describe your problem situation in one sentence...").

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use crate::ids::MemberId;
use crate::text::SharedText;
use crate::time::Timestamp;

/// A problem a member brings: "I am part of the problem and the problem is part of me."
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Issue {
    /// The member whose problem it is.
    pub owner: MemberId,
    /// "Describe your problem situation in one sentence."
    pub statement: String,
    /// "Why is this important to you?"
    #[autosurgeon(missing = "SharedText::default")]
    pub important_to_me: SharedText,
    /// "Why is this important to your practice?"
    #[autosurgeon(missing = "SharedText::default")]
    pub important_to_my_practice: SharedText,
    /// "How will you recognise progress on this problem?"
    #[autosurgeon(missing = "SharedText::default")]
    pub recognising_progress: SharedText,
    /// "Who else would like to see progress on this problem?"
    #[autosurgeon(missing = "SharedText::default")]
    pub who_else_wants_progress: SharedText,
    /// "What difficulties do you anticipate?"
    #[autosurgeon(missing = "SharedText::default")]
    pub anticipated_difficulties: SharedText,
    /// "What are the benefits if this problem is reduced or resolved? To me?"
    #[autosurgeon(missing = "SharedText::default")]
    pub benefits_to_me: SharedText,
    /// "... To other people?"
    #[autosurgeon(missing = "SharedText::default")]
    pub benefits_to_others: SharedText,
    /// "... To the practice?"
    #[autosurgeon(missing = "SharedText::default")]
    pub benefits_to_the_practice: SharedText,
    /// Open, resolved or dropped.
    pub status: IssueStatus,
    /// The set's priority: 1 is discussed first. `None` until the set prioritises.
    #[autosurgeon(missing = "Option::default")]
    pub priority: Option<u32>,
    /// When it was written.
    pub created_at: Timestamp,
    /// When its status last changed.
    #[autosurgeon(missing = "Option::default")]
    pub status_changed_at: Option<Timestamp>,
}

/// Where an issue stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub enum IssueStatus {
    /// Still being worked on.
    Open,
    /// The member considers it resolved.
    Resolved,
    /// The member no longer brings it to the set.
    Dropped,
}

impl IssueStatus {
    /// The status as people read it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            IssueStatus::Open => "open",
            IssueStatus::Resolved => "resolved",
            IssueStatus::Dropped => "dropped",
        }
    }
}

/// The problem-statement template as a member fills it in. Only the one-sentence
/// statement is required; the rest may come later.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemStatement {
    /// "Describe your problem situation in one sentence."
    pub statement: String,
    /// "Why is this important to you?"
    pub important_to_me: String,
    /// "Why is this important to your practice?"
    pub important_to_my_practice: String,
    /// "How will you recognise progress on this problem?"
    pub recognising_progress: String,
    /// "Who else would like to see progress on this problem?"
    pub who_else_wants_progress: String,
    /// "What difficulties do you anticipate?"
    pub anticipated_difficulties: String,
    /// "What are the benefits if this problem is reduced or resolved? To me?"
    pub benefits_to_me: String,
    /// "... To other people?"
    pub benefits_to_others: String,
    /// "... To the practice?"
    pub benefits_to_the_practice: String,
}

impl ProblemStatement {
    /// A statement with only its one sentence filled in.
    #[must_use]
    pub fn new(statement: &str) -> Self {
        Self {
            statement: statement.to_owned(),
            ..Self::default()
        }
    }
}
