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
//!
//! Here: the engine and its outputs. In `doc`: one document as the engine holds it (what
//! arrives is judged, applied and logged there, and which changes stand kept current). In
//! `wire`: what travels (signed changes in envelopes) and the checks a message passes.
//! Over 600 lines because the engine's one loop (receive, edit, poll, and the outputs
//! they make) reads best in one place.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::panic::AssertUnwindSafe;

use automerge::sync::{ChunkList, Message, State, SyncDoc};
use automerge::{Automerge, Change, ChangeHash};
use iroh::SecretKey;
use revans_model::authority::Validity;
use revans_model::{DeviceId, SetId, Touched};

use crate::ids::{DocId, PeerId};
use crate::log::Record;
use crate::signed::{Signature, Signatures, sign};

mod doc;
mod wire;
use doc::{DocSync, PeerSync, log_changes, missing, report_void};
use wire::sane_have;
pub use wire::{Refused, envelope, open_envelope};

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
                memo: revans_model::Memo::default(),
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
                        revans_model::check_change_with(&doc.doc, set, change, &mut doc.memo)
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
