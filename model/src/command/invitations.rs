//! Inviting, withdrawing invitations, and admitting the person who presents one.

use chrono::{DateTime, Utc};

use super::{Applied, NAME_MAX, Profile, Writer, required};
use crate::error::CommandError;
use crate::ground_rule::Retirement;
use crate::ids::{DeviceId, InvitationId, MemberId};
use crate::invitation::{Invitation, InvitationState, InvitationUse};
use crate::time::Timestamp;

impl Writer<'_, '_> {
    pub(super) fn invite(
        &mut self,
        id: &InvitationId,
        for_name: &str,
        secret_hash: &str,
        expires_at: DateTime<Utc>,
        link_to: Option<MemberId>,
    ) -> Result<Applied, CommandError> {
        let for_name = required(for_name, "name of the person invited", NAME_MAX)?;
        let expires_at = Timestamp::new(expires_at);
        if expires_at <= self.at {
            return Err(CommandError::ExpiryInThePast);
        }
        if secret_hash.len() != 64 || !secret_hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(CommandError::MalformedInvitation);
        }
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
            secret_hash: secret_hash.to_ascii_lowercase(),
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

    /// Admits the person presenting an invitation's secret: a newcomer becomes a member,
    /// or a member's new device is linked. The use records the secret, so every device
    /// can check the admission was genuine.
    pub(super) fn admit(
        &mut self,
        id: &InvitationId,
        secret: &[u8],
        profile: &Profile,
        device: DeviceId,
    ) -> Result<Applied, CommandError> {
        let mut invitation = self.invitation(id)?;
        if !invitation
            .secret_hash
            .eq_ignore_ascii_case(&crate::rules::secret_hash(secret))
        {
            // Said as "unknown": a wrong secret tells the presenter nothing more.
            return Err(CommandError::UnknownInvitation(id.to_string()));
        }
        match invitation.state(self.at) {
            InvitationState::Open => {}
            state => return Err(CommandError::InvitationClosed(state)),
        }
        let member = match &invitation.link_to {
            Some(member) => {
                self.link_device(member, device.clone(), id)?;
                member.clone()
            }
            None => self.add_member(profile, device.clone(), id)?,
        };
        invitation.used = Some(InvitationUse {
            member: member.clone(),
            device,
            admitted_by: self.author.clone(),
            at: self.at,
            secret: crate::ids::hex(secret),
        });
        self.put("invitations", id.as_str(), &invitation)?;
        Ok(Applied::Member(member))
    }
}
