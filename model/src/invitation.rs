//! Invitations: how a newcomer (or a member's second device) joins. An invitation is a
//! key: the ticket carries its private half; the set holds its public half, who it is for,
//! who made it and when it expires, so any member's device that holds the set can admit
//! the newcomer (admission does not need the facilitator, nor the member who invited
//! them), and nothing secret ever enters the document (see [`crate::admission`]).

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use crate::admission::{admission_message, consent_message, signed_by};
use crate::ground_rule::Retirement;
use crate::ids::{DeviceId, InvitationId, MemberId, SetId};
use crate::time::Timestamp;

/// Why an invitation does not admit a device ([`Invitation::admits`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inadmissible {
    /// The admission is not signed with this invitation's key.
    NotTheKey(InvitationId),
    /// The device did not sign its consent to joining as this member.
    NoConsent,
    /// The invitation can no longer admit anyone.
    Closed(InvitationState),
}

/// An invitation to join the set.
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Invitation {
    /// Who it is for, as the inviter named them.
    pub for_name: String,
    /// The invitation's public key (64 lowercase hexadecimal characters); its private
    /// half is only in the ticket. Empty in invitations made before invitations were keys
    /// (they admit no one now).
    #[autosurgeon(missing = "String::new")]
    pub key: String,
    /// For linking a second device: the member the device will act for. `None` invites a
    /// new member.
    #[autosurgeon(missing = "Option::default")]
    pub link_to: Option<MemberId>,
    /// Who invited.
    pub created_by: MemberId,
    /// When.
    pub created_at: Timestamp,
    /// After this it admits no one.
    pub expires_at: Timestamp,
    /// Set once it has admitted someone: it admits only once.
    #[autosurgeon(missing = "Option::default")]
    pub used: Option<InvitationUse>,
    /// Set if a member withdrew it.
    #[autosurgeon(missing = "Option::default")]
    pub revoked: Option<Retirement>,
}

/// Who an invitation admitted.
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct InvitationUse {
    /// The member it admitted (or linked a device to).
    pub member: MemberId,
    /// The device that presented it.
    pub device: DeviceId,
    /// The member whose device admitted them.
    pub admitted_by: MemberId,
    /// When.
    pub at: Timestamp,
    /// The invitation key's signature over the set, the invitation, the member and the
    /// device (128 hexadecimal characters): whoever admitted held the ticket. Empty in
    /// admissions made before invitations were keys.
    #[autosurgeon(missing = "String::new")]
    pub signature: String,
    /// The device's own signature over the set, the member and the invitation: the
    /// device asked to be this member's. Empty in admissions made before devices
    /// consented.
    #[autosurgeon(missing = "String::new")]
    pub consent: String,
}

/// Why an invitation cannot admit anyone now. The joiner is told which.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

    /// Whether this invitation (`id`, in `set`) admits `device` as `member` at `now`:
    /// `signature` is the invitation key's over the admission, `consent` the
    /// device's own, and the invitation is open. Checked before anything is written, and
    /// by a device answering a join request from the set it already shows, so a stranger
    /// without the key costs it no more than this.
    ///
    /// # Errors
    /// Why it does not: a signature that is not the key's (a wrong key learns nothing
    /// more), no consent from the device, or an invitation no longer open.
    pub fn admits(
        &self,
        (set, id): (&SetId, &InvitationId),
        (member, device): (&MemberId, &DeviceId),
        (signature, consent): (&[u8; 64], &[u8; 64]),
        now: Timestamp,
    ) -> Result<(), Inadmissible> {
        let genuine = signed_by(
            &self.key,
            &admission_message(set, id, member, device),
            &hex::encode(signature),
        );
        if !genuine {
            return Err(Inadmissible::NotTheKey(id.clone()));
        }
        if !signed_by(
            device.as_str(),
            &consent_message(set, member, id),
            &hex::encode(consent),
        ) {
            return Err(Inadmissible::NoConsent);
        }
        match self.state(now) {
            InvitationState::Open => Ok(()),
            state => Err(Inadmissible::Closed(state)),
        }
    }
}
