//! Who may have what: for each document this node holds, the peer devices allowed to sync
//! it (every device of every current member of a set; a journal only to its owner's own
//! devices), and where they were last seen. Worked out by the engine's thread whenever a
//! set's members change, and watched by the connection gate and the dialler, so a removal
//! takes effect on live connections at once.

use std::collections::{BTreeMap, BTreeSet};

use iroh::endpoint::{AfterHandshakeOutcome, Connection, EndpointHooks};
use tokio::sync::watch;

use crate::ids::{DocId, PeerId};
use crate::protocol::{JOIN_ALPN, close};

/// The peers allowed each document, and their recorded addresses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Access {
    docs: BTreeMap<DocId, BTreeSet<PeerId>>,
    addresses: BTreeMap<PeerId, Vec<String>>,
}

impl Access {
    /// Sets who may have `doc`.
    pub fn set(&mut self, doc: DocId, allowed: BTreeSet<PeerId>) {
        self.docs.insert(doc, allowed);
    }

    /// Who may have `doc`.
    #[must_use]
    pub fn allowed(&self, doc: &DocId) -> BTreeSet<PeerId> {
        self.docs.get(doc).cloned().unwrap_or_default()
    }

    /// Records where a peer was last seen (`ip:port` or a relay URL).
    pub fn add_addresses(&mut self, peer: PeerId, addresses: &[String]) {
        let known = self.addresses.entry(peer).or_default();
        for address in addresses {
            if !known.contains(address) {
                known.push(address.clone());
            }
        }
    }

    /// Where a peer was last seen.
    #[must_use]
    pub fn addresses(&self, peer: &PeerId) -> &[String] {
        self.addresses.get(peer).map_or(&[], Vec::as_slice)
    }

    /// Whether `peer` may have any document here: the gate for the sync protocol.
    #[must_use]
    pub fn allows_any(&self, peer: &PeerId) -> bool {
        self.docs.values().any(|allowed| allowed.contains(peer))
    }

    /// Every peer allowed anything.
    #[must_use]
    pub fn peers(&self) -> BTreeSet<PeerId> {
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
        let peer = PeerId(*conn.remote_id().as_bytes());
        if conn.alpn() == JOIN_ALPN || self.access.borrow().allows_any(&peer) {
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
