//! # revans-model
//!
//! An Action Learning Set as one Automerge document: the practice's domain (members,
//! ground rules, issues, meetings with their catch-up, bids, batting order, turns,
//! actions and reviews), the commands that change it, and the figures derived from it.
//!
//! Pure: no IO, no async, no clock. Callers pass the time; the network and the disk are
//! the `revans-sync` crate's business.
//!
//! Where to find the practice's concepts:
//! - [`ActionLearningSet`]: the set, its [`Facilitation`] and the hand-over.
//! - [`Member`], [`GroundRule`], [`Issue`] (with the [`ProblemStatement`] template).
//! - [`Meeting`] and its [`Phase`]s: [`CatchUp`], [`Bid`], [`Agenda`] of [`Slot`]s,
//!   [`Turn`]s with [`Contribution`]s, the [`ProcessReview`] and each [`MemberReview`].
//! - [`Action`] with its 1-10 likelihood and [`ReportBack`].
//! - [`Question`] bank, [`Celebration`], and the private [`Journal`].
//! - Commands: [`Command`], applied with [`apply`]; a new set with [`create_set`].
//! - Derived: [`batting_order()`], [`turn_schedule`], [`turn_time_left`],
//!   [`meeting_time_left`], [`airtime`], [`follow_through()`].

mod action;
pub mod admission;
pub mod authority;
mod batting_order;
mod celebration;
mod clock;
mod command;
mod conflict;
mod error;
mod follow_through;
mod ground_rule;
mod ids;
mod invitation;
mod issue;
mod journal;
mod limits;
mod meeting;
mod member;
mod past;
pub mod practice;
mod question;
pub mod rules;
mod set;
mod summary;
mod text;
mod time;
mod touched;

pub use action::{Action, Outcome, ReportBack};
pub use batting_order::{BattingOrder, batting_order, propose};
pub use celebration::Celebration;
pub use clock::{
    Airtime, ScheduledTurn, TurnState, airtime, meeting_time_left, minutes_for_turn, turn_schedule,
    turn_time_left,
};
pub use command::{
    Applied, Author, Command, Host, MeetingPlan, MemberReviewAnswers, NewSet, Profile, apply,
    apply_to_kept, create_set,
};
pub use conflict::{Conflict, Field, Kept, Version, conflicts, conflicts_since};
pub use error::{CommandError, LoadError, MAX_MEETING_MINUTES, MIN_MEETING_MINUTES};
pub use follow_through::{
    Calibration, FollowThrough, MeetingFollowThrough, follow_through, follow_through_by_meeting,
    the_sets_follow_through, the_sets_follow_through_by_meeting,
};
pub use ground_rule::{GroundRule, Retirement};
pub use ids::{
    ActionId, BadDeviceId, CelebrationId, ContributionId, DeviceId, HandoverId, InvitationId,
    IssueId, JournalEntryId, MeetingId, MemberId, QuestionId, RuleId, SetId, unhex,
};
pub use invitation::{Inadmissible, Invitation, InvitationState, InvitationUse};
pub use issue::{Issue, IssueStatus, ProblemStatement};
pub use journal::{
    Journal, JournalCommand, JournalEntry, apply_journal, check_journal_change, create_journal,
};
pub use limits::{LINE_MAX, NAME_MAX, PROSE_MAX};
pub use meeting::{
    Agenda, Attendance, Bid, CatchUp, Contribution, ContributionKind, Meeting, MemberReview, Phase,
    ProcessReview, Slot, Turn, Urgency,
};
pub use member::{Departure, DepartureKind, Device, Member, Role};
pub use past::{heads_at, set_at};
pub use question::{Question, QuestionCategory};
pub use rules::{Memo, Refusal, check_change, check_change_with, founding_id};
pub use set::{
    ActionLearningSet, Closed, Facilitation, Handover, MeetingLengths, SCHEMA_VERSION,
    current_members, whole_reads,
};
pub use summary::{MeetingSummary, MemberSummary, meeting_summary};
pub use text::SharedText;
pub use time::Timestamp;
pub use touched::Touched;
