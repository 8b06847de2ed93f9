//! Creating a set, who is in it, their devices, and who facilitates.

use std::collections::BTreeMap;

use automerge::Automerge;
use chrono::{DateTime, Utc};

use super::{Applied, Profile, Writer, optional, required};
use crate::error::CommandError;
use crate::ground_rule::GroundRule;
use crate::ids::{DeviceId, HandoverId, InvitationId, MemberId, QuestionId, RuleId, SetId};
use crate::limits::{NAME_MAX, PROSE_MAX};
use crate::meeting::Meeting;
use crate::member::{Departure, DepartureKind, Device, Member};
use crate::practice;
use crate::question::Question;
use crate::set::{
    ActionLearningSet, Closed, Facilitation, Handover, MeetingLengths, SCHEMA_VERSION,
};
use crate::text::SharedText;
use crate::time::Timestamp;

/// A set to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSet {
    /// Its name.
    pub name: String,
    /// What it is for.
    pub purpose: String,
    /// The member creating it, who facilitates its first meetings.
    pub founder: Profile,
    /// The founder's device.
    pub device: DeviceId,
}

/// Creates a set's document: the founder as its first member and facilitator, the
/// practice's suggested ground rules offered for the set to pick from (see
/// [`GroundRule::is_offered`]), and the practice's question bank. Returns the document, the set's id and the founder's member id.
pub fn create_set(
    new: NewSet,
    at: DateTime<Utc>,
) -> Result<(Automerge, SetId, MemberId), CommandError> {
    let name = required(&new.name, "set's name", NAME_MAX)?;
    let purpose = optional(&new.purpose, "set's purpose", PROSE_MAX)?;
    let (display_name, organisation) = check_profile(&new.founder)?;
    let at = Timestamp::new(at);
    // The set's id is bound to its founding device: every device accepts one beginning
    // of the set, the one its id names (see `rules`).
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let id = crate::rules::founding_id(&new.device, &nonce);
    let actor = new.device.actor();
    let founder = MemberId::random();

    let member = Member {
        display_name,
        organisation,
        devices: BTreeMap::from([(
            new.device,
            Device {
                linked_at: at,
                linked_by: founder.clone(),
                addresses: Vec::new(),
                addresses_at: None,
                invitation: None,
            },
        )]),
        joined_at: at,
        admitted_by: None,
        invitation: None,
        departure: None,
    };
    let ground_rules = practice::SUGGESTED_GROUND_RULES
        .iter()
        .map(|text| {
            let rule = GroundRule {
                text: (*text).to_owned(),
                proposed_by: founder.clone(),
                proposed_at: at,
                suggested: true,
                agreed_by: BTreeMap::new(),
                retired: None,
            };
            (RuleId::random(), rule)
        })
        .collect();
    let question_bank = practice::QUESTION_BANK
        .iter()
        .map(|(category, text)| {
            let question = Question {
                text: (*text).to_owned(),
                category: *category,
                added_by: None,
                added_at: at,
            };
            (QuestionId::random(), question)
        })
        .collect();
    let facilitation = Facilitation::Facilitated {
        facilitator: founder.clone(),
    };
    let set = ActionLearningSet {
        schema: SCHEMA_VERSION,
        id: id.clone(),
        nonce,
        name,
        purpose: SharedText::new(&purpose),
        created_at: at,
        created_by: founder.clone(),
        handovers: BTreeMap::from([(
            HandoverId::random(),
            Handover {
                to: facilitation.clone(),
                by: founder.clone(),
                at,
            },
        )]),
        facilitation,
        meeting_lengths: MeetingLengths {
            first: practice::FIRST_MEETING_MINUTES,
            later: practice::LATER_MEETING_MINUTES,
        },
        members: BTreeMap::from([(founder.clone(), member)]),
        ground_rules,
        issues: BTreeMap::new(),
        meetings: BTreeMap::new(),
        actions: BTreeMap::new(),
        question_bank,
        celebrations: BTreeMap::new(),
        invitations: BTreeMap::new(),
        closed: None,
    };
    let mut doc = Automerge::new().with_actor(actor);
    doc.transact_with(
        |()| {
            automerge::transaction::CommitOptions::default()
                .with_message("create the set")
                .with_time(at.get().timestamp())
        },
        |tx| autosurgeon::reconcile(tx, &set),
    )
    .map_err(|failure| CommandError::Document(failure.error.to_string()))?;
    Ok((doc, id, founder))
}

fn check_profile(profile: &Profile) -> Result<(String, String), CommandError> {
    Ok((
        required(&profile.display_name, "member's name", NAME_MAX)?,
        optional(&profile.organisation, "organisation", NAME_MAX)?,
    ))
}

impl Writer<'_, '_> {
    pub(super) fn edit_set(
        &mut self,
        name: Option<String>,
        purpose: Option<String>,
    ) -> Result<Applied, CommandError> {
        if let Some(name) = name {
            let name = required(&name, "set's name", NAME_MAX)?;
            self.put_root("name", &name)?;
        }
        if let Some(purpose) = purpose {
            let purpose = optional(&purpose, "set's purpose", PROSE_MAX)?;
            let mut text = self.set.purpose.clone();
            text.set(&purpose);
            self.put_root("purpose", &text)?;
        }
        Ok(Applied::Done)
    }

    /// A newcomer's member record, admitted by `invitation` with `device`.
    pub(super) fn add_member(
        &mut self,
        id: &MemberId,
        profile: &Profile,
        device: DeviceId,
        invitation: &InvitationId,
    ) -> Result<(), CommandError> {
        let (display_name, organisation) = check_profile(profile)?;
        self.check_device_free(&device)?;
        if self.set.members.contains_key(id) {
            // A newcomer chooses a fresh id; one already in the set is someone else's.
            return Err(CommandError::UnknownInvitation(invitation.to_string()));
        }
        let member = Member {
            display_name,
            organisation,
            devices: BTreeMap::from([(device, self.linked(invitation))]),
            joined_at: self.at,
            admitted_by: Some(self.author.clone()),
            invitation: Some(invitation.clone()),
            departure: None,
        };
        self.put("members", id.as_str(), &member)?;
        Ok(())
    }

    fn linked(&self, invitation: &InvitationId) -> Device {
        Device {
            linked_at: self.at,
            linked_by: self.author.clone(),
            addresses: Vec::new(),
            addresses_at: None,
            invitation: Some(invitation.clone()),
        }
    }

    fn check_device_free(&self, device: &DeviceId) -> Result<(), CommandError> {
        match self.set.member_for_device(device) {
            Some(owner) => Err(CommandError::DeviceTaken {
                name: self.name_of(owner),
            }),
            None => Ok(()),
        }
    }

    /// A member's new device, linked by `invitation`.
    pub(super) fn link_device(
        &mut self,
        member: &MemberId,
        device: DeviceId,
        invitation: &InvitationId,
    ) -> Result<(), CommandError> {
        let mut record = self.current_member(member)?.clone();
        self.check_device_free(&device)?;
        record.devices.insert(device, self.linked(invitation));
        self.put("members", member.as_str(), &record)?;
        Ok(())
    }

    pub(super) fn record_addresses(
        &mut self,
        device: &DeviceId,
        addresses: Vec<String>,
    ) -> Result<Applied, CommandError> {
        let mut record = self.member(&self.author)?.clone();
        let Some(entry) = record.devices.get_mut(device) else {
            return Err(CommandError::NotYourDevice);
        };
        let mut addresses: Vec<String> = addresses
            .into_iter()
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty() && a.len() <= NAME_MAX * 2)
            .collect();
        addresses.sort();
        addresses.dedup();
        addresses.truncate(16);
        if entry.addresses == addresses {
            return Err(CommandError::Unchanged(
                "The device's addresses are already recorded.",
            ));
        }
        entry.addresses = addresses;
        entry.addresses_at = Some(self.at);
        let author = self.author.clone();
        self.put("members", author.as_str(), &record)?;
        Ok(Applied::Done)
    }

    pub(super) fn remove_member(&mut self, member: &MemberId) -> Result<Applied, CommandError> {
        let mut record = self.current_member(member)?.clone();
        if *member != self.author {
            self.facilitators_call("remove a member")?;
        }
        if self.set.current_members().len() == 1 {
            return Err(CommandError::LastMember {
                name: record.display_name,
            });
        }
        // Once the set is closed there is nothing left to facilitate.
        let facilitating = matches!(&self.set.facilitation, Facilitation::Facilitated { facilitator } if facilitator == member);
        if facilitating && self.set.closed.is_none() {
            return Err(CommandError::FacilitatorLeaving {
                name: record.display_name,
            });
        }
        let kind = if *member == self.author {
            DepartureKind::Left
        } else {
            DepartureKind::Removed
        };
        record.departure = Some(Departure {
            kind,
            by: self.author.clone(),
            at: self.at,
        });
        self.put("members", member.as_str(), &record)?;
        Ok(Applied::Done)
    }

    /// Closes the set, once no meeting of it runs.
    pub(super) fn close_set(&mut self) -> Result<Applied, CommandError> {
        self.facilitators_call("close the set")?;
        if self.set.meetings.values().any(Meeting::is_running) {
            return Err(CommandError::MeetingStillRunning);
        }
        let closed = Closed {
            at: self.at,
            by: self.author.clone(),
        };
        self.put_root("closed", &Some(closed))?;
        Ok(Applied::Done)
    }

    /// While the set is facilitated, some steps are the facilitator's alone.
    fn facilitators_call(&self, what: &'static str) -> Result<(), CommandError> {
        match &self.set.facilitation {
            Facilitation::Facilitated { facilitator } if *facilitator != self.author => {
                Err(CommandError::FacilitatorsCall {
                    what,
                    facilitator: self.name_of(facilitator),
                })
            }
            _ => Ok(()),
        }
    }

    pub(super) fn change_facilitation(
        &mut self,
        to: Facilitation,
    ) -> Result<Applied, CommandError> {
        self.facilitators_call("change how the set is facilitated")?;
        match &to {
            Facilitation::Facilitated { facilitator } => {
                self.current_member(facilitator)?;
            }
            Facilitation::Rotating { order } => {
                if order.is_empty() {
                    return Err(CommandError::EmptyOrder("member"));
                }
                for (i, m) in order.iter().enumerate() {
                    self.current_member(m)?;
                    if order[..i].contains(m) {
                        return Err(CommandError::Duplicate(self.name_of(m)));
                    }
                }
            }
            Facilitation::SelfManaged => {}
        }
        if self.set.facilitation == to {
            return Err(CommandError::Unchanged(
                "The set is already facilitated that way.",
            ));
        }
        self.put_root("facilitation", &to)?;
        let handover = Handover {
            to,
            by: self.author.clone(),
            at: self.at,
        };
        self.put("handovers", HandoverId::random().as_str(), &handover)?;
        Ok(Applied::Done)
    }
}
