//! Who may do what: the rules every device checks before it applies, stores or relays a
//! change from anyone (shared/DESIGN.md 4.3, and the table in the README).
//!
//! A change is judged from itself and its causal past only (the document at the change's
//! dependencies), so every honest device reaches the same verdict and all converge. The
//! check is by path: records are maps keyed by id, so the place each operation writes is
//! known without replaying the document, and the cost is that of the change.
//!
//! | what | who may write it |
//! |---|---|
//! | a member's own records: profile, devices' addresses, coming or apologies, bids, catch-up news, member reviews, agreements to rules, their issues, actions and report-backs | that member's devices only |
//! | what a member at a running meeting says is theirs (coming, news, a bid, an action, a report-back, their review), marked as entered by the author | any current member's device, for a member marked as here, while the meeting runs, and never over what the member wrote themselves |
//! | admitting a member or linking a device | any member's device, only with a valid, unused, unexpired invitation's signature (its key is in the ticket) and the new device's own consent |
//! | removing a member | the facilitator while the set is facilitated; otherwise any member. Leaving: the member themself |
//! | facilitation and the hand-over | the facilitator while facilitated; any member once rotating or self-managed |
//! | the set's shared records: name, purpose, rules' texts, meetings, phases, agenda, turns, logged questions, the process review, the question bank, celebrations, invitations | any current member |
//! | a rule's new words | any current member, only with its agreement begun anew |
//! | closing the set | the facilitator while facilitated; otherwise any member |
//! | anything in a closed set but a member's leaving and their devices' addresses | nobody |
//! | an action's text and likelihood after its owner reported on it | nobody |
//! | `schema`, `id`, `created_*`, anyone's `*_by` but the author's own | nobody after creation |
//!
//! Every value must also keep the document readable: types, lengths and times in range.
//!
//! Here: the entry points and the check of one change, operation by operation, over 600
//! lines because it reads as the table above does, one place a rule at a time. In `past`:
//! the document at a change's dependencies; in `shape`: what each place of the set holds.

mod past;
mod scribe;
mod shape;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;

use automerge::legacy::{Key, ObjectId, OpId, OpType};
use automerge::{Automerge, Change, ObjId, ObjType, ReadDoc, ScalarValue, Value};
use sha2::{Digest, Sha256};

use crate::admission::{admission_message, consent_message, signed_by};
use crate::ids::{DeviceId, InvitationId, MemberId, SetId};
use crate::limits::{NAME_MAX, PROSE_MAX};
use crate::touched::Touched;
use past::{Carried, Past};
use shape::{
    DELETABLE_ENTRIES, OPTIONAL_MAPS, REMADE, Run, SEQ, Shape, TEXTS, check_field, check_kind,
    describe, field_name, flush, record_of, shape, tally,
};

/// The latest time a document may hold: the last millisecond of the year 9999. Later
/// times are refused, so that no sum of a time and a length can leave the calendar.
pub const LATEST_MILLIS: i64 = 253_402_300_799_999;

/// Why a change was refused, in words a member can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The device that signed the change (its actor), if the actor is a device key.
    pub device: Option<DeviceId>,
    /// The member that device belongs to, as the change's causal past says.
    pub author: Option<MemberId>,
    /// What the change tried to do that its author may not.
    pub reason: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.reason)
    }
}

impl std::error::Error for Refusal {}

/// The id a set created by `device` with `nonce` must have: a change that begins a set is
/// accepted only if it names the id its founding device and nonce give, so no member can
/// begin the same set a second time.
#[must_use]
pub fn founding_id(device: &DeviceId, nonce: &str) -> SetId {
    let mut hasher = Sha256::new();
    hasher.update(b"revans set\0");
    hasher.update(device.as_ref().as_bytes());
    hasher.update(b"\0");
    hasher.update(nonce.as_bytes());
    let digest = hasher.finalize();
    SetId::from(hex::encode(&digest[..16]).as_str())
}

/// Checks a change to a set against the rules, reading the document at the change's
/// dependencies. The document must hold every dependency (the caller holds a change
/// until they arrive).
pub fn check_change(doc: &Automerge, set: &SetId, change: &Change) -> Result<(), Refusal> {
    check_change_with(doc, set, change, &mut Memo::default()).map(|_| ())
}

/// What a device that checks many changes of one document keeps between them, so that a
/// check costs about what its change does:
/// - where each object lives (objects never move), looked up once;
/// - what the last change allowed read of its past, less what it wrote: the past of a
///   change that builds on that one alone (a device's run of offline changes, arriving in
///   a catch-up) differs from it by that change only.
#[derive(Debug, Default)]
pub struct Memo {
    paths: HashMap<(u64, Vec<u8>), Vec<String>>,
    carried: Option<Carried>,
}

/// [`check_change`], remembering in `memo` where the objects it meets live (and, if the
/// change is allowed, the objects it makes and what it read); an allowed change's records
/// are returned.
pub fn check_change_with(
    doc: &Automerge,
    set: &SetId,
    change: &Change,
    memo: &mut Memo,
) -> Result<Touched, Refusal> {
    let Some((device, generation)) = DeviceId::of_actor(change.actor_id()) else {
        return Err(Refusal {
            device: None,
            author: None,
            reason: "a change whose author is not a device".into(),
        });
    };
    let refusal = |author: Option<MemberId>, reason: String| Refusal {
        device: Some(device.clone()),
        author,
        reason,
    };
    if generation > DeviceId::MAX_GENERATION {
        return Err(refusal(None, TOO_MANY_GENERATIONS.into()));
    }
    // Counted before anything is decoded: a change too large to judge is not judged.
    too_large(change).map_err(|reason| refusal(None, reason))?;
    if change.deps().is_empty() {
        // Only the founding device's first generation begins a set: a later generation
        // numbers its changes afresh, and its "first" would be a second beginning.
        if generation != 0 {
            return Err(refusal(None, "a second beginning for the set".into()));
        }
        return founding(&device, set, change)
            .map(|()| Touched::everything())
            .map_err(|reason| refusal(None, reason));
    }
    let past = Past::new(doc, change.deps(), memo.carried.take());
    let author = past
        .member_of_device(&device)
        .map_err(|reason| refusal(None, reason))?;
    let mut check = Check {
        set: set.clone(),
        past,
        author: author.clone(),
        paths: &mut memo.paths,
        created: HashMap::new(),
        objects: HashSet::new(),
        adds_devices: false,
        made: HashSet::new(),
        written: BTreeMap::new(),
        touched: HashSet::new(),
        deleted: BTreeSet::new(),
        seen: HashSet::new(),
        grown: HashMap::new(),
        sequences: HashMap::new(),
        records: Touched::default(),
        scribed: BTreeMap::new(),
    };
    check
        .ordinary(change)
        .map_err(|reason| refusal(Some(author), reason))?;
    let Check {
        past,
        paths,
        created,
        objects,
        adds_devices,
        records,
        ..
    } = check;
    paths.extend(created);
    memo.carried = past.carry(change.hash(), &objects, adds_devices);
    Ok(records)
}

/// The most operations one change may hold: more than the largest honest command writes
/// (a member's review of five answers of [`PROSE_MAX`] characters each is 100,000).
pub const MAX_OPERATIONS: usize = 6 * PROSE_MAX;

/// The deepest place a change may write: the set's deepest record field is seven keys
/// from the root (a question logged in a turn: `meetings/M/turns/T/contributions/C/text`).
pub const MAX_DEPTH: usize = 8;

/// The most entries a list may hold: a device's addresses, a rotation's order, an
/// agenda's slots.
pub const MAX_LIST_ENTRIES: usize = 100;

/// The highest operation counter or change number a change may reach: far beyond any
/// set's honest life, and far below where Automerge's counters run out.
pub const MAX_COUNTER: u64 = 1 << 31;

/// Refuses a change with more operations than any command writes, or with counters no
/// honest device reaches.
pub fn too_large(change: &Change) -> Result<(), String> {
    if change.max_op() >= MAX_COUNTER || change.seq() >= MAX_COUNTER {
        return Err("a change numbered beyond anything a device writes".into());
    }
    if change.len() > MAX_OPERATIONS {
        Err(format!(
            "a change of {} operations, more than the {MAX_OPERATIONS} any edit makes",
            change.len()
        ))
    } else {
        Ok(())
    }
}

/// The change that begins a set: the first of its founding device, naming the id that
/// device and its nonce give, and no device but its own.
fn founding(device: &DeviceId, set: &SetId, change: &Change) -> Result<(), String> {
    if change.seq() != 1 {
        return Err("a second beginning for the set".into());
    }
    let ops = change.decode().operations;
    let root_str = |key: &str| {
        ops.iter()
            .find_map(|op| match (&op.obj, &op.key, &op.action) {
                (ObjectId::Root, Key::Map(k), OpType::Put(ScalarValue::Str(s))) if k == key => {
                    Some(s.to_string())
                }
                _ => None,
            })
    };
    let (Some(id), Some(nonce)) = (root_str("id"), root_str("nonce")) else {
        return Err("a beginning of the set without its id".into());
    };
    if id != set.as_str() || founding_id(device, &nonce) != *set {
        return Err("a beginning of another set, or a second beginning of this one".into());
    }
    // The founder's own device must be the founder's: the only device key the
    // beginning may name is the one that signed it.
    for op in &ops {
        if let (Key::Map(k), OpType::Make(ObjType::Map)) = (&op.key, &op.action)
            && k.len() == 64
            && k.bytes().all(|b| b.is_ascii_hexdigit())
            && k.as_str() != device.as_ref()
        {
            return Err("a beginning of the set that names another device".into());
        }
    }
    Ok(())
}

/// Why a write into an object its author had not seen is refused: the same words on a
/// device that holds the object and on one that does not yet.
const OUTSIDE_THE_PAST: &str = "a write into something its author had not seen";

/// Why a change written as a generation past [`DeviceId::MAX_GENERATION`] is refused.
pub(crate) const TOO_MANY_GENERATIONS: &str =
    "a change from more generations of its device than any device writes in";

/// A path from the document's root: map keys, and `#` for a position in a list or text.
type Path = Vec<String>;

struct Check<'a> {
    set: SetId,
    past: Past<'a>,
    author: MemberId,
    /// Objects already in the document: their paths, as they are looked up.
    paths: &'a mut HashMap<(u64, Vec<u8>), Path>,
    /// Where this change makes objects, for looking up by place.
    made: HashSet<Path>,
    /// Objects this change makes, and where.
    created: HashMap<(u64, Vec<u8>), Path>,
    /// Every object this change writes into.
    objects: HashSet<ObjId>,
    /// Whether this change writes a device into a member's record.
    adds_devices: bool,
    /// Scalar values this change writes, by path.
    written: BTreeMap<Path, ScalarValue>,
    /// Single values (not elements of a text or list) this change writes or removes.
    touched: HashSet<Path>,
    /// Fields this change deletes.
    deleted: BTreeSet<Path>,
    /// Objects already found in the change's past.
    seen: HashSet<(u64, Vec<u8>)>,
    /// Per text or list written into: characters and entries inserted, less those
    /// deleted.
    grown: HashMap<ObjectId, (i64, i64)>,
    /// Where each text or list written into lives.
    sequences: HashMap<ObjectId, Path>,
    /// The records this change writes.
    records: Touched,
    /// Records of another member's this change writes as the room's scribe, with their
    /// owner: checked at the end of the change (see `scribe`).
    scribed: BTreeMap<Path, String>,
}

/// Who may write at a place.
enum Who {
    /// Any current member.
    Anyone,
    /// Only this member.
    Owner(MemberId),
    /// The facilitator while facilitated, anyone otherwise.
    Facilitation,
    /// A member's departure: they may leave; removal follows facilitation.
    Departure(MemberId),
    /// Only as part of creating the record (its first write, in the change that makes it).
    AtCreation,
    /// Admission: checked at the end of the change, against the invitation.
    Admission,
    /// Nobody.
    Nobody(&'static str),
}

impl Check<'_> {
    fn ordinary(&mut self, change: &Change) -> Result<(), String> {
        let expanded = change.decode();
        let actor = change.actor_id().to_bytes();
        let start = expanded.start_op.get();
        // The characters of a text (and the entries of a list) come as one operation
        // each, one run per object: the first is judged in full, the rest of the run has
        // the same verdict but for its own value.
        let mut run: Option<&ObjectId> = None;
        let mut counting: Run = None;
        for (i, op) in expanded.operations.iter().enumerate() {
            let element = matches!(op.key, Key::Seq(_));
            if element {
                tally(&mut counting, &mut self.grown, op);
            }
            if element && run == Some(&op.obj) {
                match &op.action {
                    OpType::Delete => continue,
                    OpType::Put(ScalarValue::Str(s)) if s.chars().count() <= NAME_MAX * 2 => {
                        continue;
                    }
                    _ => {}
                }
            }
            run = None;
            self.objects.insert(match &op.obj {
                ObjectId::Root => automerge::ROOT,
                // The index into a document's actors is not part of an id's identity.
                ObjectId::Id(OpId(counter, actor)) => ObjId::Id(*counter, actor.clone(), 0),
            });
            let parent = self.path_of(&op.obj)?;
            self.in_past(&op.obj, &parent)?;
            let mut target = parent.clone();
            match &op.key {
                Key::Map(key) => target.push(key.to_string()),
                Key::Seq(_) => target.push(SEQ.into()),
            }
            self.records.note(&target);
            self.adds_devices |=
                target.len() > 3 && target[0] == "members" && target[2] == "devices";
            if target.len() > MAX_DEPTH {
                return Err(format!(
                    "a value nested deeper than anything in {}",
                    describe(&target)
                ));
            }
            if element {
                self.sequences
                    .entry(op.obj.clone())
                    .or_insert(parent.clone());
            }
            self.allowed(&target, &op.action)?;
            match &op.action {
                OpType::Make(kind) => {
                    check_kind(&target, *kind)?;
                    self.replaces(&target)?;
                    self.made.insert(target.clone());
                    self.created
                        .insert((start + i as u64, actor.to_vec()), target);
                }
                OpType::Put(value) => {
                    self.check_value(&target, value)?;
                    if element {
                        run = Some(&op.obj);
                    } else {
                        self.touched.insert(target.clone());
                        self.written.insert(target, value.clone());
                    }
                }
                OpType::Delete => {
                    if element {
                        run = Some(&op.obj);
                    } else {
                        // Keeping one of two versions written at once deletes the other
                        // alone: the field stays.
                        if op.pred.len() >= self.past.versions(&target) {
                            self.deleted.insert(target.clone());
                        }
                        self.touched.insert(target);
                    }
                }
                OpType::Increment(_) => {
                    return Err("a counter, which Revans does not write".into());
                }
                OpType::MarkBegin(..) | OpType::MarkEnd(_) => {
                    return Err("marks in a text, which Revans does not write".into());
                }
            }
        }
        flush(&mut counting, &mut self.grown);
        self.deletions()?;
        self.lengths()?;
        self.rewordings()?;
        self.admissions()?;
        self.scribes()
    }

    /// Every text and list this change writes into stays within its length, counted as
    /// it stood at the change's past plus what the change inserts, less what it deletes
    /// (one character for each element a text loses).
    fn lengths(&self) -> Result<(), String> {
        for (obj, (chars, entries)) in &self.grown {
            let Some(path) = self.sequences.get(obj) else {
                continue;
            };
            let key = path.last().map_or("", String::as_str);
            let (limit, grown, what) = if TEXTS.contains(&key) {
                (PROSE_MAX, *chars, "characters")
            } else {
                (MAX_LIST_ENTRIES, *entries, "entries")
            };
            if grown <= 0 {
                continue;
            }
            let before = self.past.length_of(obj);
            if before + grown.unsigned_abs() as usize > limit {
                return Err(format!(
                    "a {} in {} longer than the {limit} {what} it may hold",
                    if what == "characters" { "text" } else { "list" },
                    describe(path)
                ));
            }
        }
        Ok(())
    }

    /// A field deleted and not written again by the same change (as keeping one version
    /// of a value two members wrote at once does) must be one that may go.
    fn deletions(&self) -> Result<(), String> {
        for target in &self.deleted {
            if !self.written.contains_key(target) && !self.made.contains(target) {
                Self::deletable(target)?;
            }
        }
        Ok(())
    }

    /// A rule's words change only with its agreement begun anew, and its agreement is
    /// begun anew only with new words: no one can change what members agreed to while
    /// their agreement stands, nor wipe agreements out.
    fn rewordings(&self) -> Result<(), String> {
        let rule = |path: &Path, key: &str| match path.as_slice() {
            [c, r, k] if c == "ground_rules" && k == key && !self.made_here(&path[..2]) => {
                Some(r.clone())
            }
            _ => None,
        };
        let reworded: HashSet<String> = self
            .touched
            .iter()
            .filter_map(|p| rule(p, "text"))
            .collect();
        let begun: HashSet<String> = self
            .made
            .iter()
            .filter_map(|p| rule(p, "agreed_by"))
            .collect();
        if reworded.difference(&begun).next().is_some() {
            return Err(
                "new words for a ground rule that keep the agreement to the old ones".into(),
            );
        }
        if begun.difference(&reworded).next().is_some() {
            return Err("setting aside the agreement to a ground rule without new words".into());
        }
        Ok(())
    }

    fn path_of(&mut self, obj: &ObjectId) -> Result<Path, String> {
        let OpId(counter, actor) = match obj {
            ObjectId::Root => return Ok(Vec::new()),
            ObjectId::Id(id) => id,
        };
        let key = (*counter, actor.to_bytes().to_vec());
        if let Some(path) = self.created.get(&key).or_else(|| self.paths.get(&key)) {
            return Ok(path.clone());
        }
        let exid = self
            .past
            .doc
            .import_obj(&format!("{counter}@{}", actor.to_hex_string()))
            .map_err(|_| OUTSIDE_THE_PAST.to_owned())?;
        // Not held here at all: not in the change's past either (its dependencies are).
        if self.past.doc.object_type(&exid).is_err() {
            return Err(OUTSIDE_THE_PAST.into());
        }
        let parents = self
            .past
            .doc
            .parents(&exid)
            .map_err(|_| OUTSIDE_THE_PAST.to_owned())?;
        let path: Path = parents
            .path()
            .into_iter()
            .map(|(_, prop)| match prop {
                automerge::Prop::Map(k) => k,
                automerge::Prop::Seq(_) => SEQ.to_owned(),
            })
            .collect();
        self.paths.insert(key, path.clone());
        Ok(path)
    }

    /// The object an operation writes into must be one its author had seen: the object
    /// at its place in the change's causal past (or one the change makes). A write into a
    /// record made concurrently (however it was dated) is refused by every device alike,
    /// whether or not that device holds the record yet.
    fn in_past(&mut self, obj: &ObjectId, path: &[String]) -> Result<(), String> {
        let ObjectId::Id(OpId(counter, actor)) = obj else {
            return Ok(());
        };
        let key = (*counter, actor.to_bytes().to_vec());
        // A change built on the document's heads sees all it holds: path_of found the
        // object there.
        if self.past.now || self.created.contains_key(&key) || self.seen.contains(&key) {
            return Ok(());
        }
        // An element of a list is found through its list, whose own place is checked.
        if !path.iter().any(|p| p == SEQ) {
            let keys: Vec<&str> = path.iter().map(String::as_str).collect();
            let there = match self.past.value_at(&keys) {
                Some((Value::Object(_), id)) => Some(id),
                _ => None,
            };
            let this = self
                .past
                .doc
                .import_obj(&format!("{counter}@{}", actor.to_hex_string()))
                .ok();
            if there.is_none() || there != this {
                return Err(OUTSIDE_THE_PAST.into());
            }
        }
        self.seen.insert(key);
        Ok(())
    }

    /// Whether a place's record (the object at `path[..n]`) is made by this change.
    fn made_here(&self, path: &[String]) -> bool {
        self.made.contains(path)
    }

    fn allowed(&mut self, target: &[String], action: &OpType) -> Result<(), String> {
        self.open_or_leaving(target)?;
        let who = self.who(target);
        let author = self.author.clone();
        match who {
            Who::Anyone => Ok(()),
            Who::Owner(owner) if owner == author => Ok(()),
            Who::Owner(owner) if scribe::record(target).is_some() => {
                self.scribing(target, owner.as_str());
                Ok(())
            }
            Who::Owner(owner) => Err(format!(
                "a change to {} of another member ({})",
                describe(target),
                owner.short()
            )),
            Who::Facilitation => self.facilitates(&author, target),
            Who::Departure(member) if member == author => Ok(()),
            Who::Departure(_) => self
                .facilitates(&author, target)
                .map_err(|_| "removing another member while someone else facilitates".to_owned()),
            Who::AtCreation => {
                // The record this field belongs to must be made by this change.
                let top = &target[..target.len().min(2)];
                if self.made_here(top) || self.made_here(record_of(target)) {
                    Ok(())
                } else {
                    Err(format!(
                        "a change to {} after it was made",
                        describe(target)
                    ))
                }
            }
            // New members and devices are made as maps and matched to an invitation's use
            // at the end of the change; a use is written inside the map it makes.
            Who::Admission => match (target, action) {
                ([c, _, u, ..], _) if c == "invitations" && u == "used" => {
                    if self.made_here(&target[..2]) {
                        // A new invitation, not yet used.
                        Ok(())
                    } else if target.len() == 3 && !matches!(action, OpType::Make(ObjType::Map)) {
                        Err("an invitation's use that is not a record".into())
                    } else if target.len() > 3 && !self.made_here(&target[..3]) {
                        Err("a change to an invitation's use after it was made".into())
                    } else {
                        Ok(())
                    }
                }
                (_, OpType::Make(ObjType::Map)) => Ok(()),
                _ => Err(format!(
                    "a change to {} outside an admission",
                    describe(target)
                )),
            },
            Who::Nobody(what) => Err(what.to_owned()),
        }
    }

    /// A closed set takes nothing but a member's leaving and their own devices'
    /// addresses; and a set once closed stays closed.
    fn open_or_leaving(&self, target: &[String]) -> Result<(), String> {
        let closed = self.past.map_at(&automerge::ROOT, "closed").is_some();
        if !closed {
            return Ok(());
        }
        let author = self.author.as_str();
        match target {
            [m, who, d, ..] if m == "members" && who == author && d == "departure" => Ok(()),
            [m, who, d, _, ..] if m == "members" && who == author && d == "devices" => Ok(()),
            [c, ..] if c == "closed" => Err("reopening a closed set, which nobody may do".into()),
            _ => Err(format!(
                "a change to {} of a closed set, which keeps its record as it is",
                describe(target)
            )),
        }
    }

    /// The facilitator while the set is facilitated; anyone otherwise.
    fn facilitates(&self, author: &MemberId, target: &[String]) -> Result<(), String> {
        let facilitation = self.past.map_at(&automerge::ROOT, "facilitation");
        let facilitator = facilitation
            .as_ref()
            .and_then(|f| self.past.map_at(f, "Facilitated"))
            .and_then(|f| self.past.str_at(&f, "facilitator"));
        match facilitator {
            Some(f) if f != author.as_str() => Err(format!(
                "a change to {} while another member facilitates",
                describe(target)
            )),
            _ => Ok(()),
        }
    }

    /// Who may write at `target`: the table of DESIGN.md 4.3, one row a place (rows with
    /// the same answer stay apart, so the table reads as the design does).
    #[allow(clippy::match_same_arms)]
    fn who(&self, target: &[String]) -> Who {
        let t: Vec<&str> = target.iter().map(String::as_str).collect();
        let made = |n: usize| self.made_here(&target[..n.min(target.len())]);
        match t.as_slice() {
            ["schema" | "id" | "created_at" | "created_by" | "nonce", ..] => {
                Who::Nobody("a change to the set's identity, which nobody may change")
            }
            ["name"] | ["purpose" | "meeting_lengths", ..] => Who::Anyone,
            ["facilitation" | "closed", ..] | ["handovers", _, ..] => Who::Facilitation,
            [_] => Who::Nobody("a change to the set's structure, which nobody may change"),

            ["members", _] => Who::Admission,
            ["members", m, "departure", ..] if !made(2) => {
                if self.past.departed(m) {
                    Who::Nobody("undoing a member's departure, which nobody may do")
                } else {
                    Who::Departure(MemberId::from(*m))
                }
            }
            ["members", _, "devices", _] if !made(2) => Who::Admission,
            ["members", m, "devices", _, ..] if !made(2) && !made(4) => {
                Who::Owner(MemberId::from(*m))
            }
            ["members", m, "display_name" | "organisation"] if !made(2) => {
                Who::Owner(MemberId::from(*m))
            }
            ["members", _, ..] => Who::AtCreation,

            ["ground_rules", _] => Who::Anyone,
            // Agreement begun anew: only with new words (checked at the end of the change).
            ["ground_rules", _, "agreed_by"] => Who::Anyone,
            ["ground_rules", _, "agreed_by", m, ..] => Who::Owner(MemberId::from(*m)),
            ["ground_rules", _, "text" | "retired", ..] => Who::Anyone,
            ["ground_rules", _, ..] => Who::AtCreation,

            ["issues", _, "priority"] => Who::Anyone,
            ["issues", i, ..] => self.owned("issues", i, made(2)),
            ["actions", a, "text" | "likelihood"] if !made(2) && self.past.reported(a) => {
                Who::Nobody("a change to an action after it was reported on")
            }
            ["actions", a, ..] => self.owned("actions", a, made(2)),

            [
                "meetings",
                _,
                "catch_up" | "bids" | "attendance" | "member_reviews",
                m,
                ..,
            ] => Who::Owner(MemberId::from(*m)),
            ["meetings", _, "created_by" | "created_at"] => Who::AtCreation,
            ["meetings" | "question_bank" | "celebrations", ..] => Who::Anyone,

            ["invitations", _] => Who::Anyone,
            ["invitations", _, "used", ..] => Who::Admission,
            ["invitations", _, "revoked", ..] => Who::Anyone,
            ["invitations", _, ..] => Who::AtCreation,

            _ => Who::Nobody("a change to a part of the set Revans does not know"),
        }
    }

    /// A member's own record (an issue, an action): its owner, or anyone creating one of
    /// their own (the owner they write is checked as a value).
    fn owned(&self, collection: &str, id: &str, made: bool) -> Who {
        if made {
            return Who::Anyone;
        }
        match self.past.str_at_path(&[collection, id, "owner"]) {
            Some(owner) => Who::Owner(MemberId::from(owner)),
            None if self.past.exists_at_path(&[collection, id]) => {
                Who::Nobody("a change to a record with no owner")
            }
            // A record made by this change (its map is made at `[collection, id]`).
            None => Who::Anyone,
        }
    }

    /// Nothing a record holds is ever deleted: records are retired, closed or left, and
    /// a field the model reads is rewritten, never taken away (an optional one is set to
    /// null). What may be deleted are the entries of maps whose entries come and go.
    fn deletable(target: &[String]) -> Result<(), String> {
        let parent = target
            .len()
            .checked_sub(2)
            .map_or("", |i| target[i].as_str());
        if DELETABLE_ENTRIES.contains(&parent) {
            Ok(())
        } else {
            Err(format!(
                "deleting {} from {}, which the set needs",
                target.last().map_or("a field", |k| field_name(k)),
                describe(target)
            ))
        }
    }

    /// A map made where the change's past already holds a record, a map keyed by member
    /// or any other value replaces what is there, and everything in it vanishes: only
    /// an optional record that was empty (null), or a ground rule's agreement begun anew
    /// with new words, may be made over what was there.
    fn replaces(&self, target: &[String]) -> Result<(), String> {
        if target.last().is_some_and(|k| k == SEQ) {
            return Ok(());
        }
        // Inside something this change makes, nothing was there before.
        if (1..target.len()).any(|n| self.made_here(&target[..n])) {
            return Ok(());
        }
        let path: Vec<&str> = target.iter().map(String::as_str).collect();
        match self.past.value_at(&path) {
            None => Ok(()),
            Some((Value::Scalar(s), _)) if s.is_null() => Ok(()),
            Some(_) if target.last().is_some_and(|k| REMADE.contains(&k.as_str())) => Ok(()),
            Some(_) => Err(format!("replacing {} as a whole", describe(target))),
        }
    }

    fn check_value(&mut self, target: &[String], value: &ScalarValue) -> Result<(), String> {
        let Some(key) = target.last() else {
            return Ok(());
        };
        let parent = target
            .len()
            .checked_sub(2)
            .map_or("", |i| target[i].as_str());
        let bad = |what: &str| Err(format!("{what} for {}", describe(target)));
        match shape(target) {
            Shape::Text | Shape::List => return bad("a single value where a text or list belongs"),
            Shape::Map => {
                return match value {
                    ScalarValue::Null if OPTIONAL_MAPS.contains(&key.as_str()) => Ok(()),
                    ScalarValue::Str(s)
                        if (key == "facilitation" || key == "to")
                            && s.as_str() == "SelfManaged" =>
                    {
                        Ok(())
                    }
                    _ => bad("a single value where a record belongs"),
                };
            }
            Shape::Scalar => {}
        }
        if key == SEQ {
            // A character of a text, or an entry of a list of names or addresses.
            return match value {
                ScalarValue::Str(s) if s.chars().count() <= NAME_MAX * 2 => Ok(()),
                _ => bad("an entry of the wrong kind"),
            };
        }
        if parent == "agreed_by" {
            return match value {
                ScalarValue::Timestamp(ms) if (0..=LATEST_MILLIS).contains(ms) => Ok(()),
                _ => bad("something other than a time"),
            };
        }
        let author = self.author.as_str();
        match value {
            ScalarValue::Timestamp(ms) if !(0..=LATEST_MILLIS).contains(ms) => {
                return bad("a time outside the calendar");
            }
            ScalarValue::Str(s) if s.chars().count() > PROSE_MAX => {
                return bad("a text too long to keep");
            }
            _ => {}
        }
        let is_null = matches!(value, ScalarValue::Null);
        if key == "asker" {
            // Whoever logs a question names who asked it: a member of the set.
            return match value {
                ScalarValue::Str(s) if self.past.is_member(s) => Ok(()),
                ScalarValue::Null => Ok(()),
                _ => bad("someone who is not a member"),
            };
        }
        if key.ends_with("_at") || key == "at" {
            return if matches!(value, ScalarValue::Timestamp(_)) || is_null {
                Ok(())
            } else {
                bad("something other than a time")
            };
        }
        if key.ends_with("_by") || key == "by" || key == "owner" {
            return match value {
                ScalarValue::Str(s) if s.as_str() == author => Ok(()),
                // An action the room's scribe writes down for its owner.
                ScalarValue::Str(s)
                    if key == "owner" && target[0] == "actions" && self.made_here(&target[..2]) =>
                {
                    self.scribing(target, s);
                    Ok(())
                }
                ScalarValue::Null if key != "owner" => Ok(()),
                ScalarValue::Str(_) => bad("another member's name"),
                _ => bad("something other than a member"),
            };
        }
        check_field(key, value, author).map_err(|what| format!("{what} for {}", describe(target)))
    }

    /// Every member or device this change adds, and every invitation it uses, must match:
    /// a valid, open invitation whose secret the change reveals.
    fn admissions(&self) -> Result<(), String> {
        let mut admitted: Vec<(String, String)> = Vec::new();
        for path in self.created.values() {
            if let [c, invitation, u] = path.as_slice()
                && c == "invitations"
                && u == "used"
            {
                admitted.push(self.admission(invitation)?);
            }
        }
        // Nothing admitted without an invitation: every new member and device is one the
        // change's invitation uses name.
        for path in self.created.values() {
            match path.as_slice() {
                [c, m] if c == "members" && !admitted.iter().any(|(am, _)| am == m) => {
                    return Err("adding a member without an invitation".into());
                }
                [c, m, d, dev]
                    if c == "members"
                        && d == "devices"
                        && !admitted.iter().any(|(am, ad)| am == m && ad == dev) =>
                {
                    return Err("adding a device without an invitation".into());
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// One use of an invitation this change writes: whom and which device it admits.
    fn admission(&self, invitation: &str) -> Result<(String, String), String> {
        let field = |name: &'static str| ["invitations", invitation, name];
        let not_null = |value: Option<(Value<'_>, ObjId)>| {
            value.is_some_and(|(v, _)| !matches!(v, Value::Scalar(ref s) if s.is_null()))
        };
        if !self.past.exists_at_path(&["invitations", invitation]) {
            return Err("using an invitation the set does not hold".into());
        }
        if not_null(self.past.value_at(&field("used"))) {
            return Err("using an invitation that was used already".into());
        }
        if not_null(self.past.value_at(&field("revoked"))) {
            return Err("using an invitation that was withdrawn".into());
        }
        let in_use = |name: &str| -> Option<&ScalarValue> {
            self.written.get(&vec![
                "invitations".to_owned(),
                invitation.to_owned(),
                "used".to_owned(),
                name.to_owned(),
            ])
        };
        let text = |name: &str| match in_use(name) {
            Some(ScalarValue::Str(s)) => Some(s.to_string()),
            _ => None,
        };
        let (Some(member), Some(device), Some(signature), Some(consent)) = (
            text("member"),
            text("device"),
            text("signature"),
            text("consent"),
        ) else {
            return Err("using an invitation without saying who for".into());
        };
        let (set, id) = (&self.set, InvitationId::from(invitation));
        let (member_id, device_id) = (
            MemberId::from(member.as_str()),
            DeviceId::from(device.clone()),
        );
        let key = self.past.str_at_path(&field("key")).unwrap_or_default();
        if !signed_by(
            &key,
            &admission_message(set, &id, &member_id, &device_id),
            &signature,
        ) {
            return Err("using an invitation without its key".into());
        }
        if !signed_by(&device, &consent_message(set, &member_id, &id), &consent) {
            return Err("admitting a device that did not ask to be this member's".into());
        }
        let expires = match self.past.value_at(&field("expires_at")) {
            Some((Value::Scalar(s), _)) => match s.as_ref() {
                ScalarValue::Timestamp(ms) => Some(*ms),
                _ => None,
            },
            _ => None,
        };
        let at = match in_use("at") {
            Some(ScalarValue::Timestamp(ms)) => Some(*ms),
            _ => None,
        };
        if expires.zip(at).is_none_or(|(e, a)| a >= e) {
            return Err("using an invitation after it expired".into());
        }
        if self.past.device_taken(&device) {
            return Err("admitting a device that is already in the set".into());
        }
        // What the admission makes names the invitation, so that of two admissions with
        // it at once, the one its use names stands everywhere.
        let names = |path: &[&str]| {
            let path: Path = path.iter().map(|p| (*p).to_owned()).collect();
            matches!(self.written.get(&path), Some(ScalarValue::Str(s)) if s.as_str() == invitation)
        };
        if !names(&["members", &member, "devices", &device, "invitation"]) {
            return Err("admitting a device without naming its invitation".into());
        }
        let newcomer = self.made_here(&["members".to_owned(), member.clone()]);
        if newcomer && !names(&["members", &member, "invitation"]) {
            return Err("admitting a member without naming their invitation".into());
        }
        match self.past.str_at_path(&field("link_to")) {
            Some(owner) if owner != member => {
                Err("linking a device to someone the invitation is not for".into())
            }
            None if self.past.exists_at_path(&["members", &member])
                || !self.made_here(&["members".to_owned(), member.clone()]) =>
            {
                Err("an invitation for a newcomer used for a member".into())
            }
            Some(_) | None => Ok((member, device)),
        }
    }
}
