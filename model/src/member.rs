//! Members of a set and their devices.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use crate::ids::{DeviceId, InvitationId, MemberId};
use crate::time::Timestamp;

/// One of the five to seven peers in a set, often from different organisations.
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Member {
    /// The name the set knows them by: first names are the practice's habit.
    pub display_name: String,
    /// Where they work: sets often span organisations.
    pub organisation: String,
    /// The devices (iroh endpoints) that act for this member.
    #[autosurgeon(missing = "BTreeMap::new")]
    pub devices: BTreeMap<DeviceId, Device>,
    /// When they joined the set.
    pub joined_at: Timestamp,
    /// The member who admitted them; `None` for the member who created the set.
    #[autosurgeon(missing = "Option::default")]
    pub admitted_by: Option<MemberId>,
    /// The invitation that admitted them, if one did (the founder has none). Of two
    /// admissions with one invitation at once, the one its use names stands.
    #[autosurgeon(missing = "Option::default")]
    pub invitation: Option<InvitationId>,
    /// Set when they left or were removed; their history stays in the set.
    #[autosurgeon(missing = "Option::default")]
    pub departure: Option<Departure>,
}

impl Member {
    /// Whether they are still in the set: only current members may act, bid or be
    /// served the set's document.
    #[must_use]
    pub fn is_current(&self) -> bool {
        self.departure.is_none()
    }
}

/// A device linked to a member.
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Device {
    /// When the device was linked.
    pub linked_at: Timestamp,
    /// Who linked it (the member themself, or the member who admitted them).
    pub linked_by: MemberId,
    /// Where the device was last reachable, as it wrote it: direct socket addresses
    /// (`ip:port`) and relay URLs. Members dial each other from these, with no discovery
    /// service.
    #[autosurgeon(missing = "Vec::new")]
    pub addresses: Vec<String>,
    /// When the device last wrote its addresses.
    #[autosurgeon(missing = "Option::default")]
    pub addresses_at: Option<Timestamp>,
    /// The invitation that linked it, if one did.
    #[autosurgeon(missing = "Option::default")]
    pub invitation: Option<InvitationId>,
}

/// How a member's time in the set ended.
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Departure {
    /// Whether they left or were removed.
    pub kind: DepartureKind,
    /// Who recorded it.
    pub by: MemberId,
    /// When.
    pub at: Timestamp,
}

/// Leaving is the member's own choice; removal is the set's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub enum DepartureKind {
    /// The member left of their own accord.
    Left,
    /// Another member removed them.
    Removed,
}

/// A member's role, derived from the set's facilitation (never stored, so the two can
/// never disagree).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    /// Runs the meetings while the set finds its feet.
    Facilitator,
    /// A peer in the set.
    Member,
}
