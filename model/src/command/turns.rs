//! Progress reports: each presenter's turn, and what is said during it.

use std::collections::BTreeMap;

use super::{Applied, Writer, optional};
use crate::clock::minutes_for_turn;
use crate::error::CommandError;
use crate::ids::{ContributionId, MeetingId, MemberId};
use crate::limits::{LINE_MAX, PROSE_MAX};
use crate::meeting::{Contribution, ContributionKind, Meeting, Phase, Turn};
use crate::text::SharedText;

impl Writer<'_, '_> {
    pub(super) fn start_turn(
        &mut self,
        id: &MeetingId,
        presenter: &MemberId,
    ) -> Result<Applied, CommandError> {
        let mut meeting = self.meeting(id)?;
        if meeting.phase != Phase::Turns {
            return Err(CommandError::WrongPhase {
                what: "start a turn",
                when: "in the turns phase",
                phase: meeting.phase,
            });
        }
        let name = self.current_member(presenter)?.display_name.clone();
        let Some(agenda) = &meeting.agenda else {
            return Err(CommandError::AgendaNotLocked);
        };
        if !agenda.slots.iter().any(|s| &s.member == presenter) {
            return Err(CommandError::NotOnAgenda { name });
        }
        if let Some((running, _)) = meeting.running_turn() {
            return Err(CommandError::TurnRunning {
                name: self.name_of(running),
            });
        }
        if meeting.turns.contains_key(presenter) {
            return Err(CommandError::AlreadyPresented { name });
        }
        let allocated_minutes = minutes_for_turn(&self.set, &meeting, presenter, self.at.get());
        let turn = Turn {
            started_at: self.at,
            started_by: self.author.clone(),
            allocated_minutes,
            ended_at: None,
            contributions: BTreeMap::new(),
            insights: SharedText::default(),
        };
        meeting.turns.insert(presenter.clone(), turn);
        self.put_meeting(id, &meeting)?;
        Ok(Applied::Done)
    }

    /// The meeting and the presenter of its running turn.
    fn running(&self, id: &MeetingId) -> Result<(Meeting, MemberId), CommandError> {
        let meeting = self.meeting(id)?;
        let presenter = meeting
            .running_turn()
            .map(|(p, _)| p.clone())
            .ok_or(CommandError::NoTurnRunning)?;
        Ok((meeting, presenter))
    }

    pub(super) fn end_turn(&mut self, id: &MeetingId) -> Result<Applied, CommandError> {
        let (mut meeting, presenter) = self.running(id)?;
        if let Some(turn) = meeting.turns.get_mut(&presenter) {
            turn.ended_at = Some(self.at.max(turn.started_at));
        }
        self.put_meeting(id, &meeting)?;
        Ok(Applied::Done)
    }

    pub(super) fn log_contribution(
        &mut self,
        id: &MeetingId,
        kind: ContributionKind,
        text: &str,
        asker: Option<MemberId>,
    ) -> Result<Applied, CommandError> {
        let (mut meeting, presenter) = self.running(id)?;
        let text = optional(text, "question", LINE_MAX)?;
        let asker = asker.unwrap_or_else(|| self.author.clone());
        self.current_member(&asker)?;
        if asker == presenter {
            return Err(CommandError::PresenterAsking {
                name: self.name_of(&presenter),
            });
        }
        let contribution_id = ContributionId::random();
        if let Some(turn) = meeting.turns.get_mut(&presenter) {
            let contribution = Contribution {
                kind,
                text,
                by: self.author.clone(),
                asker: Some(asker),
                at: self.at,
            };
            turn.contributions
                .insert(contribution_id.clone(), contribution);
        }
        self.put_meeting(id, &meeting)?;
        Ok(Applied::Contribution(contribution_id))
    }

    pub(super) fn note_insights(
        &mut self,
        id: &MeetingId,
        insights: &str,
    ) -> Result<Applied, CommandError> {
        let (mut meeting, presenter) = self.running(id)?;
        let insights = optional(insights, "insights", PROSE_MAX)?;
        if let Some(turn) = meeting.turns.get_mut(&presenter) {
            turn.insights.set(&insights);
        }
        self.put_meeting(id, &meeting)?;
        Ok(Applied::Done)
    }
}
