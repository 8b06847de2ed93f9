//! Who may have what: for each document this node holds, the endpoints of the devices
//! allowed to sync it (every device of every current member of a set). Rebuilt from the
//! documents whenever one changes, and watched by the connection gate and samod's share
//! policy, so a removal takes effect on live connections at once.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use futures::Stream;
use iroh::EndpointId;
use iroh::endpoint::{AfterHandshakeOutcome, Connection, EndpointHooks};
use samod::{DocumentId, PeerId, ShareConfig};
use tokio::sync::watch;

use crate::protocol::{JOIN_ALPN, close};

/// The endpoints allowed each document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Access {
    docs: HashMap<DocumentId, HashSet<EndpointId>>,
}

impl Access {
    /// Sets who may have `doc`.
    pub fn set(&mut self, doc: DocumentId, allowed: HashSet<EndpointId>) {
        self.docs.insert(doc, allowed);
    }

    /// Whether `doc` may go to `peer`.
    #[must_use]
    pub fn allows(&self, doc: &DocumentId, peer: &EndpointId) -> bool {
        self.docs
            .get(doc)
            .is_some_and(|allowed| allowed.contains(peer))
    }

    /// Whether `peer` may have any document here: the gate for the sync protocol.
    #[must_use]
    pub fn allows_any(&self, peer: &EndpointId) -> bool {
        self.docs.values().any(|allowed| allowed.contains(peer))
    }

    /// Every endpoint allowed anything.
    #[must_use]
    pub fn endpoints(&self) -> HashSet<EndpointId> {
        self.docs.values().flatten().copied().collect()
    }
}

/// Refuses, right after the TLS handshake, any sync connection from or to an endpoint
/// that is not a device of a current member of a set here. The join protocol is open to
/// all: it is how a newcomer first arrives, and it reveals nothing without a valid secret.
#[derive(Debug)]
pub struct Gate {
    pub(crate) access: watch::Receiver<Access>,
}

impl EndpointHooks for Gate {
    async fn after_handshake<'a>(&'a self, conn: &'a Connection) -> AfterHandshakeOutcome {
        if conn.alpn() == JOIN_ALPN || self.access.borrow().allows_any(&conn.remote_id()) {
            AfterHandshakeOutcome::Accept
        } else {
            tracing::info!(peer = %conn.remote_id().fmt_short(), "refused: not a member's device");
            AfterHandshakeOutcome::Reject {
                error_code: close::NOT_A_MEMBER,
                reason: b"not a member".to_vec(),
            }
        }
    }
}

/// samod's share policy: a document goes only to the devices allowed it, decided again
/// each time the access list changes.
pub fn share_policy(
    access: watch::Receiver<Access>,
) -> impl Fn(DocumentId, PeerId) -> std::pin::Pin<Box<dyn Stream<Item = ShareConfig> + Send>>
+ Clone
+ Send
+ 'static {
    move |doc: DocumentId, peer: PeerId| {
        let peer = EndpointId::from_str(peer.as_str()).ok();
        let stream = futures::stream::unfold((access.clone(), true), move |(mut rx, first)| {
            let doc = doc.clone();
            async move {
                if !first {
                    rx.changed().await.ok()?;
                }
                let allowed = peer.is_some_and(|p| rx.borrow_and_update().allows(&doc, &p));
                let config = if allowed {
                    ShareConfig::read_write()
                } else {
                    ShareConfig::none()
                };
                Some((config, (rx, false)))
            }
        });
        Box::pin(stream) as std::pin::Pin<Box<dyn Stream<Item = ShareConfig> + Send>>
    }
}
