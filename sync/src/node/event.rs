//! What the node tells the app as it happens.

use chrono::{DateTime, Utc};
use revans_model::{DeviceId, SetId};

use crate::log::file::StorageProblem;

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

/// A change this device refused: who sent it, who signed it, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefusedChange {
    /// The device that sent it.
    pub from: DeviceId,
    /// The device that signed it, if it names one.
    pub author: Option<DeviceId>,
    /// Why, in words.
    pub reason: String,
    /// Not refused but void: allowed where it was made, and held and synced, but not
    /// shown, because its author's place (or facilitation) was ended at the same time.
    pub void: bool,
    /// When.
    pub at: DateTime<Utc>,
}
