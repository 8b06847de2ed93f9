//! Commands: every change to a set goes through one of these. Each is checked against the
//! document as it is now and applied as one Automerge transaction; a refused command
//! returns a [`CommandError`] and changes nothing.
//!
//! Each group of commands is a file of its own; this one holds the vocabulary (the
//! `Command` enum, one variant a member's act with its documentation) and the writer they
//! share, over 600 lines (and just over 800) because the vocabulary is read best whole.

mod actions;
mod agenda;
mod invitations;
mod issues;
mod keep;
mod meeting;
mod membership;
mod rules;
mod scribe;
mod turns;

use std::sync::Arc;

use automerge::transaction::{CommitOptions, Transactable, Transaction};
use automerge::{Automerge, ObjType, ReadDoc, Value};
use autosurgeon::Reconcile;
use chrono::{DateTime, Utc};

use crate::Outcome;
use crate::conflict::{self, Field, Kept};
use crate::error::{CommandError, LoadError};
use crate::ids::{
    ActionId, CelebrationId, ContributionId, DeviceId, InvitationId, IssueId, MeetingId, MemberId,
    QuestionId, RuleId,
};
use crate::issue::ProblemStatement;
use crate::meeting::{ContributionKind, Meeting, Phase, Slot, Urgency};
use crate::member::Member;
use crate::question::QuestionCategory;
use crate::set::{ActionLearningSet, Facilitation};
use crate::time::Timestamp;

pub use membership::{NewSet, create_set};

/// Who is acting, and when. Commands never read a clock: the caller passes the time, so
/// the same command gives the same result everywhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Author {
    /// The member acting.
    pub member: MemberId,
    /// When they act.
    pub at: DateTime<Utc>,
}

/// A member's name and organisation, as they give them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    /// Their name, as the set will know them.
    pub display_name: String,
    /// Their organisation.
    pub organisation: String,
}

/// A meeting to plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeetingPlan {
    /// When it starts.
    pub scheduled_at: DateTime<Utc>,
    /// How long; by default three hours for the set's first meeting and two after.
    pub minutes: Option<u32>,
    /// Where.
    pub location: String,
    /// The member whose workplace hosts it.
    pub host: Option<MemberId>,
    /// The set's last meeting: its review looks back over the set's life, and once it
    /// closes the set can be closed.
    pub closing: bool,
}

/// Who hosts a meeting, when it moves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host {
    /// A member, at their workplace.
    Member(MemberId),
    /// No one: a place that is no member's.
    NoOne,
}

/// A member's answers to the set meeting review; `None` leaves an answer as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemberReviewAnswers {
    /// "The three key things I have learned about my problem today are:"
    pub my_problem: Option<String>,
    /// "The one thing I've learned about myself today is:"
    pub myself: Option<String>,
    /// "My action steps before the next meeting are:"
    pub my_action_steps: Option<String>,
    /// "The most interesting thing I have learned today about the problems facing each of
    /// the other set members is:"
    pub other_members: Option<String>,
    /// "The thing that stands out for me today in terms of the working of this set is:"
    pub the_set: Option<String>,
}

/// Everything a member can do to a set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Rename the set or change its purpose.
    EditSet {
        /// A new name.
        name: Option<String>,
        /// A new purpose.
        purpose: Option<String>,
    },
    /// Record where one of the author's devices can be reached now.
    RecordAddresses {
        /// The device.
        device: DeviceId,
        /// Its socket addresses and relay URLs.
        addresses: Vec<String>,
    },
    /// Remove a member; a member removing themself leaves.
    RemoveMember {
        /// Who.
        member: MemberId,
    },
    /// Change who facilitates: the facilitator stepping back, or taking it up again.
    ChangeFacilitation {
        /// The new arrangement.
        to: Facilitation,
    },
    /// Propose a ground rule.
    ProposeRule {
        /// The rule.
        text: String,
    },
    /// Agree to a ground rule.
    AgreeRule {
        /// Which.
        rule: RuleId,
    },
    /// New words for a ground rule; everyone is asked to agree to it again.
    RewordRule {
        /// Which.
        rule: RuleId,
        /// The new words.
        text: String,
    },
    /// Retire a ground rule.
    RetireRule {
        /// Which.
        rule: RuleId,
    },
    /// Bring an issue to the set.
    AddIssue {
        /// The problem statement.
        problem: ProblemStatement,
    },
    /// Rewrite one's issue.
    EditIssue {
        /// Which.
        issue: IssueId,
        /// The new problem statement.
        problem: ProblemStatement,
    },
    /// Mark one's issue resolved.
    ResolveIssue {
        /// Which.
        issue: IssueId,
    },
    /// Drop one's issue.
    DropIssue {
        /// Which.
        issue: IssueId,
    },
    /// Agree the order in which the set takes open issues, most important first.
    PrioritiseIssues {
        /// Issues, first priority first.
        order: Vec<IssueId>,
    },
    /// Plan a meeting.
    PlanMeeting(MeetingPlan),
    /// Move a planned meeting: another time, place or host (`None` leaves each as it is).
    MoveMeeting {
        /// Which meeting.
        meeting: MeetingId,
        /// The new start.
        scheduled_at: Option<DateTime<Utc>>,
        /// The new place.
        location: Option<String>,
        /// The new host.
        host: Option<Host>,
    },
    /// Move a meeting to its next (or back to its previous) phase.
    MovePhase {
        /// Which meeting.
        meeting: MeetingId,
        /// The phase to move to.
        to: Phase,
    },
    /// Share one's news in the catch-up round.
    CatchUp {
        /// Which meeting.
        meeting: MeetingId,
        /// The news.
        news: String,
    },
    /// Say one is coming to a meeting, or send apologies with the reason (a second word
    /// replaces the first).
    Attend {
        /// Which meeting.
        meeting: MeetingId,
        /// Coming; `false` sends apologies.
        coming: bool,
        /// Why one cannot come (apologies only).
        reason: String,
    },
    /// Bid for time at a meeting (a second bid replaces the first).
    BidForTime {
        /// Which meeting.
        meeting: MeetingId,
        /// Minutes wanted; `None` for an equal share.
        minutes: Option<u32>,
        /// How urgent.
        urgency: Urgency,
        /// The issue to work on.
        issue: Option<IssueId>,
        /// A note for the set.
        note: String,
    },
    /// Pass this time: here, but asking for no turn (a bid that replaces one made).
    Pass {
        /// Which meeting.
        meeting: MeetingId,
    },
    /// Lock the batting order: the proposed one, or one the set agreed by hand.
    LockAgenda {
        /// Which meeting.
        meeting: MeetingId,
        /// The order and minutes; `None` locks the proposed order.
        slots: Option<Vec<Slot>>,
    },
    /// Start a presenter's turn.
    StartTurn {
        /// Which meeting.
        meeting: MeetingId,
        /// Who presents.
        presenter: MemberId,
    },
    /// End the running turn.
    EndTurn {
        /// Which meeting.
        meeting: MeetingId,
    },
    /// Log a question or a statement during the running turn.
    LogContribution {
        /// Which meeting.
        meeting: MeetingId,
        /// Question or statement.
        kind: ContributionKind,
        /// The words, if noted.
        text: String,
        /// Who asked or said it; `None` for the member logging it.
        asker: Option<MemberId>,
    },
    /// Note what the presenter or the set noticed during the running turn.
    NoteInsights {
        /// Which meeting.
        meeting: MeetingId,
        /// The whole of the turn's insights.
        insights: String,
    },
    /// Commit to an action.
    AddAction {
        /// What one will do.
        text: String,
        /// How likely, 1 to 10.
        likelihood: u8,
        /// The issue it serves.
        issue: Option<IssueId>,
        /// The meeting it is committed at.
        meeting: Option<MeetingId>,
    },
    /// Change one's action before reporting on it (`None` leaves each as it is).
    EditAction {
        /// Which action.
        action: ActionId,
        /// What one will do.
        text: Option<String>,
        /// How likely, 1 to 10.
        likelihood: Option<u8>,
    },
    /// Report back on one's action.
    ReportBack {
        /// Which action.
        action: ActionId,
        /// Done, partly or not.
        outcome: Outcome,
        /// What happened.
        what_happened: String,
        /// What one learned.
        learned: String,
    },
    /// The set's review of the meeting; `None` leaves an answer as it is.
    ReviewProcess {
        /// Which meeting.
        meeting: MeetingId,
        /// What worked well.
        worked_well: Option<String>,
        /// What was difficult.
        was_difficult: Option<String>,
        /// How to be more effective.
        more_effective: Option<String>,
    },
    /// One's own review of the meeting.
    ReviewMeeting {
        /// Which meeting.
        meeting: MeetingId,
        /// The answers.
        answers: MemberReviewAnswers,
    },
    /// Enter, as the room's scribe, what another member at a running meeting says is
    /// theirs: their news, coming or apologies, bid or pass, an action, a report-back or
    /// their review. It is marked as entered by the author until the member confirms or
    /// changes it from their own device, and then their own word stands.
    For {
        /// Whose words.
        member: MemberId,
        /// What they say, as they would do it themselves.
        command: Box<Command>,
    },
    /// Close the set: its record is kept on every member's device, read-only, and the
    /// only change it takes after is a member leaving (the facilitator's call while the
    /// set is facilitated).
    CloseSet,
    /// Celebrate a member's achievement.
    Celebrate {
        /// Whose.
        member: MemberId,
        /// What.
        text: String,
    },
    /// Invite someone: a new member, or (with `link_to`) a member's second device. The
    /// caller makes the invitation's key pair and passes only its public half.
    Invite {
        /// The invitation's id, also in the ticket.
        id: InvitationId,
        /// Who it is for.
        for_name: String,
        /// The invitation's public key, 64 hex characters.
        key: String,
        /// When it stops admitting.
        expires_at: DateTime<Utc>,
        /// The member whose device is being linked, if it is not for a new member.
        link_to: Option<MemberId>,
    },
    /// Withdraw an invitation.
    RevokeInvitation {
        /// Which.
        invitation: InvitationId,
    },
    /// Admit the person presenting an invitation: any current member's device may.
    Admit {
        /// The invitation presented.
        invitation: InvitationId,
        /// The member the device is to be: a new id the newcomer chose, or, to link a
        /// device, the member the invitation is for.
        member: MemberId,
        /// Who they say they are (ignored when linking a device).
        profile: Profile,
        /// The device they presented it from, proven by the network layer.
        device: DeviceId,
        /// The invitation key's signature over the admission
        /// ([`crate::admission::admission_message`]).
        signature: [u8; 64],
        /// The device's own signature over its consent
        /// ([`crate::admission::consent_message`]).
        consent: [u8; 64],
    },
    /// Add a question to the set's question bank.
    AddQuestion {
        /// The question.
        text: String,
        /// When it helps.
        category: QuestionCategory,
    },
    /// Keep one of the versions of a value two members wrote at the same time.
    Keep {
        /// Which value.
        field: Field,
        /// The version to keep.
        value: Kept,
    },
}

/// What a command created, for the caller to show or refer to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    /// The change was made; nothing new was created.
    Done,
    /// A member was admitted.
    Member(MemberId),
    /// A ground rule was proposed.
    Rule(RuleId),
    /// An issue was added.
    Issue(IssueId),
    /// A meeting was planned.
    Meeting(MeetingId),
    /// A contribution was logged.
    Contribution(ContributionId),
    /// An action was added.
    Action(ActionId),
    /// A celebration was recorded.
    Celebration(CelebrationId),
    /// A question was added to the bank.
    Question(QuestionId),
}

impl Command {
    /// A short description for the change's commit message; it names no content.
    #[must_use]
    pub fn describe(&self) -> &'static str {
        match self {
            Command::EditSet { .. } => "edit the set",
            Command::RecordAddresses { .. } => "record a device's addresses",
            Command::RemoveMember { .. } => "remove a member",
            Command::ChangeFacilitation { .. } => "change facilitation",
            Command::ProposeRule { .. } => "propose a ground rule",
            Command::AgreeRule { .. } => "agree a ground rule",
            Command::RewordRule { .. } => "reword a ground rule",
            Command::RetireRule { .. } => "retire a ground rule",
            Command::AddIssue { .. } => "add an issue",
            Command::EditIssue { .. } => "edit an issue",
            Command::ResolveIssue { .. } => "resolve an issue",
            Command::DropIssue { .. } => "drop an issue",
            Command::PrioritiseIssues { .. } => "prioritise issues",
            Command::PlanMeeting(_) => "plan a meeting",
            Command::MoveMeeting { .. } => "move a meeting",
            Command::MovePhase { .. } => "move a meeting's phase",
            Command::CatchUp { .. } => "share catch-up news",
            Command::Attend { .. } => "say whether one is coming",
            Command::BidForTime { .. } => "bid for time",
            Command::Pass { .. } => "pass this time",
            Command::LockAgenda { .. } => "lock the agenda",
            Command::StartTurn { .. } => "start a turn",
            Command::EndTurn { .. } => "end a turn",
            Command::LogContribution { .. } => "log a contribution",
            Command::NoteInsights { .. } => "note insights",
            Command::AddAction { .. } => "add an action",
            Command::EditAction { .. } => "edit an action",
            Command::ReportBack { .. } => "report back",
            Command::ReviewProcess { .. } => "review the process",
            Command::ReviewMeeting { .. } => "review the meeting",
            Command::For { .. } => "enter what a member says",
            Command::CloseSet => "close the set",
            Command::Celebrate { .. } => "celebrate",
            Command::AddQuestion { .. } => "add a question",
            Command::Invite { .. } => "invite",
            Command::RevokeInvitation { .. } => "withdraw an invitation",
            Command::Admit { .. } => "admit by invitation",
            Command::Keep { .. } => "keep one version",
        }
    }
}

/// Applies one command to a set's document as one transaction. On error the document is
/// left exactly as it was.
pub fn apply(
    doc: &mut Automerge,
    author: &Author,
    command: Command,
) -> Result<Applied, CommandError> {
    carry_out(doc, author, command, None)
}

/// [`apply`], given the set as `doc` stands, already read: the node keeps it, and the
/// command then reads nothing of the document but what it writes over. `kept` must be
/// the set read from a document with `doc`'s heads (the caller compares them).
///
/// # Errors
/// As [`apply`].
pub fn apply_to_kept(
    doc: &mut Automerge,
    author: &Author,
    command: Command,
    kept: Arc<ActionLearningSet>,
) -> Result<Applied, CommandError> {
    carry_out(doc, author, command, Some(kept))
}

fn carry_out(
    doc: &mut Automerge,
    author: &Author,
    command: Command,
    kept: Option<Arc<ActionLearningSet>>,
) -> Result<Applied, CommandError> {
    let message = command.describe();
    let seconds = author.at.timestamp();
    doc.transact_with(
        |_| {
            CommitOptions::default()
                .with_message(message)
                .with_time(seconds)
        },
        |tx| {
            let mut w = Writer::new(tx, author, kept, &command)?;
            w.execute(command)
        },
    )
    .map(|success| success.result)
    .map_err(|failure| failure.error)
}

/// A command's view of the set inside its transaction: the set as it is now (hydrated
/// from the transaction itself, or kept by the caller from a document with the same
/// heads, so a stale copy is never written back), and the way to write one record at its
/// own place in the document.
pub(crate) struct Writer<'a, 'b> {
    tx: &'a mut Transaction<'b>,
    pub(crate) set: Arc<ActionLearningSet>,
    pub(crate) author: MemberId,
    /// Whose own records the command writes: the author's, or (entered by the room's
    /// scribe) the member they enter for.
    pub(crate) owner: MemberId,
    /// Who entered the records written, when not their owner.
    pub(crate) entered_by: Option<MemberId>,
    pub(crate) at: Timestamp,
}

impl<'a, 'b> Writer<'a, 'b> {
    fn new(
        tx: &'a mut Transaction<'b>,
        author: &Author,
        kept: Option<Arc<ActionLearningSet>>,
        command: &Command,
    ) -> Result<Self, CommandError> {
        let set = match kept {
            Some(set) => set,
            None => Arc::new(ActionLearningSet::from_doc(&*tx)?),
        };
        match set.member(&author.member) {
            None => return Err(CommandError::NotAMember),
            Some(m) if !m.is_current() => {
                return Err(CommandError::NoLongerAMember {
                    name: m.display_name.clone(),
                });
            }
            Some(_) => {}
        }
        // A closed set takes a member's leaving and their devices' addresses, nothing else.
        if let Some(closed) = &set.closed {
            let leaving =
                matches!(&command, Command::RemoveMember { member } if *member == author.member);
            if !leaving && !matches!(command, Command::RecordAddresses { .. }) {
                return Err(CommandError::SetClosed {
                    on: closed.at.get().format("%-d %B %Y").to_string(),
                });
            }
        }
        Ok(Self {
            tx,
            set,
            author: author.member.clone(),
            owner: author.member.clone(),
            entered_by: None,
            at: Timestamp::new(author.at),
        })
    }

    fn execute(&mut self, command: Command) -> Result<Applied, CommandError> {
        match command {
            Command::EditSet { name, purpose } => self.edit_set(name, purpose),
            Command::RecordAddresses { device, addresses } => {
                self.record_addresses(&device, addresses)
            }
            Command::RemoveMember { member } => self.remove_member(&member),
            Command::ChangeFacilitation { to } => self.change_facilitation(to),
            Command::ProposeRule { text } => self.propose_rule(&text),
            Command::AgreeRule { rule } => self.agree_rule(&rule),
            Command::RewordRule { rule, text } => self.reword_rule(&rule, &text),
            Command::RetireRule { rule } => self.retire_rule(&rule),
            Command::AddIssue { problem } => self.add_issue(&problem),
            Command::EditIssue { issue, problem } => self.edit_issue(&issue, &problem),
            Command::ResolveIssue { issue } => {
                self.close_issue(&issue, crate::issue::IssueStatus::Resolved)
            }
            Command::DropIssue { issue } => {
                self.close_issue(&issue, crate::issue::IssueStatus::Dropped)
            }
            Command::PrioritiseIssues { order } => self.prioritise_issues(&order),
            Command::PlanMeeting(plan) => self.plan_meeting(plan),
            Command::MoveMeeting {
                meeting,
                scheduled_at,
                location,
                host,
            } => self.move_meeting(&meeting, scheduled_at, location.as_deref(), host),
            Command::MovePhase { meeting, to } => self.move_phase(&meeting, to),
            Command::CatchUp { meeting, news } => self.catch_up(&meeting, &news),
            Command::Attend {
                meeting,
                coming,
                reason,
            } => self.attend(&meeting, coming, &reason),
            Command::BidForTime {
                meeting,
                minutes,
                urgency,
                issue,
                note,
            } => self.bid_for_time(&meeting, minutes, urgency, issue, &note),
            Command::Pass { meeting } => self.pass(&meeting),
            Command::LockAgenda { meeting, slots } => self.lock_agenda(&meeting, slots),
            Command::StartTurn { meeting, presenter } => self.start_turn(&meeting, &presenter),
            Command::EndTurn { meeting } => self.end_turn(&meeting),
            Command::LogContribution {
                meeting,
                kind,
                text,
                asker,
            } => self.log_contribution(&meeting, kind, &text, asker),
            Command::NoteInsights { meeting, insights } => self.note_insights(&meeting, &insights),
            Command::AddAction {
                text,
                likelihood,
                issue,
                meeting,
            } => self.add_action(&text, likelihood, issue, meeting),
            Command::EditAction {
                action,
                text,
                likelihood,
            } => self.edit_action(&action, text.as_deref(), likelihood),
            Command::ReportBack {
                action,
                outcome,
                what_happened,
                learned,
            } => self.report_back(&action, outcome, &what_happened, &learned),
            Command::ReviewProcess {
                meeting,
                worked_well,
                was_difficult,
                more_effective,
            } => self.review_process(&meeting, worked_well, was_difficult, more_effective),
            Command::ReviewMeeting { meeting, answers } => self.review_meeting(&meeting, &answers),
            Command::For { member, command } => self.enter_for(&member, *command),
            Command::CloseSet => self.close_set(),
            Command::Celebrate { member, text } => self.celebrate(&member, &text),
            Command::AddQuestion { text, category } => self.add_question(&text, category),
            Command::Invite {
                id,
                for_name,
                key,
                expires_at,
                link_to,
            } => self.invite(&id, &for_name, &key, expires_at, link_to),
            Command::RevokeInvitation { invitation } => self.revoke_invitation(&invitation),
            Command::Admit {
                invitation,
                member,
                profile,
                device,
                signature,
                consent,
            } => self.admit(&invitation, &member, &profile, device, &signature, &consent),
            Command::Keep { field, value } => self.keep(&field, &value),
        }
    }

    /// Writes one record at `collection[key]`; only what differs from the document is
    /// written, so concurrent edits to other fields survive the merge.
    pub(crate) fn put<V: Reconcile>(
        &mut self,
        collection: &'static str,
        key: &str,
        value: &V,
    ) -> Result<(), CommandError> {
        let obj = match self.tx.get(automerge::ROOT, collection)? {
            Some((Value::Object(ObjType::Map), id)) => id,
            // A collection newer than the document (added in a later schema) is created
            // on first use.
            None => self
                .tx
                .put_object(automerge::ROOT, collection, ObjType::Map)?,
            Some(_) => {
                return Err(
                    LoadError::Damaged(format!("the set's {collection} is not a map")).into(),
                );
            }
        };
        autosurgeon::reconcile_prop(&mut keep::Keeping(self.tx), obj, key, value)?;
        Ok(())
    }

    /// The record at `collection[key]` in the document.
    pub(crate) fn record(
        &self,
        collection: &'static str,
        key: &str,
    ) -> Result<automerge::ObjId, CommandError> {
        let all = root_map(&*self.tx, collection)?;
        match self.tx.get(&all, key)? {
            Some((Value::Object(ObjType::Map), id)) => Ok(id),
            _ => Err(LoadError::Damaged(format!("the set's {collection} has no {key}")).into()),
        }
    }

    /// Keeps one version of a value two members wrote at once: written anew (or, for the
    /// version shown, the others dropped), a change every device merges the same way.
    fn keep(&mut self, field: &Field, value: &Kept) -> Result<Applied, CommandError> {
        let versions = conflict::versions(&*self.tx, field);
        if versions.len() < 2 {
            return Err(CommandError::NoConflict(field.what()));
        }
        if !versions.contains(value) {
            return Err(CommandError::NotAVersion(field.what()));
        }
        let (record, key) = field.place();
        let obj = match record {
            None => automerge::ROOT,
            Some((collection, id)) => self.record(collection, id)?,
        };
        match field {
            Field::SetName => {}
            Field::RuleWording(rule) => {
                if !self.set.ground_rules.contains_key(rule) {
                    return Err(CommandError::UnknownRule(rule.to_string()));
                }
                let Kept::Text(text) = value else {
                    return Err(CommandError::NotAVersion(field.what()));
                };
                self.write_wording(rule, text)?;
                return Ok(Applied::Done);
            }
            Field::IssueStatement(issue) => {
                self.own_issue(issue)?;
            }
            Field::MeetingTime(m) | Field::MeetingLocation(m) | Field::MeetingHost(m) => {
                self.meeting(m)?;
            }
            Field::ActionText(action) | Field::ActionLikelihood(action) => {
                if self.own_action(action)?.report_back.is_some() {
                    return Err(CommandError::ActionReported);
                }
            }
        }
        self.tx.put(&obj, key, value.scalar())?;
        Ok(Applied::Done)
    }

    /// Writes one field of the set itself.
    pub(crate) fn put_root<V: Reconcile>(
        &mut self,
        field: &'static str,
        value: &V,
    ) -> Result<(), CommandError> {
        autosurgeon::reconcile_prop(&mut keep::Keeping(self.tx), automerge::ROOT, field, value)?;
        Ok(())
    }

    /// Writes a meeting back after changing it.
    pub(crate) fn put_meeting(
        &mut self,
        id: &MeetingId,
        meeting: &Meeting,
    ) -> Result<(), CommandError> {
        self.put("meetings", id.as_str(), meeting)
    }

    /// A member, current or former.
    pub(crate) fn member(&self, id: &MemberId) -> Result<&Member, CommandError> {
        self.set
            .member(id)
            .ok_or_else(|| CommandError::UnknownMember(id.to_string()))
    }

    /// A current member.
    pub(crate) fn current_member(&self, id: &MemberId) -> Result<&Member, CommandError> {
        let member = self.member(id)?;
        if member.is_current() {
            Ok(member)
        } else {
            Err(CommandError::NoLongerAMember {
                name: member.display_name.clone(),
            })
        }
    }

    /// A member's display name, or their short id if they are unknown.
    pub(crate) fn name_of(&self, id: &MemberId) -> String {
        self.set
            .member(id)
            .map_or_else(|| id.short().to_owned(), |m| m.display_name.clone())
    }

    /// A copy of a meeting, to change and write back.
    pub(crate) fn meeting(&self, id: &MeetingId) -> Result<Meeting, CommandError> {
        self.set
            .meetings
            .get(id)
            .cloned()
            .ok_or_else(|| CommandError::UnknownMeeting(id.to_string()))
    }
}

/// The map at `key` in the document's root, where one kind of record lives.
pub(crate) fn root_map<D: ReadDoc>(
    doc: &D,
    key: &'static str,
) -> Result<automerge::ObjId, CommandError> {
    let Some((Value::Object(ObjType::Map), id)) = doc.get(automerge::ROOT, key)? else {
        return Err(crate::error::LoadError::Damaged(format!("the document has no {key}")).into());
    };
    Ok(id)
}

/// Checks a required text: trimmed, not blank, not too long.
pub(crate) fn required(
    text: &str,
    field: &'static str,
    max: usize,
) -> Result<String, CommandError> {
    let text = optional(text, field, max)?;
    if text.is_empty() {
        Err(CommandError::Blank { field })
    } else {
        Ok(text)
    }
}

/// Checks an optional text: trimmed, not too long; may be empty.
pub(crate) fn optional(
    text: &str,
    field: &'static str,
    max: usize,
) -> Result<String, CommandError> {
    let text = text.trim();
    if text.chars().count() > max {
        Err(CommandError::TooLong { field, max })
    } else {
        Ok(text.to_owned())
    }
}
