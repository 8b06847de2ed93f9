//! The engine's thread: it owns the engine and every document's log, and runs the
//! loop, one round at a time (see the module above). Publishing what a round changed is
//! in `publishing.rs`. Over 600 lines because a round's steps (take the requests, commit,
//! work out access, send, publish, answer, compact) must happen in one order, and read
//! best in one place.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use automerge::{Automerge, ReadDoc};
use chrono::{DateTime, Utc};
use iroh::SecretKey;
use revans_model::{ActionLearningSet, DeviceId, LoadError, Member, MemberId, Touched};
use tokio::sync::{oneshot, watch};

use super::request::{DocKind, Outgoing, Request};
use super::views::{REFUSALS_KEPT, Shared};
use crate::access::Access;
use crate::data_dir::DataDir;
use crate::engine::{Engine, Judge, Output, Refused};
use crate::ids::{DocId, PeerId};
use crate::log::file::{LogFile, StorageProblem};
use crate::node::error::NodeError;
use crate::node::event::{Event, RefusedChange};
use crate::protocol::{Frame, close};
use crate::signed::Signatures;

/// How long a change relayed from one peer waits before going on to the others.
const COALESCE_MS: u64 = 5;
/// Reading a document's changes into the model (for the screens) takes at most one part
/// in this many of the engine's time: a change from a peer is read at once unless the
/// last reading of its document was less than this many times that reading's cost ago
/// (then it is in a burst, such as a catch-up, and is read when that much time has
/// passed, whatever else arrives meanwhile).
pub(super) const HYDRATE_SHARE: u32 = 4;

pub(super) struct Link {
    id: u64,
    out: tokio::sync::mpsc::UnboundedSender<Outgoing>,
}

pub(super) struct Worker {
    pub(super) engine: Engine,
    pub(super) me: PeerId,
    pub(super) data: Arc<DataDir>,
    pub(super) journal: Option<DocId>,
    pub(super) logs: BTreeMap<DocId, LogFile>,
    pub(super) kinds: BTreeMap<DocId, DocKind>,
    pub(super) hints: BTreeMap<DocId, BTreeSet<PeerId>>,
    /// Each set's members as last read (`None`: the set does not read).
    pub(super) members: BTreeMap<DocId, Option<BTreeMap<MemberId, Member>>>,
    /// Each set's members' devices as the settings remember them.
    pub(super) remembered: BTreeMap<DocId, BTreeSet<PeerId>>,
    pub(super) links: BTreeMap<PeerId, Link>,
    pub(super) access: watch::Sender<Access>,
    pub(super) shared: Arc<Shared>,
    /// Documents whose published heads are newer than their published model.
    pub(super) stale: BTreeSet<DocId>,
    /// The heads each set's model file was kept at (read or written), so an unchanged
    /// one is not written again.
    pub(super) models_kept: BTreeMap<DocId, Vec<automerge::ChangeHash>>,
    /// When each document was last read into the model, and what that reading cost.
    pub(super) hydrated: BTreeMap<DocId, (Instant, Duration)>,
    /// Changes refused lately, per document.
    pub(super) refused: BTreeMap<DocId, Vec<RefusedChange>>,
    pub(super) started: Instant,
    pub(super) started_at: DateTime<Utc>,
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
    pub(super) fn new(
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
            hydrated: BTreeMap::new(),
            models_kept: BTreeMap::new(),
            refused: BTreeMap::new(),
            started: Instant::now(),
            started_at: Utc::now(),
        }
    }

    pub(super) fn now(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    pub(super) fn time_of(&self, ms: u64) -> DateTime<Utc> {
        self.started_at + chrono::Duration::milliseconds(i64::try_from(ms).unwrap_or(i64::MAX))
    }

    pub(super) fn run(mut self, requests: &Receiver<Request>) {
        loop {
            let due = self
                .engine
                .next_deadline()
                .map(|due| Duration::from_millis(due.saturating_sub(self.now())));
            let stale = self.stale.iter().map(|id| self.hydrate_after(*id)).min();
            let first = match due.into_iter().chain(stale).min() {
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
                self.hydrate_stale(false);
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
    pub(super) fn round(&mut self, batch: Vec<Request>) -> bool {
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
        // by peers is read now unless it was read too lately for what reading it costs.
        let answered: BTreeSet<DocId> = acks
            .iter()
            .map(|(id, _)| *id)
            .chain(adopted.iter().map(|(id, _, _)| *id))
            .collect();
        let mut fresh = BTreeSet::new();
        for id in &touched {
            let content = changed.contains(id);
            let due = self.hydrate_after(*id).is_zero();
            let hydrate = content && (answered.contains(id) || stop.is_some() || due);
            if hydrate {
                self.stale.remove(id);
                fresh.insert(*id);
            } else if content {
                self.stale.insert(*id);
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
        self.hydrate_stale(!settle.is_empty());
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
            self.hydrate_stale(true);
            self.keep_models();
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
