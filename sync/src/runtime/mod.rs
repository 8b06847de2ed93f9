//! The runtime around the sans-IO [`Engine`](crate::engine::Engine): one thread of its
//! own owns the engine and every document's log, and runs the loop the engine asks for:
//! take every request waiting (a peer's message, a local edit, a link up or down), commit
//! what they appended (one `fdatasync` per document touched: the group commit), work out
//! who may have what, send what is due, then publish what the screens read and answer
//! the edits. Reads never touch a document: they take the last published [`DocView`].
//!
//! The network side ([`links`]) moves frames between iroh connections and this thread.

pub mod links;
mod publishing;
mod request;
#[cfg(test)]
mod tests;
mod views;
mod worker;

use std::collections::BTreeSet;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

use automerge::Automerge;
use iroh::SecretKey;
use tokio::sync::{oneshot, watch};

use crate::access::Access;
use crate::data_dir::DataDir;
use crate::ids::{DocId, PeerId};
use crate::node::error::NodeError;
use crate::signed::Signature;

pub use request::{DocKind, EditFn, Outgoing, Request};
pub use views::{DocView, PeerView, Shared};
use worker::Worker;

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
    /// peers sent in a burst is otherwise read into the model as its reading's cost allows.
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
