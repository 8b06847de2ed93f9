//! The node: one iroh endpoint, the sync engine's thread, the sets this device holds, and
//! the API the app and the command line call. Commands in, events out; reads come from
//! the views the engine publishes, never from a locked document.
//!
//! The node's public face is [`Node`]; around it, each in a file of its own: how to start
//! one ([`config`]), what it reports ([`event`], [`status`]) and what goes wrong
//! ([`error`]); the state its parts share ([`inner`]), the joiner's side of admission
//! ([`joining`]; the member's side is [`crate::join`]), and this device's own settings
//! ([`settings`]: the person's profile, reminders, the proxy).
//! Over 600 lines because it is the node's whole public API, one documented method each.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use iroh::address_lookup::MemoryLookup;
use iroh::protocol::Router;
use iroh::{EndpointAddr, SecretKey, TransportAddr};
use revans_model::{
    ActionLearningSet, Applied, Command, CommandError, Conflict, DeviceId, InvitationId, LoadError,
    MemberId, NewSet, Profile, SetId,
};
use revans_model::{Journal, JournalCommand, JournalEntryId, apply_journal, create_journal};
use tokio::sync::{broadcast, watch};

use crate::access::Access;
use crate::data_dir::DataDir;
use crate::ids::{DocId, PeerId, endpoint_of};
use crate::join::JoinProtocol;
use crate::protocol::{JOIN_ALPN, SYNC_ALPN};
use crate::runtime::links::{Links, endpoint_addr};
use crate::runtime::{DocKind, DocView, EngineHandle, Shared};
use crate::ticket::{InviteTicket, Link};

mod config;
pub(crate) mod error;
pub(crate) mod event;
pub(crate) mod inner;
mod joining;
mod settings;
mod status;

use config::bind_endpoint;
pub use config::{FROM_SETTINGS, NodeConfig, RelayChoice};
pub use error::NodeError;
pub use event::{Event, Imported, RefusedChange};
use inner::{Inner, Sets, doc_id, lock};
pub use status::{DeviceSync, RelayState};

/// A running node. Cheap to clone.
#[derive(Clone)]
pub struct Node {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("device", &self.inner.sets.device)
            .finish_non_exhaustive()
    }
}

impl Node {
    /// Starts a node on its data directory: the lock, the key, the endpoint (which never
    /// waits for the internet), the engine's thread, and the sets it holds.
    #[allow(clippy::too_many_lines)] // the start-up sequence, in order
    pub async fn start(config: NodeConfig) -> Result<Self, NodeError> {
        let data = Arc::new(DataDir::open(&config.data_dir)?);
        let key = SecretKey::from_bytes(&data.device_key(rand::random)?);
        let (events, _) = broadcast::channel(1024);
        let (access_tx, access_rx) = watch::channel(Access::default());
        let lookup = MemoryLookup::new();
        let settings = data.settings()?;
        // Listen where members last saw this device if the port is free, else anywhere.
        // A bind address with port 0 means "this interface, any port": the remembered
        // port first, then any.
        let remembered = match (config.bind, settings.port) {
            (Some(bind), Some(port)) if bind.port() == 0 => Some(SocketAddr::new(bind.ip(), port)),
            (Some(bind), _) => Some(bind),
            (None, Some(port)) => Some(SocketAddr::from(([0, 0, 0, 0], port))),
            (None, None) => None,
        };
        let proxy = config::proxy(&config, settings.proxy.as_deref())?;
        let through = proxy.as_ref().map(|p| &p.url);
        let (trust, certificate_store) = config::relay_trust(&config)?;
        // Boxed: binding is the largest part of starting, and a node's start is awaited
        // inside other futures.
        let bound = Box::pin(bind_endpoint(
            &config, &key, remembered, &lookup, &access_rx, through, &trust,
        ))
        .await;
        let endpoint = match bound {
            Ok(endpoint) => endpoint,
            Err(e) if remembered != config.bind => {
                tracing::info!(error = %e, "the remembered port is taken; listening on another");
                Box::pin(bind_endpoint(
                    &config,
                    &key,
                    config.bind,
                    &lookup,
                    &access_rx,
                    through,
                    &trust,
                ))
                .await?
            }
            Err(e) => return Err(e),
        };
        if let Some(port) = endpoint.bound_sockets().first().map(SocketAddr::port)
            && settings.port != Some(port)
        {
            data.update_settings(|s| s.port = Some(port))?;
        }
        let me = PeerId(*endpoint.id().as_bytes());
        let journal = settings
            .journal
            .as_deref()
            .and_then(|j| j.parse::<DocId>().ok());
        let shared = Arc::new(Shared::new(events.clone()));
        let engine = EngineHandle::spawn(key.clone(), data.clone(), journal, access_tx, shared)?;
        let links = Links::start(
            endpoint.clone(),
            engine.clone(),
            events.clone(),
            lookup,
            access_rx,
            config.dial,
        );
        let sets = Sets {
            engine,
            device: me.device(),
            journal: Arc::new(Mutex::new(journal)),
        };
        let mut router = Router::builder(endpoint.clone())
            .accept(SYNC_ALPN, links.protocol())
            .accept(JOIN_ALPN, JoinProtocol::new(sets.clone()));
        // A device on an earlier version is told this one's, not left to fail in silence.
        for alpn in crate::protocol::EARLIER_SYNC_ALPNS {
            router = router.accept(alpn, links.earlier_protocol());
        }
        let router = router.spawn();
        let inner = Arc::new(Inner {
            data,
            sets,
            endpoint,
            router,
            links,
            events,
            key: key.clone(),
            tasks: Mutex::new(Vec::new()),
            proxy: proxy.map(|p| (p.written, p.from)),
            certificate_store,
        });
        let node = Node { inner };

        // Every document opens in one round of the engine.
        let mut opening = Vec::new();
        if let Some(journal) = journal {
            opening.push((
                journal.to_string(),
                node.inner
                    .sets
                    .engine
                    .open(journal, DocKind::Journal, None, BTreeSet::new()),
            ));
        }
        for id in &settings.sets {
            let Ok(doc) = id.parse::<DocId>() else {
                node.inner
                    .report_network(format!("the settings name an invalid set id {id}"));
                continue;
            };
            let hints = settings
                .known_peers
                .get(id)
                .map(|peers| {
                    peers
                        .iter()
                        .filter_map(|p| DeviceId::parse(p).ok())
                        .filter_map(|d| PeerId::of_device(&d))
                        .collect()
                })
                .unwrap_or_default();
            opening.push((
                id.clone(),
                node.inner.sets.engine.open(doc, DocKind::Set, None, hints),
            ));
        }
        let (names, futures): (Vec<String>, Vec<_>) = opening.into_iter().unzip();
        for (id, opened) in names
            .into_iter()
            .zip(futures::future::join_all(futures).await)
        {
            if let Err(e) = opened {
                node.inner
                    .report_network(format!("the set {id} could not be opened: {e}"));
            }
        }
        node.spawn_address_recorder();
        node.spawn_relay_watcher();
        tracing::info!(device = %node.inner.sets.device.short(), "node started");
        Ok(node)
    }

    /// This device's id (its iroh endpoint id).
    #[must_use]
    pub fn device(&self) -> &DeviceId {
        &self.inner.sets.device
    }

    /// Where this device can be reached now.
    #[must_use]
    pub fn addr(&self) -> EndpointAddr {
        self.inner.endpoint.addr()
    }

    /// The node's events.
    #[must_use]
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.inner.events.subscribe()
    }

    /// Adds a known address for a device (for tests and the command line's `--peer`).
    pub fn add_peer_addr(&self, addr: EndpointAddr) {
        self.inner.links.add_addr(addr);
    }

    /// The relays this device uses and whether it is connected to each; empty when relays
    /// are off (or before one has been chosen).
    #[must_use]
    pub fn relays(&self) -> Vec<RelayState> {
        iroh::Watcher::get(&mut self.inner.endpoint.home_relay_status())
            .into_iter()
            .map(|status| RelayState {
                url: status.url().to_string(),
                connected: status.is_connected(),
                error: status.last_error().map(ToString::to_string),
            })
            .collect()
    }

    /// Whether this node keeps connections to members' devices: the app and `revans serve`
    /// do; a one-shot command's node does not (it knows no one's connection).
    #[must_use]
    pub fn dialling(&self) -> bool {
        self.inner.links.dialling()
    }

    /// Dials every member's device now, without waiting out a retry's backoff (and
    /// from now on, if this node was started without dialling).
    pub fn sync_now(&self) {
        self.inner.links.sync_now();
    }

    /// Creates a set with this device's member as its founder and facilitator.
    pub async fn create_set(
        &self,
        name: &str,
        purpose: &str,
        founder: Profile,
    ) -> Result<SetId, NodeError> {
        let (document, id, _) = revans_model::create_set(
            NewSet {
                name: name.to_owned(),
                purpose: purpose.to_owned(),
                founder,
                device: self.inner.sets.device.clone(),
            },
            Utc::now(),
        )?;
        let doc = doc_id(&id)?;
        self.inner
            .sets
            .engine
            .open(doc, DocKind::Set, Some(document), BTreeSet::new())
            .await?;
        self.inner.remember_set(&id)?;
        self.record_addresses().await;
        Ok(id)
    }

    /// The sets this device holds, each shared with what the node publishes (no copy of
    /// a set is made). A set whose saved files were damaged is listed with the error,
    /// until a member's device refills it.
    #[must_use]
    pub fn sets(&self) -> Vec<(SetId, Result<Arc<ActionLearningSet>, LoadError>)> {
        self.inner
            .sets
            .engine
            .shared
            .views()
            .into_iter()
            .filter_map(|(id, view)| {
                let set = view.set.as_ref()?;
                Some((id.set_id(), loaded(&view, set)))
            })
            .collect()
    }

    /// Restores a set from a backup (`revans export --format revans`): every change in it
    /// is checked, signature and rules, as if a member's device had sent it, and only
    /// those allowed are kept. The bytes are untrusted: they must be a backup of a set
    /// that names this device as a current member's. A set already held takes in what it
    /// lacks. Returns once on disk, with how many changes were refused and why.
    pub async fn import_set(&self, bytes: &[u8]) -> Result<Imported, NodeError> {
        let (saved, signatures) = crate::log::decode_snapshot(bytes).map_err(|e| {
            LoadError::NotASet(format!(
                "this is not a Revans backup ({e}); make one with `revans export SET --format revans`"
            ))
        })?;
        let incoming = automerge::Automerge::load(saved)
            .map_err(|e| LoadError::NotASet(format!("its bytes do not load: {e}")))?;
        let state = ActionLearningSet::from_doc(&incoming)?;
        if state.member_for_device(&self.inner.sets.device).is_none() {
            return Err(NodeError::NotInSet);
        }
        let id = state.id.clone();
        let doc = doc_id(&id)?;
        let mut unsigned = 0;
        let changes: Vec<_> = incoming
            .get_changes(&[])
            .into_iter()
            .filter_map(|change| {
                let signature = signatures.get(&change.hash()).copied();
                if signature.is_none() {
                    unsigned += 1;
                }
                Some((change, signature?))
            })
            .collect();
        let held = self.inner.sets.engine.shared.view(&doc).is_some();
        if !held {
            self.inner
                .sets
                .engine
                .open(doc, DocKind::Set, None, BTreeSet::new())
                .await?;
        }
        let (taken, mut refused) = self.inner.sets.engine.adopt(doc, changes).await?;
        if unsigned > 0 {
            refused.push(format!("{unsigned} changes without a signature"));
        }
        if !held {
            self.inner.remember_set(&id)?;
            self.record_addresses().await;
        }
        Ok(Imported {
            set: id,
            taken,
            refused,
        })
    }

    /// A backup of a set: its document with every change's signature, which
    /// [`Node::import_set`] restores.
    pub async fn backup(&self, set: &SetId) -> Result<Vec<u8>, NodeError> {
        self.inner.sets.engine.save(doc_id(set)?, true).await
    }

    /// Reads what members' devices sent into the sets and journal now. The screens take
    /// a burst of changes from peers as often as reading it allows; a command that reads
    /// and answers at once (one handed to a running node, just after a sync) settles
    /// first, so it never answers from before what this device already holds.
    pub async fn settle(&self) -> Result<(), NodeError> {
        self.inner.sets.engine.settle().await
    }

    /// One set, as it is now.
    pub fn set(&self, set: &SetId) -> Result<Arc<ActionLearningSet>, NodeError> {
        let view = self.inner.sets.view(set)?;
        let loaded_set = view
            .set
            .as_ref()
            .ok_or_else(|| NodeError::UnknownSet(set.to_string()))?;
        Ok(loaded(&view, loaded_set)?)
    }

    /// The set's document as Automerge bytes.
    pub async fn save(&self, set: &SetId) -> Result<Vec<u8>, NodeError> {
        self.inner.sets.engine.save(doc_id(set)?, false).await
    }

    /// The set's heads, to compare devices.
    pub fn heads(&self, set: &SetId) -> Result<Vec<automerge::ChangeHash>, NodeError> {
        Ok(self.inner.sets.view(set)?.heads.clone())
    }

    /// This device's member in the set.
    pub fn me(&self, set: &SetId) -> Result<MemberId, NodeError> {
        self.inner.sets.me(set)
    }

    /// Applies a command as this device's member. Returns once the change is on disk.
    pub async fn apply(&self, set: &SetId, command: Command) -> Result<Applied, NodeError> {
        self.inner.sets.apply(set, command).await
    }

    /// Invites someone: returns the ticket to give them. With `link_to` (which must be
    /// this device's own member), the ticket links a second device of theirs instead: it
    /// names only their own devices, and their journal.
    pub async fn invite(
        &self,
        set: &SetId,
        for_name: &str,
        valid_for: Duration,
        link_to: Option<MemberId>,
    ) -> Result<InviteTicket, NodeError> {
        let seed: [u8; 32] = rand::random();
        let key = SecretKey::from_bytes(&seed);
        let invitation = InvitationId::random();
        let expires_at =
            Utc::now() + chrono::Duration::from_std(valid_for).unwrap_or(chrono::Duration::days(7));
        self.apply(
            set,
            Command::Invite {
                id: invitation.clone(),
                for_name: for_name.to_owned(),
                key: DeviceId::from_bytes(*key.public().as_bytes()).to_string(),
                expires_at,
                link_to: link_to.clone(),
            },
        )
        .await?;
        let state = self.set(set)?;
        let mut peers = vec![self.addr()];
        for member in state.members.values().filter(|m| m.is_current()) {
            // A link is answered by the member's own devices: one of them holds the
            // journal the new device is to be added to.
            if link_to
                .as_ref()
                .is_some_and(|l| state.members.get(l) != Some(member))
            {
                continue;
            }
            for (device, record) in &member.devices {
                if *device == self.inner.sets.device {
                    continue;
                }
                if let Some(id) = endpoint_of(device) {
                    peers.push(endpoint_addr(id, &record.addresses));
                }
            }
        }
        peers.truncate(32);
        let link = match link_to {
            Some(member) => Some(Link {
                member: member.to_string(),
                journal: self.journal_doc().await?.to_string(),
            }),
            None => None,
        };
        Ok(InviteTicket {
            welcome: String::new(),
            set: set.to_string(),
            invitation: invitation.to_string(),
            key: seed,
            peers,
            link,
        })
    }

    /// The data directory this node holds.
    #[must_use]
    pub fn data_dir(&self) -> &std::path::Path {
        self.inner.data.path()
    }

    /// The private journal's document id, if this device has or expects one.
    #[must_use]
    pub fn journal_id(&self) -> Option<String> {
        lock(&self.inner.sets.journal)
            .as_ref()
            .map(ToString::to_string)
    }

    /// The private journal, if this device has one yet.
    pub fn journal(&self) -> Result<Option<Journal>, NodeError> {
        let Some(id) = *lock(&self.inner.sets.journal) else {
            return Ok(None);
        };
        let Some(view) = self.inner.sets.engine.shared.view(&id) else {
            return Ok(None);
        };
        match view.journal.as_deref() {
            Some(Ok(journal)) => Ok(Some(journal.clone())),
            // Expected from this member's other devices, not arrived yet.
            Some(Err(_)) if view.heads.is_empty() => Ok(None),
            Some(Err(e)) => Err(e.clone().into()),
            None => Ok(None),
        }
    }

    /// Changes the private journal, creating it on first use. It syncs only with this
    /// member's own devices. Returns the id of a new entry. Returns once on disk.
    pub async fn journal_apply(
        &self,
        command: JournalCommand,
    ) -> Result<Option<JournalEntryId>, NodeError> {
        let id = self.journal_doc().await?;
        self.inner
            .sets
            .engine
            .edit(id, move |document| {
                Ok(apply_journal(document, Utc::now(), command)?)
            })
            .await
    }

    /// The journal's document, created now if this device has none.
    async fn journal_doc(&self) -> Result<DocId, NodeError> {
        if let Some(id) = *lock(&self.inner.sets.journal) {
            return Ok(id);
        }
        let id = DocId::random();
        let document = create_journal(self.inner.sets.device.clone(), Utc::now())?;
        self.inner
            .sets
            .engine
            .open(id, DocKind::Journal, Some(document), BTreeSet::new())
            .await?;
        self.inner
            .data
            .update_settings(|s| s.journal = Some(id.to_string()))?;
        *lock(&self.inner.sets.journal) = Some(id);
        Ok(id)
    }

    /// Fetches the journal a linking ticket named from the member's other devices (the
    /// `peers` the ticket named, until the journal's own list says who holds it), once
    /// one of them has added this device to it.
    pub(crate) async fn adopt_journal(
        &self,
        doc: DocId,
        peers: BTreeSet<PeerId>,
        timeout: Duration,
    ) -> Result<(), NodeError> {
        self.inner
            .sets
            .engine
            .open(doc, DocKind::Journal, None, peers)
            .await?;
        self.inner
            .data
            .update_settings(|s| s.journal = Some(doc.to_string()))?;
        *lock(&self.inner.sets.journal) = Some(doc);
        self.inner
            .wait_for(timeout, |shared| {
                shared
                    .view(&doc)
                    .and_then(|v| v.journal.clone())
                    .is_some_and(|j| j.is_ok())
            })
            .await
            .map_err(|()| NodeError::Unreachable("the member's other devices".into()))
    }

    /// The set's values two members wrote at the same time, each version with who wrote
    /// it and when (see [`revans_model::conflicts`]).
    pub fn conflicts(&self, set: &SetId) -> Result<Vec<Conflict>, NodeError> {
        Ok(self.inner.sets.view(set)?.conflicts.to_vec())
    }

    /// The changes this device refused lately in a set (newest last): who sent each, who
    /// signed it, and why. They were not applied, stored or relayed. Void changes are
    /// listed too (`void`): allowed where they were made and held, but not shown, their
    /// author's place having been ended at the same time.
    pub fn refused(&self, set: &SetId) -> Result<Vec<RefusedChange>, NodeError> {
        Ok(self.inner.sets.view(set)?.refused.clone())
    }

    /// Whether the private journal is in step with another of this member's devices:
    /// `None` when there is no journal or no other device on its list, `Some(true)` once
    /// one of them holds exactly what this device holds.
    #[must_use]
    pub fn journal_in_step(&self) -> Option<bool> {
        let id = (*lock(&self.inner.sets.journal))?;
        let view = self.inner.sets.engine.shared.view(&id)?;
        let others: Vec<PeerId> = match view.journal.as_deref() {
            Some(Ok(journal)) => journal
                .devices
                .keys()
                .filter(|d| **d != self.inner.sets.device)
                .filter_map(PeerId::of_device)
                .collect(),
            _ => return None,
        };
        if others.is_empty() {
            return None;
        }
        Some(
            others
                .iter()
                .any(|p| view.peers.get(p).is_some_and(|peer| peer.status.same_heads)),
        )
    }

    /// Per member of the set: their devices, connected or not, holding our latest change
    /// or not, and when we last heard from them.
    pub fn sync_status(&self, set: &SetId) -> Result<Vec<(MemberId, Vec<DeviceSync>)>, NodeError> {
        let view = self.inner.sets.view(set)?;
        let state = match view.set.as_ref() {
            Some(Ok(state)) => state,
            Some(Err(e)) => return Err(e.clone().into()),
            None => return Err(NodeError::UnknownSet(set.to_string())),
        };
        Ok(state
            .current_members()
            .into_iter()
            .map(|(id, member)| {
                let devices = member
                    .devices
                    .keys()
                    .map(|device| {
                        let this_device = *device == self.inner.sets.device;
                        let peer =
                            PeerId::of_device(device).and_then(|p| view.peers.get(&p).cloned());
                        DeviceSync {
                            device: device.clone(),
                            this_device,
                            connected: this_device
                                || peer.as_ref().is_some_and(|p| p.status.connected),
                            up_to_date: this_device
                                || peer.as_ref().is_some_and(|p| p.status.holds_ours),
                            last_heard: peer.as_ref().and_then(|p| p.last_heard),
                            same_heads: this_device
                                || peer.as_ref().is_some_and(|p| p.status.same_heads),
                            route: PeerId::of_device(device)
                                .filter(|_| !this_device)
                                .and_then(|p| self.inner.links.route(&p)),
                            refuses_us: PeerId::of_device(device)
                                .is_some_and(|p| self.inner.links.refuses_us(&p)),
                            other_version: PeerId::of_device(device)
                                .and_then(|p| self.inner.links.other_version(&p)),
                        }
                    })
                    .collect();
                (id.clone(), devices)
            })
            .collect())
    }

    /// The set as it stood at `when` (by its authors' clocks), and the heads of the
    /// document then.
    pub async fn set_at(
        &self,
        set: &SetId,
        when: DateTime<Utc>,
    ) -> Result<(revans_model::ActionLearningSet, Vec<automerge::ChangeHash>), NodeError> {
        let bytes = self.save(set).await?;
        let doc =
            automerge::Automerge::load(&bytes).map_err(|e| LoadError::Damaged(e.to_string()))?;
        let heads = revans_model::heads_at(&doc, when);
        if heads.is_empty() {
            return Err(NodeError::NotYet(when.to_rfc3339()));
        }
        let state = revans_model::set_at(&doc, &heads)?;
        Ok((state, heads))
    }

    /// Stops the node: connections close, everything on disk, the data directory freed.
    pub async fn shutdown(self) {
        for handle in lock(&self.inner.tasks).drain(..) {
            handle.abort();
        }
        self.inner.links.shutdown();
        self.inner.sets.engine.shutdown().await;
        if let Err(e) = self.inner.router.shutdown().await {
            tracing::warn!(error = %e, "a protocol handler did not stop cleanly");
        }
        // The router closes the endpoint; closing it again makes sure its socket is gone
        // before this returns, so a restart can listen on the same port.
        self.inner.endpoint.close().await;
        let device = self.inner.sets.device.short().to_owned();
        // The tasks aborted above let go of the node at their next turn, and a join being
        // answered holds it until answered: wait, briefly, until the data directory is
        // held here alone, so it is free (its lock released) when this returns.
        let data = Arc::clone(&self.inner.data);
        drop(self);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while Arc::strong_count(&data) > 1 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        if Arc::strong_count(&data) > 1 {
            tracing::warn!("the data directory is still held after stopping");
        }
        drop(data);
        tracing::info!(%device, "node stopped");
    }

    /// Writes this device's addresses into each set whenever they change.
    fn spawn_address_recorder(&self) {
        let weak = Arc::downgrade(&self.inner);
        let mut watcher = iroh::Watcher::stream(self.inner.endpoint.watch_addr());
        let task = tokio::spawn(async move {
            while watcher.next().await.is_some() {
                let Some(inner) = weak.upgrade() else { break };
                Node { inner }.record_addresses().await;
            }
        });
        lock(&self.inner.tasks).push(task);
    }

    /// When a relay comes back (or is reached for the first time), dials at once every
    /// member's device that a backoff is keeping waiting: what queued while the relay was
    /// away goes out as soon as it can.
    fn spawn_relay_watcher(&self) {
        let links = self.inner.links.clone();
        let mut statuses = iroh::Watcher::stream(self.inner.endpoint.home_relay_status());
        let task = tokio::spawn(async move {
            let mut was_up = false;
            while let Some(statuses) = statuses.next().await {
                let up = statuses
                    .iter()
                    .any(iroh::endpoint::RelayStatus::is_connected);
                if up && !was_up {
                    tracing::info!("reached the relay; dialling members' devices now");
                    links.retry_now();
                }
                was_up = up;
            }
        });
        lock(&self.inner.tasks).push(task);
    }

    /// Where this device can be reached now, written plainly (`ip:port`, a relay's URL):
    /// what it records in its sets and what `revans serve` logs.
    #[must_use]
    pub fn addresses(&self) -> Vec<String> {
        self.inner
            .endpoint
            .addr()
            .addrs
            .iter()
            .filter_map(|a| match a {
                TransportAddr::Ip(ip) => Some(ip.to_string()),
                TransportAddr::Relay(url) => Some(url.to_string()),
                _ => None,
            })
            .collect()
    }

    pub(crate) async fn record_addresses(&self) {
        // Written plainly so any version can read them back.
        let addresses = self.addresses();
        // The ids alone: cloning every hydrated set to learn them would be wasted work.
        let sets: Vec<SetId> = self
            .inner
            .sets
            .engine
            .shared
            .views()
            .into_iter()
            .filter(|(_, view)| view.kind == DocKind::Set)
            .map(|(id, _)| id.set_id())
            .collect();
        for set in sets {
            let command = Command::RecordAddresses {
                device: self.inner.sets.device.clone(),
                addresses: addresses.clone(),
            };
            match self.apply(&set, command).await {
                Ok(_)
                | Err(
                    NodeError::Command(CommandError::Unchanged(_))
                    | NodeError::NotInSet
                    | NodeError::Load(_),
                ) => {}
                Err(e) => self
                    .inner
                    .report_network(format!("could not record this device's addresses: {e}")),
            }
        }
    }
}

/// A set's view as the model reads it; a set with no history at all is one whose files
/// were lost or damaged.
fn loaded(
    view: &DocView,
    set: &Result<Arc<ActionLearningSet>, LoadError>,
) -> Result<Arc<ActionLearningSet>, LoadError> {
    match set {
        Ok(state) => Ok(Arc::clone(state)),
        Err(_) if view.heads.is_empty() => Err(LoadError::Damaged(
            "its saved files are damaged or missing; it is refilled from a member's device at the next sync"
                .into(),
        )),
        Err(e) => Err(e.clone()),
    }
}
