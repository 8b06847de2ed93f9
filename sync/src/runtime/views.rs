//! What the engine's thread publishes for the screens and the node to read: each
//! document's view (its heads, its model, its peers' status, what was refused), never a
//! locked document.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use automerge::ChangeHash;
use chrono::{DateTime, Utc};
use revans_model::{ActionLearningSet, Conflict, Journal, LoadError};
use tokio::sync::{broadcast, watch};

use super::request::DocKind;
use crate::engine::PeerStatus;
use crate::ids::{DocId, PeerId};
use crate::node::event::{Event, RefusedChange};

/// A document as the screens read it, published after every change.
#[derive(Clone, Debug)]
pub struct DocView {
    /// Set or journal.
    pub kind: DocKind,
    /// The heads of the content below (in a burst of changes from peers the content is
    /// read again only as often as its reading's cost allows: see `HYDRATE_SHARE`).
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
pub(super) const REFUSALS_KEPT: usize = 20;

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

    pub(super) fn publish(&self, id: DocId, view: DocView) {
        self.views
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(id, Arc::new(view));
    }
}
