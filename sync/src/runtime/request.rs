//! What the node asks of the engine's thread, and what the thread sends on a link.

use std::collections::BTreeSet;

use automerge::Automerge;
use tokio::sync::oneshot;

use crate::ids::{DocId, PeerId};
use crate::node::error::NodeError;
use crate::signed::Signature;

/// What a document is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocKind {
    /// An Action Learning Set, shared with its members' devices.
    Set,
    /// This member's private journal, shared with their own devices only.
    Journal,
}

/// An edit to run on the engine's thread.
pub type EditFn = Box<dyn FnOnce(&mut Automerge) -> Result<(), NodeError> + Send>;

/// What goes to a connection's writer.
#[derive(Debug)]
pub enum Outgoing {
    /// An encoded frame.
    Frame(Vec<u8>),
    /// Close the connection, with a code and a reason.
    Close(iroh::endpoint::VarInt, String),
}

/// A request to the engine's thread.
// Requests are few and short-lived; boxing the larger ones would only add allocations.
#[allow(clippy::large_enum_variant)]
pub enum Request {
    /// Hold a document: open its files (creating them if new), merging `initial` into it.
    Open {
        /// The document.
        id: DocId,
        /// What it is.
        kind: DocKind,
        /// A document to merge in (a new set, an import).
        initial: Option<Automerge>,
        /// Peers to sync it with until it names its members (a joiner's ticket, or the
        /// members last known, for a set whose files are damaged).
        hints: BTreeSet<PeerId>,
        /// Answered once on disk.
        reply: oneshot::Sender<Result<(), NodeError>>,
    },
    /// Edit a document; answered once the change is on disk.
    Edit {
        /// The document.
        id: DocId,
        /// The edit.
        edit: EditFn,
        /// The answer.
        reply: oneshot::Sender<Result<(), NodeError>>,
    },
    /// Take changes from a backup, each judged as if a peer had sent it.
    Adopt {
        /// The document (held already).
        id: DocId,
        /// The changes, with their signatures.
        changes: Vec<(automerge::Change, Signature)>,
        /// How many were taken, and why any were refused; answered once on disk.
        reply: oneshot::Sender<Result<(usize, Vec<String>), NodeError>>,
    },
    /// A document's bytes.
    Save {
        /// The document.
        id: DocId,
        /// With every change's signature (a backup `revans import` checks), or as plain
        /// Automerge bytes any Automerge implementation loads.
        signed: bool,
        /// The answer.
        reply: oneshot::Sender<Result<Vec<u8>, NodeError>>,
    },
    /// A connection to a peer is up.
    Linked {
        /// The peer.
        peer: PeerId,
        /// This connection's serial.
        link: u64,
        /// Its writer.
        out: tokio::sync::mpsc::UnboundedSender<Outgoing>,
    },
    /// A connection to a peer is gone.
    Unlinked {
        /// The peer.
        peer: PeerId,
        /// Which connection.
        link: u64,
    },
    /// A sync message arrived.
    Received {
        /// From whom.
        peer: PeerId,
        /// On which connection.
        link: u64,
        /// About which document.
        doc: DocId,
        /// The message.
        message: Vec<u8>,
    },
    /// Read what peers changed into the model now, rather than once their messages
    /// pause: a command is about to read it. Answered once published.
    Settle(oneshot::Sender<()>),
    /// Save every peer's state and stop.
    Shutdown(oneshot::Sender<()>),
}
