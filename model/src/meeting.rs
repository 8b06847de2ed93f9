//! A meeting of the set, in the practice's four parts: catching up, agenda setting (bids
//! for time and a batting order), progress reports (turns), and the review.

use std::collections::BTreeMap;
use std::fmt;

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use crate::ids::{ContributionId, IssueId, MemberId};
use crate::text::SharedText;
use crate::time::Timestamp;

/// One meeting: when and where, its phase, and everything said in it.
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Meeting {
    /// When it is due to start.
    pub scheduled_at: Timestamp,
    /// How long it is: the first meeting three hours, later ones two.
    pub minutes: u32,
    /// Minutes set aside for the catch-up round.
    pub catch_up_minutes: u32,
    /// Minutes set aside for the review at the end.
    pub review_minutes: u32,
    /// Where: meetings rotate around members' workplaces.
    pub location: String,
    /// The member whose workplace hosts it, if any.
    #[autosurgeon(missing = "Option::default")]
    pub host: Option<MemberId>,
    /// Which part of the meeting the set is in.
    pub phase: Phase,
    /// When the meeting began (entered its catch-up).
    #[autosurgeon(missing = "Option::default")]
    pub started_at: Option<Timestamp>,
    /// When the review closed it.
    #[autosurgeon(missing = "Option::default")]
    pub closed_at: Option<Timestamp>,
    /// Each member's news, under their own key.
    #[autosurgeon(missing = "BTreeMap::new")]
    pub catch_up: BTreeMap<MemberId, CatchUp>,
    /// Each member's bid for time, under their own key.
    #[autosurgeon(missing = "BTreeMap::new")]
    pub bids: BTreeMap<MemberId, Bid>,
    /// Each member's word on coming, or their apologies, under their own key: "commitment
    /// to attending, and having a really good reason if you can't".
    #[autosurgeon(missing = "BTreeMap::new")]
    pub attendance: BTreeMap<MemberId, Attendance>,
    /// The batting order, once the set has locked it.
    #[autosurgeon(missing = "Option::default")]
    pub agenda: Option<Agenda>,
    /// Each presenter's turn, under their own key.
    #[autosurgeon(missing = "BTreeMap::new")]
    pub turns: BTreeMap<MemberId, Turn>,
    /// The set's review of how the meeting went, as written together before the review
    /// became a round (read, no longer written: each member's say is in their review).
    pub process_review: ProcessReview,
    /// Each member's own review, under their own key.
    #[autosurgeon(missing = "BTreeMap::new")]
    pub member_reviews: BTreeMap<MemberId, MemberReview>,
    /// The set's last meeting, whose review looks back over the set's life.
    #[autosurgeon(missing = "bool::default")]
    #[serde(default)]
    pub closing: bool,
    /// Who planned it.
    pub created_by: MemberId,
    /// When it was planned.
    pub created_at: Timestamp,
}

impl Meeting {
    /// Those who sent apologies, with what they said.
    pub fn away(&self) -> impl Iterator<Item = (&MemberId, &Attendance)> {
        self.attendance.iter().filter(|(_, a)| !a.coming)
    }

    /// Whether the meeting is running: begun and not yet closed.
    #[must_use]
    pub fn is_running(&self) -> bool {
        !matches!(self.phase, Phase::Planned | Phase::Closed)
    }

    /// Whether a member is marked as here: they said they were coming, or the room's
    /// scribe marked them as here.
    #[must_use]
    pub fn is_here(&self, member: &MemberId) -> bool {
        self.attendance.get(member).is_some_and(|a| a.coming)
    }

    /// Whether a member sent apologies for this meeting.
    #[must_use]
    pub fn is_away(&self, member: &MemberId) -> bool {
        self.attendance.get(member).is_some_and(|a| !a.coming)
    }

    /// The minutes for turns: the meeting's length less catch-up and review.
    #[must_use]
    pub fn minutes_for_turns(&self) -> u32 {
        self.minutes
            .saturating_sub(self.catch_up_minutes)
            .saturating_sub(self.review_minutes)
    }

    /// The turn running now, if any: started and not ended.
    #[must_use]
    pub fn running_turn(&self) -> Option<(&MemberId, &Turn)> {
        self.turns
            .iter()
            .filter(|(_, t)| t.ended_at.is_none())
            // Two devices may start turns at the same moment; the later start is the one
            // the room sees, the same on every device.
            .max_by_key(|(m, t)| (t.started_at, *m))
    }
}

/// The parts of a meeting, in order.
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
pub enum Phase {
    /// Planned, not yet begun.
    Planned,
    /// "A round which allows each person to share immediate news."
    CatchUp,
    /// Bids for time, then a batting order.
    Agenda,
    /// Progress reports: each presenter takes a turn.
    Turns,
    /// "What worked well? What was difficult? How could we be more effective?"
    Review,
    /// Over.
    Closed,
}

impl Phase {
    /// All phases in order.
    pub const ALL: [Phase; 6] = [
        Phase::Planned,
        Phase::CatchUp,
        Phase::Agenda,
        Phase::Turns,
        Phase::Review,
        Phase::Closed,
    ];

    /// The phase after this one.
    #[must_use]
    pub fn next(self) -> Option<Phase> {
        Self::ALL.get(self.index() + 1).copied()
    }

    /// The phase before this one.
    #[must_use]
    pub fn previous(self) -> Option<Phase> {
        self.index()
            .checked_sub(1)
            .and_then(|i| Self::ALL.get(i).copied())
    }

    fn index(self) -> usize {
        Self::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    /// The phase's name as people read it, and as the command line takes it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Phase::Planned => "planned",
            Phase::CatchUp => "catch-up",
            Phase::Agenda => "agenda",
            Phase::Turns => "turns",
            Phase::Review => "review",
            Phase::Closed => "closed",
        }
    }

    /// Reads a phase from its name (`catch-up`, `agenda`, ...).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Phase> {
        Self::ALL.into_iter().find(|p| p.name() == name.trim())
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A member's news in the catch-up round.
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct CatchUp {
    /// What they shared.
    #[autosurgeon(missing = "SharedText::default")]
    pub news: SharedText,
    /// When it was last changed.
    pub updated_at: Timestamp,
    /// Who entered it for them in the room, as the meeting's scribe; `None` when the
    /// member wrote it themselves (their own word, which no scribe may change).
    #[autosurgeon(missing = "Option::default")]
    #[serde(default)]
    pub entered_by: Option<MemberId>,
}

/// A member's word on a meeting: coming, or apologies with the reason (shown to the set).
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Attendance {
    /// Coming; `false` sends apologies.
    pub coming: bool,
    /// Why they cannot come (empty when coming, or if they gave none).
    pub reason: String,
    /// When they said so.
    pub said_at: Timestamp,
    /// Who entered it for them in the room, as the meeting's scribe; `None` when the
    /// member wrote it themselves (their own word, which no scribe may change).
    #[autosurgeon(missing = "Option::default")]
    #[serde(default)]
    pub entered_by: Option<MemberId>,
}

/// "Each meeting starts with a bid for time."
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Bid {
    /// Minutes wanted; `None` asks for an equal share.
    #[autosurgeon(missing = "Option::default")]
    pub minutes: Option<u32>,
    /// How pressing it is: time is "varied depending on need, urgency and so on".
    pub urgency: Urgency,
    /// The issue they want to work on.
    #[autosurgeon(missing = "Option::default")]
    pub issue: Option<IssueId>,
    /// Anything the set should know when agreeing the order.
    pub note: String,
    /// Here, but passing this time: no turn, and not the same as being away.
    #[autosurgeon(missing = "bool::default")]
    pub passing: bool,
    /// When the bid was made or last changed.
    pub made_at: Timestamp,
    /// Who entered it for them in the room, as the meeting's scribe; `None` when the
    /// member wrote it themselves (their own word, which no scribe may change).
    #[autosurgeon(missing = "Option::default")]
    #[serde(default)]
    pub entered_by: Option<MemberId>,
}

/// How urgent a bid is.
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
pub enum Urgency {
    /// Can wait.
    Low,
    /// The usual.
    Normal,
    /// Pressing.
    High,
}

impl Urgency {
    /// The weight a bid carries when time is short: urgent bids keep more of what they
    /// asked for.
    #[must_use]
    pub fn weight(self) -> u64 {
        match self {
            Urgency::Low => 1,
            Urgency::Normal => 2,
            Urgency::High => 3,
        }
    }

    /// The urgency's name, as the command line takes it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Urgency::Low => "low",
            Urgency::Normal => "normal",
            Urgency::High => "high",
        }
    }
}

/// The agreed batting order.
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Agenda {
    /// Presenters in order with their minutes.
    pub slots: Vec<Slot>,
    /// Who locked it.
    pub locked_by: MemberId,
    /// When.
    pub locked_at: Timestamp,
}

/// One presenter's place in the batting order.
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Slot {
    /// The presenter.
    #[key]
    pub member: MemberId,
    /// The issue they will work on.
    #[autosurgeon(missing = "Option::default")]
    pub issue: Option<IssueId>,
    /// Their allocated minutes.
    pub minutes: u32,
}

/// A presenter's turn: their progress report and the set's questions.
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Turn {
    /// When it began: every device counts down from this.
    pub started_at: Timestamp,
    /// Who started it.
    pub started_by: MemberId,
    /// The minutes the turn had when it began, after earlier overruns were taken from it.
    pub allocated_minutes: u32,
    /// When it ended; the airtime actually used is `ended_at - started_at`.
    #[autosurgeon(missing = "Option::default")]
    pub ended_at: Option<Timestamp>,
    /// Questions and statements logged during the turn.
    #[autosurgeon(missing = "BTreeMap::new")]
    pub contributions: BTreeMap<ContributionId, Contribution>,
    /// What the presenter or the set noticed.
    #[autosurgeon(missing = "SharedText::default")]
    pub insights: SharedText,
}

/// A question asked, or a statement made, during a turn. Members "ask rather than tell":
/// logging statements lets the set see when it drifts into advice.
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Contribution {
    /// A question or a statement.
    pub kind: ContributionKind,
    /// The words, if someone noted them; a single click logs one with none.
    pub text: String,
    /// Who logged it: the member whose device wrote it (on a shared screen, often the
    /// facilitator).
    pub by: MemberId,
    /// Who asked it or said it, as the member logging it named them; `None` in records
    /// made before Revans asked (whoever logged it then), which lack the field.
    #[autosurgeon(missing = "Option::default")]
    pub asker: Option<MemberId>,
    /// When.
    pub at: Timestamp,
}

impl Contribution {
    /// The member who asked the question or made the statement.
    #[must_use]
    pub fn asked_by(&self) -> &MemberId {
        self.asker.as_ref().unwrap_or(&self.by)
    }
}

/// What was said during a turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub enum ContributionKind {
    /// A question to the presenter.
    Question,
    /// A statement: telling or advising rather than asking.
    Statement,
}

/// "Review – at the end of each session, the set takes a few minutes for feedback and
/// discussion of the process.": each member's say, in their own review
/// ([`MemberReview::process`]); a meeting's `process_review` holds what sets wrote
/// together before the review became a round.
#[derive(Clone, Debug, Default, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct ProcessReview {
    /// "What worked well?"
    #[autosurgeon(missing = "SharedText::default")]
    pub worked_well: SharedText,
    /// "What was difficult in this meeting?"
    #[autosurgeon(missing = "SharedText::default")]
    pub was_difficult: SharedText,
    /// "How could we be more effective?"
    #[autosurgeon(missing = "SharedText::default")]
    pub more_effective: SharedText,
}

/// The "Set meeting review" each member fills in: learning at three levels.
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct MemberReview {
    /// "My problem. The three key things I have learned about my problem today are:"
    #[autosurgeon(missing = "SharedText::default")]
    pub my_problem: SharedText,
    /// "Myself. The one thing I've learned about myself today is:"
    #[autosurgeon(missing = "SharedText::default")]
    pub myself: SharedText,
    /// "Action. My action steps before the next meeting are:"
    #[autosurgeon(missing = "SharedText::default")]
    pub my_action_steps: SharedText,
    /// "Other set members. The most interesting thing I have learned today about the
    /// problems facing each of the other set members is:"
    #[autosurgeon(missing = "SharedText::default")]
    pub other_members: SharedText,
    /// "The set. The thing that stands out for me today in terms of the working of this set is:"
    #[autosurgeon(missing = "SharedText::default")]
    pub the_set: SharedText,
    /// Their say on the three questions of the process review: each member answers them
    /// in their own words, in the round at the end of the meeting.
    #[autosurgeon(missing = "ProcessReview::default")]
    pub process: ProcessReview,
    /// When it was last changed.
    pub updated_at: Timestamp,
    /// Who entered it for them in the room, as the meeting's scribe; `None` when the
    /// member wrote it themselves (their own word, which no scribe may change).
    #[autosurgeon(missing = "Option::default")]
    #[serde(default)]
    pub entered_by: Option<MemberId>,
}

impl ProcessReview {
    /// The three answers, each with its question in a few words.
    #[must_use]
    pub fn answers(&self) -> [(&'static str, &SharedText); 3] {
        [
            ("What worked well", &self.worked_well),
            ("What was difficult", &self.was_difficult),
            ("How we could be more effective", &self.more_effective),
        ]
    }
}

impl MemberReview {
    /// Every answer, the say on the process first, each with its question in a few
    /// words.
    #[must_use]
    pub fn answers(&self) -> [(&'static str, &SharedText); 8] {
        let [worked, difficult, effective] = self.process.answers();
        [
            worked,
            difficult,
            effective,
            ("About my problem", &self.my_problem),
            ("About myself", &self.myself),
            ("My action steps", &self.my_action_steps),
            ("About the others' problems", &self.other_members),
            ("About the working of the set", &self.the_set),
        ]
    }

    /// A review with nothing written yet, begun at `at`.
    #[must_use]
    pub fn begun(at: Timestamp) -> Self {
        Self {
            my_problem: SharedText::default(),
            myself: SharedText::default(),
            my_action_steps: SharedText::default(),
            other_members: SharedText::default(),
            the_set: SharedText::default(),
            process: ProcessReview::default(),
            updated_at: at,
            entered_by: None,
        }
    }
}
