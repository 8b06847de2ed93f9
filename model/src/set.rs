//! The set: the root of its Automerge document, how it is facilitated, and the queries
//! every screen asks of it.
//! Over 600 lines because the set's queries sit beside the set they read.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, MaybeMissing, Reconcile};
use serde::{Deserialize, Serialize};

use crate::action::Action;
use crate::celebration::Celebration;
use crate::error::LoadError;
use crate::ground_rule::GroundRule;
use crate::ids::{
    ActionId, CelebrationId, DeviceId, HandoverId, InvitationId, IssueId, MeetingId, MemberId,
    QuestionId, RuleId, SetId,
};
use crate::invitation::Invitation;
use crate::issue::{Issue, IssueStatus};
use crate::meeting::Meeting;
use crate::member::{Member, Role};
use crate::question::Question;
use crate::text::SharedText;
use crate::time::Timestamp;

/// How many whole sets this process has read from their documents (each
/// [`ActionLearningSet::from_doc`]): what the benchmarks count per edit, where a set kept
/// current record by record reads none.
static WHOLE_READS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// How many whole sets this process has read from their documents so far.
#[must_use]
pub fn whole_reads() -> u64 {
    WHOLE_READS.load(std::sync::atomic::Ordering::Relaxed)
}

/// The version of the document's layout this code writes. A document with a higher
/// version was written by a newer Revans and is not edited by this one.
pub const SCHEMA_VERSION: u64 = 1;

/// An Action Learning Set: the whole of one set's shared record, as hydrated from its
/// Automerge document. Fields a newer version adds are kept in the document untouched.
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct ActionLearningSet {
    /// The layout version, [`SCHEMA_VERSION`] for documents this code writes.
    pub schema: u64,
    /// The set's id, the same on every member's device.
    pub id: SetId,
    /// The founding device's random part of the id: with that device's key it gives the
    /// id, so the set's beginning can be checked by every device.
    #[autosurgeon(missing = "String::new")]
    pub nonce: String,
    /// The set's name.
    pub name: String,
    /// What the set is for, in its members' words.
    pub purpose: SharedText,
    /// When the set was created.
    pub created_at: Timestamp,
    /// The member who created it.
    pub created_by: MemberId,
    /// Who runs the meetings now.
    pub facilitation: Facilitation,
    /// Every change of facilitation, so the hand-over is part of the set's history.
    pub handovers: BTreeMap<HandoverId, Handover>,
    /// Default meeting lengths.
    pub meeting_lengths: MeetingLengths,
    /// Everyone who is or was in the set.
    pub members: BTreeMap<MemberId, Member>,
    /// Ground rules proposed, agreed and retired.
    pub ground_rules: BTreeMap<RuleId, GroundRule>,
    /// The problems members bring.
    pub issues: BTreeMap<IssueId, Issue>,
    /// The set's meetings.
    pub meetings: BTreeMap<MeetingId, Meeting>,
    /// Actions members commit to.
    pub actions: BTreeMap<ActionId, Action>,
    /// Questions offered as prompts during turns.
    pub question_bank: BTreeMap<QuestionId, Question>,
    /// Achievements the set celebrated.
    pub celebrations: BTreeMap<CelebrationId, Celebration>,
    /// Invitations: who may join, by hash of a one-time secret.
    #[autosurgeon(missing = "BTreeMap::new")]
    pub invitations: BTreeMap<InvitationId, Invitation>,
    /// When the set was closed, and by whom: its record is kept, read-only.
    #[autosurgeon(missing = "Option::default")]
    #[serde(default)]
    pub closed: Option<Closed>,
}

/// A set's closing: kept as the set's last word, never undone.
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Closed {
    /// When.
    pub at: Timestamp,
    /// Who closed it.
    pub by: MemberId,
}

/// Who runs the set's meetings. A facilitator runs the first meetings and steps back
/// until the set manages itself.
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub enum Facilitation {
    /// One member facilitates.
    Facilitated {
        /// The facilitator.
        facilitator: MemberId,
    },
    /// Members take it in turns to facilitate, one meeting each, in this order.
    Rotating {
        /// The order members facilitate in.
        order: Vec<MemberId>,
    },
    /// The set manages itself.
    SelfManaged,
}

/// A change of facilitation.
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Handover {
    /// The new arrangement.
    pub to: Facilitation,
    /// Who made the change.
    pub by: MemberId,
    /// When.
    pub at: Timestamp,
}

/// How long meetings are unless planned otherwise.
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct MeetingLengths {
    /// The first meeting: three hours in the practice.
    #[autosurgeon(missing = "MeetingLengths::first_default")]
    pub first: u32,
    /// Later meetings: two hours.
    #[autosurgeon(missing = "MeetingLengths::later_default")]
    pub later: u32,
}

impl MeetingLengths {
    fn first_default() -> u32 {
        Self::default().first
    }

    fn later_default() -> u32 {
        Self::default().later
    }
}

impl Default for MeetingLengths {
    /// The practice's: three hours for the first meeting, two for later ones.
    fn default() -> Self {
        Self {
            first: crate::practice::FIRST_MEETING_MINUTES,
            later: crate::practice::LATER_MEETING_MINUTES,
        }
    }
}

/// The layout version of a set's document: refused if it is not a set, or is written by
/// a newer Revans.
fn schema_of<D: autosurgeon::ReadDoc>(doc: &D) -> Result<u64, LoadError> {
    let schema: MaybeMissing<u64> = autosurgeon::hydrate_prop(doc, automerge::ROOT, "schema")
        .map_err(|e| LoadError::NotASet(e.to_string()))?;
    match schema {
        MaybeMissing::Missing => Err(LoadError::NotASet("it has no schema version".into())),
        MaybeMissing::Present(v) if v > SCHEMA_VERSION => Err(LoadError::TooNew(v)),
        MaybeMissing::Present(schema) => Ok(schema),
    }
}

/// A field of the set itself, if it reads.
fn readable<D: autosurgeon::ReadDoc, T: autosurgeon::Hydrate>(doc: &D, key: &str) -> Option<T> {
    autosurgeon::hydrate_prop(doc, automerge::ROOT, key).ok()
}

/// Every record of a collection that reads; a record that does not (a value no rule
/// foresaw) is left out rather than making the whole set unreadable.
fn records<D, K, V>(doc: &D, key: &str) -> BTreeMap<K, V>
where
    D: autosurgeon::ReadDoc,
    K: From<String> + Ord,
    V: autosurgeon::Hydrate,
{
    let Ok(Some((automerge::Value::Object(automerge::ObjType::Map), obj))) =
        doc.get(&automerge::ROOT, key)
    else {
        return BTreeMap::new();
    };
    let keys: Vec<String> = doc
        .map_range(&obj, ..)
        .map(|item| item.key.into_owned())
        .collect();
    keys.into_iter()
        .filter_map(|k| {
            let value: V = autosurgeon::hydrate_prop(doc, &obj, k.as_str()).ok()?;
            Some((K::from(k), value))
        })
        .collect()
}

/// The collections of records besides members and invitations (see
/// [`ActionLearningSet::refresh`]).
const COLLECTIONS: [&str; 7] = [
    "handovers",
    "ground_rules",
    "issues",
    "meetings",
    "actions",
    "question_bank",
    "celebrations",
];

/// One record read again into `into`: gone (or unreadable, as [`records`] leaves it out)
/// if it does not read.
fn record<D, K, V>(doc: &D, collection: &str, key: &str, into: &mut BTreeMap<K, V>)
where
    D: autosurgeon::ReadDoc,
    K: From<String> + Ord,
    V: autosurgeon::Hydrate,
{
    let read = match doc.get(&automerge::ROOT, collection) {
        Ok(Some((automerge::Value::Object(automerge::ObjType::Map), obj))) => {
            match doc.get(&obj, key) {
                Ok(Some(_)) => autosurgeon::hydrate_prop::<_, V, _, _>(doc, &obj, key).ok(),
                _ => None,
            }
        }
        _ => None,
    };
    let key = K::from(key.to_owned());
    match read {
        Some(value) => {
            into.insert(key, value);
        }
        None => {
            into.remove(&key);
        }
    }
}

impl ActionLearningSet {
    /// Reads the set from its document. A document from a newer Revans, or one that is
    /// not a set at all, is refused with an error saying so.
    pub fn from_doc<D: autosurgeon::ReadDoc>(doc: &D) -> Result<Self, LoadError> {
        WHOLE_READS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let schema = schema_of(doc)?;
        let field = |e: autosurgeon::HydrateError| LoadError::Damaged(e.to_string());
        let root = automerge::ROOT;
        let nonce: MaybeMissing<String> =
            autosurgeon::hydrate_prop(doc, &root, "nonce").map_err(field)?;
        // What every member may write reads with a default if a change (from an older
        // Revans, whose rules let it through) left it unreadable: one bad value never
        // makes the whole set unreadable.
        let mut set = Self {
            schema,
            id: autosurgeon::hydrate_prop(doc, &root, "id").map_err(field)?,
            nonce: nonce.unwrap_or_else(String::new),
            name: readable(doc, "name").unwrap_or_default(),
            purpose: readable(doc, "purpose").unwrap_or_default(),
            created_at: autosurgeon::hydrate_prop(doc, &root, "created_at").map_err(field)?,
            created_by: autosurgeon::hydrate_prop(doc, &root, "created_by").map_err(field)?,
            facilitation: readable(doc, "facilitation").unwrap_or(Facilitation::SelfManaged),
            meeting_lengths: readable(doc, "meeting_lengths").unwrap_or_default(),
            handovers: records(doc, "handovers"),
            members: records(doc, "members"),
            ground_rules: records(doc, "ground_rules"),
            issues: records(doc, "issues"),
            meetings: records(doc, "meetings"),
            actions: records(doc, "actions"),
            question_bank: records(doc, "question_bank"),
            celebrations: records(doc, "celebrations"),
            invitations: records(doc, "invitations"),
            closed: readable(doc, "closed").unwrap_or_default(),
        };
        set.drop_lost_admissions();
        Ok(set)
    }

    /// Reads again from `doc` only what `touched` names, keeping the rest as read before:
    /// the set `from_doc` gives, if `self` was read from `doc` before the changes that
    /// touched these (a property test holds it). Members and invitations are read again
    /// together (an admission stands on both); anything else unforeseen reads the whole set.
    ///
    /// # Errors
    /// As [`ActionLearningSet::from_doc`].
    pub fn refresh<D: autosurgeon::ReadDoc>(
        &mut self,
        doc: &D,
        touched: &crate::touched::Touched,
    ) -> Result<(), LoadError> {
        if touched.all {
            *self = Self::from_doc(doc)?;
            return Ok(());
        }
        let mut membership = false;
        let fields = touched
            .fields
            .iter()
            .chain(touched.records.iter().map(|(collection, _)| collection));
        let mut whole = std::collections::BTreeSet::new();
        for field in fields {
            let known = match field.as_str() {
                "name" => {
                    self.name = readable(doc, "name").unwrap_or_default();
                    true
                }
                "purpose" => {
                    self.purpose = readable(doc, "purpose").unwrap_or_default();
                    true
                }
                "facilitation" => {
                    self.facilitation =
                        readable(doc, "facilitation").unwrap_or(Facilitation::SelfManaged);
                    true
                }
                "meeting_lengths" => {
                    self.meeting_lengths = readable(doc, "meeting_lengths").unwrap_or_default();
                    true
                }
                "closed" => {
                    self.closed = readable(doc, "closed").unwrap_or_default();
                    true
                }
                "members" | "invitations" => {
                    membership = true;
                    true
                }
                collection => COLLECTIONS.contains(&collection),
            };
            if !known {
                *self = Self::from_doc(doc)?;
                return Ok(());
            }
            if touched.fields.contains(field) {
                whole.insert(field.as_str());
            }
        }
        for collection in &whole {
            self.read_collection(doc, collection);
        }
        for (collection, key) in &touched.records {
            if whole.contains(collection.as_str()) {
                continue;
            }
            match collection.as_str() {
                "handovers" => record(doc, "handovers", key, &mut self.handovers),
                "ground_rules" => record(doc, "ground_rules", key, &mut self.ground_rules),
                "issues" => record(doc, "issues", key, &mut self.issues),
                "meetings" => record(doc, "meetings", key, &mut self.meetings),
                "actions" => record(doc, "actions", key, &mut self.actions),
                "question_bank" => record(doc, "question_bank", key, &mut self.question_bank),
                "celebrations" => record(doc, "celebrations", key, &mut self.celebrations),
                // Fields of the set itself (a text's characters), and membership: read above.
                _ => {}
            }
        }
        if membership {
            self.members = records(doc, "members");
            self.invitations = records(doc, "invitations");
            self.drop_lost_admissions();
        }
        Ok(())
    }

    /// One collection of records, read again whole.
    fn read_collection<D: autosurgeon::ReadDoc>(&mut self, doc: &D, collection: &str) {
        match collection {
            "handovers" => self.handovers = records(doc, collection),
            "ground_rules" => self.ground_rules = records(doc, collection),
            "issues" => self.issues = records(doc, collection),
            "meetings" => self.meetings = records(doc, collection),
            "actions" => self.actions = records(doc, collection),
            "question_bank" => self.question_bank = records(doc, collection),
            "celebrations" => self.celebrations = records(doc, collection),
            _ => {}
        }
    }

    /// The set's members alone, read without the rest of the set (for deciding who may
    /// sync, after every change), as [`ActionLearningSet::from_doc`] would read them.
    pub fn members_from_doc<D: autosurgeon::ReadDoc>(
        doc: &D,
    ) -> Result<BTreeMap<MemberId, Member>, LoadError> {
        schema_of(doc)?;
        let mut members = records(doc, "members");
        drop_lost_admissions(&mut members, &records(doc, "invitations"));
        Ok(members)
    }

    /// Of two admissions with one invitation made at once, only the one the invitation's
    /// use names stands: the other member (or device) was never admitted.
    fn drop_lost_admissions(&mut self) {
        drop_lost_admissions(&mut self.members, &self.invitations);
    }
}

fn drop_lost_admissions(
    members: &mut BTreeMap<MemberId, Member>,
    invitations: &BTreeMap<InvitationId, Invitation>,
) {
    // Of two admissions with one invitation at once, the one its use names stands, and
    // the other too unless it admitted the same device (see the rules' own reading).
    let stands =
        |invitation: &Option<InvitationId>, member: &MemberId, device: Option<&DeviceId>| {
            invitation.as_ref().is_none_or(|id| {
                invitations
                    .get(id)
                    .and_then(|i| i.used.as_ref())
                    .is_some_and(|used| {
                        used.member == *member || device.is_some_and(|d| used.device != *d)
                    })
            })
        };
    members.retain(|id, member| {
        // A member's own admission brought the device their record names with it.
        let admitted = member
            .devices
            .iter()
            .find(|(_, d)| d.invitation.is_some() && d.invitation == member.invitation)
            .map(|(device, _)| device);
        stands(&member.invitation, id, admitted)
    });
    for (id, member) in members.iter_mut() {
        member
            .devices
            .retain(|device, d| stands(&d.invitation, id, Some(device)));
    }
    // A device acts for one member. Under two (each admission with the device's own
    // consent, so only if it asked twice), it stays with the one it joined first, the
    // same on every device.
    let mut first: BTreeMap<DeviceId, (Timestamp, MemberId)> = BTreeMap::new();
    for (id, member) in members.iter() {
        for (device, record) in &member.devices {
            let candidate = (record.linked_at, id.clone());
            first
                .entry(device.clone())
                .and_modify(|held| {
                    if candidate < *held {
                        *held = candidate.clone();
                    }
                })
                .or_insert(candidate);
        }
    }
    for (id, member) in members.iter_mut() {
        member
            .devices
            .retain(|device, _| first.get(device).is_none_or(|(_, owner)| owner == id));
    }
}

impl ActionLearningSet {
    /// The member, if they are in the set (current or former).
    #[must_use]
    pub fn member(&self, id: &MemberId) -> Option<&Member> {
        self.members.get(id)
    }

    /// Current members, in the order they joined.
    #[must_use]
    pub fn current_members(&self) -> Vec<(&MemberId, &Member)> {
        current_members(&self.members)
    }

    /// Everyone who is or was in the set, in the order they joined: the order the app
    /// lists members and gives them their colours, the same on every device.
    #[must_use]
    pub fn members_in_joining_order(&self) -> Vec<(&MemberId, &Member)> {
        in_joining_order(&self.members)
    }

    /// The prompts for `presenter`'s turn in `meeting` with `elapsed` of its allotted time
    /// gone (0.0 at its start, 1.0 at its end): one question of each kind the stage the
    /// turn has reached calls for (opening and exploring, then exploring and feelings,
    /// options for action, and commitment). Each kind rotates through its questions (the
    /// practice's own in its order, then the set's own as they were added) stage by stage
    /// and turn by turn over the set's life, so none is offered again in a meeting before
    /// the rest of its kind, and every device offers the same.
    #[must_use]
    pub fn prompts(
        &self,
        meeting: &Meeting,
        presenter: &MemberId,
        elapsed: f64,
    ) -> Vec<&crate::Question> {
        use crate::QuestionCategory;
        // Turns begun before this one in the set's life (all begun so far for a turn
        // still to come).
        let begun = meeting.turns.get(presenter).map(|t| t.started_at);
        let earlier = self
            .meetings
            .values()
            .flat_map(|m| m.turns.values())
            .filter(|t| begun.is_none_or(|b| t.started_at < b))
            .count();
        let stages = QuestionCategory::TURN_STAGES;
        let stage = QuestionCategory::stage_at(elapsed);
        stages[stage]
            .iter()
            .filter_map(|&kind| {
                let mut of_kind: Vec<_> = self
                    .question_bank
                    .values()
                    .filter(|q| q.category == kind)
                    .collect();
                of_kind.sort_by_cached_key(|q| {
                    let place = crate::practice::QUESTION_BANK
                        .iter()
                        .position(|(_, text)| *text == q.text)
                        .unwrap_or(usize::MAX);
                    (place, q.added_at, q.text.clone())
                });
                // How often this kind was offered before: in every earlier turn, and in
                // this turn's earlier stages.
                let per_turn = stages.iter().filter(|s| s.contains(&kind)).count();
                let before = stages[..stage].iter().filter(|s| s.contains(&kind)).count();
                let offered = earlier * per_turn + before;
                of_kind.get(offered.checked_rem(of_kind.len())?).copied()
            })
            .collect()
    }

    /// Whether `id` is a current member.
    #[must_use]
    pub fn is_current_member(&self, id: &MemberId) -> bool {
        self.members.get(id).is_some_and(Member::is_current)
    }

    /// The current member a device acts for, if any. A device of a member who has left
    /// or been removed acts for no one.
    #[must_use]
    pub fn member_for_device(&self, device: &DeviceId) -> Option<&MemberId> {
        self.members
            .iter()
            .find(|(_, m)| m.is_current() && m.devices.contains_key(device))
            .map(|(id, _)| id)
    }

    /// Every device of every current member: the only devices the set may be shared with.
    #[must_use]
    pub fn current_devices(&self) -> Vec<&DeviceId> {
        self.members
            .values()
            .filter(|m| m.is_current())
            .flat_map(|m| m.devices.keys())
            .collect()
    }

    /// A member's role, derived from the set's facilitation. In a rotating set the
    /// facilitator is whoever facilitates the set's next meeting.
    #[must_use]
    pub fn role_of(&self, id: &MemberId) -> Role {
        let facilitator = match &self.facilitation {
            Facilitation::Facilitated { facilitator } => Some(facilitator),
            Facilitation::Rotating { .. } => {
                let next = self.next_meeting().map(|(mid, _)| mid);
                next.and_then(|mid| self.rotating_facilitator(mid))
            }
            Facilitation::SelfManaged => None,
        };
        if facilitator == Some(id) {
            Role::Facilitator
        } else {
            Role::Member
        }
    }

    /// In a rotating set, who facilitates the given meeting: members of the order take
    /// meetings in turn, counting from the set's first meeting, skipping anyone who has
    /// since left.
    #[must_use]
    pub fn rotating_facilitator(&self, meeting: &MeetingId) -> Option<&MemberId> {
        let Facilitation::Rotating { order } = &self.facilitation else {
            return None;
        };
        let current: Vec<&MemberId> = order.iter().filter(|m| self.is_current_member(m)).collect();
        let index = self
            .meetings_in_order()
            .iter()
            .position(|(id, _)| *id == meeting)?;
        current.get(index % current.len().max(1)).copied()
    }

    /// Meetings by scheduled start (ties broken by id, the same on every device).
    #[must_use]
    pub fn meetings_in_order(&self) -> Vec<(&MeetingId, &Meeting)> {
        let mut meetings: Vec<_> = self.meetings.iter().collect();
        meetings.sort_by_key(|(id, m)| (m.scheduled_at, *id));
        meetings
    }

    /// The set's next meeting: the first, by scheduled start, not yet closed.
    #[must_use]
    pub fn next_meeting(&self) -> Option<(&MeetingId, &Meeting)> {
        self.meetings_in_order()
            .into_iter()
            .find(|(_, m)| m.closed_at.is_none())
    }

    /// The meeting an action is due at: the first meeting after the one it was committed
    /// at, or for an action added between meetings, the first meeting scheduled after it
    /// was written. `None` while no such meeting is planned.
    #[must_use]
    pub fn due_meeting(&self, action: &Action) -> Option<&MeetingId> {
        let after = action
            .meeting
            .as_ref()
            .and_then(|m| self.meetings.get(m))
            .map_or(action.created_at, |m| m.scheduled_at);
        self.meetings_in_order()
            .into_iter()
            .find(|(id, m)| m.scheduled_at > after && Some(*id) != action.meeting.as_ref())
            .map(|(id, _)| id)
    }

    /// A member's actions still to report back on, oldest first: what they see at the
    /// next meeting's catch-up.
    #[must_use]
    pub fn open_actions_of(&self, member: &MemberId) -> Vec<(&ActionId, &Action)> {
        let mut open: Vec<_> = self
            .actions
            .iter()
            .filter(|(_, a)| &a.owner == member && a.is_open())
            .collect();
        open.sort_by_key(|(id, a)| (a.created_at, *id));
        open
    }

    /// Open issues in the set's priority order; issues not yet prioritised come after,
    /// oldest first.
    #[must_use]
    pub fn open_issues_by_priority(&self) -> Vec<(&IssueId, &Issue)> {
        let mut issues: Vec<_> = self
            .issues
            .iter()
            .filter(|(_, i)| i.status == IssueStatus::Open)
            .collect();
        issues.sort_by_key(|(id, i)| (i.priority.unwrap_or(u32::MAX), i.created_at, *id));
        issues
    }

    /// Ground rules in force: not retired, agreed by every current member.
    #[must_use]
    pub fn agreed_ground_rules(&self) -> Vec<(&RuleId, &GroundRule)> {
        let current: Vec<&MemberId> = self
            .current_members()
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        let mut rules: Vec<_> = self
            .ground_rules
            .iter()
            .filter(|(_, r)| r.agreed_by_all(current.iter().copied()))
            .collect();
        rules.sort_by_key(|(id, r)| (r.proposed_at, *id));
        rules
    }
}

/// `members` in the order they joined (ties broken by id, the same on every device).
fn in_joining_order(members: &BTreeMap<MemberId, Member>) -> Vec<(&MemberId, &Member)> {
    let mut all: Vec<_> = members.iter().collect();
    all.sort_by_key(|(id, m)| (m.joined_at, *id));
    all
}

/// The current members among `members`, in the order they joined: what
/// [`ActionLearningSet::current_members`] gives, for a caller that read only the members.
#[must_use]
pub fn current_members(members: &BTreeMap<MemberId, Member>) -> Vec<(&MemberId, &Member)> {
    let mut current = in_joining_order(members);
    current.retain(|(_, m)| m.is_current());
    current
}
