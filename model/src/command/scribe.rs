//! The room's scribe: with one laptop in the circle, one member enters what each member
//! at the meeting says is theirs. The entry is marked with who entered it; its owner
//! confirms or changes it from their own device, and from then on their word stands.

use super::{Applied, Command, Writer};
use crate::error::CommandError;
use crate::ids::{MeetingId, MemberId};

/// Whether a record is its owner's own word: written by them (or by no one yet marked).
fn own_word(entered_by: Option<&MemberId>, owner: &MemberId) -> bool {
    entered_by.is_none_or(|e| e == owner)
}

impl Writer<'_, '_> {
    /// Carries out `command` as `member` would, entered by the author for them: only at
    /// a running meeting, only for a member marked as here, and never over what the
    /// member wrote themselves.
    pub(super) fn enter_for(
        &mut self,
        member: &MemberId,
        command: Command,
    ) -> Result<Applied, CommandError> {
        if *member == self.author {
            return self.execute(command);
        }
        let name = self.current_member(member)?.display_name.clone();
        let named = match &command {
            Command::CatchUp { meeting, .. }
            | Command::Attend { meeting, .. }
            | Command::BidForTime { meeting, .. }
            | Command::Pass { meeting }
            | Command::ReviewProcess { meeting, .. }
            | Command::ReviewMeeting { meeting, .. }
            | Command::AddAction {
                meeting: Some(meeting),
                ..
            } => Some(meeting.clone()),
            Command::AddAction { meeting: None, .. }
            | Command::EditAction { .. }
            | Command::ReportBack { .. } => None,
            other => return Err(CommandError::NotForAnother(other.describe())),
        };
        let meeting_id = match named {
            Some(id) => id,
            None => self.meeting_they_are_at(member, &name)?,
        };
        let meeting = self.meeting(&meeting_id)?;
        if !meeting.is_running() {
            return Err(CommandError::NotInTheRoom { name });
        }
        let marking_here = matches!(command, Command::Attend { .. });
        if !marking_here && !meeting.is_here(member) {
            return Err(CommandError::NotPresent { name });
        }
        // What the member wrote themselves stands: `Some(entered by)` for a record there.
        let there = match &command {
            Command::CatchUp { .. } => meeting.catch_up.get(member).map(|r| &r.entered_by),
            Command::Attend { .. } => meeting.attendance.get(member).map(|r| &r.entered_by),
            Command::BidForTime { .. } | Command::Pass { .. } => {
                meeting.bids.get(member).map(|r| &r.entered_by)
            }
            Command::ReviewProcess { .. } | Command::ReviewMeeting { .. } => {
                meeting.member_reviews.get(member).map(|r| &r.entered_by)
            }
            Command::EditAction { action, .. } => {
                self.set.actions.get(action).map(|a| &a.entered_by)
            }
            Command::ReportBack { action, .. } => self
                .set
                .actions
                .get(action)
                .and_then(|a| a.report_back.as_ref())
                .map(|r| &r.entered_by),
            _ => None,
        };
        if there.is_some_and(|entered| own_word(entered.as_ref(), member)) {
            return Err(CommandError::TheirOwnWord { name });
        }
        let command = match command {
            Command::AddAction {
                text,
                likelihood,
                issue,
                meeting: None,
            } => Command::AddAction {
                text,
                likelihood,
                issue,
                meeting: Some(meeting_id),
            },
            other => other,
        };
        self.owner = member.clone();
        self.entered_by = Some(self.author.clone());
        let done = self.execute(command);
        self.owner = self.author.clone();
        self.entered_by = None;
        done
    }

    /// The running meeting a member is marked as here at, for an entry that names none.
    fn meeting_they_are_at(
        &self,
        member: &MemberId,
        name: &str,
    ) -> Result<MeetingId, CommandError> {
        let running: Vec<_> = self
            .set
            .meetings
            .iter()
            .filter(|(_, m)| m.is_running())
            .collect();
        if running.is_empty() {
            return Err(CommandError::NotInTheRoom {
                name: name.to_owned(),
            });
        }
        running
            .into_iter()
            .find(|(_, m)| m.is_here(member))
            .map(|(id, _)| id.clone())
            .ok_or_else(|| CommandError::NotPresent {
                name: name.to_owned(),
            })
    }
}
