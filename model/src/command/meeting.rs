//! Planning a meeting, moving it through its phases, the catch-up round and the reviews.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{Applied, Host, MeetingPlan, MemberReviewAnswers, Writer, optional, required};
use crate::error::{CommandError, MAX_MEETING_MINUTES, MIN_MEETING_MINUTES};
use crate::ids::MeetingId;
use crate::limits::{LINE_MAX, NAME_MAX, PROSE_MAX};
use crate::meeting::{Attendance, CatchUp, Meeting, MemberReview, Phase, ProcessReview};
use crate::practice;
use crate::text::SharedText;
use crate::time::Timestamp;

impl Writer<'_, '_> {
    pub(super) fn plan_meeting(&mut self, plan: MeetingPlan) -> Result<Applied, CommandError> {
        let minutes = plan.minutes.unwrap_or(if self.set.meetings.is_empty() {
            self.set.meeting_lengths.first
        } else {
            self.set.meeting_lengths.later
        });
        if !(MIN_MEETING_MINUTES..=MAX_MEETING_MINUTES).contains(&minutes) {
            return Err(CommandError::MeetingLength(minutes));
        }
        let location = required(&plan.location, "meeting's location", NAME_MAX)?;
        if let Some(host) = &plan.host {
            self.current_member(host)?;
        }
        // A short meeting still leaves most of its time for turns.
        let reserve = |default: u32| default.min(minutes / 8);
        let meeting = Meeting {
            scheduled_at: Timestamp::new(plan.scheduled_at),
            minutes,
            catch_up_minutes: reserve(practice::CATCH_UP_MINUTES),
            review_minutes: reserve(practice::REVIEW_MINUTES),
            location,
            host: plan.host,
            phase: Phase::Planned,
            started_at: None,
            closed_at: None,
            catch_up: BTreeMap::new(),
            bids: BTreeMap::new(),
            attendance: BTreeMap::new(),
            agenda: None,
            turns: BTreeMap::new(),
            process_review: ProcessReview::default(),
            member_reviews: BTreeMap::new(),
            created_by: self.author.clone(),
            created_at: self.at,
            closing: plan.closing,
        };
        let id = MeetingId::random();
        self.put_meeting(&id, &meeting)?;
        Ok(Applied::Meeting(id))
    }

    /// A planned meeting moved: another time, place or host.
    pub(super) fn move_meeting(
        &mut self,
        id: &MeetingId,
        scheduled_at: Option<DateTime<Utc>>,
        location: Option<&str>,
        host: Option<Host>,
    ) -> Result<Applied, CommandError> {
        let mut meeting = self.meeting(id)?;
        if meeting.phase != Phase::Planned {
            return Err(CommandError::MeetingBegun);
        }
        let before = meeting.clone();
        if let Some(at) = scheduled_at {
            meeting.scheduled_at = Timestamp::new(at);
        }
        if let Some(location) = location {
            meeting.location = required(location, "meeting's location", NAME_MAX)?;
        }
        match host {
            Some(Host::Member(member)) => {
                self.current_member(&member)?;
                meeting.host = Some(member);
            }
            Some(Host::NoOne) => meeting.host = None,
            None => {}
        }
        if meeting == before {
            return Err(CommandError::Unchanged(
                "The meeting is already planned that way: give a new time, place or host.",
            ));
        }
        self.put_meeting(id, &meeting)?;
        Ok(Applied::Done)
    }

    pub(super) fn move_phase(
        &mut self,
        id: &MeetingId,
        to: Phase,
    ) -> Result<Applied, CommandError> {
        let mut meeting = self.meeting(id)?;
        let from = meeting.phase;
        if from == to {
            return Err(CommandError::AlreadyInPhase(to));
        }
        if from.next() != Some(to) && from.previous() != Some(to) {
            let options: Vec<&str> = [from.previous(), from.next()]
                .into_iter()
                .flatten()
                .map(Phase::name)
                .collect();
            return Err(CommandError::PhaseJump {
                from,
                options: options.join(" or "),
            });
        }
        match (from, to) {
            (Phase::Planned, Phase::CatchUp) => meeting.started_at = Some(self.at),
            (Phase::CatchUp, Phase::Planned) => meeting.started_at = None,
            (Phase::Agenda, Phase::Turns) if meeting.agenda.is_none() => {
                return Err(CommandError::AgendaNotLocked);
            }
            (Phase::Turns, Phase::Agenda) if !meeting.turns.is_empty() => {
                return Err(CommandError::TurnsBegun);
            }
            (Phase::Turns, Phase::Review) => {
                if let Some((presenter, _)) = meeting.running_turn() {
                    return Err(CommandError::TurnRunning {
                        name: self.name_of(presenter),
                    });
                }
            }
            (Phase::Review, Phase::Closed) => meeting.closed_at = Some(self.at),
            (Phase::Closed, Phase::Review) => meeting.closed_at = None,
            _ => {}
        }
        meeting.phase = to;
        self.put_meeting(id, &meeting)?;
        Ok(Applied::Done)
    }

    pub(super) fn catch_up(&mut self, id: &MeetingId, news: &str) -> Result<Applied, CommandError> {
        let mut meeting = self.meeting(id)?;
        if meeting.phase == Phase::Closed {
            return Err(CommandError::WrongPhase {
                what: "share catch-up news",
                when: "before the meeting closes",
                phase: meeting.phase,
            });
        }
        let news = required(news, "news", PROSE_MAX)?;
        if let Some(entry) = meeting.catch_up.get_mut(&self.owner) {
            entry.news.set(&news);
            entry.updated_at = self.at;
            entry.entered_by.clone_from(&self.entered_by);
        } else {
            let entry = CatchUp {
                news: SharedText::new(&news),
                updated_at: self.at,
                entered_by: self.entered_by.clone(),
            };
            meeting.catch_up.insert(self.owner.clone(), entry);
        }
        self.put_meeting(id, &meeting)?;
        Ok(Applied::Done)
    }

    pub(super) fn attend(
        &mut self,
        id: &MeetingId,
        coming: bool,
        reason: &str,
    ) -> Result<Applied, CommandError> {
        let mut meeting = self.meeting(id)?;
        if meeting.phase == Phase::Closed {
            return Err(CommandError::WrongPhase {
                what: "say whether you are coming",
                when: "before the meeting closes",
                phase: meeting.phase,
            });
        }
        let reason = if coming {
            String::new()
        } else {
            optional(reason, "reason", LINE_MAX)?
        };
        meeting.attendance.insert(
            self.owner.clone(),
            Attendance {
                coming,
                reason,
                said_at: self.at,
                entered_by: self.entered_by.clone(),
            },
        );
        self.put_meeting(id, &meeting)?;
        Ok(Applied::Done)
    }

    fn meeting_in_review(
        &self,
        id: &MeetingId,
        what: &'static str,
    ) -> Result<Meeting, CommandError> {
        let meeting = self.meeting(id)?;
        if meeting.phase < Phase::Review {
            return Err(CommandError::WrongPhase {
                what,
                when: "once the meeting reaches its review",
                phase: meeting.phase,
            });
        }
        Ok(meeting)
    }

    pub(super) fn review_process(
        &mut self,
        id: &MeetingId,
        worked_well: Option<String>,
        was_difficult: Option<String>,
        more_effective: Option<String>,
    ) -> Result<Applied, CommandError> {
        let mut meeting = self.meeting_in_review(id, "review the process")?;
        let at = self.at;
        let mine = meeting
            .member_reviews
            .entry(self.owner.clone())
            .or_insert_with(|| MemberReview::begun(at));
        mine.updated_at = at;
        mine.entered_by.clone_from(&self.entered_by);
        let review = &mut mine.process;
        let answers = [
            (
                &mut review.worked_well,
                worked_well,
                "answer to \"what worked well?\"",
            ),
            (
                &mut review.was_difficult,
                was_difficult,
                "answer to \"what was difficult?\"",
            ),
            (
                &mut review.more_effective,
                more_effective,
                "answer to \"how could we be more effective?\"",
            ),
        ];
        let mut any = false;
        for (text, answer, field) in answers {
            if let Some(answer) = answer {
                text.set(&optional(&answer, field, PROSE_MAX)?);
                any = true;
            }
        }
        if !any {
            return Err(CommandError::Blank { field: "review" });
        }
        self.put_meeting(id, &meeting)?;
        Ok(Applied::Done)
    }

    pub(super) fn review_meeting(
        &mut self,
        id: &MeetingId,
        answers: &MemberReviewAnswers,
    ) -> Result<Applied, CommandError> {
        let mut meeting = self.meeting_in_review(id, "write your meeting review")?;
        let review = meeting
            .member_reviews
            .entry(self.owner.clone())
            .or_insert_with(|| MemberReview::begun(self.at));
        review.entered_by.clone_from(&self.entered_by);
        let fields = [
            (
                &mut review.my_problem,
                &answers.my_problem,
                "answer about your problem",
            ),
            (&mut review.myself, &answers.myself, "answer about yourself"),
            (
                &mut review.my_action_steps,
                &answers.my_action_steps,
                "answer about your action steps",
            ),
            (
                &mut review.other_members,
                &answers.other_members,
                "answer about the other members",
            ),
            (
                &mut review.the_set,
                &answers.the_set,
                "answer about the set",
            ),
        ];
        let mut any = false;
        for (text, answer, field) in fields {
            if let Some(answer) = answer {
                text.set(&optional(answer, field, PROSE_MAX)?);
                any = true;
            }
        }
        if !any {
            return Err(CommandError::Blank { field: "review" });
        }
        review.updated_at = self.at;
        self.put_meeting(id, &meeting)?;
        Ok(Applied::Done)
    }
}
