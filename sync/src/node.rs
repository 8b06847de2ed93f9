//! The node: one iroh endpoint, the sync engine's thread, the sets this device holds, and
//! the API the app and the command line call. Commands in, events out; reads come from
//! the views the engine publishes, never from a locked document.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use iroh::address_lookup::MemoryLookup;
use iroh::endpoint::presets;
use iroh::protocol::Router;
use iroh::{Endpoint, EndpointAddr, EndpointId, RelayMode, RelayUrl, SecretKey, TransportAddr};
use revans_model::{
    ActionLearningSet, Applied, Author, Command, CommandError, Conflict, DeviceId, InvitationId,
    LoadError, MemberId, NewSet, Profile, SetId,
};
use revans_model::{Journal, JournalCommand, JournalEntryId, apply_journal, create_journal};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use crate::access::{Access, Gate};
use crate::data_dir::{DataDir, DataDirError, StoredProfile};
use crate::ids::{DocId, PeerId};
use crate::join::{self, JoinProtocol};
use crate::log::file::StorageProblem;
use crate::protocol::{JOIN_ALPN, Refusal, SYNC_ALPN};
use crate::runtime::links::{Links, Route, endpoint_addr};
use crate::runtime::{DocKind, DocView, EngineHandle, RefusedChange, Shared};
use crate::ticket::{BadTicket, InviteTicket, Link};

/// Which relays the node uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RelayChoice {
    /// None: direct connections only (tests, one room's Wi-Fi).
    Disabled,
    /// iroh's public relays.
    Default,
    /// Self-hosted `iroh-relay` servers.
    Custom(Vec<RelayUrl>),
    /// Only through iroh's in-process test relay: no direct paths, its self-signed
    /// certificate accepted. For tests; never in a release build.
    #[cfg(feature = "test-relay")]
    TestRelayOnly(iroh::RelayMap),
}

impl RelayChoice {
    /// Reads `disabled`, `default`, or the URL of a self-hosted `iroh-relay`.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim() {
            "disabled" | "off" | "none" => Ok(Self::Disabled),
            "default" => Ok(Self::Default),
            url => url.parse::<RelayUrl>().map(|u| Self::Custom(vec![u])).map_err(|_| {
                format!(
                    "\"{url}\" is not a relay: give disabled, default, or a relay's URL such as https://relay.example.org"
                )
            }),
        }
    }
}

/// How to start a node.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// The data directory.
    pub data_dir: PathBuf,
    /// Relays.
    pub relay: RelayChoice,
    /// A PEM file of certificate authorities to trust for relays besides the usual public
    /// ones: for an organisation's relay whose certificate its own authority signed.
    pub relay_ca: Option<PathBuf>,
    /// The address to bind; `None` binds every interface on a random port.
    pub bind: Option<SocketAddr>,
    /// Find members' devices on the local network (mDNS).
    pub local_discovery: bool,
    /// Dial members' devices and keep connections to them. A one-shot command that only
    /// reads or changes the set here leaves it off: it returns at once, and its change
    /// goes out at the next sync (a dial in flight would hold up the exit by seconds).
    /// Devices that dial this one are served either way.
    pub dial: bool,
}

impl NodeConfig {
    /// What the app uses: iroh's relays and local-network discovery.
    #[must_use]
    pub fn app(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            relay: RelayChoice::Default,
            relay_ca: None,
            bind: None,
            local_discovery: true,
            dial: true,
        }
    }

    /// Loopback only, no relays, no discovery: what tests use.
    #[must_use]
    pub fn loopback(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            relay: RelayChoice::Disabled,
            relay_ca: None,
            bind: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            local_discovery: false,
            dial: true,
        }
    }
}

/// What the node tells the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A set changed, here or on a peer.
    SetChanged(SetId),
    /// A member's device connected.
    PeerConnected(DeviceId),
    /// A member's device went away.
    PeerGone {
        /// Which.
        device: DeviceId,
        /// Why.
        reason: String,
    },
    /// A member's device told us which heads of a set it holds: our change reached it.
    PeerAcknowledged {
        /// The set.
        set: SetId,
        /// The device.
        device: DeviceId,
        /// The heads it acknowledged, as hex hashes.
        heads: Vec<String>,
        /// When we heard it.
        at: DateTime<Utc>,
    },
    /// A change from a member's device was refused: not applied, stored or relayed.
    Refused {
        /// The set.
        set: SetId,
        /// The change: who sent it, who signed it, and why.
        change: RefusedChange,
    },
    /// Something could not be saved or read.
    Storage(StorageProblem),
    /// Something on the network went wrong.
    Network(String),
}

/// What a backup brought.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imported {
    /// The set.
    pub set: SetId,
    /// How many of its changes this device did not hold and took.
    pub taken: usize,
    /// Why any were refused.
    pub refused: Vec<String>,
}

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The data directory.
    #[error(transparent)]
    DataDir(#[from] DataDirError),
    /// The network endpoint could not start.
    #[error("Could not start networking: {0}.")]
    Network(String),
    /// The relay's certificate authority file does not read.
    #[error(
        "Could not read the relay's certificate authority from {path}: {reason}. Give the PEM file of the authority that signed your relay's certificate (-----BEGIN CERTIFICATE-----), or leave --relay-ca out."
    )]
    RelayCa {
        /// The file given.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No such set here.
    #[error("This device holds no set {0}; list the sets it holds with `revans set list`.")]
    UnknownSet(String),
    /// This device acts for no current member of the set.
    #[error("This device is not a current member's device in that set.")]
    NotInSet,
    /// An edit here wrote something every other device would refuse: undone.
    #[error(
        "This change would break the set's rules ({0}); nothing was changed. Please report this."
    )]
    Unsound(String),
    /// A command was refused.
    #[error(transparent)]
    Command(#[from] CommandError),
    /// A document did not load.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// A ticket did not parse.
    #[error(transparent)]
    Ticket(#[from] BadTicket),
    /// The set's member refused the join.
    #[error("The set refused to admit this device: {0}. Ask a member for a new ticket.")]
    Refused(Refusal),
    /// No member's device could be reached.
    #[error(
        "No member's device could be reached (tried {0}). Check you are online, or ask a member to start Revans, then try again."
    )]
    Unreachable(String),
    /// Already a member.
    #[error("This device is already in that set.")]
    AlreadyMember,
    /// `join` was given a ticket that links a member's device.
    #[error(
        "That ticket links a device to a member who is already in the set, so only that member may use it: on their own new device, run `revans link-device TICKET` (or choose \"Link this device\" in the app). To join as a new member, ask a member for an invitation."
    )]
    LinkTicket,
    /// `link-device` was given a ticket that invites a newcomer.
    #[error(
        "That ticket invites a new member; join with it: `revans join TICKET --name NAME` (or \"Join with a ticket\" in the app). To link this device to yourself, make a ticket with `revans link SET` on a device you already use."
    )]
    InviteTicket,
    /// Linking a device that keeps a journal of its own.
    #[error(
        "This device keeps a private journal of its own already, and Revans never replaces a journal: linking it would leave those entries behind. Link a device that has not written a journal yet."
    )]
    JournalHeld,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageProblem),
    /// The node has stopped.
    #[error("Revans is shutting down.")]
    Stopped,
    /// A moment before the set began.
    #[error("The set did not exist yet at {0}: give a later time.")]
    NotYet(String),
}

/// One device's view of a member's device: connected, and holding our latest change?
// Four independent facts a screen shows side by side; not a state machine in disguise.
#[allow(clippy::struct_excessive_bools)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceSync {
    /// The device.
    pub device: DeviceId,
    /// Whether it is this device.
    pub this_device: bool,
    /// Whether it is connected now.
    pub connected: bool,
    /// Whether it has acknowledged our latest change to the set.
    pub up_to_date: bool,
    /// When we last heard from it about this set.
    pub last_heard: Option<DateTime<Utc>>,
    /// Whether it last told us it holds exactly what we hold: converged, both ways.
    pub same_heads: bool,
    /// How the connection to it runs, while connected (never for this device).
    pub route: Option<Route>,
    /// Whether it closed this device's last dial as not a member's device: this device's
    /// member was removed, or their admission has not reached it yet.
    pub refuses_us: bool,
}

/// A relay this device uses, as it stands now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelayState {
    /// The relay's URL.
    pub url: String,
    /// Whether this device holds a connection to it now.
    pub connected: bool,
    /// Why the last attempt to reach it failed, if it did.
    pub error: Option<String>,
}

pub(crate) struct Inner {
    pub(crate) data: Arc<DataDir>,
    pub(crate) device: DeviceId,
    pub(crate) endpoint: Endpoint,
    router: Router,
    pub(crate) engine: EngineHandle,
    pub(crate) links: Links,
    pub(crate) events: broadcast::Sender<Event>,
    /// This device's key: it signs the device's consent when it joins.
    pub(crate) key: SecretKey,
    /// The private journal's id, once this device has or expects one.
    journal: Mutex<Option<DocId>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("device", &self.device)
            .finish_non_exhaustive()
    }
}

/// A running node. Cheap to clone.
#[derive(Clone)]
pub struct Node {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("device", &self.inner.device)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere while holding one of these small values leaves it usable.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub(crate) fn doc_id(set: &SetId) -> Result<DocId, NodeError> {
    DocId::of_set(set).map_err(|_| NodeError::UnknownSet(set.to_string()))
}

/// The device id of an endpoint.
#[must_use]
pub fn device_of(id: &EndpointId) -> DeviceId {
    DeviceId::from_bytes(*id.as_bytes())
}

/// The endpoint of a device id, if it is a valid key.
#[must_use]
pub fn endpoint_of(device: &DeviceId) -> Option<EndpointId> {
    EndpointId::from_str(device.as_str()).ok()
}

/// Binds the endpoint: no relay, no discovery service and no internet are waited for.
async fn bind_endpoint(
    config: &NodeConfig,
    key: &SecretKey,
    bind: Option<SocketAddr>,
    lookup: &MemoryLookup,
    access: &watch::Receiver<Access>,
) -> Result<Endpoint, NodeError> {
    let relay_mode = match &config.relay {
        RelayChoice::Disabled => RelayMode::Disabled,
        RelayChoice::Default => RelayMode::Default,
        RelayChoice::Custom(urls) => RelayMode::custom(urls.clone()),
        #[cfg(feature = "test-relay")]
        RelayChoice::TestRelayOnly(map) => RelayMode::Custom(map.clone()),
    };
    let mut builder = Endpoint::builder(presets::Minimal)
        .secret_key(key.clone())
        .relay_mode(relay_mode)
        .address_lookup(lookup.clone())
        .hooks(Gate {
            access: access.clone(),
        });
    if let Some(bind) = bind {
        builder = builder
            .clear_ip_transports()
            .bind_addr(bind)
            .map_err(|e| NodeError::Network(e.to_string()))?;
        if bind.ip().is_loopback() {
            builder = builder.portmapper_config(iroh::endpoint::PortmapperConfig::Disabled);
        }
    }
    if config.local_discovery {
        builder = builder.address_lookup(iroh_mdns_address_lookup::MdnsAddressLookup::builder());
    }
    if let Some(path) = &config.relay_ca {
        builder = builder.ca_tls_config(
            iroh::tls::CaTlsConfig::embedded().with_extra_roots(relay_authorities(path)?),
        );
    }
    #[cfg(feature = "test-relay")]
    if matches!(config.relay, RelayChoice::TestRelayOnly(_)) {
        builder = builder
            .ca_tls_config(iroh::tls::CaTlsConfig::insecure_skip_verify())
            .clear_ip_transports()
            .portmapper_config(iroh::endpoint::PortmapperConfig::Disabled);
    }
    builder
        .bind()
        .await
        .map_err(|e| NodeError::Network(e.to_string()))
}

/// The certificates in a relay's certificate authority file (PEM).
fn relay_authorities(
    path: &std::path::Path,
) -> Result<Vec<rustls_pki_types::CertificateDer<'static>>, NodeError> {
    use rustls_pki_types::pem::PemObject as _;
    let problem = |reason: String| NodeError::RelayCa {
        path: path.display().to_string(),
        reason,
    };
    let certificates = rustls_pki_types::CertificateDer::pem_file_iter(path)
        .map_err(|e| problem(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| problem(e.to_string()))?;
    if certificates.is_empty() {
        return Err(problem("it holds no certificate".to_owned()));
    }
    Ok(certificates)
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
        let endpoint = match bind_endpoint(&config, &key, remembered, &lookup, &access_rx).await {
            Ok(endpoint) => endpoint,
            Err(e) if remembered != config.bind => {
                tracing::info!(error = %e, "the remembered port is taken; listening on another");
                bind_endpoint(&config, &key, config.bind, &lookup, &access_rx).await?
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
        let node_slot: Arc<OnceLock<Weak<Inner>>> = Arc::new(OnceLock::new());
        let router = Router::builder(endpoint.clone())
            .accept(SYNC_ALPN, links.protocol())
            .accept(JOIN_ALPN, JoinProtocol::new(node_slot.clone()))
            .spawn();
        let inner = Arc::new(Inner {
            data,
            device: me.device(),
            endpoint,
            router,
            engine,
            links,
            events,
            key: key.clone(),
            journal: Mutex::new(journal),
            tasks: Mutex::new(Vec::new()),
        });
        let _ = node_slot.set(Arc::downgrade(&inner));
        let node = Node { inner };

        // Every document opens in one round of the engine.
        let mut opening = Vec::new();
        if let Some(journal) = journal {
            opening.push((
                journal.to_string(),
                node.inner
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
                node.inner.engine.open(doc, DocKind::Set, None, hints),
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
        tracing::info!(device = %node.inner.device.short(), "node started");
        Ok(node)
    }

    /// This device's id (its iroh endpoint id).
    #[must_use]
    pub fn device(&self) -> &DeviceId {
        &self.inner.device
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
                device: self.inner.device.clone(),
            },
            Utc::now(),
        )?;
        let doc = doc_id(&id)?;
        self.inner
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
        if state.member_for_device(&self.inner.device).is_none() {
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
        let held = self.inner.engine.shared.view(&doc).is_some();
        if !held {
            self.inner
                .engine
                .open(doc, DocKind::Set, None, BTreeSet::new())
                .await?;
        }
        let (taken, mut refused) = self.inner.engine.adopt(doc, changes).await?;
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
        self.inner.engine.save(doc_id(set)?, true).await
    }

    /// One set, as it is now.
    pub fn set(&self, set: &SetId) -> Result<Arc<ActionLearningSet>, NodeError> {
        let view = self.inner.view(set)?;
        let loaded_set = view
            .set
            .as_ref()
            .ok_or_else(|| NodeError::UnknownSet(set.to_string()))?;
        Ok(loaded(&view, loaded_set)?)
    }

    /// The set's document as Automerge bytes.
    pub async fn save(&self, set: &SetId) -> Result<Vec<u8>, NodeError> {
        self.inner.engine.save(doc_id(set)?, false).await
    }

    /// The set's heads, to compare devices.
    pub fn heads(&self, set: &SetId) -> Result<Vec<automerge::ChangeHash>, NodeError> {
        Ok(self.inner.view(set)?.heads.clone())
    }

    /// This device's member in the set.
    pub fn me(&self, set: &SetId) -> Result<MemberId, NodeError> {
        self.inner.me(set)
    }

    /// Applies a command as this device's member. Returns once the change is on disk.
    pub async fn apply(&self, set: &SetId, command: Command) -> Result<Applied, NodeError> {
        self.inner.apply(set, command).await
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
                if *device == self.inner.device {
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
            set: set.to_string(),
            invitation: invitation.to_string(),
            key: seed,
            peers,
            link,
        })
    }

    /// Joins a set as a new member with an invitation ticket: any reachable member's
    /// device admits this one, then the set syncs here. Returns the set's id once it is
    /// held. A ticket that links a member's device is refused, saying so.
    pub async fn join(
        &self,
        ticket: &str,
        profile: Profile,
        timeout: Duration,
    ) -> Result<SetId, NodeError> {
        join::join(self, ticket.parse()?, Some(profile), timeout).await
    }

    /// Links this device to the member who made the ticket (on one of their devices):
    /// one of their devices admits it, adds it to their journal with its consent, and
    /// the set and the journal sync here. A ticket inviting a newcomer is refused, saying
    /// so, and so is any link while this device keeps a journal of its own.
    pub async fn link_device(&self, ticket: &str, timeout: Duration) -> Result<SetId, NodeError> {
        join::join(self, ticket.parse()?, None, timeout).await
    }

    /// The profile this device's person gave, if they have.
    pub fn profile(&self) -> Result<Option<Profile>, NodeError> {
        Ok(self.inner.data.settings()?.profile.map(|p| Profile {
            display_name: p.display_name,
            organisation: p.organisation,
        }))
    }

    /// Remembers this device's person's name and organisation, for the sets they create
    /// or join from now on.
    pub fn set_profile(&self, profile: &Profile) -> Result<(), NodeError> {
        self.inner.data.update_settings(|settings| {
            settings.profile = Some(StoredProfile {
                display_name: profile.display_name.clone(),
                organisation: profile.organisation.clone(),
            });
        })?;
        Ok(())
    }

    /// The data directory this node holds.
    #[must_use]
    pub fn data_dir(&self) -> &std::path::Path {
        self.inner.data.path()
    }

    /// The private journal's document id, if this device has or expects one.
    #[must_use]
    pub fn journal_id(&self) -> Option<String> {
        lock(&self.inner.journal).as_ref().map(ToString::to_string)
    }

    /// The private journal, if this device has one yet.
    pub fn journal(&self) -> Result<Option<Journal>, NodeError> {
        let Some(id) = *lock(&self.inner.journal) else {
            return Ok(None);
        };
        let Some(view) = self.inner.engine.shared.view(&id) else {
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
            .engine
            .edit(id, move |document| {
                Ok(apply_journal(document, Utc::now(), command)?)
            })
            .await
    }

    /// The journal's document, created now if this device has none.
    async fn journal_doc(&self) -> Result<DocId, NodeError> {
        if let Some(id) = *lock(&self.inner.journal) {
            return Ok(id);
        }
        let id = DocId::random();
        let document = create_journal(self.inner.device.clone(), Utc::now())?;
        self.inner
            .engine
            .open(id, DocKind::Journal, Some(document), BTreeSet::new())
            .await?;
        self.inner
            .data
            .update_settings(|s| s.journal = Some(id.to_string()))?;
        *lock(&self.inner.journal) = Some(id);
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
            .engine
            .open(doc, DocKind::Journal, None, peers)
            .await?;
        self.inner
            .data
            .update_settings(|s| s.journal = Some(doc.to_string()))?;
        *lock(&self.inner.journal) = Some(doc);
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
        Ok(self.inner.view(set)?.conflicts.to_vec())
    }

    /// The changes this device refused lately in a set (newest last): who sent each, who
    /// signed it, and why. They were not applied, stored or relayed. Void changes are
    /// listed too (`void`): allowed where they were made and held, but not shown, their
    /// author's place having been ended at the same time.
    pub fn refused(&self, set: &SetId) -> Result<Vec<RefusedChange>, NodeError> {
        Ok(self.inner.view(set)?.refused.clone())
    }

    /// Whether the private journal is in step with another of this member's devices:
    /// `None` when there is no journal or no other device on its list, `Some(true)` once
    /// one of them holds exactly what this device holds.
    #[must_use]
    pub fn journal_in_step(&self) -> Option<bool> {
        let id = (*lock(&self.inner.journal))?;
        let view = self.inner.engine.shared.view(&id)?;
        let others: Vec<PeerId> = match view.journal.as_deref() {
            Some(Ok(journal)) => journal
                .devices
                .keys()
                .filter(|d| **d != self.inner.device)
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
        let view = self.inner.view(set)?;
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
                        let this_device = *device == self.inner.device;
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
        self.inner.engine.shutdown().await;
        if let Err(e) = self.inner.router.shutdown().await {
            tracing::warn!(error = %e, "a protocol handler did not stop cleanly");
        }
        // The router closes the endpoint; closing it again makes sure its socket is gone
        // before this returns, so a restart can listen on the same port.
        self.inner.endpoint.close().await;
        let device = self.inner.device.short().to_owned();
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
            .engine
            .shared
            .views()
            .into_iter()
            .filter(|(_, view)| view.kind == DocKind::Set)
            .map(|(id, _)| id.set_id())
            .collect();
        for set in sets {
            let command = Command::RecordAddresses {
                device: self.inner.device.clone(),
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

    pub(crate) fn inner(&self) -> &Arc<Inner> {
        &self.inner
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

impl Inner {
    /// Adds `device` to this device's journal, with its consent: a device of this
    /// device's own member being linked (see the join protocol).
    pub(crate) async fn link_journal(
        &self,
        journal: &str,
        device: DeviceId,
        consent: [u8; 64],
    ) -> Result<(), NodeError> {
        let Some(id) = *lock(&self.journal) else {
            return Err(NodeError::UnknownSet(journal.to_owned()));
        };
        if id.to_string() != journal {
            return Err(NodeError::UnknownSet(journal.to_owned()));
        }
        match self
            .engine
            .edit(id, move |document| {
                Ok(apply_journal(
                    document,
                    Utc::now(),
                    JournalCommand::LinkDevice { device, consent },
                )?)
            })
            .await
        {
            Ok(_) | Err(NodeError::Command(CommandError::Unchanged(_))) => Ok(()),
            Err(e) => Err(e),
        }
    }

    pub(crate) fn view(&self, set: &SetId) -> Result<Arc<DocView>, NodeError> {
        self.engine
            .shared
            .view(&doc_id(set)?)
            .filter(|v| v.kind == DocKind::Set)
            .ok_or_else(|| NodeError::UnknownSet(set.to_string()))
    }

    pub(crate) fn me(&self, set: &SetId) -> Result<MemberId, NodeError> {
        let view = self.view(set)?;
        match view.set.as_ref() {
            Some(Ok(state)) => state
                .member_for_device(&self.device)
                .cloned()
                .ok_or(NodeError::NotInSet),
            Some(Err(e)) => Err(e.clone().into()),
            None => Err(NodeError::UnknownSet(set.to_string())),
        }
    }

    pub(crate) fn report_network(&self, message: String) {
        tracing::warn!(%message, "network");
        let _ = self.events.send(Event::Network(message));
    }

    pub(crate) fn remember_set(&self, set: &SetId) -> Result<(), NodeError> {
        self.data.update_settings(|settings| {
            if !settings.sets.iter().any(|s| s == set.as_str()) {
                settings.sets.push(set.to_string());
            }
        })?;
        Ok(())
    }

    /// Waits until `check` holds of the published views; `Err` after `timeout`.
    pub(crate) async fn wait_for(
        &self,
        timeout: Duration,
        check: impl Fn(&Shared) -> bool,
    ) -> Result<(), ()> {
        let mut version = self.engine.shared.version.subscribe();
        tokio::time::timeout(timeout, async {
            loop {
                if check(&self.engine.shared) {
                    return;
                }
                if version.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        })
        .await
        .map_err(|_| ())
    }

    /// Applies a command as this device's member, then waits until its change is on disk.
    pub(crate) async fn apply(&self, set: &SetId, command: Command) -> Result<Applied, NodeError> {
        let member = self.me(set)?;
        let author = Author {
            member,
            at: Utc::now(),
        };
        // The set as the node keeps it, if it is the document the edit runs on (the same
        // heads): the command then does not read the whole set again.
        let kept = self.view(set).ok().and_then(|view| match &view.set {
            Some(Ok(state)) => Some((view.heads.clone(), Arc::clone(state))),
            _ => None,
        });
        self.engine
            .edit(doc_id(set)?, move |document| {
                let current = kept.filter(|(heads, _)| {
                    let mut now = document.get_heads();
                    let mut then = heads.clone();
                    now.sort();
                    then.sort();
                    now == then
                });
                Ok(match current {
                    Some((_, state)) => {
                        revans_model::apply_to_kept(document, &author, command, state)?
                    }
                    None => revans_model::apply(document, &author, command)?,
                })
            })
            .await
    }
}
