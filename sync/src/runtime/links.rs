//! Connections: one iroh connection per pair of devices, every shared document over its
//! one bi-stream. The device with the smaller endpoint id dials; the other dials too
//! after a grace period if no connection comes (it may know an address the first does
//! not), and when both connections exist, both ends keep the one the smaller id dialled.
//! Dialling retries with backoff; a removal closes the connection at once; frames go to
//! and from the engine's thread.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::FutureExt;
use iroh::address_lookup::MemoryLookup;
use iroh::endpoint::{ConnectError, ConnectOptions, ConnectingError, Connection, ConnectionError};
use iroh::protocol::{AcceptError, ProtocolHandler};
use iroh::{Endpoint, EndpointAddr, EndpointId, RelayUrl, TransportAddr};
use tokio::sync::{Notify, broadcast, watch};
use tokio::task::JoinHandle;
use tracing::Instrument;

use super::{EngineHandle, Outgoing, Request};
use crate::access::Access;
use crate::ids::{DocId, PeerId};
use crate::node::event::Event;
use crate::protocol::{
    EARLIER_SYNC_ALPNS, Frame, MAX_FRAME, MAX_HELLO, SYNC_ALPN, WIRE_VERSION, close, read_frame,
    sync_version, write_frame,
};

/// How long the device with the larger id waits for the smaller one to dial.
const GRACE: Duration = Duration::from_millis(1500);
/// The first wait after a failed dial; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// A dial that has not connected by then is given up (and retried later).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// A connection must say hello by then.
const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
/// A connection that lasted this long was a working one: the next dial starts afresh.
const STEADY: Duration = Duration::from_secs(5);

/// How a connection to a device runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// Straight between the two devices' addresses (on one network, or through NATs
    /// by hole-punching).
    Direct,
    /// Through a relay server.
    Relay,
}

impl Route {
    /// The word a screen or `--json` uses.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::Relay => "relay",
        }
    }
}

struct Live {
    id: u64,
    dialed_by: PeerId,
    conn: Connection,
}

/// The live connections and the diallers.
#[derive(Clone)]
pub struct Links {
    inner: Arc<Inner>,
}

struct Inner {
    endpoint: Endpoint,
    me: PeerId,
    engine: EngineHandle,
    events: broadcast::Sender<Event>,
    live: Mutex<HashMap<PeerId, Live>>,
    next: AtomicU64,
    lookup: MemoryLookup,
    /// A connection went away.
    gone: Notify,
    /// "Sync now": diallers stop waiting.
    wake: Notify,
    dialers: Mutex<HashMap<PeerId, JoinHandle<()>>>,
    /// Peers that closed this device's last dial as not a member's device (it was
    /// removed, or its admission has not reached them).
    refused_us: Mutex<std::collections::HashSet<PeerId>>,
    /// Peers whose Revans speaks another sync protocol than this one's, by its version:
    /// the two cannot sync until one of them updates.
    versions: Mutex<HashMap<PeerId, u32>>,
    watcher: Mutex<Option<JoinHandle<()>>>,
    /// Whether to dial at all (see `NodeConfig::dial`); turned on by `sync_now`.
    dial: std::sync::atomic::AtomicBool,
    /// The access list last followed, to start diallers when dialling is turned on.
    access: watch::Receiver<Access>,
}

impl std::fmt::Debug for Links {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Links").finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Whether a connection was closed by the other device as not a member's (it refused
/// this one at the handshake, or closed it on a removal).
fn refuses_us(error: &ConnectionError) -> bool {
    matches!(error, ConnectionError::ApplicationClosed(closed)
        if closed.error_code == close::NOT_A_MEMBER || closed.error_code == close::REMOVED)
}

/// A device's recorded addresses as an endpoint address.
#[must_use]
pub fn endpoint_addr(id: EndpointId, addresses: &[String]) -> EndpointAddr {
    let addrs = addresses.iter().filter_map(|a| {
        if let Ok(ip) = a.parse::<SocketAddr>() {
            Some(TransportAddr::Ip(ip))
        } else {
            a.parse::<RelayUrl>().ok().map(TransportAddr::Relay)
        }
    });
    EndpointAddr::from_parts(id, addrs)
}

impl Links {
    /// Starts following who may have what: diallers for allowed peers, closing the rest.
    #[must_use]
    pub fn start(
        endpoint: Endpoint,
        engine: EngineHandle,
        events: broadcast::Sender<Event>,
        lookup: MemoryLookup,
        mut access: watch::Receiver<Access>,
        dial: bool,
    ) -> Self {
        let me = PeerId(*endpoint.id().as_bytes());
        let links = Self {
            inner: Arc::new(Inner {
                endpoint,
                me,
                engine,
                events,
                live: Mutex::new(HashMap::new()),
                next: AtomicU64::new(1),
                lookup,
                gone: Notify::new(),
                wake: Notify::new(),
                dialers: Mutex::new(HashMap::new()),
                refused_us: Mutex::new(std::collections::HashSet::new()),
                versions: Mutex::new(HashMap::new()),
                watcher: Mutex::new(None),
                dial: std::sync::atomic::AtomicBool::new(dial),
                access: access.clone(),
            }),
        };
        let weak = Arc::downgrade(&links.inner);
        let watcher = tokio::spawn(async move {
            loop {
                let current = access.borrow_and_update().clone();
                let Some(inner) = weak.upgrade() else { break };
                Links { inner }.follow(&current);
                if access.changed().await.is_err() {
                    break;
                }
            }
        });
        *lock(&links.inner.watcher) = Some(watcher);
        links
    }

    /// The handler for incoming sync connections.
    #[must_use]
    pub fn protocol(&self) -> SyncProtocol {
        SyncProtocol {
            links: self.clone(),
        }
    }

    /// Whether a peer is connected now.
    #[must_use]
    pub fn is_connected(&self, peer: &PeerId) -> bool {
        lock(&self.inner.live).contains_key(peer)
    }

    /// How the connection to a peer runs now: straight to one of its addresses, or through
    /// a relay. `None` when not connected (or before the connection has chosen a path).
    #[must_use]
    pub fn route(&self, peer: &PeerId) -> Option<Route> {
        let live = lock(&self.inner.live);
        let conn = &live.get(peer)?.conn;
        let paths = conn.paths();
        let selected = paths.into_iter().find(iroh::endpoint::Path::is_selected)?;
        Some(if selected.is_relay() {
            Route::Relay
        } else {
            Route::Direct
        })
    }

    /// Whether a peer closed this device's last dial as not a member's device.
    #[must_use]
    pub fn refuses_us(&self, peer: &PeerId) -> bool {
        lock(&self.inner.refused_us).contains(peer)
    }

    /// The sync protocol version a peer's Revans speaks, when it is not this one's and
    /// the two cannot sync.
    #[must_use]
    pub fn other_version(&self, peer: &PeerId) -> Option<u32> {
        lock(&self.inner.versions).get(peer).copied()
    }

    /// The handler for sync connections in an earlier version's protocol: the peer is
    /// told this device's version, and is remembered as older.
    #[must_use]
    pub fn earlier_protocol(&self) -> EarlierSync {
        EarlierSync {
            links: self.clone(),
        }
    }

    /// Notes what a closed connection says of the peer's version: a close for versions
    /// names the closer's protocol.
    fn note_version(&self, peer: PeerId, closed: Option<&ConnectionError>) {
        if let Some(ConnectionError::ApplicationClosed(closed)) = closed
            && closed.error_code == close::VERSION
            && let Some(theirs) = sync_version(&closed.reason)
        {
            tracing::info!(theirs, "a device whose Revans speaks another sync protocol");
            lock(&self.inner.versions).insert(peer, theirs);
        }
    }

    /// Whether this node dials members' devices (a one-shot command's node does not).
    #[must_use]
    pub fn dialling(&self) -> bool {
        self.inner.dial.load(Ordering::Relaxed)
    }

    /// Stops every dialler waiting out a backoff: dial now.
    pub fn sync_now(&self) {
        if !self.inner.dial.swap(true, Ordering::Relaxed) {
            let current = self.inner.access.borrow().clone();
            self.follow(&current);
        }
        self.inner.wake.notify_waiters();
    }

    /// Diallers waiting out a backoff dial now (if this node dials at all).
    pub fn retry_now(&self) {
        self.inner.wake.notify_waiters();
    }

    /// Adds a known address for a device.
    pub fn add_addr(&self, addr: EndpointAddr) {
        self.inner.lookup.add_endpoint_info(addr);
    }

    fn follow(&self, access: &Access) {
        let peers = access.peers();
        for peer in &peers {
            let Ok(id) = EndpointId::from_bytes(&peer.0) else {
                continue;
            };
            let addresses = access.addresses(peer);
            if !addresses.is_empty() {
                self.inner
                    .lookup
                    .add_endpoint_info(endpoint_addr(id, addresses));
            }
        }
        let dialing = self.inner.dial.load(Ordering::Relaxed);
        let mut dialers = lock(&self.inner.dialers);
        dialers.retain(|peer, task| {
            let keep = peers.contains(peer);
            if !keep {
                task.abort();
            }
            keep
        });
        for peer in peers.iter().filter(|_| dialing) {
            if !dialers.contains_key(peer) {
                let this = self.clone();
                let peer = *peer;
                let span = tracing::info_span!("dial", peer = %peer.short());
                dialers.insert(peer, tokio::spawn(this.dial(peer).instrument(span)));
            }
        }
        drop(dialers);
        for (peer, live) in lock(&self.inner.live).iter() {
            if !peers.contains(peer) {
                tracing::info!(peer = %peer.short(), "closing: no longer a member's device");
                live.conn.close(close::REMOVED, b"no longer a member");
            }
        }
    }

    async fn dial(self, peer: PeerId) {
        let Ok(id) = EndpointId::from_bytes(&peer.0) else {
            return;
        };
        let mut backoff = FIRST_BACKOFF;
        loop {
            // While connected (whoever dialled), wait for the connection to go.
            loop {
                let gone = self.inner.gone.notified();
                tokio::pin!(gone);
                gone.as_mut().enable();
                if !self.is_connected(&peer) {
                    break;
                }
                gone.await;
            }
            if self.inner.me > peer {
                tokio::select! {
                    () = tokio::time::sleep(GRACE) => {}
                    () = self.inner.wake.notified() => {}
                }
                if self.is_connected(&peer) {
                    continue;
                }
            }
            // Offering the earlier protocols too, so a device on one is found to be older
            // rather than simply unreachable.
            let offered = ConnectOptions::new()
                .with_additional_alpns(EARLIER_SYNC_ALPNS.iter().map(|a| a.to_vec()).collect());
            let endpoint = self.inner.endpoint.clone();
            let dialled = tokio::time::timeout(CONNECT_TIMEOUT, async move {
                let connecting = endpoint.connect_with_opts(id, SYNC_ALPN, offered).await?;
                Ok::<_, ConnectError>(connecting.await?)
            });
            match dialled.await {
                Ok(Ok(conn)) if conn.alpn() != SYNC_ALPN => {
                    // It speaks an earlier protocol only: say ours, and try again only
                    // now and then (it may be updated).
                    if let Some(theirs) = sync_version(conn.alpn()) {
                        lock(&self.inner.versions).insert(peer, theirs);
                    }
                    conn.close(close::VERSION, SYNC_ALPN);
                    tokio::select! {
                        () = tokio::time::sleep(MAX_BACKOFF) => {}
                        () = self.inner.wake.notified() => {}
                    }
                }
                Ok(Ok(conn)) => {
                    let began = tokio::time::Instant::now();
                    self.serve(conn.clone(), true).await;
                    // Its handshake done, a dial looks connected until the other side's
                    // refusal arrives: only how it closed says whether it was refused.
                    tracing::debug!(reason = ?conn.close_reason(), "the dialled connection closed");
                    self.note_version(peer, conn.close_reason().as_ref());
                    if conn.close_reason().as_ref().is_some_and(refuses_us) {
                        lock(&self.inner.refused_us).insert(peer);
                    } else if began.elapsed() >= STEADY {
                        lock(&self.inner.refused_us).remove(&peer);
                    }
                    // A connection the other side refused at once (it does not yet know
                    // this device is a member, or no longer counts it one) is retried
                    // with backoff, like a failed dial.
                    if began.elapsed() >= STEADY {
                        backoff = FIRST_BACKOFF;
                    } else {
                        let jitter = backoff.mul_f64(rand::random::<f64>() / 2.0);
                        tokio::select! {
                            () = tokio::time::sleep(backoff + jitter) => {}
                            () = self.inner.wake.notified() => {}
                        }
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                    }
                }
                failed => {
                    let why = match failed {
                        Ok(Err(e)) => {
                            let closed = match &e {
                                ConnectError::Connection { source, .. }
                                | ConnectError::Connecting {
                                    source: ConnectingError::ConnectionError { source, .. },
                                    ..
                                } => Some(source),
                                _ => None,
                            };
                            if closed.is_some_and(refuses_us) {
                                lock(&self.inner.refused_us).insert(peer);
                            }
                            self.note_version(peer, closed);
                            e.to_string()
                        }
                        _ => "timed out".to_owned(),
                    };
                    tracing::debug!(%why, ?backoff, "could not reach");
                    let jitter = backoff.mul_f64(rand::random::<f64>() / 2.0);
                    tokio::select! {
                        () = tokio::time::sleep(backoff + jitter) => {}
                        () = self.inner.wake.notified() => {}
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }

    /// Runs one connection until it closes: the hello, keeping one connection per pair,
    /// then frames both ways.
    #[allow(clippy::too_many_lines)] // one connection's life, in order
    async fn serve(&self, conn: Connection, dialed_by_me: bool) {
        let peer = PeerId(*conn.remote_id().as_bytes());
        let opened = if dialed_by_me {
            match conn.open_bi().await {
                Ok((mut send, recv)) => {
                    let hello = Frame::Hello {
                        version: WIRE_VERSION,
                    };
                    write_frame(&mut send, &hello.encode())
                        .await
                        .ok()
                        .map(|()| (send, recv))
                }
                Err(_) => None,
            }
        } else {
            let hello = tokio::time::timeout(HELLO_TIMEOUT, async {
                let (send, mut recv) = conn.accept_bi().await.ok()?;
                let hello = read_frame(&mut recv, MAX_HELLO).await;
                Some((send, recv, hello))
            });
            if let Ok(Some((send, recv, hello))) = hello.await {
                if let Ok(Some(Frame::Hello { .. })) = hello {
                    // It dialled this device and said hello: it counts this one a member's,
                    // and speaks its protocol.
                    lock(&self.inner.refused_us).remove(&peer);
                    lock(&self.inner.versions).remove(&peer);
                    Some((send, recv))
                } else {
                    conn.close(close::MALFORMED, b"expected a hello");
                    None
                }
            } else {
                conn.close(close::MALFORMED, b"no hello in time");
                None
            }
        };
        let Some((mut send, mut recv)) = opened else {
            return;
        };
        let dialed_by = if dialed_by_me { self.inner.me } else { peer };
        let link = self.inner.next.fetch_add(1, Ordering::Relaxed);
        let (out, mut outgoing) = tokio::sync::mpsc::unbounded_channel();
        {
            let mut live = lock(&self.inner.live);
            if let Some(existing) = live.get(&peer) {
                let preferred = self.inner.me.min(peer);
                if existing.dialed_by == preferred && dialed_by != preferred {
                    conn.close(close::DUPLICATE, b"one connection per pair");
                    return;
                }
                existing
                    .conn
                    .close(close::DUPLICATE, b"one connection per pair");
            }
            live.insert(
                peer,
                Live {
                    id: link,
                    dialed_by,
                    conn: conn.clone(),
                },
            );
            // Told to the engine under the lock, so links reach it in the order they
            // replaced each other here.
            let _ = self.inner.engine.send(Request::Linked { peer, link, out });
        }
        // Whatever ends this connection (its close, or the dialler aborted when the peer
        // lost access), the registry and the engine hear of it.
        let _cleanup = Cleanup {
            links: self,
            peer,
            link,
        };
        tracing::info!(peer = %peer.short(), dialed_by_me, "connected");
        let _ = self.inner.events.send(Event::PeerConnected(peer.device()));
        let engine = &self.inner.engine;
        let writer = async {
            while let Some(next) = outgoing.recv().await {
                match next {
                    Outgoing::Frame(bytes) => {
                        if write_frame(&mut send, &bytes).await.is_err() {
                            return "the connection failed".to_owned();
                        }
                    }
                    Outgoing::Close(code, reason) => {
                        conn.close(code, reason.as_bytes());
                        return reason;
                    }
                }
            }
            "the engine stopped".to_owned()
        };
        let reader = async {
            loop {
                match read_frame(&mut recv, MAX_FRAME).await {
                    Ok(Some(Frame::Sync { doc, message })) => {
                        let delivered = engine.send(Request::Received {
                            peer,
                            link,
                            doc: DocId(doc),
                            message,
                        });
                        if !delivered {
                            return "the engine stopped".to_owned();
                        }
                    }
                    Ok(Some(Frame::Hello { .. })) => {}
                    Ok(None) => return "closed by the peer".to_owned(),
                    // The connection went (the other side closed it, or it was lost):
                    // nothing was malformed, and its close says why.
                    Err(_) if conn.close_reason().is_some() => {
                        return conn
                            .close_reason()
                            .map(|closed| closed.to_string())
                            .unwrap_or_default();
                    }
                    Err(e) => {
                        let reason = e.to_string();
                        conn.close(close::MALFORMED, reason.as_bytes());
                        return reason;
                    }
                }
            }
        };
        let reason = tokio::select! {
            reason = writer => reason,
            reason = reader => reason,
            closed = conn.closed() => closed.to_string(),
        };
        tracing::info!(peer = %peer.short(), %reason, "disconnected");
        let _ = self.inner.events.send(Event::PeerGone {
            device: peer.device(),
            reason,
        });
    }

    /// Stops dialling and closes every connection.
    pub fn shutdown(&self) {
        if let Some(watcher) = lock(&self.inner.watcher).take() {
            watcher.abort();
        }
        for (_, task) in lock(&self.inner.dialers).drain() {
            task.abort();
        }
        for live in lock(&self.inner.live).values() {
            live.conn.close(close::SHUTDOWN, b"shutting down");
        }
    }
}

/// Takes a connection out of the registry and tells the engine, when it ends however it
/// ends.
struct Cleanup<'a> {
    links: &'a Links,
    peer: PeerId,
    link: u64,
}

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        let inner = &self.links.inner;
        {
            let mut live = lock(&inner.live);
            if live.get(&self.peer).is_some_and(|l| l.id == self.link) {
                live.remove(&self.peer);
            }
        }
        let _ = inner.engine.send(Request::Unlinked {
            peer: self.peer,
            link: self.link,
        });
        inner.gone.notify_waiters();
    }
}

/// Accepts sync connections (the gate has already refused strangers).
#[derive(Clone, Debug)]
pub struct SyncProtocol {
    links: Links,
}

/// Accepts sync connections in an earlier version's protocol, only to say this device's
/// version: the two cannot sync, and both say so (see [`EARLIER_SYNC_ALPNS`]).
#[derive(Clone, Debug)]
pub struct EarlierSync {
    links: Links,
}

impl ProtocolHandler for EarlierSync {
    async fn accept(&self, conn: Connection) -> Result<(), AcceptError> {
        let peer = PeerId(*conn.remote_id().as_bytes());
        if let Some(theirs) = sync_version(conn.alpn()) {
            tracing::info!(peer = %conn.remote_id().fmt_short(), theirs, "a device on an earlier Revans");
            lock(&self.links.inner.versions).insert(peer, theirs);
        }
        conn.close(close::VERSION, SYNC_ALPN);
        Ok(())
    }
}

impl ProtocolHandler for SyncProtocol {
    async fn accept(&self, conn: Connection) -> Result<(), AcceptError> {
        let remote = conn.remote_id();
        let span = tracing::info_span!("sync", peer = %remote.fmt_short());
        // A panic while handling this peer's input ends this connection, not the node.
        let served = AssertUnwindSafe(self.links.serve(conn.clone(), false).instrument(span))
            .catch_unwind()
            .await;
        if served.is_err() {
            tracing::error!(peer = %remote.fmt_short(), "a panic while serving this peer; connection closed");
            conn.close(close::MALFORMED, b"internal error");
        }
        Ok(())
    }
}
