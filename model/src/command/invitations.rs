//! Inviting, withdrawing invitations, and admitting the person who presents one.

use chrono::{DateTime, Utc};

use super::{Applied, Profile, Writer, required};
use crate::error::CommandError;
use crate::ground_rule::Retirement;
use crate::ids::{DeviceId, InvitationId, MemberId};
use crate::invitation::{Invitation, InvitationState, InvitationUse};
use crate::limits::NAME_MAX;
use crate::time::Timestamp;

impl Writer<'_, '_> {
    pub(super) fn invite(
        &mut self,
        id: &InvitationId,
        for_name: &str,
        key: &str,
        expires_at: DateTime<Utc>,
        link_to: Option<MemberId>,
    ) -> Result<Applied, CommandError> {
        let for_name = required(for_name, "name of the person invited", NAME_MAX)?;
        let expires_at = Timestamp::new(expires_at);
        if expires_at <= self.at {
            return Err(CommandError::ExpiryInThePast);
        }
        let key = DeviceId::parse(key).map_err(|_| CommandError::MalformedInvitation)?;
        if let Some(member) = &link_to {
            self.current_member(member)?;
            // A linked device receives its member's private journal: only the member
            // themself may add one.
            if *member != self.author {
                return Err(CommandError::NotYours {
                    what: "membership",
                    owner: self.name_of(member),
                });
            }
        }
        if self.set.invitations.contains_key(id) {
            return Err(CommandError::Unchanged("That invitation exists already."));
        }
        let invitation = Invitation {
            for_name,
            key: key.to_string(),
            link_to,
            created_by: self.author.clone(),
            created_at: self.at,
            expires_at,
            used: None,
            revoked: None,
        };
        self.put("invitations", id.as_str(), &invitation)?;
        Ok(Applied::Done)
    }

    fn invitation(&self, id: &InvitationId) -> Result<Invitation, CommandError> {
        self.set
            .invitations
            .get(id)
            .cloned()
            .ok_or_else(|| CommandError::UnknownInvitation(id.to_string()))
    }

    pub(super) fn revoke_invitation(&mut self, id: &InvitationId) -> Result<Applied, CommandError> {
        let mut invitation = self.invitation(id)?;
        match invitation.state(self.at) {
            InvitationState::Open => {}
            state => return Err(CommandError::InvitationClosed(state)),
        }
        invitation.revoked = Some(Retirement {
            by: self.author.clone(),
            at: self.at,
        });
        self.put("invitations", id.as_str(), &invitation)?;
        Ok(Applied::Done)
    }

    /// Admits the person presenting an invitation: a newcomer becomes a member, or a
    /// member's new device is linked. The admission carries the invitation key's signature
    /// and the device's consent, so every device can check it was genuine and asked for.
    pub(super) fn admit(
        &mut self,
        id: &InvitationId,
        member: &MemberId,
        profile: &Profile,
        device: DeviceId,
        signature: &[u8; 64],
        consent: &[u8; 64],
    ) -> Result<Applied, CommandError> {
        let mut invitation = self.invitation(id)?;
        let set = self.set.id.clone();
        invitation.admits((&set, id), (member, &device), (signature, consent), self.at)?;
        let (signature, consent) = (hex::encode(signature), hex::encode(consent));
        match &invitation.link_to {
            Some(owner) if owner == member => self.link_device(member, device.clone(), id)?,
            Some(_) => return Err(CommandError::UnknownInvitation(id.to_string())),
            None => self.add_member(member, profile, device.clone(), id)?,
        }
        invitation.used = Some(InvitationUse {
            member: member.clone(),
            device,
            admitted_by: self.author.clone(),
            at: self.at,
            signature,
            consent,
        });
        self.put("invitations", id.as_str(), &invitation)?;
        Ok(Applied::Member(member.clone()))
    }
}
