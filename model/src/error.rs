//! What can go wrong, in sentences that say what to do next. Every command returns one
//! of these for bad input and leaves the document exactly as it was.

use crate::invitation::{Inadmissible, InvitationState};
use crate::meeting::Phase;

/// A document that cannot be read as a set or a journal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// Not a Revans document of the kind expected.
    #[error("This document is not a Revans set or journal ({0}).")]
    NotASet(String),
    /// Written by a newer version.
    #[error(
        "This document was written by a newer version of Revans (schema {0}); update Revans to open it."
    )]
    TooNew(u64),
    /// Has the right shape at the top but something inside does not read.
    #[error("Part of this document could not be read ({0}); it may be damaged.")]
    Damaged(String),
}

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// The author is not in the set at all.
    #[error("You are not a member of this set, so you cannot change it.")]
    NotAMember,
    /// The author, or the member named, has left or been removed.
    #[error("{name} is no longer a member of this set.")]
    NoLongerAMember {
        /// Their display name.
        name: String,
    },
    /// A member id that is not in the set.
    #[error("No member of this set has the id {0}; check it against the set's member list.")]
    UnknownMember(String),
    /// An issue id that is not in the set.
    #[error("This set has no issue with the id {0}; check it against the set's issues.")]
    UnknownIssue(String),
    /// A meeting id that is not in the set.
    #[error("This set has no meeting with the id {0}; check it against the set's meetings.")]
    UnknownMeeting(String),
    /// A ground rule id that is not in the set.
    #[error(
        "This set has no ground rule with the id {0}; check it against the set's ground rules."
    )]
    UnknownRule(String),
    /// An action id that is not in the set.
    #[error("This set has no action with the id {0}; check it against the set's actions.")]
    UnknownAction(String),
    /// A journal entry id that is not in the journal.
    #[error("Your journal has no entry with the id {0}; check it against `revans journal list`.")]
    UnknownJournalEntry(String),
    /// An invitation id that is not in the set, or whose key does not match.
    #[error("This set has no invitation {0} with that key; ask a member for a new ticket.")]
    UnknownInvitation(String),
    /// An invitation that can no longer admit anyone.
    #[error("This invitation {}; ask a member for a new ticket.", match .0 {
        InvitationState::Used => "has been used already",
        InvitationState::Expired => "has expired",
        InvitationState::Revoked => "was withdrawn",
        InvitationState::Open => "is open",
    })]
    InvitationClosed(InvitationState),
    /// An expiry that has already passed.
    #[error("An invitation must expire in the future; give a later expiry.")]
    ExpiryInThePast,
    /// An invitation whose key is not a key.
    #[error("An invitation's key must be 64 hexadecimal characters.")]
    MalformedInvitation,
    /// An admission without the device's own signature over it.
    #[error(
        "The device asking to join did not consent to be this member's device; it must ask again with its own ticket."
    )]
    NoConsent,
    /// A device that is not the author's.
    #[error("That device is not one of yours, so you cannot record its addresses.")]
    NotYourDevice,
    /// A required text is empty.
    #[error("The {field} is empty: write something first.")]
    Blank {
        /// What was empty.
        field: &'static str,
    },
    /// A text is too long.
    #[error("The {field} is longer than {max} characters: shorten it.")]
    TooLong {
        /// What was too long.
        field: &'static str,
        /// The most allowed.
        max: usize,
    },
    /// A likelihood outside 1-10.
    #[error("A likelihood is a whole number from 1 to 10, not {0}.")]
    Likelihood(u8),
    /// A meeting length outside what a meeting can be.
    #[error("A meeting is from {min} to {max} minutes long, not {0}.", min = MIN_MEETING_MINUTES, max = MAX_MEETING_MINUTES)]
    MeetingLength(u32),
    /// A bid for more time than the meeting has.
    #[error(
        "You asked for {asked} minutes, but this meeting has only {available} minutes for turns."
    )]
    BidTooLong {
        /// Minutes asked for.
        asked: u32,
        /// Minutes the meeting has for turns.
        available: u32,
    },
    /// A bid of no time.
    #[error("A bid is for at least one minute; to pass, don't bid.")]
    BidTooShort,
    /// A bid after bidding has closed.
    #[error("Bids are closed for this meeting: {reason}.")]
    BiddingClosed {
        /// Why.
        reason: String,
    },
    /// Something done in a phase where it does not belong.
    #[error("You can {what} only {when}; this meeting is in its {phase} phase.")]
    WrongPhase {
        /// What was tried.
        what: &'static str,
        /// When it can be done.
        when: &'static str,
        /// The meeting's phase now.
        phase: Phase,
    },
    /// A phase change that skips phases.
    #[error("A meeting moves one phase at a time: from {from} it can go to {options}.")]
    PhaseJump {
        /// The phase now.
        from: Phase,
        /// The phases it can move to.
        options: String,
    },
    /// A meeting already in the phase asked for.
    #[error("The meeting is already in its {0} phase.")]
    AlreadyInPhase(Phase),
    /// Locking an agenda with no bids.
    #[error("No one has bid for time yet, so there is no batting order to lock.")]
    NoBids,
    /// A batting order that gives more time than there is.
    #[error(
        "The batting order gives {total} minutes, but this meeting has only {available} minutes for turns."
    )]
    AgendaOverbooked {
        /// Minutes the order gives.
        total: u32,
        /// Minutes there are.
        available: u32,
    },
    /// The same member or issue twice in an order.
    #[error("{0} appears twice in the order; name each once.")]
    Duplicate(String),
    /// An empty order.
    #[error("The order is empty: name at least one {0}.")]
    EmptyOrder(&'static str),
    /// Starting turns before the agenda is locked.
    #[error("Lock the agenda before starting turns.")]
    AgendaNotLocked,
    /// Changing the agenda once turns have begun.
    #[error("Turns have begun, so the batting order can no longer change.")]
    TurnsBegun,
    /// Someone not on the agenda.
    #[error("{name} is not on this meeting's agenda.")]
    NotOnAgenda {
        /// Their display name.
        name: String,
    },
    /// A second turn while one is running.
    #[error("{name}'s turn is still running: end it first.")]
    TurnRunning {
        /// The presenter now.
        name: String,
    },
    /// A second turn for the same presenter.
    #[error("{name} has already had a turn in this meeting.")]
    AlreadyPresented {
        /// Their display name.
        name: String,
    },
    /// A question logged as the presenter's own.
    #[error("{name} is presenting: the questions come from the others in the set.")]
    PresenterAsking {
        /// The presenter's display name.
        name: String,
    },
    /// Ending or logging with no turn running.
    #[error("No turn is running: start one first.")]
    NoTurnRunning,
    /// Changing another member's issue or action.
    #[error("This {what} is {owner}'s: only they can change it.")]
    NotYours {
        /// What was to be changed.
        what: &'static str,
        /// Whose it is.
        owner: String,
    },
    /// A scribe's entry for another member outside a running meeting.
    #[error(
        "You can enter what {name} says only while a meeting is running; {name} can write it from their own device."
    )]
    NotInTheRoom {
        /// Whose words.
        name: String,
    },
    /// A scribe's entry for a member nobody has said is at the meeting.
    #[error(
        "{name} is not marked as here at this meeting: mark them as here first, or let them write it themselves."
    )]
    NotPresent {
        /// Whose words.
        name: String,
    },
    /// A scribe's entry over what the member wrote themselves.
    #[error(
        "{name} wrote this themselves, so it stands as they wrote it: only they can change it."
    )]
    TheirOwnWord {
        /// Whose words.
        name: String,
    },
    /// Something a scribe cannot enter for another member.
    #[error(
        "Only a member's news, coming or apologies, bid, actions, report-backs and review can be entered for them, not to {0}."
    )]
    NotForAnother(&'static str),
    /// A change to a closed set.
    #[error(
        "This set closed on {on}: its record is kept and can be read, exported and searched, but not changed. You can still leave it."
    )]
    SetClosed {
        /// When it closed.
        on: String,
    },
    /// Closing a set while one of its meetings runs.
    #[error("A meeting of this set is still running: close it before closing the set.")]
    MeetingStillRunning,
    /// An issue that is no longer open.
    #[error("This issue is {0} already.")]
    IssueClosed(&'static str),
    /// A ground rule agreed twice.
    #[error("You have already agreed to this ground rule.")]
    AlreadyAgreed,
    /// A retired ground rule.
    #[error("This ground rule has been retired.")]
    RuleRetired,
    /// The same rule proposed twice.
    #[error("That ground rule has already been proposed.")]
    RuleExists,
    /// Removing the last member.
    #[error("{name} is the set's last member; a set needs at least one.")]
    LastMember {
        /// Their display name.
        name: String,
    },
    /// Removing the facilitator.
    #[error("{name} facilitates the set: hand facilitation to someone else first.")]
    FacilitatorLeaving {
        /// Their display name.
        name: String,
    },
    /// Something only the facilitator may do while the set is facilitated.
    #[error(
        "While {facilitator} facilitates the set, only they can {what}; ask them, or agree to rotate or self-manage first."
    )]
    FacilitatorsCall {
        /// What was to be done.
        what: &'static str,
        /// The facilitator's display name.
        facilitator: String,
    },
    /// A device that already acts for a member.
    #[error("That device already belongs to {name}.")]
    DeviceTaken {
        /// Whose it is.
        name: String,
    },
    /// Changing an action already reported on.
    #[error("This action has been reported on, so it can no longer change.")]
    ActionReported,
    /// Moving a meeting that has begun.
    #[error("This meeting has begun, so it can no longer be moved.")]
    MeetingBegun,
    /// Keeping a version of a value that has only one.
    #[error(
        "Only one version of {0} stands now (someone kept one already): there is nothing to keep."
    )]
    NoConflict(&'static str),
    /// Keeping something that is not one of a value's versions.
    #[error(
        "That is not one of the versions of {0}; list the versions again and keep one of them."
    )]
    NotAVersion(&'static str),
    /// A change that changes nothing.
    #[error("{0}")]
    Unchanged(&'static str),
    /// The document could not be read.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Automerge refused the write. Nothing was changed.
    #[error(
        "The set's document could not be updated ({0}); nothing was changed. Please report this."
    )]
    Document(String),
}

/// The shortest meeting that can be planned.
pub const MIN_MEETING_MINUTES: u32 = 30;
/// The longest meeting that can be planned: a whole working day.
pub const MAX_MEETING_MINUTES: u32 = 720;

impl From<automerge::AutomergeError> for CommandError {
    fn from(e: automerge::AutomergeError) -> Self {
        CommandError::Document(e.to_string())
    }
}

impl From<autosurgeon::ReconcileError> for CommandError {
    fn from(e: autosurgeon::ReconcileError) -> Self {
        CommandError::Document(e.to_string())
    }
}

impl From<autosurgeon::HydrateError> for CommandError {
    fn from(e: autosurgeon::HydrateError) -> Self {
        CommandError::Load(LoadError::Damaged(e.to_string()))
    }
}

impl From<Inadmissible> for CommandError {
    fn from(why: Inadmissible) -> Self {
        match why {
            Inadmissible::NotTheKey(id) => Self::UnknownInvitation(id.to_string()),
            Inadmissible::NoConsent => Self::NoConsent,
            Inadmissible::Closed(state) => Self::InvitationClosed(state),
        }
    }
}
