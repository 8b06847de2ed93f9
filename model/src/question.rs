//! The question bank: prompts offered during a turn, so the set asks rather than tells.

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use crate::ids::MemberId;
use crate::time::Timestamp;

/// A question members can ask a presenter.
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Question {
    /// The question.
    pub text: String,
    /// When in a turn it tends to help.
    pub category: QuestionCategory,
    /// Who added it; `None` for the practice's own questions.
    #[autosurgeon(missing = "Option::default")]
    pub added_by: Option<MemberId>,
    /// When it was added.
    pub added_at: Timestamp,
}

/// When in a turn a question tends to help.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Reconcile,
    Hydrate,
    Serialize,
    Deserialize,
)]
pub enum QuestionCategory {
    /// Opening the turn: "What do you want to get out of this session?"
    Opening,
    /// Exploring the situation: "Can you tell us the story as it happened?"
    Exploring,
    /// Feelings: "How do you feel about what is going on?"
    Feelings,
    /// Options for action: "Can you think of three options for action?"
    Options,
    /// Commitment: "On a scale of 1 to 10, how likely are you to do this action?"
    Commitment,
    /// The set's own process: "How can we make this set more effective?"
    Process,
}

impl QuestionCategory {
    /// All categories, in the order a turn meets them.
    pub const ALL: [QuestionCategory; 6] = [
        QuestionCategory::Opening,
        QuestionCategory::Exploring,
        QuestionCategory::Feelings,
        QuestionCategory::Options,
        QuestionCategory::Commitment,
        QuestionCategory::Process,
    ];

    /// The stages of a turn and the kinds of question each calls for: opening and
    /// exploring in its first fifth, exploring and feelings to past half way, options
    /// for action to its last fifth, then commitment.
    pub const TURN_STAGES: [&'static [QuestionCategory]; 4] = [
        &[QuestionCategory::Opening, QuestionCategory::Exploring],
        &[QuestionCategory::Exploring, QuestionCategory::Feelings],
        &[QuestionCategory::Options],
        &[QuestionCategory::Commitment],
    ];

    /// The stage (an index into [`Self::TURN_STAGES`]) a turn with `elapsed` of its
    /// allotted time gone has reached; over time is still commitment.
    #[must_use]
    pub fn stage_at(elapsed: f64) -> usize {
        if elapsed < 0.2 {
            0
        } else if elapsed < 0.55 {
            1
        } else if elapsed < 0.8 {
            2
        } else {
            3
        }
    }

    /// The category's name, as the command line takes it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            QuestionCategory::Opening => "opening",
            QuestionCategory::Exploring => "exploring",
            QuestionCategory::Feelings => "feelings",
            QuestionCategory::Options => "options",
            QuestionCategory::Commitment => "commitment",
            QuestionCategory::Process => "process",
        }
    }
}
