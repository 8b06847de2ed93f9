//! Sync connections: accepting them (the `revans/sync/1` protocol handler), dialling
//! members' devices (a samod `Dialer` over iroh), and the registry of live connections
//! that lets a removal close them.

use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};
use iroh::endpoint::{Connection, WeakConnectionHandle};
use iroh::protocol::{AcceptError, ProtocolHandler};
use iroh::{Endpoint, EndpointId};
use samod::{AcceptorEvent, AcceptorHandle, DialError, Dialer, PeerId, Transport};
use tokio::sync::broadcast;
use tracing::Instrument;

use crate::node::{Event, device_of};
use crate::protocol::{SYNC_ALPN, close, sync_transport};

/// Live sync connections by remote endpoint.
#[derive(Clone, Debug)]
pub struct Connections {
    live: Arc<Mutex<HashMap<EndpointId, Vec<WeakConnectionHandle>>>>,
    events: broadcast::Sender<Event>,
}

impl Connections {
    pub(crate) fn new(events: broadcast::Sender<Event>) -> Self {
        Self {
            live: Arc::default(),
            events,
        }
    }

    fn live(&self) -> std::sync::MutexGuard<'_, HashMap<EndpointId, Vec<WeakConnectionHandle>>> {
        self.live
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Tracks a connection until it closes, telling the app when it comes and goes.
    fn register(&self, conn: &Connection) {
        let remote = conn.remote_id();
        let weak = conn.weak_handle();
        self.live().entry(remote).or_default().push(weak.clone());
        let _ = self.events.send(Event::PeerConnected(device_of(&remote)));
        tracing::info!(peer = %remote.fmt_short(), "connected");
        let this = self.clone();
        tokio::spawn(async move {
            let reason = weak
                .closed()
                .await
                .map_or_else(|| "closed".to_owned(), |c| format!("{c:?}"));
            let mut live = this.live();
            if let Some(handles) = live.get_mut(&remote) {
                handles.retain(|h| h.upgrade().is_some());
                if handles.is_empty() {
                    live.remove(&remote);
                }
            }
            drop(live);
            tracing::info!(peer = %remote.fmt_short(), %reason, "disconnected");
            let _ = this.events.send(Event::PeerGone {
                device: device_of(&remote),
                reason,
            });
        });
    }

    /// Closes every connection to an endpoint not in `allowed`.
    pub(crate) fn close_all_except(&self, allowed: &HashSet<EndpointId>) {
        let refused: Vec<(EndpointId, Vec<WeakConnectionHandle>)> = self
            .live()
            .iter()
            .filter(|(remote, _)| !allowed.contains(*remote))
            .map(|(remote, handles)| (*remote, handles.clone()))
            .collect();
        for (remote, handles) in refused {
            tracing::info!(peer = %remote.fmt_short(), "closing: no longer a member's device");
            for handle in handles {
                if let Some(conn) = handle.upgrade() {
                    conn.close(close::REMOVED, b"no longer a member");
                }
            }
        }
    }
}

/// Accepts sync connections and hands them to samod, bound to the TLS-verified id.
#[derive(Clone, Debug)]
pub struct SyncProtocol {
    acceptor: AcceptorHandle,
    connections: Connections,
}

impl SyncProtocol {
    pub(crate) fn new(acceptor: AcceptorHandle, connections: Connections) -> Self {
        Self {
            acceptor,
            connections,
        }
    }
}

impl ProtocolHandler for SyncProtocol {
    async fn accept(&self, conn: Connection) -> Result<(), AcceptError> {
        let remote = conn.remote_id();
        let span = tracing::info_span!("sync", peer = %remote.fmt_short());
        // A panic while handling this peer's input ends this connection, not the node.
        let served = AssertUnwindSafe(self.serve(&conn).instrument(span))
            .catch_unwind()
            .await;
        served.unwrap_or_else(|_| {
            tracing::error!(peer = %remote.fmt_short(), "a panic while serving this peer; connection closed");
            conn.close(close::MALFORMED, b"internal error");
            Ok(())
        })
    }
}

impl SyncProtocol {
    async fn serve(&self, conn: &Connection) -> Result<(), AcceptError> {
        let remote = conn.remote_id();
        let (send, recv) = conn.accept_bi().await?;
        self.connections.register(conn);
        let transport =
            sync_transport(send, recv).with_expected_peer_id(PeerId::from(remote.to_string()));
        let handle = self
            .acceptor
            .accept(transport)
            .map_err(AcceptError::from_err)?;
        let mut events = handle.events();
        let samod_done = async {
            while let Some(event) = events.next().await {
                if let AcceptorEvent::ClientDisconnected { reason, .. } = event {
                    return reason.to_string();
                }
            }
            "the sync engine stopped".to_owned()
        };
        tokio::select! {
            _ = conn.closed() => {}
            // samod ended it (a malformed message, a protocol error, or shutdown): the QUIC
            // connection goes too, with the reason in the peer's log.
            reason = samod_done => {
                tracing::info!(%reason, "sync connection ended");
                conn.close(close::MALFORMED, reason.as_bytes());
            }
        }
        Ok(())
    }
}

/// Dials a member's device for samod, which reconnects with backoff.
pub struct IrohDialer {
    endpoint: Endpoint,
    remote: EndpointId,
    url: samod::Url,
    connections: Connections,
}

impl IrohDialer {
    /// A dialler for `remote`; `None` only if its id would not make a URL (never for a
    /// valid key, whose text is hex).
    pub(crate) fn new(
        endpoint: Endpoint,
        remote: EndpointId,
        connections: Connections,
    ) -> Option<Self> {
        let url = samod::Url::parse(&format!("iroh://{remote}")).ok()?;
        Some(Self {
            endpoint,
            remote,
            url,
            connections,
        })
    }
}

impl Dialer for IrohDialer {
    type Error = std::convert::Infallible;

    fn url(&self) -> samod::Url {
        self.url.clone()
    }

    fn connect(&self) -> BoxFuture<'static, Result<Transport, DialError<Self::Error>>> {
        let endpoint = self.endpoint.clone();
        let remote = self.remote;
        let connections = self.connections.clone();
        async move {
            let conn = endpoint
                .connect(remote, SYNC_ALPN)
                .await
                .map_err(DialError::transient)?;
            let (send, recv) = conn.open_bi().await.map_err(DialError::transient)?;
            connections.register(&conn);
            Ok(sync_transport(send, recv).with_expected_peer_id(PeerId::from(remote.to_string())))
        }
        .boxed()
    }
}
