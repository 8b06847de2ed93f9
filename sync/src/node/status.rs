//! How the node's connections stand: each member's device, and each relay.

use chrono::{DateTime, Utc};
use revans_model::DeviceId;

use crate::runtime::links::Route;

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
    /// How the connection to it runs, while connected (never for this device).
    pub route: Option<Route>,
    /// Whether it closed this device's last dial as not a member's device: this device's
    /// member was removed, or their admission has not reached it yet.
    pub refuses_us: bool,
    /// The sync protocol its Revans speaks, when it is another version than this one's
    /// and the two cannot sync (see `protocol::EARLIER_SYNC_ALPNS`).
    pub other_version: Option<u32>,
}

/// A relay this device uses, as it stands now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelayState {
    /// The relay's URL.
    pub url: String,
    /// Whether this device holds a connection to it now.
    pub connected: bool,
    /// Why the last attempt to reach it failed, if it did.
    pub error: Option<String>,
}
