//! Agenda setting: bids for time, then locking the batting order.

use super::{Applied, Writer, optional};
use crate::batting_order::propose;
use crate::error::CommandError;
use crate::ids::{IssueId, MeetingId};
use crate::issue::IssueStatus;
use crate::limits::LINE_MAX;
use crate::meeting::{Agenda, Bid, Meeting, Phase, Slot, Urgency};

impl Writer<'_, '_> {
    pub(super) fn bid_for_time(
        &mut self,
        id: &MeetingId,
        minutes: Option<u32>,
        urgency: Urgency,
        issue: Option<IssueId>,
        note: &str,
    ) -> Result<Applied, CommandError> {
        let mut meeting = self.open_for_bids(id)?;
        let available = meeting.minutes_for_turns();
        match minutes {
            Some(0) => return Err(CommandError::BidTooShort),
            Some(asked) if asked > available => {
                return Err(CommandError::BidTooLong { asked, available });
            }
            _ => {}
        }
        if let Some(issue_id) = &issue {
            self.bid_issue(issue_id)?;
        }
        let note = optional(note, "note", LINE_MAX)?;
        let bid = Bid {
            minutes,
            urgency,
            issue,
            note,
            passing: false,
            made_at: self.at,
            entered_by: self.entered_by.clone(),
        };
        meeting.bids.insert(self.owner.clone(), bid);
        self.put_meeting(id, &meeting)?;
        Ok(Applied::Done)
    }

    /// An issue a member may bid with: their own, and open.
    fn bid_issue(&self, id: &IssueId) -> Result<(), CommandError> {
        let issue = self
            .set
            .issues
            .get(id)
            .ok_or_else(|| CommandError::UnknownIssue(id.to_string()))?;
        if issue.owner != self.owner {
            return Err(CommandError::NotYours {
                what: "issue",
                owner: self.name_of(&issue.owner),
            });
        }
        if issue.status != IssueStatus::Open {
            return Err(CommandError::IssueClosed(issue.status.name()));
        }
        Ok(())
    }

    /// Here, but passing this time: a bid for no turn, replacing one made.
    pub(super) fn pass(&mut self, id: &MeetingId) -> Result<Applied, CommandError> {
        let mut meeting = self.open_for_bids(id)?;
        let bid = Bid {
            minutes: None,
            urgency: Urgency::Normal,
            issue: None,
            note: String::new(),
            passing: true,
            made_at: self.at,
            entered_by: self.entered_by.clone(),
        };
        meeting.bids.insert(self.owner.clone(), bid);
        self.put_meeting(id, &meeting)?;
        Ok(Applied::Done)
    }

    /// A meeting that still takes bids: not past its agenda, and the agenda not locked.
    fn open_for_bids(&self, id: &MeetingId) -> Result<Meeting, CommandError> {
        let meeting = self.meeting(id)?;
        if meeting.phase > Phase::Agenda {
            return Err(CommandError::BiddingClosed {
                reason: format!("the meeting is in its {} phase", meeting.phase),
            });
        }
        if meeting.agenda.is_some() {
            return Err(CommandError::BiddingClosed {
                reason: "the agenda is locked".into(),
            });
        }
        Ok(meeting)
    }

    pub(super) fn lock_agenda(
        &mut self,
        id: &MeetingId,
        slots: Option<Vec<Slot>>,
    ) -> Result<Applied, CommandError> {
        let mut meeting = self.meeting(id)?;
        if meeting.phase != Phase::Agenda {
            return Err(CommandError::WrongPhase {
                what: "lock the agenda",
                when: "in the agenda phase",
                phase: meeting.phase,
            });
        }
        if !meeting.turns.is_empty() {
            return Err(CommandError::TurnsBegun);
        }
        let slots = match slots {
            None => {
                let proposal = propose(&self.set, &meeting);
                if proposal.slots.is_empty() {
                    return Err(CommandError::NoBids);
                }
                proposal.slots
            }
            Some(slots) => {
                self.check_slots(&slots, meeting.minutes_for_turns())?;
                slots
            }
        };
        meeting.agenda = Some(Agenda {
            slots,
            locked_by: self.author.clone(),
            locked_at: self.at,
        });
        self.put_meeting(id, &meeting)?;
        Ok(Applied::Done)
    }

    /// A batting order agreed by hand: current members, each once, their own open issues,
    /// within the time there is.
    fn check_slots(&self, slots: &[Slot], available: u32) -> Result<(), CommandError> {
        if slots.is_empty() {
            return Err(CommandError::EmptyOrder("presenter"));
        }
        for (i, slot) in slots.iter().enumerate() {
            self.current_member(&slot.member)?;
            if slots[..i].iter().any(|s| s.member == slot.member) {
                return Err(CommandError::Duplicate(self.name_of(&slot.member)));
            }
            if let Some(issue) = &slot.issue {
                let owner = self
                    .set
                    .issues
                    .get(issue)
                    .map(|i| &i.owner)
                    .ok_or_else(|| CommandError::UnknownIssue(issue.to_string()))?;
                if *owner != slot.member {
                    return Err(CommandError::NotYours {
                        what: "issue",
                        owner: self.name_of(owner),
                    });
                }
            }
        }
        let total = slots.iter().map(|s| u64::from(s.minutes)).sum::<u64>();
        if total > u64::from(available) {
            return Err(CommandError::AgendaOverbooked {
                total: u32::try_from(total).unwrap_or(u32::MAX),
                available,
            });
        }
        Ok(())
    }
}
