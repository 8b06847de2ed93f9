//! What can go wrong in a node's work, each said with what to do.

use revans_model::{CommandError, LoadError};

use crate::data_dir::DataDirError;
use crate::log::file::StorageProblem;
use crate::protocol::Refusal;
use crate::ticket::BadTicket;

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The data directory.
    #[error(transparent)]
    DataDir(#[from] DataDirError),
    /// The network endpoint could not start.
    #[error("Could not start networking: {0}.")]
    Network(String),
    /// A proxy to save that does not read as an HTTP(S) proxy.
    #[error("Not saved: {0}.")]
    Proxy(String),
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
