//! The runtime around the sans-IO [`Engine`](crate::engine::Engine): one thread of its
//! own owns the engine and every document's log, and runs the loop the engine asks for:
//! take every request waiting (a peer's message, a local edit, a link up or down), commit
//! what they appended (one `fdatasync` per document touched: the group commit), work out
//! who may have what, send what is due, then publish what the screens read and answer
//! the edits. Reads never touch a document: they take the last published [`DocView`].
//!
//! The network side ([`links`]) moves frames between iroh connections and this thread.

pub mod links;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use automerge::{Automerge, ChangeHash, ReadDoc};
use chrono::{DateTime, Utc};
use iroh::SecretKey;
use revans_model::{
    ActionLearningSet, Conflict, DeviceId, Journal, LoadError, Member, MemberId, Touched,
};
use tokio::sync::{broadcast, oneshot, watch};

use crate::access::Access;
use crate::data_dir::DataDir;
use crate::engine::{Engine, Judge, Output, PeerStatus, Refused};
use crate::ids::{DocId, PeerId};
use crate::log::file::{LogFile, StorageProblem};
use crate::node::error::NodeError;
use crate::node::event::{Event, RefusedChange};
use crate::protocol::{Frame, close};
use crate::signed::{Signature, Signatures};

/// How long a change relayed from one peer waits before going on to the others.
const COALESCE_MS: u64 = 5;
/// A change from a peer is read into the model (for the screens) at once, unless the
/// document was read less than this long ago: then it is in a burst of messages (a
/// catch-up), and is read once they pause for this long ...
const HYDRATE_WHEN_IDLE: Duration = Duration::from_millis(15);
/// ... or when the screens' copy is this old, if the burst goes on.
const HYDRATE_AT_MOST_EVERY: Duration = Duration::from_millis(200);

/// What a document is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocKind {
    /// An Action Learning Set, shared with its members' devices.
    Set,
    /// This member's private journal, shared with their own devices only.
    Journal,
}

/// A document as the screens read it, published after every change.
#[derive(Clone, Debug)]
pub struct DocView {
    /// Set or journal.
    pub kind: DocKind,
    /// The heads of the content below (a burst of changes from peers shows once it
    /// pauses: see `HYDRATE_WHEN_IDLE`).
    pub heads: Vec<ChangeHash>,
    /// The set, hydrated (sets only).
    pub set: Option<Result<Arc<ActionLearningSet>, LoadError>>,
    /// The journal, hydrated (journals only).
    pub journal: Option<Arc<Result<Journal, LoadError>>>,
    /// The set's values that hold more than one version (sets only), read with its
    /// content.
    pub conflicts: Arc<Vec<Conflict>>,
    /// Each allowed peer's sync status.
    pub peers: BTreeMap<PeerId, PeerView>,
    /// The changes refused here lately, newest last.
    pub refused: Vec<RefusedChange>,
}

/// How many refused changes a set's view keeps.
const REFUSALS_KEPT: usize = 20;

/// A peer's sync status as the screens show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerView {
    /// The engine's status.
    pub status: PeerStatus,
    /// When we last heard from it about this document.
    pub last_heard: Option<DateTime<Utc>>,
}

/// What the runtime shares with the node's readers.
#[derive(Debug)]
pub struct Shared {
    views: RwLock<BTreeMap<DocId, Arc<DocView>>>,
    /// Bumped after every publication, so a waiter can re-read.
    pub version: watch::Sender<u64>,
    /// The node's events.
    pub events: broadcast::Sender<Event>,
}

impl Shared {
    /// A new, empty store.
    #[must_use]
    pub fn new(events: broadcast::Sender<Event>) -> Self {
        Self {
            views: RwLock::new(BTreeMap::new()),
            version: watch::channel(0).0,
            events,
        }
    }

    /// A document's last published view.
    #[must_use]
    pub fn view(&self, id: &DocId) -> Option<Arc<DocView>> {
        self.views
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(id)
            .cloned()
    }

    /// Every document's view.
    #[must_use]
    pub fn views(&self) -> Vec<(DocId, Arc<DocView>)> {
        self.views
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .map(|(id, v)| (*id, v.clone()))
            .collect()
    }

    fn publish(&self, id: DocId, view: DocView) {
        self.views
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(id, Arc::new(view));
    }
}

/// An edit to run on the engine's thread.
pub type EditFn = Box<dyn FnOnce(&mut Automerge) -> Result<(), NodeError> + Send>;

/// What goes to a connection's writer.
#[derive(Debug)]
pub enum Outgoing {
    /// An encoded frame.
    Frame(Vec<u8>),
    /// Close the connection, with a code and a reason.
    Close(iroh::endpoint::VarInt, String),
}

/// A request to the engine's thread.
// Requests are few and short-lived; boxing the larger ones would only add allocations.
#[allow(clippy::large_enum_variant)]
pub enum Request {
    /// Hold a document: open its files (creating them if new), merging `initial` into it.
    Open {
        /// The document.
        id: DocId,
        /// What it is.
        kind: DocKind,
        /// A document to merge in (a new set, an import).
        initial: Option<Automerge>,
        /// Peers to sync it with until it names its members (a joiner's ticket, or the
        /// members last known, for a set whose files are damaged).
        hints: BTreeSet<PeerId>,
        /// Answered once on disk.
        reply: oneshot::Sender<Result<(), NodeError>>,
    },
    /// Edit a document; answered once the change is on disk.
    Edit {
        /// The document.
        id: DocId,
        /// The edit.
        edit: EditFn,
        /// The answer.
        reply: oneshot::Sender<Result<(), NodeError>>,
    },
    /// Take changes from a backup, each judged as if a peer had sent it.
    Adopt {
        /// The document (held already).
        id: DocId,
        /// The changes, with their signatures.
        changes: Vec<(automerge::Change, Signature)>,
        /// How many were taken, and why any were refused; answered once on disk.
        reply: oneshot::Sender<Result<(usize, Vec<String>), NodeError>>,
    },
    /// A document's bytes.
    Save {
        /// The document.
        id: DocId,
        /// With every change's signature (a backup `revans import` checks), or as plain
        /// Automerge bytes any Automerge implementation loads.
        signed: bool,
        /// The answer.
        reply: oneshot::Sender<Result<Vec<u8>, NodeError>>,
    },
    /// A connection to a peer is up.
    Linked {
        /// The peer.
        peer: PeerId,
        /// This connection's serial.
        link: u64,
        /// Its writer.
        out: tokio::sync::mpsc::UnboundedSender<Outgoing>,
    },
    /// A connection to a peer is gone.
    Unlinked {
        /// The peer.
        peer: PeerId,
        /// Which connection.
        link: u64,
    },
    /// A sync message arrived.
    Received {
        /// From whom.
        peer: PeerId,
        /// On which connection.
        link: u64,
        /// About which document.
        doc: DocId,
        /// The message.
        message: Vec<u8>,
    },
    /// Read what peers changed into the model now, rather than once their messages
    /// pause: a command is about to read it. Answered once published.
    Settle(oneshot::Sender<()>),
    /// Save every peer's state and stop.
    Shutdown(oneshot::Sender<()>),
}

/// The node's way to the engine's thread.
#[derive(Clone, Debug)]
pub struct EngineHandle {
    tx: Sender<Request>,
    /// What the thread publishes.
    pub shared: Arc<Shared>,
}

impl EngineHandle {
    /// Starts the engine's thread.
    pub fn spawn(
        key: SecretKey,
        data: Arc<DataDir>,
        journal: Option<DocId>,
        access: watch::Sender<Access>,
        shared: Arc<Shared>,
    ) -> Result<Self, NodeError> {
        let (tx, rx) = std::sync::mpsc::channel();
        let worker = Worker::new(key, data, journal, access, shared.clone());
        std::thread::Builder::new()
            .name("revans-engine".into())
            .spawn(move || worker.run(&rx))
            .map_err(|e| NodeError::Network(format!("could not start the sync engine: {e}")))?;
        Ok(Self { tx, shared })
    }

    /// Sends a request; false once the thread has stopped.
    #[must_use = "a false answer means the engine has stopped"]
    pub fn send(&self, request: Request) -> bool {
        self.tx.send(request).is_ok()
    }

    /// Opens (or creates) a document and waits until it is held.
    pub async fn open(
        &self,
        id: DocId,
        kind: DocKind,
        initial: Option<Automerge>,
        hints: BTreeSet<PeerId>,
    ) -> Result<(), NodeError> {
        let (reply, answer) = oneshot::channel();
        if !self.send(Request::Open {
            id,
            kind,
            initial,
            hints,
            reply,
        }) {
            return Err(NodeError::Stopped);
        }
        answer.await.map_err(|_| NodeError::Stopped)?
    }

    /// Runs `edit` on a document and returns its result once the change is on disk.
    pub async fn edit<R: Send + 'static>(
        &self,
        id: DocId,
        edit: impl FnOnce(&mut Automerge) -> Result<R, NodeError> + Send + 'static,
    ) -> Result<R, NodeError> {
        let slot = Arc::new(Mutex::new(None));
        let filled = slot.clone();
        let edit: EditFn = Box::new(move |doc| {
            let result = edit(doc)?;
            *filled
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(result);
            Ok(())
        });
        let (reply, answer) = oneshot::channel();
        if !self.send(Request::Edit { id, edit, reply }) {
            return Err(NodeError::Stopped);
        }
        answer.await.map_err(|_| NodeError::Stopped)??;
        let result = slot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        result.ok_or(NodeError::Stopped)
    }

    /// A document's bytes, as `Automerge::save` writes them.
    pub async fn save(&self, id: DocId, signed: bool) -> Result<Vec<u8>, NodeError> {
        let (reply, answer) = oneshot::channel();
        if !self.send(Request::Save { id, signed, reply }) {
            return Err(NodeError::Stopped);
        }
        answer.await.map_err(|_| NodeError::Stopped)?
    }

    /// Takes a backup's changes into a held document, judging each.
    pub async fn adopt(
        &self,
        id: DocId,
        changes: Vec<(automerge::Change, Signature)>,
    ) -> Result<(usize, Vec<String>), NodeError> {
        let (reply, answer) = oneshot::channel();
        if !self.send(Request::Adopt { id, changes, reply }) {
            return Err(NodeError::Stopped);
        }
        answer.await.map_err(|_| NodeError::Stopped)?
    }

    /// Waits until every document's published model holds what this device holds: what
    /// peers sent is otherwise read into the model once their messages pause.
    pub async fn settle(&self) -> Result<(), NodeError> {
        let (reply, answer) = oneshot::channel();
        if !self.send(Request::Settle(reply)) {
            return Err(NodeError::Stopped);
        }
        answer.await.map_err(|_| NodeError::Stopped)
    }

    /// Saves every peer's state and stops the thread.
    pub async fn shutdown(&self) {
        let (reply, answer) = oneshot::channel();
        if self.send(Request::Shutdown(reply)) {
            let _ = answer.await;
        }
    }
}

struct Link {
    id: u64,
    out: tokio::sync::mpsc::UnboundedSender<Outgoing>,
}

struct Worker {
    engine: Engine,
    me: PeerId,
    data: Arc<DataDir>,
    journal: Option<DocId>,
    logs: BTreeMap<DocId, LogFile>,
    kinds: BTreeMap<DocId, DocKind>,
    hints: BTreeMap<DocId, BTreeSet<PeerId>>,
    /// Each set's members as last read (`None`: the set does not read).
    members: BTreeMap<DocId, Option<BTreeMap<MemberId, Member>>>,
    /// Each set's members' devices as the settings remember them.
    remembered: BTreeMap<DocId, BTreeSet<PeerId>>,
    links: BTreeMap<PeerId, Link>,
    access: watch::Sender<Access>,
    shared: Arc<Shared>,
    /// Documents whose published heads are newer than their published model.
    stale: BTreeSet<DocId>,
    stale_since: Option<Instant>,
    /// When each document was last read into the model.
    hydrated_at: BTreeMap<DocId, Instant>,
    /// Changes refused lately, per document.
    refused: BTreeMap<DocId, Vec<RefusedChange>>,
    started: Instant,
    started_at: DateTime<Utc>,
}

/// How a document's changes are judged.
fn judge(id: DocId, kind: DocKind) -> Judge {
    match kind {
        DocKind::Set => Judge::Set(id.set_id()),
        DocKind::Journal => Judge::Journal(id.to_string()),
    }
}

/// A set's members alone, read without hydrating the rest of the set.
fn members_of(doc: &Automerge) -> Option<BTreeMap<MemberId, Member>> {
    ActionLearningSet::members_from_doc(doc).ok()
}

impl Worker {
    fn new(
        key: SecretKey,
        data: Arc<DataDir>,
        journal: Option<DocId>,
        access: watch::Sender<Access>,
        shared: Arc<Shared>,
    ) -> Self {
        let remembered = data
            .settings()
            .map(|s| s.known_peers)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(id, peers)| {
                let peers = peers
                    .iter()
                    .filter_map(|p| revans_model::DeviceId::parse(p).ok())
                    .filter_map(|d| PeerId::of_device(&d))
                    .collect();
                Some((id.parse().ok()?, peers))
            })
            .collect();
        let me = PeerId(*key.public().as_bytes());
        Self {
            engine: Engine::new(COALESCE_MS, key),
            me,
            data,
            remembered,
            journal,
            logs: BTreeMap::new(),
            kinds: BTreeMap::new(),
            hints: BTreeMap::new(),
            members: BTreeMap::new(),
            links: BTreeMap::new(),
            access,
            shared,
            stale: BTreeSet::new(),
            stale_since: None,
            hydrated_at: BTreeMap::new(),
            refused: BTreeMap::new(),
            started: Instant::now(),
            started_at: Utc::now(),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn time_of(&self, ms: u64) -> DateTime<Utc> {
        self.started_at + chrono::Duration::milliseconds(i64::try_from(ms).unwrap_or(i64::MAX))
    }

    fn run(mut self, requests: &Receiver<Request>) {
        loop {
            let due = self
                .engine
                .next_deadline()
                .map(|due| Duration::from_millis(due.saturating_sub(self.now())));
            let idle = (!self.stale.is_empty()).then_some(HYDRATE_WHEN_IDLE);
            let first = match due.into_iter().chain(idle).min() {
                Some(wait) => match requests.recv_timeout(wait) {
                    Ok(request) => Some(request),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => break,
                },
                None => match requests.recv() {
                    Ok(request) => Some(request),
                    Err(_) => break,
                },
            };
            if first.is_none() {
                self.hydrate_stale();
            }
            // Everything waiting goes into one round: one commit, one message per peer.
            let batch: Vec<Request> = first.into_iter().chain(requests.try_iter()).collect();
            if self.round(batch) {
                break;
            }
        }
        tracing::debug!("sync engine stopped");
    }

    /// One round of the loop. Returns true when asked to stop.
    #[allow(clippy::too_many_lines)] // the loop's steps, in the order they must happen
    fn round(&mut self, batch: Vec<Request>) -> bool {
        let now = self.now();
        let mut acks: Vec<(DocId, oneshot::Sender<Result<(), NodeError>>)> = Vec::new();
        let mut touched: BTreeSet<DocId> = BTreeSet::new();
        // Documents a peer's message broke: rebuilt from disk after this round's commit.
        let mut broken: BTreeSet<DocId> = BTreeSet::new();
        // Documents a local edit wrote something the rules refuse into: rebuilt from disk.
        let mut unsound: BTreeSet<DocId> = BTreeSet::new();
        // Backups taken in, answered after the commit.
        #[allow(clippy::type_complexity)]
        let mut adopted: Vec<(
            DocId,
            (usize, Vec<String>),
            oneshot::Sender<Result<(usize, Vec<String>), NodeError>>,
        )> = Vec::new();
        let mut stop = None;
        let mut settle = Vec::new();
        for request in batch {
            match request {
                Request::Received {
                    peer,
                    link,
                    doc,
                    message,
                } => {
                    if self.links.get(&peer).map(|l| l.id) != Some(link) || broken.contains(&doc) {
                        continue;
                    }
                    touched.insert(doc);
                    match self.engine.receive(peer, doc, &message, now) {
                        Ok(()) | Err(Refused::NotShared) => {}
                        Err(refused) => {
                            if refused == Refused::Broke {
                                broken.insert(doc);
                            }
                            self.drop_link(peer, &refused.to_string());
                        }
                    }
                }
                Request::Linked { peer, link, out } => {
                    self.links.insert(peer, Link { id: link, out });
                    self.engine.connect(peer, now);
                    touched.extend(self.engine.docs().copied());
                }
                Request::Unlinked { peer, link } => {
                    if self.links.get(&peer).map(|l| l.id) == Some(link) {
                        self.links.remove(&peer);
                        self.engine.disconnect(peer);
                        touched.extend(self.engine.docs().copied());
                    }
                }
                Request::Edit { id, edit, reply } => match self.engine.edit(id, now, edit) {
                    None => {
                        let _ = reply.send(Err(NodeError::UnknownSet(id.to_string())));
                    }
                    Some(Ok(Err(e))) => {
                        let _ = reply.send(Err(e));
                    }
                    Some(Ok(Ok(()))) => acks.push((id, reply)),
                    Some(Err(reason)) => {
                        tracing::error!(%reason, "a local edit broke the rules; undone");
                        unsound.insert(id);
                        let _ = reply.send(Err(NodeError::Unsound(reason)));
                    }
                },
                Request::Open {
                    id,
                    kind,
                    initial,
                    hints,
                    reply,
                } => match self.open(id, kind, hints, now) {
                    Ok(()) => {
                        touched.insert(id);
                        match initial {
                            Some(mut initial) => {
                                let merged = self.engine.edit(id, now, |doc| {
                                    doc.merge(&mut initial).map(|_| ()).map_err(|e| {
                                        NodeError::Load(LoadError::Damaged(e.to_string()))
                                    })
                                });
                                match merged {
                                    Some(Ok(Ok(()))) => acks.push((id, reply)),
                                    Some(Ok(Err(e))) => {
                                        let _ = reply.send(Err(e));
                                    }
                                    Some(Err(reason)) => {
                                        unsound.insert(id);
                                        let _ = reply.send(Err(NodeError::Unsound(reason)));
                                    }
                                    None => {
                                        let _ =
                                            reply.send(Err(NodeError::UnknownSet(id.to_string())));
                                    }
                                }
                            }
                            None => acks.push((id, reply)),
                        }
                    }
                    Err(e) => {
                        let _ = reply.send(Err(e));
                    }
                },
                Request::Adopt { id, changes, reply } => {
                    touched.insert(id);
                    match self.engine.adopt(id, changes) {
                        Some(taken) => adopted.push((id, taken, reply)),
                        None => {
                            let _ = reply.send(Err(NodeError::UnknownSet(id.to_string())));
                        }
                    }
                }
                Request::Save { id, signed, reply } => {
                    let saved = match (self.engine.doc(&id), self.engine.signatures(&id)) {
                        (Some(doc), Some(signatures)) if signed => {
                            Ok(crate::log::encode_snapshot(&doc.save(), signatures))
                        }
                        (Some(doc), _) => Ok(doc.save()),
                        _ => Err(NodeError::UnknownSet(id.to_string())),
                    };
                    let _ = reply.send(saved);
                }
                Request::Settle(reply) => settle.push(reply),
                Request::Shutdown(reply) => {
                    self.engine.save_states();
                    stop = Some(reply);
                }
            }
        }

        // Commit: every document's appended records in one write and one fdatasync.
        let mut changed: BTreeSet<DocId> = BTreeSet::new();
        let mut heard = Vec::new();
        let mut offenders = BTreeSet::new();
        for output in self.engine.drain() {
            match output {
                Output::Append { doc, record } => {
                    if let Some(log) = self.logs.get_mut(&doc) {
                        log.append(&record);
                    }
                }
                Output::Changed(doc) => {
                    changed.insert(doc);
                }
                Output::Heard { doc, peer, heads } => heard.push((doc, peer, heads)),
                Output::Refused {
                    doc,
                    from,
                    author,
                    reason,
                } => self.report_refusal(doc, (from, author), reason, false, now),
                Output::Void {
                    doc,
                    author,
                    reason,
                } => self.report_refusal(doc, (author, Some(author)), reason, true, now),
                Output::Offender(peer) => {
                    offenders.insert(peer);
                }
                Output::Send { .. } | Output::Unwell(_) => {}
            }
        }
        for peer in offenders {
            self.drop_link(peer, "changes the set's rules refuse, again and again");
        }
        let mut failed = BTreeSet::new();
        // A document with a local edit in this round is synced before the edit is
        // answered; at shutdown, every document is.
        let sync_all = stop.is_some();
        for (id, log) in &mut self.logs {
            if !log.has_pending() {
                continue;
            }
            let sync = sync_all
                || acks.iter().any(|(doc, _)| doc == id)
                || adopted.iter().any(|(doc, _, _)| doc == id);
            if let Err(e) = log.commit(sync) {
                let problem = StorageProblem::Write {
                    path: log.dir().join("log"),
                    reason: e.to_string(),
                };
                tracing::error!(%problem, "storage");
                let _ = self.shared.events.send(Event::Storage(problem));
                failed.insert(*id);
            }
        }
        // A batch that did not reach the disk is undone: neither acknowledged nor sent.
        // Peers that sent changes in it believe this device holds them, so their sessions
        // start again (a new session resends what is missing).
        if !failed.is_empty() {
            let peers: Vec<PeerId> = self.links.keys().copied().collect();
            for peer in peers {
                self.close_link(
                    peer,
                    close::SHUTDOWN,
                    "this device could not save; reconnecting",
                );
            }
        }
        for id in failed.iter().chain(&broken).chain(&unsound) {
            self.reload(*id, now);
            changed.insert(*id);
        }
        let _ = self.engine.drain();
        touched.extend(changed.iter().copied());

        // Who may have what, before anything goes out.
        self.refresh_access(&changed, now);
        // Send what is due.
        self.engine.poll(now);
        self.send_outputs();

        // Publish what the screens read, then answer the edits. A document edited here
        // is read into the model now (a command's caller reads its own write); one changed
        // by peers gets its new heads now and its model once their messages pause.
        let answered: BTreeSet<DocId> = acks
            .iter()
            .map(|(id, _)| *id)
            .chain(adopted.iter().map(|(id, _, _)| *id))
            .collect();
        let mut fresh = BTreeSet::new();
        for id in &touched {
            let content = changed.contains(id);
            let quiet = self
                .hydrated_at
                .get(id)
                .is_none_or(|at| at.elapsed() >= HYDRATE_WHEN_IDLE);
            let hydrate = content
                && (answered.contains(id) || stop.is_some() || (quiet && !self.stale.contains(id)));
            if hydrate {
                self.stale.remove(id);
                fresh.insert(*id);
            } else if content {
                self.stale.insert(*id);
                self.stale_since.get_or_insert_with(Instant::now);
            }
            self.publish(*id, hydrate);
        }
        for (doc, peer, heads) in heard {
            if self.kinds.get(&doc) == Some(&DocKind::Set) {
                let _ = self.shared.events.send(Event::PeerAcknowledged {
                    set: doc.set_id(),
                    device: peer.device(),
                    heads: heads.iter().map(ToString::to_string).collect(),
                    at: self.time_of(now),
                });
            }
        }
        self.shared.version.send_modify(|v| *v += 1);
        for id in &fresh {
            if self.kinds.get(id) == Some(&DocKind::Set) {
                let _ = self.shared.events.send(Event::SetChanged(id.set_id()));
            }
        }
        if !settle.is_empty()
            || self
                .stale_since
                .is_some_and(|since| since.elapsed() >= HYDRATE_AT_MOST_EVERY)
        {
            self.hydrate_stale();
        }
        for reply in settle {
            let _ = reply.send(());
        }
        let unwritten = |id: &DocId, what: &str| {
            NodeError::Storage(StorageProblem::Write {
                path: self
                    .logs
                    .get(id)
                    .map(|l| l.dir().to_owned())
                    .unwrap_or_default(),
                reason: format!("{what} could not be written"),
            })
        };
        for (id, taken, reply) in adopted {
            let answer = if failed.contains(&id) {
                Err(unwritten(&id, "the backup's changes"))
            } else {
                Ok(taken)
            };
            let _ = reply.send(answer);
        }
        for (id, reply) in acks {
            let answer = if failed.contains(&id) {
                Err(unwritten(&id, "the change"))
            } else {
                Ok(())
            };
            let _ = reply.send(answer);
        }

        // Fold a log that outgrew its snapshot.
        for id in &changed {
            let due = self.logs.get(id).is_some_and(LogFile::should_compact);
            if !due {
                continue;
            }
            let states = self.engine.encoded_states(id);
            if let (Some(log), Some(doc), Some(signatures)) = (
                self.logs.get_mut(id),
                self.engine.doc(id),
                self.engine.signatures(id),
            ) && let Err(e) = log.compact(doc, signatures, &states)
            {
                let _ = self
                    .shared
                    .events
                    .send(Event::Storage(StorageProblem::Write {
                        path: log.dir().join("snapshot"),
                        reason: e.to_string(),
                    }));
            }
        }
        if let Some(reply) = stop {
            for (_, link) in std::mem::take(&mut self.links) {
                let _ = link
                    .out
                    .send(Outgoing::Close(close::SHUTDOWN, "shutting down".into()));
            }
            let _ = reply.send(());
            return true;
        }
        false
    }

    /// Reads the documents peers changed into the model, for the screens.
    fn hydrate_stale(&mut self) {
        self.stale_since = None;
        let stale = std::mem::take(&mut self.stale);
        if stale.is_empty() {
            return;
        }
        for id in &stale {
            self.publish(*id, true);
        }
        self.shared.version.send_modify(|v| *v += 1);
        for id in &stale {
            if self.kinds.get(id) == Some(&DocKind::Set) {
                let _ = self.shared.events.send(Event::SetChanged(id.set_id()));
            }
        }
    }

    /// Opens or creates a document's files and holds it.
    fn open(
        &mut self,
        id: DocId,
        kind: DocKind,
        hints: BTreeSet<PeerId>,
        now: u64,
    ) -> Result<(), NodeError> {
        if self.logs.contains_key(&id) {
            return Ok(());
        }
        let dir = self.data.docs().join(id.to_string());
        let exists = dir.join("log").exists() || dir.join("snapshot").exists();
        let (log, doc, signatures, peers) = if exists {
            let (log, restored) = LogFile::open(&dir).map_err(|e| {
                NodeError::Storage(StorageProblem::Read {
                    path: dir.clone(),
                    reason: e.to_string(),
                })
            })?;
            for reason in &restored.problems {
                let problem = StorageProblem::Damaged {
                    path: dir.clone(),
                    reason: reason.clone(),
                };
                tracing::warn!(%problem, "storage");
                let _ = self.shared.events.send(Event::Storage(problem));
            }
            (log, restored.doc, restored.signatures, restored.peers)
        } else {
            let log = LogFile::create(&dir).map_err(|e| {
                NodeError::Storage(StorageProblem::Write {
                    path: dir.clone(),
                    reason: e.to_string(),
                })
            })?;
            (log, Automerge::new(), Signatures::new(), BTreeMap::new())
        };
        self.logs.insert(id, log);
        self.kinds.insert(id, kind);
        self.hints.insert(id, hints);
        if kind == DocKind::Journal {
            self.journal = Some(id);
        }
        self.engine
            .insert(id, doc, signatures, judge(id, kind), &peers, now);
        Ok(())
    }

    /// Rebuilds a document from what is on disk (after a failed commit, or a message
    /// that broke Automerge).
    fn reload(&mut self, id: DocId, now: u64) {
        let Some(log) = self.logs.get(&id) else {
            return;
        };
        match log.reread() {
            Ok(restored) => {
                let kind = self.kinds.get(&id).copied().unwrap_or(DocKind::Set);
                self.engine.insert(
                    id,
                    restored.doc,
                    restored.signatures,
                    judge(id, kind),
                    &restored.peers,
                    now,
                );
            }
            Err(e) => {
                let _ = self
                    .shared
                    .events
                    .send(Event::Storage(StorageProblem::Read {
                        path: log.dir().to_owned(),
                        reason: e.to_string(),
                    }));
            }
        }
    }

    fn drop_link(&mut self, peer: PeerId, reason: &str) {
        tracing::warn!(peer = %peer.short(), %reason, "closing the connection");
        let _ = self.shared.events.send(Event::Network(format!(
            "device {} sent {reason}; disconnected it",
            peer.device().short()
        )));
        self.close_link(peer, close::MALFORMED, reason);
    }

    fn close_link(&mut self, peer: PeerId, code: iroh::endpoint::VarInt, reason: &str) {
        if let Some(link) = self.links.remove(&peer) {
            let _ = link.out.send(Outgoing::Close(code, reason.to_owned()));
        }
        self.engine.disconnect(peer);
    }

    fn send_outputs(&mut self) {
        for output in self.engine.drain() {
            match output {
                Output::Send { peer, doc, message } => {
                    if let Some(link) = self.links.get(&peer) {
                        let _ = link
                            .out
                            .send(Outgoing::Frame(Frame::sync(doc, message).encode()));
                    }
                }
                Output::Unwell(peer) => {
                    self.drop_link(peer, "a message Automerge could not answer");
                }
                _ => {}
            }
        }
    }

    /// Re-reads the members of the sets that changed and works out who may have what.
    fn refresh_access(&mut self, changed: &BTreeSet<DocId>, now: u64) {
        for id in changed {
            // Members are read again only if what changed could change them.
            let membership = self.engine.touched(id).is_none_or(Touched::membership);
            if membership && self.kinds.get(id) == Some(&DocKind::Set) {
                // A void removal removes no one; a void admission admits no one.
                let members = self.engine.shown(id).and_then(|doc| members_of(&doc));
                self.members.insert(*id, members);
            }
        }
        let mut access = Access::default();
        let me = self.me.device();
        let mut learned = Vec::new();
        for (id, kind) in &self.kinds {
            if *kind != DocKind::Set {
                continue;
            }
            let allowed = match self.members.get(id).and_then(Option::as_ref) {
                Some(members) => {
                    let mine = members
                        .values()
                        .find(|m| m.is_current() && m.devices.contains_key(&me));
                    let mut allowed = BTreeSet::new();
                    if mine.is_some() {
                        for member in members.values().filter(|m| m.is_current()) {
                            for (device, record) in &member.devices {
                                if let Some(peer) = PeerId::of_device(device) {
                                    access.add_addresses(peer, &record.addresses);
                                    allowed.insert(peer);
                                }
                            }
                        }
                    }
                    allowed.remove(&self.me);
                    if self.remembered.get(id) != Some(&allowed) {
                        learned.push((*id, allowed.clone()));
                    }
                    allowed
                }
                None => self.hints.get(id).cloned().unwrap_or_default(),
            };
            access.set(*id, allowed);
        }
        // A journal goes only to the devices its own list names (no set's records decide
        // it); until it arrives, to the member's devices the linking ticket named.
        if let Some(journal) = self.journal {
            let listed: Option<BTreeSet<PeerId>> = self.engine.doc(&journal).and_then(|doc| {
                match doc.get(automerge::ROOT, "devices") {
                    Ok(Some((automerge::Value::Object(automerge::ObjType::Map), devices))) => Some(
                        doc.keys(&devices)
                            .filter_map(|d| PeerId::of_device(&DeviceId::from(d)))
                            .collect(),
                    ),
                    _ => None,
                }
            });
            let mut allowed =
                listed.unwrap_or_else(|| self.hints.get(&journal).cloned().unwrap_or_default());
            allowed.remove(&self.me);
            access.set(journal, allowed);
        }
        for (id, allowed) in learned {
            self.remember_peers(id, &allowed);
            self.remembered.insert(id, allowed);
        }
        for id in self.kinds.keys() {
            self.engine.allow(*id, access.allowed(id), now);
        }
        self.access.send_if_modified(|current| {
            if *current == access {
                false
            } else {
                *current = access;
                true
            }
        });
    }

    /// Keeps a set's members' devices in the settings, so a set whose files are all
    /// damaged can still be refilled from them.
    fn remember_peers(&self, id: DocId, allowed: &BTreeSet<PeerId>) {
        let result = self.data.update_settings(|settings| {
            settings.known_peers.insert(
                id.to_string(),
                allowed.iter().map(ToString::to_string).collect(),
            );
        });
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not remember a set's members' devices");
        }
    }

    /// Publishes a document's view: with `hydrate`, its content read anew with its heads
    /// now; without, the content and heads published last (they always go together, so
    /// a reader never sees heads its copy of the set does not hold), with fresh statuses.
    fn publish(&mut self, id: DocId, hydrate: bool) {
        if self.engine.doc(&id).is_none() {
            return;
        }
        let kind = self.kinds.get(&id).copied().unwrap_or(DocKind::Set);
        let previous = self.shared.view(&id);
        let (heads, set, journal, conflicts) = if let (Some(view), false) = (&previous, hydrate) {
            // Statuses only (a peer's acknowledgement): the document is not looked at.
            (
                view.heads.clone(),
                view.set.clone(),
                view.journal.clone(),
                view.conflicts.clone(),
            )
        } else {
            // Only what the changes since the last reading touched is read again.
            let touched = self.engine.take_touched(&id);
            // What the set shows: the document at the heads of its valid changes.
            let Some(doc) = self.engine.shown(&id) else {
                return;
            };
            let doc: &Automerge = &doc;
            let (set, journal, conflicts) = match kind {
                DocKind::Set => {
                    let read = match previous.as_ref().and_then(|v| v.set.as_ref()) {
                        Some(Ok(before)) if !touched.all => {
                            let mut set = ActionLearningSet::clone(before);
                            set.refresh(doc, &touched).map(|()| Arc::new(set))
                        }
                        _ => ActionLearningSet::from_doc(doc).map(Arc::new),
                    };
                    let conflicts = match &previous {
                        Some(view) if !touched.all => {
                            revans_model::conflicts_since(doc, &view.conflicts, &touched)
                        }
                        _ => revans_model::conflicts(doc),
                    };
                    // Every test run checks what is kept current against a whole reading.
                    #[cfg(debug_assertions)]
                    {
                        if let Ok(kept) = &read {
                            let whole = ActionLearningSet::from_doc(doc);
                            debug_assert!(
                                whole.as_ref().is_ok_and(|whole| whole == kept.as_ref()),
                                "the set kept current differs from the set read whole after {touched:?}"
                            );
                        }
                        debug_assert_eq!(
                            conflicts,
                            revans_model::conflicts(doc),
                            "after {touched:?}"
                        );
                    }
                    (Some(read), None, conflicts)
                }
                DocKind::Journal => (None, Some(Arc::new(Journal::from_doc(doc))), Vec::new()),
            };
            // Stamped once read: a read longer than the pause it waits for must not make
            // the next round's read look due at once.
            self.hydrated_at.insert(id, Instant::now());
            (doc.get_heads(), set, journal, Arc::new(conflicts))
        };
        let peers = self
            .engine
            .status(&id)
            .into_iter()
            .map(|(peer, status)| {
                let last_heard = status.last_heard.map(|ms| self.time_of(ms));
                (peer, PeerView { status, last_heard })
            })
            .collect();
        self.shared.publish(
            id,
            DocView {
                kind,
                heads,
                set,
                journal,
                conflicts,
                peers,
                refused: self.refused.get(&id).cloned().unwrap_or_default(),
            },
        );
    }

    /// A change refused: logged, kept for the People and sync view, and told as an event.
    fn report_refusal(
        &mut self,
        doc: DocId,
        (from, author): (PeerId, Option<PeerId>),
        reason: String,
        void: bool,
        now: u64,
    ) {
        tracing::warn!(
            doc = %doc,
            from = %from.short(),
            author = author.map(|a| a.short()).unwrap_or_default(),
            %reason,
            "refused a change"
        );
        let refused = RefusedChange {
            from: from.device(),
            author: author.map(|a| a.device()),
            reason,
            void,
            at: self.time_of(now),
        };
        let kept = self.refused.entry(doc).or_default();
        kept.push(refused.clone());
        if kept.len() > REFUSALS_KEPT {
            kept.remove(0);
        }
        if self.kinds.get(&doc) == Some(&DocKind::Set) {
            let _ = self.shared.events.send(Event::Refused {
                set: doc.set_id(),
                change: refused,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn propose(author: MemberId, text: &'static str) -> EditFn {
        Box::new(move |doc: &mut Automerge| {
            let by = revans_model::Author {
                member: author,
                at: Utc::now(),
            };
            revans_model::apply(
                doc,
                &by,
                revans_model::Command::ProposeRule { text: text.into() },
            )?;
            Ok(())
        })
    }

    /// A set founded by the device of `me`, with the device of `other` admitted.
    fn set_of_two(me: &SecretKey, other: &SecretKey) -> (Automerge, DocId, MemberId) {
        let device = |k: &SecretKey| DeviceId::from_bytes(*k.public().as_bytes());
        let now = Utc::now();
        let (mut doc, set, founder) = revans_model::create_set(
            revans_model::NewSet {
                name: "Set".into(),
                purpose: String::new(),
                founder: revans_model::Profile {
                    display_name: "Ada".into(),
                    organisation: String::new(),
                },
                device: device(me),
            },
            now,
        )
        .unwrap();
        let by = revans_model::Author {
            member: founder.clone(),
            at: now,
        };
        let invitation = revans_model::InvitationId::random();
        let key = SecretKey::from_bytes(&[5; 32]);
        revans_model::apply(
            &mut doc,
            &by,
            revans_model::Command::Invite {
                id: invitation.clone(),
                for_name: "Bo".into(),
                key: device(&key).to_string(),
                expires_at: now + chrono::Duration::days(1),
                link_to: None,
            },
        )
        .unwrap();
        let bo = MemberId::random();
        let admission =
            revans_model::admission::admission_message(&set, &invitation, &bo, &device(other));
        let consent = revans_model::admission::consent_message(&set, &bo, &invitation);
        revans_model::apply(
            &mut doc,
            &by,
            revans_model::Command::Admit {
                signature: key.sign(&admission).to_bytes(),
                consent: other.sign(&consent).to_bytes(),
                invitation,
                member: bo,
                profile: revans_model::Profile {
                    display_name: "Bo".into(),
                    organisation: String::new(),
                },
                device: device(other),
            },
        )
        .unwrap();
        (doc, DocId::of_set(&set).unwrap(), founder)
    }

    /// The sync messages sent to the peer so far.
    fn sent(
        out: &mut tokio::sync::mpsc::UnboundedReceiver<Outgoing>,
    ) -> Vec<automerge::sync::Message> {
        std::iter::from_fn(|| out.try_recv().ok())
            .filter_map(|o| match o {
                Outgoing::Frame(bytes) => match Frame::decode(&bytes[4..]).unwrap() {
                    Frame::Sync { message, .. } => {
                        let (message, _) = crate::engine::open_envelope(&message).unwrap();
                        Some(automerge::sync::Message::decode(message).unwrap())
                    }
                    Frame::Hello { .. } => None,
                },
                Outgoing::Close(..) => None,
            })
            .collect()
    }

    /// The disk refuses a batch (here, a log whose writes go to /dev/full): the edit is
    /// answered with the error, the document is as it was, and no peer is sent it.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_write_that_fails_is_neither_acknowledged_nor_applied_nor_sent() {
        let dir = tempfile::tempdir().unwrap();
        let data = Arc::new(DataDir::open(dir.path()).unwrap());
        let (events, mut problems) = broadcast::channel(16);
        let shared = Arc::new(Shared::new(events));
        let (me, other) = (
            SecretKey::from_bytes(&[1; 32]),
            SecretKey::from_bytes(&[2; 32]),
        );
        let peer = PeerId(*other.public().as_bytes());
        let (doc, id, ada) = set_of_two(&me, &other);
        let mut worker = Worker::new(me, data, None, watch::channel(Access::default()).0, shared);
        let (opened, mut answer) = oneshot::channel();
        worker.round(vec![Request::Open {
            id,
            kind: DocKind::Set,
            initial: Some(doc),
            hints: BTreeSet::new(),
            reply: opened,
        }]);
        answer.try_recv().unwrap().unwrap();
        let (link, mut out) = tokio::sync::mpsc::unbounded_channel();
        worker.round(vec![Request::Linked {
            peer,
            link: 1,
            out: link,
        }]);
        sent(&mut out);

        // A write that reaches the disk is answered and sent.
        let (reply, mut answer) = oneshot::channel();
        worker.round(vec![Request::Edit {
            id,
            edit: propose(ada.clone(), "Kept."),
            reply,
        }]);
        answer.try_recv().unwrap().unwrap();
        let heads = worker.engine.doc(&id).unwrap().get_heads();
        let first = sent(&mut out);
        assert!(
            first.iter().any(|m| m.heads == heads),
            "a saved edit goes to the peer"
        );

        worker.logs.get_mut(&id).unwrap().redirect_writes(
            std::fs::OpenOptions::new()
                .append(true)
                .open("/dev/full")
                .unwrap(),
        );
        let (reply, mut answer) = oneshot::channel();
        worker.round(vec![Request::Edit {
            id,
            edit: propose(ada, "Lost."),
            reply,
        }]);
        let refused = answer.try_recv().unwrap().unwrap_err();
        assert!(refused.to_string().contains("Could not save"), "{refused}");
        let doc = worker.engine.doc(&id).unwrap();
        assert_eq!(doc.get_heads(), heads, "the edit was undone");
        let set = ActionLearningSet::from_doc(doc).unwrap();
        assert!(set.ground_rules.values().any(|r| r.text == "Kept."));
        assert!(!set.ground_rules.values().any(|r| r.text == "Lost."));
        for message in sent(&mut out) {
            assert_eq!(message.heads, heads, "nothing unsaved reached the peer");
            assert!(
                message.changes.is_empty(),
                "nothing unsaved reached the peer"
            );
        }
        let reported = std::iter::from_fn(|| problems.try_recv().ok())
            .any(|e| matches!(e, Event::Storage(StorageProblem::Write { .. })));
        assert!(reported, "the failure is reported as an event");
    }
}
