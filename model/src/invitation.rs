//! Invitations: how a newcomer (or a member's second device) joins. The set holds only a
//! hash of the invitation's one-time secret, who it is for, and when it expires, so any
//! member's device that holds the set can admit the newcomer: admission does not need the
//! facilitator, nor the member who invited them.

use autosurgeon::{Hydrate, Reconcile};
use serde::Serialize;

use crate::ground_rule::Retirement;
use crate::ids::{DeviceId, MemberId};
use crate::time::Timestamp;

/// An invitation to join the set.
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize)]
pub struct Invitation {
    /// Who it is for, as the inviter named them.
    pub for_name: String,
    /// The hash of the one-time secret (lowercase hex); the secret itself is only in the
    /// ticket.
    pub secret_hash: String,
    /// For linking a second device: the member the device will act for. `None` invites a
    /// new member.
    pub link_to: Option<MemberId>,
    /// Who invited.
    pub created_by: MemberId,
    /// When.
    pub created_at: Timestamp,
    /// After this it admits no one.
    pub expires_at: Timestamp,
    /// Set once it has admitted someone: it admits only once.
    pub used: Option<InvitationUse>,
    /// Set if a member withdrew it.
    pub revoked: Option<Retirement>,
}

/// Who an invitation admitted.
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize)]
pub struct InvitationUse {
    /// The member it admitted (or linked a device to).
    pub member: MemberId,
    /// The device that presented it.
    pub device: DeviceId,
    /// The member whose device admitted them.
    pub admitted_by: MemberId,
    /// When.
    pub at: Timestamp,
    /// The invitation's secret, revealed by the admission (worthless once used), so
    /// that every device can check the admission was genuine.
    #[autosurgeon(missing = "String::new")]
    pub secret: String,
}

/// Why an invitation cannot admit anyone now. The joiner is told which.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum InvitationState {
    /// It can admit someone.
    Open,
    /// It has admitted someone already.
    Used,
    /// Its time ran out.
    Expired,
    /// A member withdrew it.
    Revoked,
}

impl Invitation {
    /// Where the invitation stands at `now`.
    #[must_use]
    pub fn state(&self, now: Timestamp) -> InvitationState {
        if self.used.is_some() {
            InvitationState::Used
        } else if self.revoked.is_some() {
            InvitationState::Revoked
        } else if now >= self.expires_at {
            InvitationState::Expired
        } else {
            InvitationState::Open
        }
    }
}
