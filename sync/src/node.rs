//! The node: one iroh endpoint, one samod repo, the sets this device holds, and the API
//! the app and the command line call. Commands in, events out.

use std::collections::{BTreeMap, HashMap, HashSet};
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
    ActionLearningSet, Applied, Author, Command, CommandError, DeviceId, InvitationId, LoadError,
    MemberId, NewSet, Profile, SetId,
};
use revans_model::{Journal, JournalCommand, JournalEntryId, apply_journal, create_journal};
use samod::storage::StorageKey;
use samod::{AcceptorHandle, BackoffConfig, DialerHandle, DocHandle, DocumentId, PeerId, Repo};
use sha2::{Digest, Sha256};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use crate::access::{Access, Gate, share_policy};
use crate::data_dir::{DataDir, DataDirError, StoredProfile};
use crate::join::{self, JoinProtocol};
use crate::peer::{Connections, IrohDialer, SyncProtocol};
use crate::protocol::{JOIN_ALPN, Refusal, SYNC_ALPN};
use crate::storage::{FsStorage, StorageProblem};
use crate::ticket::{BadTicket, InviteTicket};

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
    /// The address to bind; `None` binds every interface on a random port.
    pub bind: Option<SocketAddr>,
    /// Find members' devices on the local network (mDNS).
    pub local_discovery: bool,
}

impl NodeConfig {
    /// What the app uses: iroh's relays and local-network discovery.
    #[must_use]
    pub fn app(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            relay: RelayChoice::Default,
            bind: None,
            local_discovery: true,
        }
    }

    /// Loopback only, no relays, no discovery: what tests use.
    #[must_use]
    pub fn loopback(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            relay: RelayChoice::Disabled,
            bind: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            local_discovery: false,
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
    /// Something could not be saved or read.
    Storage(StorageProblem),
    /// Something on the network went wrong.
    Network(String),
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
    /// No such set here.
    #[error("This device holds no set {0}; list the sets it holds with `revans set list`.")]
    UnknownSet(String),
    /// This device acts for no current member of the set.
    #[error("This device is not a current member's device in that set.")]
    NotInSet,
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
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageProblem),
    /// The node has stopped.
    #[error("Revans is shutting down.")]
    Stopped,
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
}

pub(crate) struct Inner {
    pub(crate) data: DataDir,
    pub(crate) device: DeviceId,
    pub(crate) endpoint: Endpoint,
    router: Router,
    pub(crate) repo: Repo,
    pub(crate) storage: FsStorage,
    pub(crate) events: broadcast::Sender<Event>,
    pub(crate) sets: Mutex<BTreeMap<String, DocHandle>>,
    /// The private journal: its id once this device has or expects one, its handle once held.
    journal: Mutex<(Option<DocumentId>, Option<DocHandle>)>,
    access: watch::Sender<Access>,
    /// Access granted before a document is held: the peers a joiner was admitted by.
    provisional: Mutex<HashMap<DocumentId, HashSet<EndpointId>>>,
    lookup: MemoryLookup,
    dialers: Mutex<HashMap<EndpointId, DialerHandle>>,
    connections: Connections,
    tasks: Mutex<Vec<JoinHandle<()>>>,
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
    // A panic elsewhere while holding one of these small maps leaves it usable.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn doc_id(set: &SetId) -> Result<DocumentId, NodeError> {
    DocumentId::from_str(set.as_str()).map_err(|_| NodeError::UnknownSet(set.to_string()))
}

/// A fresh id for a set: random, and usable as its document's id.
#[must_use]
pub fn new_set_id() -> SetId {
    let bytes: [u8; 16] = rand::random();
    DocumentId::try_from(bytes.to_vec())
        .map_or_else(|_| SetId::random(), |doc| SetId::from(doc.to_string()))
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

/// SHA-256 in lowercase hex.
fn hex_sha256(bytes: &[u8]) -> String {
    use std::fmt::Write;
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}

/// The hash of an invitation secret, as the set stores it.
#[must_use]
pub fn secret_hash(secret: &[u8; 32]) -> String {
    hex_sha256(secret)
}

/// A device's recorded addresses as an endpoint address.
fn endpoint_addr(id: EndpointId, addresses: &[String]) -> EndpointAddr {
    let addrs = addresses.iter().filter_map(|a| {
        if let Ok(ip) = a.parse::<SocketAddr>() {
            Some(TransportAddr::Ip(ip))
        } else {
            a.parse::<RelayUrl>().ok().map(TransportAddr::Relay)
        }
    });
    EndpointAddr::from_parts(id, addrs)
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

impl Node {
    /// Starts a node on its data directory: the lock, the key, the endpoint (which never
    /// waits for the internet), and the sets it holds.
    #[allow(clippy::too_many_lines)] // the start-up sequence, in order
    pub async fn start(config: NodeConfig) -> Result<Self, NodeError> {
        let data = DataDir::open(&config.data_dir)?;
        let key = SecretKey::from_bytes(&data.device_key(rand::random)?);
        let (events, _) = broadcast::channel(1024);
        let report_to = events.clone();
        let storage = FsStorage::new(
            data.docs(),
            Arc::new(move |problem| {
                let _ = report_to.send(Event::Storage(problem));
            }),
        );
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
            data.save_settings(&crate::data_dir::Settings {
                port: Some(port),
                ..settings.clone()
            })?;
        }
        let device = device_of(&endpoint.id());

        let repo = Repo::build_tokio()
            .with_storage(storage.clone())
            .with_peer_id(PeerId::from(endpoint.id().to_string()))
            .with_share_policy(share_policy(access_rx))
            .load()
            .await;
        let acceptor: AcceptorHandle = repo
            .make_acceptor(
                samod::Url::parse("iroh://revans-sync")
                    .map_err(|e| NodeError::Network(e.to_string()))?,
            )
            .map_err(|_| NodeError::Stopped)?;
        let connections = Connections::new(events.clone());
        let node_slot: Arc<OnceLock<Weak<Inner>>> = Arc::new(OnceLock::new());
        let router = Router::builder(endpoint.clone())
            .accept(SYNC_ALPN, SyncProtocol::new(acceptor, connections.clone()))
            .accept(JOIN_ALPN, JoinProtocol::new(node_slot.clone()))
            .spawn();

        let inner = Arc::new(Inner {
            data,
            device,
            endpoint,
            router,
            repo,
            storage,
            events,
            sets: Mutex::new(BTreeMap::new()),
            journal: Mutex::new((None, None)),
            access: access_tx,
            provisional: Mutex::new(HashMap::new()),
            lookup,
            dialers: Mutex::new(HashMap::new()),
            connections,
            tasks: Mutex::new(Vec::new()),
        });
        let _ = node_slot.set(Arc::downgrade(&inner));
        let node = Node { inner };

        if let Some(id) = &settings.journal
            && let Ok(doc) = DocumentId::from_str(id)
        {
            lock(&node.inner.journal).0 = Some(doc.clone());
            if let Ok(Some(handle)) = node.inner.repo.find(doc).await {
                lock(&node.inner.journal).1 = Some(handle);
            }
        }
        for id in settings.sets {
            match DocumentId::from_str(&id) {
                Ok(doc) => match node.inner.repo.find(doc).await {
                    Ok(Some(handle)) => node.hold(handle),
                    Ok(None) => node
                        .inner
                        .report_network(format!("the set {id} could not be loaded from disk")),
                    Err(_) => return Err(NodeError::Stopped),
                },
                Err(_) => node
                    .inner
                    .report_network(format!("the settings name an invalid set id {id}")),
            }
        }
        node.inner.refresh();
        node.spawn_address_recorder();
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
        self.inner.lookup.add_endpoint_info(addr);
    }

    /// Creates a set with this device's member as its founder and facilitator.
    pub async fn create_set(
        &self,
        name: &str,
        purpose: &str,
        founder: Profile,
    ) -> Result<SetId, NodeError> {
        let doc = DocumentId::try_from(rand::random::<[u8; 16]>().to_vec())
            .map_err(|_| NodeError::Stopped)?;
        let id = SetId::from(doc.to_string());
        let (document, _, _) = revans_model::create_set(
            NewSet {
                id: id.clone(),
                name: name.to_owned(),
                purpose: purpose.to_owned(),
                founder,
                device: self.inner.device.clone(),
            },
            Utc::now(),
        )?;
        let handle = self.inner.seed(&doc, &document).await?;
        self.hold(handle);
        self.inner.remember_set(&id)?;
        self.inner.refresh();
        self.record_addresses().await;
        Ok(id)
    }

    /// The sets this device holds.
    #[must_use]
    pub fn sets(&self) -> Vec<(SetId, Result<ActionLearningSet, LoadError>)> {
        let handles: Vec<(String, DocHandle)> = lock(&self.inner.sets)
            .iter()
            .map(|(k, h)| (k.clone(), h.clone()))
            .collect();
        handles
            .into_iter()
            .map(|(id, handle)| {
                (
                    SetId::from(id),
                    handle.with_document(|doc| ActionLearningSet::from_doc(doc)),
                )
            })
            .collect()
    }

    /// Restores a set from its Automerge bytes (`revans export --format automerge`): a
    /// backup, or a set made elsewhere. The bytes are untrusted: they must load, be a set
    /// this version reads, and name this device as a current member's. A set already held
    /// merges with them. Returns once on disk.
    pub async fn import_set(&self, bytes: &[u8]) -> Result<SetId, NodeError> {
        let mut incoming = automerge::Automerge::load(bytes)
            .map_err(|e| LoadError::NotASet(format!("its bytes do not load: {e}")))?;
        let state = ActionLearningSet::from_doc(&incoming)?;
        if state.member_for_device(&self.inner.device).is_none() {
            return Err(NodeError::NotInSet);
        }
        let id = state.id.clone();
        let doc = doc_id(&id)?;
        let held = lock(&self.inner.sets).get(id.as_str()).cloned();
        if let Some(handle) = held {
            let changes = handle.with_document(|document| {
                let before = document.get_heads();
                document
                    .merge(&mut incoming)
                    .map_err(|e| LoadError::Damaged(e.to_string()))?;
                Ok::<_, NodeError>(new_changes(document, &before))
            })?;
            self.inner.persist(&doc, changes).await?;
        } else {
            let handle = self.inner.seed(&doc, &incoming).await?;
            self.hold(handle);
            self.inner.remember_set(&id)?;
            self.inner.refresh();
            self.record_addresses().await;
        }
        Ok(id)
    }

    /// One set, as it is now.
    pub fn set(&self, set: &SetId) -> Result<ActionLearningSet, NodeError> {
        let handle = self.inner.handle(set)?;
        Ok(handle.with_document(|doc| ActionLearningSet::from_doc(doc))?)
    }

    /// The set's document as Automerge bytes.
    pub fn save(&self, set: &SetId) -> Result<Vec<u8>, NodeError> {
        Ok(self.inner.handle(set)?.with_document(|doc| doc.save()))
    }

    /// The set's heads, to compare devices.
    pub fn heads(&self, set: &SetId) -> Result<Vec<automerge::ChangeHash>, NodeError> {
        Ok(self.inner.handle(set)?.with_document(|doc| doc.get_heads()))
    }

    /// This device's member in the set.
    pub fn me(&self, set: &SetId) -> Result<MemberId, NodeError> {
        self.set(set)?
            .member_for_device(&self.inner.device)
            .cloned()
            .ok_or(NodeError::NotInSet)
    }

    /// Applies a command as this device's member. Returns once the change is on disk.
    pub async fn apply(&self, set: &SetId, command: Command) -> Result<Applied, NodeError> {
        self.inner.apply(set, command).await
    }

    /// Invites someone: returns the ticket to give them. With `link_to`, the ticket links
    /// a second device to that member instead.
    pub async fn invite(
        &self,
        set: &SetId,
        for_name: &str,
        valid_for: Duration,
        link_to: Option<MemberId>,
    ) -> Result<InviteTicket, NodeError> {
        let secret: [u8; 32] = rand::random();
        let invitation = InvitationId::random();
        let link_to_copy = link_to.clone();
        let expires_at =
            Utc::now() + chrono::Duration::from_std(valid_for).unwrap_or(chrono::Duration::days(7));
        self.apply(
            set,
            Command::Invite {
                id: invitation.clone(),
                for_name: for_name.to_owned(),
                secret_hash: secret_hash(&secret),
                expires_at,
                link_to: link_to_copy,
            },
        )
        .await?;
        let state = self.set(set)?;
        let mut peers = vec![self.addr()];
        for member in state.members.values().filter(|m| m.is_current()) {
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
        let mine =
            link_to.is_some() && link_to.as_ref() == state.member_for_device(&self.inner.device);
        let journal = if mine {
            lock(&self.inner.journal)
                .0
                .as_ref()
                .map(ToString::to_string)
        } else {
            None
        };
        Ok(InviteTicket {
            set: set.to_string(),
            invitation: invitation.to_string(),
            secret,
            peers,
            journal,
        })
    }

    /// Joins a set with a ticket: any reachable member's device admits this one, then the
    /// set syncs here. Returns the set's id once it is held.
    pub async fn join(
        &self,
        ticket: &str,
        profile: Profile,
        timeout: Duration,
    ) -> Result<SetId, NodeError> {
        join::join(self, ticket, profile, timeout).await
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
        let mut settings = self.inner.data.settings()?;
        settings.profile = Some(StoredProfile {
            display_name: profile.display_name.clone(),
            organisation: profile.organisation.clone(),
        });
        self.inner.data.save_settings(&settings)?;
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
        lock(&self.inner.journal)
            .0
            .as_ref()
            .map(ToString::to_string)
    }

    /// The private journal, if this device has one yet.
    pub fn journal(&self) -> Result<Option<Journal>, NodeError> {
        let handle = lock(&self.inner.journal).1.clone();
        match handle {
            Some(handle) => Ok(Some(handle.with_document(|doc| Journal::from_doc(doc))?)),
            None => Ok(None),
        }
    }

    /// Changes the private journal, creating it on first use. It syncs only with this
    /// member's own devices. Returns the id of a new entry. Returns once on disk.
    pub async fn journal_apply(
        &self,
        command: JournalCommand,
    ) -> Result<Option<JournalEntryId>, NodeError> {
        // Bound first: a guard in the match's scrutinee would live through create_journal.
        let held = lock(&self.inner.journal).1.clone();
        let handle = match held {
            Some(handle) => handle,
            None => self.create_journal().await?,
        };
        let doc = handle.document_id().clone();
        let (entry, changes) = handle.with_document(|document| {
            let before = document.get_heads();
            let entry = apply_journal(document, Utc::now(), command)?;
            Ok::<_, NodeError>((entry, new_changes(document, &before)))
        })?;
        self.inner.persist(&doc, changes).await?;
        Ok(entry)
    }

    async fn create_journal(&self) -> Result<DocHandle, NodeError> {
        let doc = DocumentId::try_from(rand::random::<[u8; 16]>().to_vec())
            .map_err(|_| NodeError::Stopped)?;
        let document = create_journal(self.inner.device.clone(), Utc::now())?;
        let handle = self.inner.seed(&doc, &document).await?;
        *lock(&self.inner.journal) = (Some(doc.clone()), Some(handle.clone()));
        let mut settings = self.inner.data.settings()?;
        settings.journal = Some(doc.to_string());
        self.inner.data.save_settings(&settings)?;
        self.inner.refresh();
        Ok(handle)
    }

    /// Fetches the journal a linking ticket named from the member's other devices.
    pub(crate) async fn adopt_journal(&self, id: &str, timeout: Duration) -> Result<(), NodeError> {
        let doc = DocumentId::from_str(id).map_err(|_| NodeError::UnknownSet(id.to_owned()))?;
        lock(&self.inner.journal).0 = Some(doc.clone());
        let mut settings = self.inner.data.settings()?;
        settings.journal = Some(doc.to_string());
        self.inner.data.save_settings(&settings)?;
        self.inner.refresh();
        let handle = self.inner.find(doc, timeout).await?;
        lock(&self.inner.journal).1 = Some(handle);
        Ok(())
    }

    /// Per member of the set: their devices, connected or not, holding our latest change
    /// or not, and when we last heard from them.
    pub fn sync_status(&self, set: &SetId) -> Result<Vec<(MemberId, Vec<DeviceSync>)>, NodeError> {
        let handle = self.inner.handle(set)?;
        // Only the members: the UI asks this after every change, for every set.
        let members = handle.with_document(|doc| members_of(doc))?;
        let our_heads = handle.with_document(|doc| doc.get_heads());
        let (connections, _) = self.inner.repo.connected_peers();
        let peer_of: HashMap<_, _> = connections
            .iter()
            .filter_map(|c| match &c.state {
                samod::ConnectionState::Connected { their_peer_id } => {
                    Some((c.id, their_peer_id.to_string()))
                }
                samod::ConnectionState::Handshaking => None,
            })
            .collect();
        let (docs, _) = handle.peers();
        let mut ours_sorted = our_heads.clone();
        ours_sorted.sort();
        let mut per_device: HashMap<String, (bool, Option<DateTime<Utc>>, bool)> = HashMap::new();
        for (conn, doc_state) in docs {
            let Some(peer) = peer_of.get(&conn) else {
                continue;
            };
            let current = doc_state.shared_heads.as_ref() == Some(&our_heads);
            let same = doc_state.their_heads.as_ref().is_some_and(|theirs| {
                let mut theirs = theirs.clone();
                theirs.sort();
                theirs == ours_sorted
            });
            let entry = per_device
                .entry(peer.clone())
                .or_insert((false, None, false));
            entry.0 |= current;
            entry.1 = entry.1.max(doc_state.last_received);
            entry.2 |= current && same;
        }
        let connected: HashSet<String> = peer_of.values().cloned().collect();
        Ok(revans_model::current_members(&members)
            .into_iter()
            .map(|(id, member)| {
                let devices = member
                    .devices
                    .keys()
                    .map(|device| {
                        let this_device = *device == self.inner.device;
                        let (up_to_date, last_heard, same_heads) = per_device
                            .get(device.as_str())
                            .copied()
                            .unwrap_or((false, None, false));
                        DeviceSync {
                            device: device.clone(),
                            this_device,
                            connected: this_device || connected.contains(device.as_str()),
                            up_to_date: this_device || up_to_date,
                            last_heard,
                            same_heads: this_device || same_heads,
                        }
                    })
                    .collect();
                (id.clone(), devices)
            })
            .collect())
    }

    /// Stops the node: connections close, everything on disk, the data directory freed.
    pub async fn shutdown(self) {
        for handle in lock(&self.inner.tasks).drain(..) {
            handle.abort();
        }
        for (_, dialer) in lock(&self.inner.dialers).drain() {
            dialer.close();
        }
        self.inner.repo.stop().await;
        if let Err(e) = self.inner.router.shutdown().await {
            tracing::warn!(error = %e, "a protocol handler did not stop cleanly");
        }
        // The router closes the endpoint; closing it again makes sure its socket is gone
        // before this returns, so a restart can listen on the same port.
        self.inner.endpoint.close().await;
        tracing::info!(device = %self.inner.device.short(), "node stopped");
    }

    /// Starts watching a set: its changes refresh access and dials, and reach the app.
    fn hold(&self, handle: DocHandle) {
        let id = handle.document_id().to_string();
        lock(&self.inner.sets).insert(id.clone(), handle.clone());
        let (handle_for_acks, id_for_acks) = (handle.clone(), id.clone());
        let weak = Arc::downgrade(&self.inner);
        let task = tokio::spawn(async move {
            let mut changes = handle.changes();
            while changes.next().await.is_some() {
                let Some(inner) = weak.upgrade() else { break };
                inner.refresh();
                let _ = inner
                    .events
                    .send(Event::SetChanged(SetId::from(id.clone())));
            }
        });
        lock(&self.inner.tasks).push(task);
        self.report_acknowledgements(handle_for_acks, id_for_acks);
    }

    /// Emits [`Event::PeerAcknowledged`] whenever a peer tells us the heads it holds.
    fn report_acknowledgements(&self, handle: DocHandle, id: String) {
        let weak = Arc::downgrade(&self.inner);
        let task = tokio::spawn(async move {
            let (_, updates) = handle.peers();
            let mut updates = Box::pin(updates);
            let mut last: HashMap<samod::ConnectionId, Vec<automerge::ChangeHash>> = HashMap::new();
            while let Some(changed) = updates.next().await {
                let Some(inner) = weak.upgrade() else { break };
                let (connections, _) = inner.repo.connected_peers();
                for (conn, state) in changed {
                    let Some(heads) = state.last_acked_heads else {
                        continue;
                    };
                    if last.get(&conn) == Some(&heads) {
                        continue;
                    }
                    last.insert(conn, heads.clone());
                    let peer =
                        connections
                            .iter()
                            .find(|c| c.id == conn)
                            .and_then(|c| match &c.state {
                                samod::ConnectionState::Connected { their_peer_id } => {
                                    Some(their_peer_id.to_string())
                                }
                                samod::ConnectionState::Handshaking => None,
                            });
                    let Some(Ok(device)) = peer.map(|p| DeviceId::parse(&p)) else {
                        continue;
                    };
                    let _ = inner.events.send(Event::PeerAcknowledged {
                        set: SetId::from(id.clone()),
                        device,
                        heads: heads.iter().map(ToString::to_string).collect(),
                        at: state.last_received.unwrap_or_else(Utc::now),
                    });
                }
            }
        });
        lock(&self.inner.tasks).push(task);
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

    pub(crate) async fn record_addresses(&self) {
        let addr = self.inner.endpoint.addr();
        // Written plainly (`ip:port`, a relay URL) so any version can read them back.
        let addresses: Vec<String> = addr
            .addrs
            .iter()
            .filter_map(|a| match a {
                TransportAddr::Ip(ip) => Some(ip.to_string()),
                TransportAddr::Relay(url) => Some(url.to_string()),
                _ => None,
            })
            .collect();
        let ids: Vec<String> = lock(&self.inner.sets).keys().cloned().collect();
        for id in ids {
            let set = SetId::from(id);
            let command = Command::RecordAddresses {
                device: self.inner.device.clone(),
                addresses: addresses.clone(),
            };
            match self.apply(&set, command).await {
                Ok(_)
                | Err(NodeError::Command(CommandError::Unchanged(_)) | NodeError::NotInSet) => {}
                Err(e) => self
                    .inner
                    .report_network(format!("could not record this device's addresses: {e}")),
            }
        }
    }

    pub(crate) fn inner(&self) -> &Arc<Inner> {
        &self.inner
    }

    pub(crate) fn hold_joined(&self, handle: DocHandle) {
        self.hold(handle);
    }
}

/// A set's members alone, read without hydrating the rest of the set.
fn members_of(
    doc: &automerge::Automerge,
) -> Result<BTreeMap<MemberId, revans_model::Member>, LoadError> {
    // The same gate as a whole set: a document of a newer schema is not read.
    let schema: autosurgeon::MaybeMissing<u64> =
        autosurgeon::hydrate_prop(doc, automerge::ROOT, "schema")
            .map_err(|e| LoadError::NotASet(e.to_string()))?;
    match schema {
        autosurgeon::MaybeMissing::Present(v) if v <= revans_model::SCHEMA_VERSION => {
            autosurgeon::hydrate_prop(doc, automerge::ROOT, "members")
                .map_err(|e| LoadError::Damaged(e.to_string()))
        }
        autosurgeon::MaybeMissing::Present(v) => Err(LoadError::TooNew(v)),
        autosurgeon::MaybeMissing::Missing => {
            Err(LoadError::NotASet("it has no schema version".into()))
        }
    }
}

/// The changes made since `before`, with their hashes, for the durability barrier.
fn new_changes(
    document: &automerge::Automerge,
    before: &[automerge::ChangeHash],
) -> Vec<(automerge::ChangeHash, Vec<u8>)> {
    document
        .get_changes(before)
        .into_iter()
        .map(|c| (c.hash(), c.raw_bytes().to_vec()))
        .collect()
}

impl Inner {
    /// Writes a new document's first snapshot to disk, then opens it through samod.
    async fn seed(
        &self,
        doc: &DocumentId,
        document: &automerge::Automerge,
    ) -> Result<DocHandle, NodeError> {
        let bytes = document.save();
        let name = hex_sha256(&bytes);
        let key = StorageKey::from_parts([doc.to_string().as_str(), "snapshot", name.as_str()])
            .map_err(|e| NodeError::Network(e.to_string()))?;
        self.storage.write_now(&key, bytes).await?;
        self.repo
            .find(doc.clone())
            .await
            .map_err(|_| NodeError::Stopped)?
            .ok_or_else(|| NodeError::UnknownSet(doc.to_string()))
    }

    /// Waits for a document to arrive from the peers allowed it.
    pub(crate) async fn find(
        &self,
        doc: DocumentId,
        timeout: Duration,
    ) -> Result<DocHandle, NodeError> {
        tokio::time::timeout(timeout, async {
            loop {
                match self.repo.find(doc.clone()).await {
                    Ok(Some(handle)) => return Ok(handle),
                    Ok(None) => tokio::time::sleep(Duration::from_millis(100)).await,
                    Err(_) => return Err(NodeError::Stopped),
                }
            }
        })
        .await
        .map_err(|_| NodeError::Unreachable("the member's other devices".into()))?
    }

    /// The durability barrier: each new change's chunk written and synced to disk.
    async fn persist(
        &self,
        doc: &DocumentId,
        changes: Vec<(automerge::ChangeHash, Vec<u8>)>,
    ) -> Result<(), NodeError> {
        for (hash, bytes) in changes {
            self.storage
                .write_now(&StorageKey::incremental_path(doc, hash), bytes)
                .await?;
        }
        Ok(())
    }

    pub(crate) fn handle(&self, set: &SetId) -> Result<DocHandle, NodeError> {
        lock(&self.sets)
            .get(set.as_str())
            .cloned()
            .ok_or_else(|| NodeError::UnknownSet(set.to_string()))
    }

    pub(crate) fn report_network(&self, message: String) {
        tracing::warn!(%message, "network");
        let _ = self.events.send(Event::Network(message));
    }

    pub(crate) fn remember_set(&self, set: &SetId) -> Result<(), NodeError> {
        let mut settings = self.data.settings()?;
        if !settings.sets.iter().any(|s| s == set.as_str()) {
            settings.sets.push(set.to_string());
            self.data.save_settings(&settings)?;
        }
        Ok(())
    }

    pub(crate) fn allow_provisionally(&self, doc: DocumentId, peers: HashSet<EndpointId>) {
        lock(&self.provisional).insert(doc, peers);
        self.refresh();
    }

    /// Applies a command as this device's member, then waits until its change is on disk.
    pub(crate) async fn apply(&self, set: &SetId, command: Command) -> Result<Applied, NodeError> {
        let handle = self.handle(set)?;
        let doc = doc_id(set)?;
        let device = self.device.clone();
        let (applied, changes) = handle.with_document(|document| {
            let state = ActionLearningSet::from_doc(document)?;
            let member = state
                .member_for_device(&device)
                .cloned()
                .ok_or(NodeError::NotInSet)?;
            let before = document.get_heads();
            let applied = revans_model::apply(
                document,
                &Author {
                    member,
                    at: Utc::now(),
                },
                command,
            )?;
            Ok::<_, NodeError>((applied, new_changes(document, &before)))
        })?;
        self.persist(&doc, changes).await?;
        self.refresh();
        let _ = self.events.send(Event::SetChanged(set.clone()));
        Ok(applied)
    }

    /// Rebuilds who may have what from the documents, closes connections to devices no
    /// longer allowed anything, and dials the members' devices not yet dialled.
    pub(crate) fn refresh(&self) {
        let handles: Vec<(String, DocHandle)> = lock(&self.sets)
            .iter()
            .map(|(k, h)| (k.clone(), h.clone()))
            .collect();
        let mut access = Access::default();
        let mut addresses: HashMap<EndpointId, Vec<String>> = HashMap::new();
        // The journal goes only to this member's own other devices.
        let mut own_devices: HashSet<EndpointId> = HashSet::new();
        for (doc, peers) in lock(&self.provisional).iter() {
            access.set(doc.clone(), peers.clone());
        }
        for (id, handle) in handles {
            let Ok(doc) = DocumentId::from_str(&id) else {
                continue;
            };
            // Only the members: hydrating a whole set (two years of meetings) on every
            // change of every set was most of the cost of catching up and of opening.
            let Ok(members) = handle.with_document(|d| members_of(d)) else {
                continue;
            };
            let mut allowed = HashSet::new();
            let me = members
                .iter()
                .find(|(_, m)| m.is_current() && m.devices.contains_key(&self.device))
                .map(|(id, _)| id.clone());
            // A device removed from the set is refused even if we still hold its record.
            if let Some(me) = me {
                if let Some(record) = members.get(&me) {
                    own_devices.extend(
                        record
                            .devices
                            .keys()
                            .filter(|d| **d != self.device)
                            .filter_map(endpoint_of),
                    );
                }
                for member in members.values().filter(|m| m.is_current()) {
                    for (device, record) in &member.devices {
                        let Some(endpoint) = endpoint_of(device) else {
                            continue;
                        };
                        if *device != self.device {
                            allowed.insert(endpoint);
                            addresses.insert(endpoint, record.addresses.clone());
                        }
                    }
                }
            }
            lock(&self.provisional).remove(&doc);
            access.set(doc, allowed);
        }
        if let Some(journal) = lock(&self.journal).0.clone() {
            access.set(journal, own_devices);
        }
        let endpoints = access.endpoints();
        self.access.send_if_modified(|current| {
            if *current == access {
                false
            } else {
                *current = access;
                true
            }
        });
        // Close what is no longer allowed; a dialler would only reconnect, so it goes too.
        self.connections.close_all_except(&endpoints);
        let mut dialers = lock(&self.dialers);
        dialers.retain(|endpoint, dialer| {
            let keep = endpoints.contains(endpoint);
            if !keep {
                dialer.close();
            }
            keep
        });
        for endpoint in endpoints {
            if let Some(addrs) = addresses.get(&endpoint)
                && !addrs.is_empty()
            {
                self.lookup
                    .add_endpoint_info(endpoint_addr(endpoint, addrs));
            }
            if dialers.contains_key(&endpoint) {
                continue;
            }
            let Some(dialer) =
                IrohDialer::new(self.endpoint.clone(), endpoint, self.connections.clone())
            else {
                continue;
            };
            let backoff = BackoffConfig {
                initial_delay: Duration::from_millis(200),
                max_delay: Duration::from_secs(30),
                max_retries: None,
            };
            match self.repo.dial(backoff, Arc::new(dialer)) {
                Ok(handle) => {
                    dialers.insert(endpoint, handle);
                }
                Err(_) => return,
            }
        }
    }
}
