//! A meeting as it went, member by member: the summary shown when a meeting closes and
//! for any past meeting. Airtime planned (the batting order's minutes) and used (the
//! turn), the questions and statements each member put to the others, the actions they
//! committed to, and whether they filled in their own review.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::action::Action;
use crate::ids::{ActionId, MeetingId, MemberId};
use crate::meeting::{ContributionKind, ProcessReview};
use crate::set::ActionLearningSet;
use crate::time::Timestamp;

/// One member's part in a meeting.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct MemberSummary {
    /// The minutes the batting order gave them; `None` if they did not bid.
    pub planned_minutes: Option<u32>,
    /// The seconds their turn took (a running turn counts up to now); `None` with no turn.
    pub used_seconds: Option<i64>,
    /// Questions they asked in the others' turns.
    pub questions: usize,
    /// Statements they made in the others' turns: telling rather than asking.
    pub statements: usize,
    /// Actions they committed to at the meeting.
    pub actions: usize,
}

/// A meeting as it went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MeetingSummary {
    /// Each member who was in the set then or took part, by id.
    pub members: BTreeMap<MemberId, MemberSummary>,
    /// The actions committed at the meeting, with their likelihood.
    pub actions: Vec<(ActionId, Action)>,
    /// The set's review of the meeting.
    pub process_review: ProcessReview,
}

impl MeetingSummary {
    /// The set's questions and statements, all told: its balance of asking and telling.
    #[must_use]
    pub fn asked_and_told(&self) -> (usize, usize) {
        self.members
            .values()
            .fold((0, 0), |(q, s), m| (q + m.questions, s + m.statements))
    }

    /// Whether statements outnumbered questions: the set drifted into advice.
    #[must_use]
    pub fn told_more_than_asked(&self) -> bool {
        let (questions, statements) = self.asked_and_told();
        statements > questions
    }
}

/// The summary of a meeting, `None` if the set has no such meeting.
#[must_use]
pub fn meeting_summary(
    set: &ActionLearningSet,
    meeting: &MeetingId,
    now: DateTime<Utc>,
) -> Option<MeetingSummary> {
    let record = set.meetings.get(meeting)?;
    let mut members: BTreeMap<MemberId, MemberSummary> = set
        .members
        .iter()
        .filter(|(_, m)| {
            // In the set when the meeting was held: joined before it closed, not gone before it began.
            let end = record.closed_at.map_or(now, Timestamp::get);
            m.joined_at.get() <= end
                && m.departure
                    .as_ref()
                    .is_none_or(|d| record.started_at.is_none_or(|s| d.at.get() >= s.get()))
        })
        .map(|(id, _)| (id.clone(), MemberSummary::default()))
        .collect();
    if let Some(agenda) = &record.agenda {
        for slot in &agenda.slots {
            members
                .entry(slot.member.clone())
                .or_default()
                .planned_minutes = Some(slot.minutes);
        }
    }
    let now_ms = now.timestamp_millis();
    for (presenter, turn) in &record.turns {
        let end = turn.ended_at.map_or(now_ms, Timestamp::millis);
        members.entry(presenter.clone()).or_default().used_seconds =
            Some(((end - turn.started_at.millis()) / 1000).max(0));
        for contribution in turn.contributions.values() {
            let asker = members.entry(contribution.asked_by().clone()).or_default();
            match contribution.kind {
                ContributionKind::Question => asker.questions += 1,
                ContributionKind::Statement => asker.statements += 1,
            }
        }
    }
    let mut actions: Vec<(ActionId, Action)> = set
        .actions
        .iter()
        .filter(|(_, a)| a.meeting.as_ref() == Some(meeting))
        .map(|(id, a)| (id.clone(), a.clone()))
        .collect();
    actions.sort_by(|(a_id, a), (b_id, b)| (a.created_at, a_id).cmp(&(b.created_at, b_id)));
    for (_, action) in &actions {
        members.entry(action.owner.clone()).or_default().actions += 1;
    }
    Some(MeetingSummary {
        members,
        actions,
        process_review: record.process_review.clone(),
    })
}
