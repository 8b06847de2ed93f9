//! The sans-IO sync core: every document this device holds, and per document and per
//! peer device an `automerge::sync::State`. No sockets, no files, no clock, no threads:
//! the caller feeds it inputs (a peer connected or went away, a message arrived, a local
//! edit, the time) and drains its outputs (bytes to send to a peer, records to append to
//! a document's log, what changed). Time comes in as milliseconds on any steady clock.
//!
//! The caller's loop, which the runtime and the simulation in the tests both follow:
//! 1. feed every input that is waiting ([`Engine::receive`], [`Engine::edit`], ...);
//! 2. drain the outputs and commit every [`Output::Append`] to the document's log;
//! 3. [`Engine::poll`], and send the [`Output::Send`]s it yields.
//!
//! Nothing is sent before step 2 has made it durable, so a peer never holds a change
//! this device could lose. A local edit is due to every connected peer at once; a change
//! relayed from one peer is due to the others after [`Engine::coalesce_ms`], so that
//! their own messages, arriving meanwhile, can show they already hold it.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::panic::AssertUnwindSafe;

use automerge::sync::{ChunkList, Message, State, SyncDoc};
use automerge::{Automerge, Change, ChangeHash};
use iroh::{PublicKey, SecretKey};
use revans_model::authority::Validity;
use revans_model::{DeviceId, SetId, Touched};

use crate::ids::{DocId, PeerId};
use crate::log::Record;

/// An Ed25519 signature of a change's hash by the device that made it.
pub type Signature = [u8; 64];

/// The signatures of a document's changes, by change.
pub type Signatures = HashMap<ChangeHash, Signature>;

/// A change's signature by `key`: the Ed25519 signature of the change's hash.
#[must_use]
pub fn sign(key: &SecretKey, change: &Change) -> Signature {
    key.sign(&change.hash().0).to_bytes()
}

/// Whether `signature` is the signature of `change` by the device the change names.
pub fn verify(change: &Change, signature: &Signature) -> Result<(), String> {
    let Some(key) = DeviceId::of_actor(change.actor_id()).and_then(|(d, _)| d.to_bytes()) else {
        return Err("a change whose author is not a device".into());
    };
    let public = PublicKey::from_bytes(&key)
        .map_err(|_| "a change whose author is not a device key".to_owned())?;
    public
        .verify(&change.hash().0, &iroh::Signature::from_bytes(signature))
        .map_err(|_| {
            "a change whose signature does not match it (forged, or altered on the way)".to_owned()
        })
}

/// The device that wrote a change (named by its actor), whichever of its generations it
/// wrote as.
fn author_of(actor: &automerge::ActorId) -> Option<PeerId> {
    DeviceId::of_actor(actor)
        .and_then(|(device, _)| device.to_bytes())
        .map(PeerId)
}

/// How many refused changes a peer may send within [`STRIKES_FADE_MS`] before it is
/// disconnected; a reconnect does not wipe the count.
pub const STRIKES: usize = 3;

/// How long a strike counts against a peer.
pub const STRIKES_FADE_MS: u64 = 60 * 60 * 1000;

/// How many changes may wait for their dependencies at once, per document.
const MAX_WAITING: usize = 100_000;

/// How many bytes of changes one peer may make a device hold while they wait for their
/// dependencies, per document: a two-year set's whole history is well under this.
pub const MAX_WAITING_BYTES: usize = 16 << 20;

/// How a document's changes are judged before they are taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Judge {
    /// A set: signed by the device it names, and allowed by the practice's rules
    /// ([`revans_model::check_change`]).
    Set(SetId),
    /// A member's journal, by its document id: signed by a device on the journal's own
    /// list of devices, and adding a device only with that device's consent
    /// ([`revans_model::check_journal_change`]).
    Journal(String),
}

/// A message on the wire: an Automerge sync message, then one signature for each change
/// it carries, in order.
#[must_use]
pub fn envelope(message: &[u8], signatures: &[Signature]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + message.len() + 64 * signatures.len());
    // A message is bounded by the frame limit, far below 4 GiB.
    out.extend_from_slice(&(message.len() as u32).to_le_bytes());
    out.extend_from_slice(message);
    for signature in signatures {
        out.extend_from_slice(signature);
    }
    out
}

/// A wire message's Automerge part and its signatures (one per change, in order).
pub fn open_envelope(bytes: &[u8]) -> Result<(&[u8], Vec<Signature>), Refused> {
    let malformed = || Refused::Malformed("a message without its signatures".into());
    let len = bytes
        .get(..4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .ok_or_else(malformed)?;
    let message = bytes.get(4..4 + len).ok_or_else(malformed)?;
    let rest = &bytes[4 + len..];
    if !rest.len().is_multiple_of(64) {
        return Err(malformed());
    }
    let signatures = rest
        .chunks_exact(64)
        .map(|c| {
            let mut s = [0u8; 64];
            s.copy_from_slice(c);
            s
        })
        .collect();
    Ok((message, signatures))
}

/// Automerge's own rule for what a message's changes add to the heads both sides share.
fn advance_heads(
    before: &[ChangeHash],
    after: &[ChangeHash],
    shared: &[ChangeHash],
) -> Vec<ChangeHash> {
    let mut advanced: BTreeSet<ChangeHash> = after
        .iter()
        .filter(|h| !before.contains(h))
        .copied()
        .collect();
    advanced.extend(shared.iter().filter(|h| after.contains(h)).copied());
    advanced.into_iter().collect()
}

/// What the engine asks its caller to do, or tells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Append a record to a document's log (a change: durably, before anything is sent).
    Append {
        /// The document.
        doc: DocId,
        /// The record.
        record: Record,
    },
    /// Send a sync message about a document to a peer.
    Send {
        /// The peer.
        peer: PeerId,
        /// The document.
        doc: DocId,
        /// An encoded `automerge::sync::Message`.
        message: Vec<u8>,
    },
    /// A document's content changed (here or from a peer).
    Changed(DocId),
    /// Replying to a peer broke Automerge: its session must end (the caller closes the
    /// connection; a new session starts from a fresh state).
    Unwell(PeerId),
    /// A change was refused: not applied, stored or relayed (nor anything that depends
    /// on it).
    Refused {
        /// The document.
        doc: DocId,
        /// The peer that sent it.
        from: PeerId,
        /// The device that signed it, if it names one.
        author: Option<PeerId>,
        /// Why, in words.
        reason: String,
    },
    /// A change held here turned out void: its author's membership (or facilitation)
    /// was ended at the same time as they made it. It stays held and synced (every
    /// device must hold it to read the same), but is never shown or built on.
    Void {
        /// The document.
        doc: DocId,
        /// The device that signed it.
        author: PeerId,
        /// Why, in words.
        reason: String,
    },
    /// A peer kept sending refused changes: the caller ends its connection.
    Offender(PeerId),
    /// A peer told us which heads of a document it holds.
    Heard {
        /// The document.
        doc: DocId,
        /// The peer.
        peer: PeerId,
        /// Its heads.
        heads: Vec<ChangeHash>,
    },
}

/// Why a peer's message was not taken.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The document is not one this device shares with that peer: ignored without reply,
    /// so a peer learns nothing about documents it may not have.
    #[error("a document not shared with this device")]
    NotShared,
    /// The bytes are not a sync message, or Automerge refused them.
    #[error("a malformed sync message: {0}")]
    Malformed(String),
    /// Automerge panicked on the message; the document must be rebuilt from its log.
    #[error("a sync message that broke the document's engine; rebuilding it from disk")]
    Broke,
}

/// Automerge's bloom filters always use 10 bits and 7 probes an entry; other values in a
/// peer's `have` would make generating the reply divide by zero or allocate without bound.
fn sane_have(message: &Message) -> Result<(), Refused> {
    if message.have.len() > 1 {
        return Err(Refused::Malformed(
            "more than one summary of what it has".into(),
        ));
    }
    for have in &message.have {
        let bytes = have.bloom.to_bytes();
        if bytes.is_empty() {
            // An empty filter: nothing to probe.
            continue;
        }
        let mut fields = [0u64; 3];
        let mut at = 0;
        for field in &mut fields {
            let (value, used) = read_uleb(&bytes[at.min(bytes.len())..])
                .ok_or_else(|| Refused::Malformed("a summary that does not read".into()))?;
            *field = value;
            at += used;
        }
        let [entries, bits_per_entry, probes] = fields;
        if entries > 0 && (bits_per_entry != 10 || probes != 7) {
            return Err(Refused::Malformed("a summary of an unknown shape".into()));
        }
    }
    Ok(())
}

/// An unsigned LEB128 number and the bytes it took.
fn read_uleb(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, byte) in bytes.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// One peer's view of one document.
#[derive(Debug)]
struct PeerSync {
    state: State,
    /// The shared heads last written to the log.
    saved: Vec<ChangeHash>,
    /// When a message to this peer is due, if one is.
    due: Option<u64>,
    /// The heads we last sent this peer in this session. Automerge stays silent when a
    /// peer's message shows heads equal to its own, which leaves that peer not knowing the
    /// two are in step; the engine then says its heads once, so both sides know.
    told: Vec<ChangeHash>,
    /// Changes relayed from another peer are announced, not pushed: the next message
    /// says our heads without the changes, and the peer asks for what it still lacks
    /// (most often nothing: in a full mesh it had them from their author already).
    announce: bool,
    last_heard: Option<u64>,
}

impl PeerSync {
    fn new(state: State) -> Self {
        let saved = state.shared_heads.clone();
        Self {
            state,
            saved,
            due: None,
            told: Vec::new(),
            announce: false,
            last_heard: None,
        }
    }

    /// A new session: what the peer is known to hold stays, in-flight bookkeeping goes.
    fn restart(&mut self) {
        self.state = State::decode(&self.state.encode()).unwrap_or_default();
        self.told.clear();
    }
}

/// One document and the peers it is shared with.
#[derive(Debug)]
struct DocSync {
    doc: Automerge,
    judge: Judge,
    signatures: Signatures,
    /// Changes that arrived before their dependencies, with their signatures and who
    /// sent them: judged when the dependencies arrive.
    waiting: HashMap<ChangeHash, (Change, Signature, PeerId)>,
    /// Changes refused here: whatever depends on them is refused without a second look.
    refused: HashSet<ChangeHash>,
    /// Where the document's objects live, for the rules.
    paths: revans_model::Paths,
    allowed: BTreeSet<PeerId>,
    peers: BTreeMap<PeerId, PeerSync>,
    /// Which changes stand (sets only): a change made by a member whose authority was
    /// ended at the same time is held and synced, but never shown or built on.
    validity: Validity,
    /// The endings (departures, hand-overs) and departed members' devices the document
    /// held when validity was last read whole; `None` before the first reading.
    watched: Option<revans_model::authority::Watched>,
    /// How many changes of each actor the document holds: Automerge numbers an actor's
    /// changes in one line, and takes a change only as the next in its line.
    seqs: HashMap<automerge::ActorId, u64>,
    /// What the changes taken since [`Engine::take_touched`] last asked touched (all of it
    /// when the document is new here, or when a reading of validity changed what stands).
    touched: Touched,
}

impl DocSync {
    /// Reads validity again whole if what arrived could change it: the endings or the
    /// departed members' devices changed ([`revans_model::authority::Watched`]), or a
    /// departed member's device wrote. Otherwise what arrived is void only if it builds
    /// on a void change, and the valid heads move past the rest (the document's heads
    /// while nothing is void). Returns the changes newly void, with why.
    fn revalidate(&mut self, applied: &[Change]) -> Vec<(ChangeHash, String)> {
        if !matches!(self.judge, Judge::Set(_)) {
            self.validity.heads = self.doc.get_heads();
            return Vec::new();
        }
        let watched = revans_model::authority::watched(&self.doc);
        let moved = self.watched.as_ref() != Some(&watched);
        let suspect = applied.iter().any(|c| {
            DeviceId::of_actor(c.actor_id()).is_some_and(|(device, _)| watched.suspect(&device))
        });
        self.watched = Some(watched);
        if !moved && !suspect {
            if self.validity.void.is_empty() {
                self.validity.heads = self.doc.get_heads();
                return Vec::new();
            }
            return self.extend_validity(applied);
        }
        let before = std::mem::take(&mut self.validity.void);
        self.validity = revans_model::authority::validity(&self.doc);
        if self.validity.void.keys().ne(before.keys()) {
            // Changes long taken may stand now, or no longer: what they touched is not
            // known here, so the set is read again whole.
            self.touched = Touched::everything();
        }
        self.validity
            .void
            .iter()
            .filter(|(h, _)| !before.contains_key(*h))
            .map(|(h, why)| (*h, why.clone()))
            .collect()
    }
}

impl DocSync {
    /// Whether the document holds a change: its metadata answers, without rebuilding the
    /// change from Automerge's columns.
    fn holds(&self, hash: &ChangeHash) -> bool {
        self.doc.get_change_meta_by_hash(hash).is_some()
    }

    /// Validity carried past `applied` (in the order they were applied, each after what it
    /// builds on) when none of them is an ending or a change by a member an ending
    /// concerns: each is void if it builds on a void change, and otherwise a valid head
    /// in place of what it builds on. The cost is what arrived, not the history.
    fn extend_validity(&mut self, applied: &[Change]) -> Vec<(ChangeHash, String)> {
        let mut newly = Vec::new();
        let mut heads: BTreeSet<ChangeHash> = self.validity.heads.iter().copied().collect();
        for change in applied {
            let hash = &change.hash();
            if change
                .deps()
                .iter()
                .any(|d| self.validity.void.contains_key(d))
            {
                let why = "built on a void change".to_owned();
                self.validity.void.insert(*hash, why.clone());
                newly.push((*hash, why));
            } else {
                for dep in change.deps() {
                    heads.remove(dep);
                }
                heads.insert(*hash);
            }
        }
        self.validity.heads = heads.into_iter().collect();
        newly
    }
}

/// What this device lacks of a peer's heads: walking through changes that wait here,
/// to the dependencies they wait for; refused changes are not asked for again.
fn missing(
    doc: &Automerge,
    waiting: &HashMap<ChangeHash, (Change, Signature, PeerId)>,
    refused: &HashSet<ChangeHash>,
    their_heads: Option<&[ChangeHash]>,
) -> Vec<ChangeHash> {
    let mut missing = BTreeSet::new();
    let mut seen = HashSet::new();
    let mut stack: Vec<ChangeHash> = their_heads.unwrap_or_default().to_vec();
    while let Some(hash) = stack.pop() {
        if doc.get_change_meta_by_hash(&hash).is_some()
            || refused.contains(&hash)
            || !seen.insert(hash)
        {
            continue;
        }
        match waiting.get(&hash) {
            Some((change, _, _)) => stack.extend(change.deps().iter().copied()),
            None => {
                missing.insert(hash);
            }
        }
    }
    missing.into_iter().collect()
}

/// Appends to the log each of `changes`, from its own bytes, with its signature.
fn log_changes<'c>(
    out: &mut Vec<Output>,
    id: DocId,
    doc: &DocSync,
    changes: impl IntoIterator<Item = &'c Change>,
) {
    for change in changes {
        if let Some(signature) = doc.signatures.get(&change.hash()) {
            out.push(Output::Append {
                doc: id,
                record: Record::Change {
                    change: change.raw_bytes().to_vec(),
                    signature: *signature,
                },
            });
        }
    }
}

/// Changes newly void, told (nobody is struck for relaying them: they were allowed
/// where they were made).
fn report_void(out: &mut Vec<Output>, id: DocId, doc: &Automerge, void: Vec<(ChangeHash, String)>) {
    for (hash, reason) in void {
        let author = doc
            .get_change_meta_by_hash(&hash)
            .and_then(|c| author_of(&c.actor));
        if let Some(author) = author {
            out.push(Output::Void {
                doc: id,
                author,
                reason,
            });
        }
    }
}

/// What became of changes a peer sent.
#[derive(Default)]
struct Taken {
    /// Applied, in the order they were: each after what it builds on.
    applied: Vec<Change>,
    refused: Vec<(PeerId, Option<PeerId>, String)>,
    broke: bool,
}

impl DocSync {
    /// Judges a signed change by the rules, from its causal past; what an allowed one
    /// touches (a journal is read whole: it touches everything).
    fn judge(&mut self, change: &Change) -> Result<Touched, String> {
        match &self.judge {
            Judge::Set(set) => {
                let (doc, paths) = (&self.doc, &mut self.paths);
                std::panic::catch_unwind(AssertUnwindSafe(|| {
                    revans_model::check_change_with(doc, set, change, paths)
                }))
                .map_err(|_| "a change the rules could not read".to_owned())?
                .map_err(|refusal| refusal.reason)
            }
            Judge::Journal(journal) => {
                let doc = &self.doc;
                std::panic::catch_unwind(AssertUnwindSafe(|| {
                    revans_model::check_journal_change(doc, journal, change)
                }))
                .map_err(|_| "a change the rules could not read".to_owned())?
                .map(|()| Touched::everything())
            }
        }
    }

    /// Takes changes a peer sent: each is judged once its dependencies are here, in
    /// causal order, and applied only if allowed; one refused takes its dependents with
    /// it; one whose dependencies have not arrived waits for them. Each change is looked
    /// at once whatever order they come in: a change is judged when the last of its
    /// dependencies is settled, not by scanning the rest again.
    fn take(&mut self, incoming: Vec<(Change, Signature)>, from: PeerId) -> Taken {
        let mut taken = Taken::default();
        let mut pending: HashMap<ChangeHash, (Change, Signature, PeerId)> =
            self.waiting.drain().collect();
        for (change, signature) in incoming {
            pending
                .entry(change.hash())
                .or_insert((change, signature, from));
        }
        // For each pending change, how many of its dependencies are pending too; and for
        // each of those, who waits on it.
        let mut unsettled: HashMap<ChangeHash, usize> = HashMap::new();
        let mut dependents: HashMap<ChangeHash, Vec<ChangeHash>> = HashMap::new();
        let mut ready = Vec::new();
        let mut left = Vec::new();
        for (hash, (change, _, _)) in &pending {
            let mut count = 0;
            let mut absent = false;
            for dep in change.deps() {
                if pending.contains_key(dep) {
                    count += 1;
                    dependents.entry(*dep).or_default().push(*hash);
                } else if !self.holds(dep) && !self.refused.contains(dep) {
                    absent = true;
                }
            }
            if absent {
                // Waits for a change that has not arrived; it is never ready this time.
                unsettled.insert(*hash, usize::MAX);
            } else if count == 0 {
                ready.push(*hash);
            } else {
                unsettled.insert(*hash, count);
            }
        }
        while let Some(hash) = ready.pop() {
            let Some((change, signature, sender)) = pending.remove(&hash) else {
                continue;
            };
            for dependent in dependents.remove(&hash).unwrap_or_default() {
                if let Some(count) = unsettled.get_mut(&dependent)
                    && *count != usize::MAX
                {
                    *count -= 1;
                    if *count == 0 {
                        unsettled.remove(&dependent);
                        ready.push(dependent);
                    }
                }
            }
            if self.holds(&hash) || self.refused.contains(&hash) {
                continue;
            }
            // A dependency dropped for its signature: this waits for it to come again.
            if !change
                .deps()
                .iter()
                .all(|d| self.holds(d) || self.refused.contains(d))
            {
                left.push((change, signature, sender));
                continue;
            }
            if self.settle(change, signature, sender, &mut taken) {
                return taken;
            }
        }
        let mut queue: Vec<(Change, Signature, PeerId)> = pending.into_values().collect();
        queue.extend(left);
        // What waits is held in memory: each peer may make this device hold only so much.
        let mut held: HashMap<PeerId, usize> = HashMap::new();
        let mut over: HashSet<PeerId> = HashSet::new();
        for (change, signature, sender) in queue.into_iter().take(MAX_WAITING) {
            let bytes = held.entry(sender).or_default();
            *bytes += change.raw_bytes().len();
            if *bytes > MAX_WAITING_BYTES {
                if over.insert(sender) {
                    let author = author_of(change.actor_id());
                    taken.refused.push((
                        sender,
                        author,
                        format!(
                            "more than {} MiB of changes waiting for changes they build on",
                            MAX_WAITING_BYTES >> 20
                        ),
                    ));
                }
                continue;
            }
            self.waiting
                .insert(change.hash(), (change, signature, sender));
        }
        taken
    }

    /// Judges one change whose dependencies are all settled, and applies it if allowed.
    /// Returns whether Automerge broke on it (the document must be reloaded).
    fn settle(
        &mut self,
        change: Change,
        signature: Signature,
        sender: PeerId,
        taken: &mut Taken,
    ) -> bool {
        let hash = change.hash();
        let author = author_of(change.actor_id());
        if change.deps().iter().any(|d| self.refused.contains(d)) {
            self.refused.insert(hash);
            taken.refused.push((
                sender,
                author,
                "a change that builds on a refused one".into(),
            ));
            return false;
        }
        // A bad signature says nothing of the change itself (the same change may come
        // again, rightly signed): it is dropped, not remembered as refused.
        if let Err(reason) = verify(&change, &signature) {
            taken.refused.push((sender, author, reason));
            return false;
        }
        // What Automerge would stop at with a panic: a change out of its actor's line (an
        // honest change always builds on its actor's previous one), or naming an author.
        let held = self.seqs.get(change.actor_id()).copied().unwrap_or(0);
        let out_of_line = if change.seq() <= held {
            Some("a change numbered as one its device had already made")
        } else if change.seq() > held + 1 {
            Some("a change that skips its device's previous one")
        } else if change.author().is_some() {
            Some("a change naming an Automerge author")
        } else {
            None
        };
        if let Some(reason) = out_of_line {
            self.refused.insert(hash);
            taken.refused.push((sender, author, reason.into()));
            return false;
        }
        let touched = match self.judge(&change) {
            Ok(touched) => touched,
            Err(reason) => {
                self.refused.insert(hash);
                taken.refused.push((sender, author, reason));
                return false;
            }
        };
        let doc = &mut self.doc;
        let applying = change.clone();
        let applied = std::panic::catch_unwind(AssertUnwindSafe(|| doc.apply_changes([applying])));
        match applied {
            Ok(Ok(())) => {
                self.signatures.insert(hash, signature);
                self.seqs.insert(change.actor_id().clone(), change.seq());
                self.touched.add(touched);
                taken.applied.push(change);
                false
            }
            Ok(Err(e)) => {
                self.refused.insert(hash);
                taken.refused.push((
                    sender,
                    author,
                    format!("a change that does not apply ({e})"),
                ));
                false
            }
            Err(_) => {
                taken.broke = true;
                true
            }
        }
    }
}

/// A peer's sync status for one document, for the screens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerStatus {
    /// Connected now.
    pub connected: bool,
    /// It holds everything this device holds (as far as the last round showed).
    pub holds_ours: bool,
    /// Its heads, as it last told us, are exactly ours: converged both ways.
    pub same_heads: bool,
    /// When it last sent a message about the document (the caller's clock).
    pub last_heard: Option<u64>,
}

/// The sync core.
#[derive(Debug)]
pub struct Engine {
    docs: BTreeMap<DocId, DocSync>,
    connected: BTreeSet<PeerId>,
    /// Refused changes each connected peer sent this session.
    /// When each peer's recent refused changes came, to tell an offender.
    strikes: BTreeMap<PeerId, Vec<u64>>,
    out: Vec<Output>,
    coalesce_ms: u64,
    key: SecretKey,
    /// This device, whose generations write its changes ([`DeviceId::actor_in`]).
    me: DeviceId,
}

/// A saved sync state, unless it names changes the document lacks (a log cut short, a
/// snapshot lost): then the peer is asked from scratch rather than trusted to resend.
fn sane_state(doc: &Automerge, encoded: &[u8]) -> State {
    match State::decode(encoded) {
        Ok(state)
            if state
                .shared_heads
                .iter()
                .all(|h| doc.get_change_meta_by_hash(h).is_some()) =>
        {
            state
        }
        _ => State::new(),
    }
}

impl Engine {
    /// An engine for the device holding `key`, which signs every change it makes, and
    /// coalesces relayed changes for `coalesce_ms`.
    #[must_use]
    pub fn new(coalesce_ms: u64, key: SecretKey) -> Self {
        let me = DeviceId::from_bytes(*key.public().as_bytes());
        Self {
            docs: BTreeMap::new(),
            connected: BTreeSet::new(),
            strikes: BTreeMap::new(),
            out: Vec::new(),
            coalesce_ms,
            key,
            me,
        }
    }

    /// How long relayed changes wait for peers' heads to rule them out.
    #[must_use]
    pub fn coalesce_ms(&self) -> u64 {
        self.coalesce_ms
    }

    /// Holds a document (restored from its log, or new) with its changes' signatures and
    /// the peers' saved states; its changes are judged by `judge`. A document already
    /// held is replaced: its peers start afresh from these states.
    pub fn insert(
        &mut self,
        id: DocId,
        mut doc: Automerge,
        signatures: Signatures,
        judge: Judge,
        saved: &BTreeMap<PeerId, Vec<u8>>,
        now: u64,
    ) {
        // This device writes as itself, in the latest generation it has written in.
        let mut generation = 0;
        loop {
            doc.set_actor(self.me.actor_in(generation + 1));
            if doc.get_last_local_change().is_none() {
                break;
            }
            generation += 1;
        }
        doc.set_actor(self.me.actor_in(generation));
        let allowed = self.docs.remove(&id).map(|d| d.allowed).unwrap_or_default();
        let peers = saved
            .iter()
            .map(|(peer, encoded)| (*peer, PeerSync::new(sane_state(&doc, encoded))))
            .collect();
        self.docs.insert(
            id,
            DocSync {
                doc,
                judge,
                signatures,
                waiting: HashMap::new(),
                refused: HashSet::new(),
                paths: revans_model::Paths::default(),
                allowed: BTreeSet::new(),
                peers,
                validity: Validity::default(),
                watched: None,
                seqs: HashMap::new(),
                touched: Touched::everything(),
            },
        );
        if let Some(doc) = self.docs.get_mut(&id) {
            // Read once as it opens (nothing is watched yet).
            doc.revalidate(&[]);
            for change in doc.doc.get_changes_meta(&[]) {
                let held = doc.seqs.entry(change.actor.into_owned()).or_default();
                *held = (*held).max(change.seq);
            }
        }
        self.allow(id, allowed, now);
        self.out.push(Output::Changed(id));
    }

    /// What the changes taken into a document since [`Engine::take_touched`] touched.
    #[must_use]
    pub fn touched(&self, id: &DocId) -> Option<&Touched> {
        self.docs.get(id).map(|doc| &doc.touched)
    }

    /// What the changes taken into a document since the last call touched, for reading
    /// again only those records of the set as shown ([`revans_model::ActionLearningSet::refresh`]).
    pub fn take_touched(&mut self, id: &DocId) -> Touched {
        self.docs
            .get_mut(id)
            .map_or_else(Touched::everything, |doc| std::mem::take(&mut doc.touched))
    }

    /// The document as it is shown: at the heads of its valid changes (the document
    /// itself while every change stands).
    #[must_use]
    pub fn shown(&self, id: &DocId) -> Option<std::borrow::Cow<'_, Automerge>> {
        let doc = self.docs.get(id)?;
        if doc.validity.void.is_empty() {
            return Some(std::borrow::Cow::Borrowed(&doc.doc));
        }
        doc.doc
            .fork_at(&doc.validity.heads)
            .ok()
            .map(std::borrow::Cow::Owned)
    }

    /// Stops holding a document.
    pub fn remove(&mut self, id: &DocId) {
        self.docs.remove(id);
    }

    /// The documents held.
    pub fn docs(&self) -> impl Iterator<Item = &DocId> {
        self.docs.keys()
    }

    /// A document, to read.
    #[must_use]
    pub fn doc(&self, id: &DocId) -> Option<&Automerge> {
        self.docs.get(id).map(|d| &d.doc)
    }

    /// A document's changes' signatures.
    #[must_use]
    pub fn signatures(&self, id: &DocId) -> Option<&Signatures> {
        self.docs.get(id).map(|d| &d.signatures)
    }

    /// Sets which peers a document is shared with. Newly allowed connected peers start
    /// syncing it now; a peer no longer allowed gets nothing more of it.
    pub fn allow(&mut self, id: DocId, allowed: BTreeSet<PeerId>, now: u64) {
        let Some(doc) = self.docs.get_mut(&id) else {
            return;
        };
        if doc.allowed == allowed {
            return;
        }
        for peer in &allowed {
            if !doc.allowed.contains(peer) && self.connected.contains(peer) {
                let sync = doc
                    .peers
                    .entry(*peer)
                    .or_insert_with(|| PeerSync::new(State::new()));
                sync.restart();
                sync.due = Some(now);
            }
        }
        doc.allowed = allowed;
    }

    /// A peer connected (a new session: any earlier one is over).
    pub fn connect(&mut self, peer: PeerId, now: u64) {
        self.connected.insert(peer);
        for doc in self.docs.values_mut() {
            if doc.allowed.contains(&peer) {
                let sync = doc
                    .peers
                    .entry(peer)
                    .or_insert_with(|| PeerSync::new(State::new()));
                sync.restart();
                sync.due = Some(now);
            }
        }
    }

    /// A peer went away: what it is known to hold is saved to each document's log.
    pub fn disconnect(&mut self, peer: PeerId) {
        self.connected.remove(&peer);
        let ids: Vec<DocId> = self.docs.keys().copied().collect();
        for id in ids {
            if let Some(sync) = self.docs.get_mut(&id).and_then(|d| d.peers.get_mut(&peer)) {
                sync.due = None;
                sync.restart();
            }
            self.save_state(id, peer);
        }
    }

    /// Whether a peer is connected.
    #[must_use]
    pub fn is_connected(&self, peer: &PeerId) -> bool {
        self.connected.contains(peer)
    }

    fn save_state(&mut self, id: DocId, peer: PeerId) {
        let Some(sync) = self.docs.get_mut(&id).and_then(|d| d.peers.get_mut(&peer)) else {
            return;
        };
        if sync.saved != sync.state.shared_heads {
            sync.saved.clone_from(&sync.state.shared_heads);
            self.out.push(Output::Append {
                doc: id,
                record: Record::PeerState {
                    peer,
                    state: sync.state.encode(),
                },
            });
        }
    }

    /// Saves every peer's state whose shared heads moved since it was last saved: at
    /// shutdown, so the next start resumes where this one left off.
    pub fn save_states(&mut self) {
        let pairs: Vec<(DocId, PeerId)> = self
            .docs
            .iter()
            .flat_map(|(id, d)| d.peers.keys().map(move |p| (*id, *p)))
            .collect();
        for (id, peer) in pairs {
            self.save_state(id, peer);
        }
    }

    /// Every peer's encoded state for a document, for a compaction's fresh log.
    #[must_use]
    pub fn encoded_states(&mut self, id: &DocId) -> Vec<(PeerId, Vec<u8>)> {
        let Some(doc) = self.docs.get_mut(id) else {
            return Vec::new();
        };
        doc.peers
            .iter_mut()
            .map(|(peer, sync)| {
                sync.saved.clone_from(&sync.state.shared_heads);
                (*peer, sync.state.encode())
            })
            .collect()
    }

    /// A message from a peer about a document. Every change it carries is judged before
    /// it is applied, stored or relayed.
    pub fn receive(
        &mut self,
        peer: PeerId,
        id: DocId,
        bytes: &[u8],
        now: u64,
    ) -> Result<(), Refused> {
        let (automerge_bytes, signatures) = open_envelope(bytes)?;
        let mut message =
            Message::decode(automerge_bytes).map_err(|e| Refused::Malformed(e.to_string()))?;
        sane_have(&message)?;
        if message.changes.len() != signatures.len() {
            return Err(Refused::Malformed(
                "a message whose changes and signatures do not match".into(),
            ));
        }
        let coalesce = self.coalesce_ms;
        let connected = &self.connected;
        let Some(doc) = self.docs.get_mut(&id) else {
            return Err(Refused::NotShared);
        };
        if !doc.allowed.contains(&peer) || !connected.contains(&peer) {
            return Err(Refused::NotShared);
        }
        // Each chunk of a message from this engine is one change.
        let mut incoming = Vec::with_capacity(signatures.len());
        for (chunk, signature) in message.changes.iter().zip(signatures) {
            let change = Change::from_bytes(chunk.to_vec())
                .map_err(|e| Refused::Malformed(format!("a change that does not read ({e})")))?;
            incoming.push((change, signature));
        }
        message.changes = ChunkList::empty();
        let before = doc.doc.get_heads();
        let taken = doc.take(incoming, peer);
        if taken.broke {
            return Err(Refused::Broke);
        }
        let sync = doc
            .peers
            .entry(peer)
            .or_insert_with(|| PeerSync::new(State::new()));
        let after = doc.doc.get_heads();
        if after != before {
            sync.state.shared_heads = advance_heads(&before, &after, &sync.state.shared_heads);
        }
        let their_before = sync.state.their_heads.clone();
        // Automerge has panicked on malformed input in some versions: a panic ends this
        // message, and the caller rebuilds the document from its log.
        let received = std::panic::catch_unwind(AssertUnwindSafe(|| {
            doc.doc.receive_sync_message(&mut sync.state, message)
        }));
        sync.last_heard = Some(now);
        sync.due = Some(now);
        let refused = match received {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(Refused::Malformed(e.to_string())),
            Err(_) => return Err(Refused::Broke),
        };
        if sync.state.their_heads != their_before
            && let Some(heads) = sync.state.their_heads.clone()
        {
            self.out.push(Output::Heard {
                doc: id,
                peer,
                heads,
            });
        }
        for (from, author, reason) in taken.refused {
            self.out.push(Output::Refused {
                doc: id,
                from,
                author,
                reason,
            });
            // Strikes outlast the session (a reconnect does not wipe them) and fade.
            let strikes = self.strikes.entry(from).or_default();
            strikes.retain(|at| now.saturating_sub(*at) < STRIKES_FADE_MS);
            strikes.push(now);
            if strikes.len() >= STRIKES {
                self.out.push(Output::Offender(from));
            }
        }
        if !taken.applied.is_empty() {
            let void = doc.revalidate(&taken.applied);
            report_void(&mut self.out, id, &doc.doc, void);
            log_changes(&mut self.out, id, doc, &taken.applied);
            self.out.push(Output::Changed(id));
            let relay_at = now + coalesce;
            for (other, sync) in &mut doc.peers {
                if *other != peer && connected.contains(other) && doc.allowed.contains(other) {
                    sync.due = Some(sync.due.map_or(relay_at, |d| d.min(relay_at)));
                    sync.announce = true;
                }
            }
        }
        refused.map_or(Ok(()), Err)
    }

    /// Takes changes from a backup (`revans import`): each is judged as if a peer had
    /// sent it, in causal order. Returns how many were applied and why each refused one
    /// was refused; refused ones are also reported as [`Output::Refused`] from this device.
    pub fn adopt(
        &mut self,
        id: DocId,
        changes: Vec<(Change, Signature)>,
    ) -> Option<(usize, Vec<String>)> {
        let from = PeerId(self.me.to_bytes().unwrap_or([0; 32]));
        let connected = &self.connected;
        let doc = self.docs.get_mut(&id)?;
        let taken = doc.take(changes, from);
        let mut reasons = Vec::new();
        for (from, author, reason) in taken.refused {
            reasons.push(reason.clone());
            self.out.push(Output::Refused {
                doc: id,
                from,
                author,
                reason,
            });
        }
        if !taken.applied.is_empty() {
            let void = doc.revalidate(&taken.applied);
            report_void(&mut self.out, id, &doc.doc, void);
            log_changes(&mut self.out, id, doc, &taken.applied);
            self.out.push(Output::Changed(id));
            for (peer, sync) in &mut doc.peers {
                if connected.contains(peer) && doc.allowed.contains(peer) {
                    sync.due = Some(0);
                    sync.announce = false;
                }
            }
        }
        // What could not be judged (its history is missing from the backup) waits no more.
        let before = doc.waiting.len();
        doc.waiting.retain(|_, (_, _, sender)| *sender != from);
        let waiting = before - doc.waiting.len();
        if waiting > 0 {
            reasons.push(format!(
                "{waiting} changes whose history the backup does not hold"
            ));
        }
        Some((taken.applied.len(), reasons))
    }

    /// Edits a document here: `edit` changes it (through the model's commands), and the
    /// changes it made are signed, logged and due to every connected peer at once.
    /// `None` if the document is not held; `Some(Err(reason))` if the rules every other
    /// device applies would refuse what the edit wrote: then nothing is logged or sent,
    /// and the caller rebuilds the document from its log.
    pub fn edit<R>(
        &mut self,
        id: DocId,
        now: u64,
        edit: impl FnOnce(&mut Automerge) -> R,
    ) -> Option<Result<R, String>> {
        let connected = &self.connected;
        let doc = self.docs.get_mut(&id)?;
        // An edit builds on what the set shows: with a change void, on the valid heads.
        let forked = !doc.validity.void.is_empty();
        let (result, changes) = if forked {
            let shown = doc.validity.heads.clone();
            let Ok(mut fork) = doc.doc.fork_at(&shown) else {
                return Some(Err("the set as shown could not be read".into()));
            };
            // A change of this device's own that no longer stands is not in the fork: the
            // device writes on as its next generation, as Automerge numbers an actor's
            // changes in one line.
            let own_void = doc
                .doc
                .get_last_local_change()
                .is_some_and(|last| doc.validity.void.contains_key(&last.hash()));
            if own_void {
                let generation = DeviceId::of_actor(doc.doc.get_actor()).map_or(0, |(_, g)| g);
                if generation >= DeviceId::MAX_GENERATION {
                    return Some(Err("this device has written in every generation a device \
                         may: link another device to go on"
                        .into()));
                }
                doc.doc.set_actor(self.me.actor_in(generation + 1));
            }
            fork.set_actor(doc.doc.get_actor().clone());
            let result = edit(&mut fork);
            (result, fork.get_changes(&shown))
        } else {
            let before = doc.doc.get_heads();
            let result = edit(&mut doc.doc);
            (result, doc.doc.get_changes(&before))
        };
        if !changes.is_empty() {
            let mut touched = Touched::default();
            for change in &changes {
                if change.actor_id() != doc.doc.get_actor() {
                    return Some(Err("an edit that wrote as another device".into()));
                }
                let judged = match &doc.judge {
                    Judge::Set(set) => {
                        revans_model::check_change_with(&doc.doc, set, change, &mut doc.paths)
                            .map_err(|refusal| refusal.reason)
                    }
                    Judge::Journal(journal) => {
                        revans_model::check_journal_change(&doc.doc, journal, change)
                            .map(|()| Touched::everything())
                    }
                };
                match judged {
                    Ok(one) => touched.add(one),
                    Err(reason) => return Some(Err(reason)),
                }
            }
            if forked {
                if let Err(e) = doc.doc.apply_changes(changes.iter().cloned()) {
                    return Some(Err(format!("an edit that does not apply ({e})")));
                }
                // Set again so Automerge finds this device's changes as its own (it knew
                // the actor only as unused when set before its first change).
                let actor = doc.doc.get_actor().clone();
                doc.doc.set_actor(actor);
            }
            for change in &changes {
                doc.signatures
                    .insert(change.hash(), sign(&self.key, change));
                doc.seqs.insert(change.actor_id().clone(), change.seq());
            }
            doc.touched.add(touched);
            let void = doc.revalidate(&changes);
            report_void(&mut self.out, id, &doc.doc, void);
            log_changes(&mut self.out, id, doc, &changes);
            self.out.push(Output::Changed(id));
            for (peer, sync) in &mut doc.peers {
                if connected.contains(peer) && doc.allowed.contains(peer) {
                    sync.due = Some(now);
                    sync.announce = false;
                }
            }
        }
        Some(Ok(result))
    }

    /// Generates the messages that are due by `now`.
    pub fn poll(&mut self, now: u64) {
        for (id, doc) in &mut self.docs {
            let DocSync {
                doc: document,
                signatures,
                waiting,
                refused,
                allowed,
                peers,
                ..
            } = doc;
            for (peer, sync) in peers.iter_mut() {
                if sync.due.is_none_or(|due| due > now) {
                    continue;
                }
                sync.due = None;
                if !self.connected.contains(peer) || !allowed.contains(peer) {
                    continue;
                }
                let ours = document.get_heads();
                // A reply is built from what the peer said; a panic in Automerge on it
                // ends this peer's session, not the engine.
                let announce = std::mem::take(&mut sync.announce);
                let unsent = announce.then(|| sync.state.sent_hashes.clone());
                // One change per chunk, each with its signature: no whole-document bundles,
                // which could not carry them.
                sync.state.their_capabilities = None;
                let generated = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    let mut message = document.generate_sync_message(&mut sync.state);
                    if let Some(unsent) = unsent
                        && let Some(pushed) = message.as_mut()
                        && !pushed.changes.is_empty()
                    {
                        // Heads only: the changes stay unsent, for the peer to ask for.
                        pushed.changes = automerge::sync::ChunkList::empty();
                        sync.state.sent_hashes = unsent;
                    }
                    if message.is_none()
                        && sync.told != ours
                        && sync.state.their_heads.as_ref() == Some(&ours)
                    {
                        sync.state.have_responded = false;
                        message = document.generate_sync_message(&mut sync.state);
                    }
                    message
                }));
                let Ok(message) = generated else {
                    sync.state = State::new();
                    self.out.push(Output::Unwell(*peer));
                    continue;
                };
                if let Some(mut message) = message {
                    sync.told = ours;
                    // Automerge asks for what it lacks of the peer's heads, but changes
                    // waiting here for their dependencies are not in its queue: ask for
                    // those dependencies instead, and never for a refused change.
                    if !waiting.is_empty() || !refused.is_empty() {
                        message.need = missing(
                            document,
                            waiting,
                            refused,
                            sync.state.their_heads.as_deref(),
                        );
                    }
                    let mut chunks = Vec::with_capacity(message.changes.len());
                    let mut signed = Vec::with_capacity(message.changes.len());
                    for chunk in message.changes.iter() {
                        let signature = Change::from_bytes(chunk.to_vec())
                            .ok()
                            .and_then(|c| signatures.get(&c.hash()));
                        // A change without a signature (none should be) is not sent: no
                        // device would take it.
                        if let Some(signature) = signature {
                            chunks.push(chunk.to_vec());
                            signed.push(*signature);
                        }
                    }
                    message.changes = ChunkList::from(chunks);
                    self.out.push(Output::Send {
                        peer: *peer,
                        doc: *id,
                        message: envelope(&message.encode(), &signed),
                    });
                }
            }
        }
    }

    /// When [`Engine::poll`] next has something to do.
    #[must_use]
    pub fn next_deadline(&self) -> Option<u64> {
        self.docs
            .values()
            .flat_map(|d| d.peers.values().filter_map(|s| s.due))
            .min()
    }

    /// Takes the outputs so far.
    pub fn drain(&mut self) -> Vec<Output> {
        std::mem::take(&mut self.out)
    }

    /// Each allowed peer's status for a document.
    #[must_use]
    pub fn status(&self, id: &DocId) -> BTreeMap<PeerId, PeerStatus> {
        let Some(doc) = self.docs.get(id) else {
            return BTreeMap::new();
        };
        let mut ours = doc.doc.get_heads();
        ours.sort();
        doc.allowed
            .iter()
            .map(|peer| {
                let sync = doc.peers.get(peer);
                // It holds our heads if a round showed them shared, or if it last told us
                // heads that include them (a head stands for all its history).
                let holds_ours = sync.is_some_and(|s| {
                    ours.iter().all(|h| {
                        s.state.shared_heads.contains(h)
                            || s.state.their_heads.as_ref().is_some_and(|t| t.contains(h))
                    })
                });
                let same_heads = sync.is_some_and(|s| {
                    s.state.their_heads.as_ref().is_some_and(|theirs| {
                        let mut theirs = theirs.clone();
                        theirs.sort();
                        theirs == ours
                    })
                });
                (
                    *peer,
                    PeerStatus {
                        connected: self.connected.contains(peer),
                        holds_ours,
                        same_heads: holds_ours && same_heads,
                        last_heard: sync.and_then(|s| s.last_heard),
                    },
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
