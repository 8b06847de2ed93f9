//! Time in a meeting, derived from the document and a clock: how long the running turn
//! and the meeting have left, how overruns eat into the turns still to come, and each
//! member's airtime. Every device shows the same figures for the same clock, because
//! they come only from the turns' start times and allocations.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use crate::batting_order::{batting_order, share_out};
use crate::ids::{IssueId, MeetingId, MemberId};
use crate::meeting::Meeting;
use crate::set::ActionLearningSet;
use crate::time::Timestamp;

/// One presenter's turn as the meeting stands now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScheduledTurn {
    /// The presenter.
    pub member: MemberId,
    /// Their issue.
    pub issue: Option<IssueId>,
    /// The minutes the batting order gave them.
    pub agreed_minutes: u32,
    /// The minutes they have now: less than agreed when earlier turns overran.
    pub minutes: u32,
    /// Whether it is to come, running, or over.
    pub state: TurnState,
}

impl ScheduledTurn {
    /// Minutes taken from this turn by earlier overruns.
    #[must_use]
    pub fn minutes_lost(&self) -> u32 {
        self.agreed_minutes.saturating_sub(self.minutes)
    }
}

/// Where a turn stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum TurnState {
    /// Still to come.
    Waiting,
    /// Running since `started_at`.
    Running {
        /// When it began.
        started_at: Timestamp,
    },
    /// Over; `used_seconds` of airtime.
    Done {
        /// The airtime it took.
        used_seconds: i64,
    },
    /// The presenter left the set before their turn.
    Withdrawn,
}

/// The turns of a meeting with a locked agenda, in batting order, each with the minutes it
/// has now. Turns to come share what is left before the review: when earlier turns (or
/// the catch-up) overran, their minutes shrink, fairly, and [`ScheduledTurn::minutes_lost`]
/// shows by how much.
#[must_use]
pub fn turn_schedule(
    set: &ActionLearningSet,
    meeting: &Meeting,
    now: DateTime<Utc>,
) -> Vec<ScheduledTurn> {
    if meeting.agenda.is_none() {
        return Vec::new();
    }
    let order = batting_order(set, meeting);
    let mut turns: Vec<ScheduledTurn> = order
        .slots
        .iter()
        .map(|slot| {
            let state = match meeting.turns.get(&slot.member) {
                Some(turn) => match turn.ended_at {
                    Some(end) => TurnState::Done {
                        used_seconds: seconds_between(turn.started_at, end),
                    },
                    None => TurnState::Running {
                        started_at: turn.started_at,
                    },
                },
                None if !set.is_current_member(&slot.member) => TurnState::Withdrawn,
                None => TurnState::Waiting,
            };
            let minutes = meeting
                .turns
                .get(&slot.member)
                .map_or(slot.minutes, |t| t.allocated_minutes);
            ScheduledTurn {
                member: slot.member.clone(),
                issue: slot.issue.clone(),
                agreed_minutes: slot.minutes,
                minutes,
                state,
            }
        })
        .collect();

    let Some(left) = minutes_left_for_waiting(meeting, now) else {
        return turns;
    };
    let waiting: Vec<usize> = (0..turns.len())
        .filter(|&i| turns[i].state == TurnState::Waiting)
        .collect();
    let requests: Vec<(u32, u64)> = waiting
        .iter()
        .map(|&i| (turns[i].agreed_minutes, 1))
        .collect();
    for (i, minutes) in waiting.into_iter().zip(share_out(&requests, left)) {
        turns[i].minutes = minutes;
    }
    turns
}

/// Whole minutes left for turns still to come: from the end of the running turn (or now)
/// to the start of the review. `None` before the meeting has begun.
fn minutes_left_for_waiting(meeting: &Meeting, now: DateTime<Utc>) -> Option<u32> {
    let started = meeting.started_at?;
    let turns_end = started
        .plus_minutes(meeting.minutes.saturating_sub(meeting.review_minutes))
        .get();
    let mut from = now;
    for turn in meeting.turns.values() {
        let end = match turn.ended_at {
            Some(end) => end.get(),
            None => (turn.started_at.plus_minutes(turn.allocated_minutes))
                .get()
                .max(now),
        };
        from = from.max(end);
    }
    let left = (turns_end - from).num_minutes().max(0);
    Some(u32::try_from(left).unwrap_or(u32::MAX))
}

/// The minutes the presenter gets if their turn starts now: what the schedule gives
/// them after overruns, or their agreed minutes outside a schedule.
#[must_use]
pub fn minutes_for_turn(
    set: &ActionLearningSet,
    meeting: &Meeting,
    presenter: &MemberId,
    now: DateTime<Utc>,
) -> u32 {
    turn_schedule(set, meeting, now)
        .into_iter()
        .find(|t| &t.member == presenter)
        .map_or(0, |t| t.minutes)
}

/// The running turn's presenter and the time they have left (negative once over time).
#[must_use]
pub fn turn_time_left(meeting: &Meeting, now: DateTime<Utc>) -> Option<(MemberId, TimeDelta)> {
    let (presenter, turn) = meeting.running_turn()?;
    let end = turn.started_at.plus_minutes(turn.allocated_minutes).get();
    Some((presenter.clone(), end - now))
}

/// The time left in the meeting (negative once over time); `None` before it begins or
/// after it closes.
#[must_use]
pub fn meeting_time_left(meeting: &Meeting, now: DateTime<Utc>) -> Option<TimeDelta> {
    if meeting.closed_at.is_some() {
        return None;
    }
    let started = meeting.started_at?;
    Some(started.plus_minutes(meeting.minutes).get() - now)
}

fn seconds_between(from: Timestamp, to: Timestamp) -> i64 {
    ((to.millis() - from.millis()) / 1000).max(0)
}

/// Airtime: how long each member presented, per meeting and over the set's life.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Airtime {
    /// Seconds per member in each meeting.
    pub per_meeting: BTreeMap<MeetingId, BTreeMap<MemberId, i64>>,
    /// Seconds per member over all meetings.
    pub total: BTreeMap<MemberId, i64>,
}

/// Each member's airtime: the time between the start and end of their turns, counting a
/// running turn up to `now`.
#[must_use]
pub fn airtime(set: &ActionLearningSet, now: DateTime<Utc>) -> Airtime {
    let now = Timestamp::new(now);
    let mut airtime = Airtime::default();
    for (meeting_id, meeting) in &set.meetings {
        for (member, turn) in &meeting.turns {
            let used = seconds_between(turn.started_at, turn.ended_at.unwrap_or(now));
            *airtime
                .per_meeting
                .entry(meeting_id.clone())
                .or_default()
                .entry(member.clone())
                .or_default() += used;
            *airtime.total.entry(member.clone()).or_default() += used;
        }
    }
    airtime
}
