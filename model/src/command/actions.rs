//! Actions and their report-backs, celebrations, and the question bank.

use super::{Applied, Writer, optional, required};
use crate::action::{Action, Outcome, ReportBack};
use crate::celebration::Celebration;
use crate::error::CommandError;
use crate::ids::{ActionId, CelebrationId, IssueId, MeetingId, MemberId, QuestionId};
use crate::limits::{LINE_MAX, PROSE_MAX};
use crate::question::{Question, QuestionCategory};
use crate::text::SharedText;

impl Writer<'_, '_> {
    pub(super) fn add_action(
        &mut self,
        text: &str,
        likelihood: u8,
        issue: Option<IssueId>,
        meeting: Option<MeetingId>,
    ) -> Result<Applied, CommandError> {
        let text = required(text, "action", LINE_MAX)?;
        if !(1..=10).contains(&likelihood) {
            return Err(CommandError::Likelihood(likelihood));
        }
        if let Some(issue_id) = &issue {
            let issue = self
                .set
                .issues
                .get(issue_id)
                .ok_or_else(|| CommandError::UnknownIssue(issue_id.to_string()))?;
            if issue.owner != self.owner {
                return Err(CommandError::NotYours {
                    what: "issue",
                    owner: self.name_of(&issue.owner),
                });
            }
        }
        if let Some(meeting_id) = &meeting {
            self.meeting(meeting_id)?;
        }
        let action = Action {
            owner: self.owner.clone(),
            issue,
            meeting,
            text,
            likelihood,
            created_by: self.author.clone(),
            created_at: self.at,
            report_back: None,
            entered_by: self.entered_by.clone(),
        };
        let id = ActionId::random();
        self.put("actions", id.as_str(), &action)?;
        Ok(Applied::Action(id))
    }

    pub(super) fn report_back(
        &mut self,
        id: &ActionId,
        outcome: Outcome,
        what_happened: &str,
        learned: &str,
    ) -> Result<Applied, CommandError> {
        let mut action = self.own_action(id)?;
        let what_happened = optional(what_happened, "account of what happened", PROSE_MAX)?;
        let learned = optional(learned, "account of what you learned", PROSE_MAX)?;
        match &mut action.report_back {
            Some(report) => {
                report.outcome = outcome;
                report.what_happened.set(&what_happened);
                report.learned.set(&learned);
                report.reported_at = self.at;
                report.entered_by.clone_from(&self.entered_by);
            }
            None => {
                action.report_back = Some(ReportBack {
                    outcome,
                    what_happened: SharedText::new(&what_happened),
                    learned: SharedText::new(&learned),
                    reported_at: self.at,
                    entered_by: self.entered_by.clone(),
                });
            }
        }
        self.put("actions", id.as_str(), &action)?;
        Ok(Applied::Done)
    }

    /// A copy of one of the author's actions, to change and write back.
    pub(super) fn own_action(&self, id: &ActionId) -> Result<Action, CommandError> {
        let action = self
            .set
            .actions
            .get(id)
            .ok_or_else(|| CommandError::UnknownAction(id.to_string()))?;
        if action.owner != self.owner {
            return Err(CommandError::NotYours {
                what: "action",
                owner: self.name_of(&action.owner),
            });
        }
        Ok(action.clone())
    }

    /// One's own action, changed before it is reported on; its owner's edit (even of
    /// nothing) confirms what a scribe entered for them.
    pub(super) fn edit_action(
        &mut self,
        id: &ActionId,
        text: Option<&str>,
        likelihood: Option<u8>,
    ) -> Result<Applied, CommandError> {
        let mut action = self.own_action(id)?;
        if action.report_back.is_some() {
            return Err(CommandError::ActionReported);
        }
        let before = action.clone();
        action.entered_by.clone_from(&self.entered_by);
        if let Some(text) = text {
            action.text = required(text, "action", LINE_MAX)?;
        }
        if let Some(likelihood) = likelihood {
            if !(1..=10).contains(&likelihood) {
                return Err(CommandError::Likelihood(likelihood));
            }
            action.likelihood = likelihood;
        }
        if action == before {
            return Err(CommandError::Unchanged(
                "The action already says that: give a new text or likelihood.",
            ));
        }
        self.put("actions", id.as_str(), &action)?;
        Ok(Applied::Done)
    }

    pub(super) fn celebrate(
        &mut self,
        member: &MemberId,
        text: &str,
    ) -> Result<Applied, CommandError> {
        self.member(member)?;
        let text = required(text, "celebration", LINE_MAX)?;
        let celebration = Celebration {
            member: member.clone(),
            text,
            at: self.at,
            created_by: self.author.clone(),
        };
        let id = CelebrationId::random();
        self.put("celebrations", id.as_str(), &celebration)?;
        Ok(Applied::Celebration(id))
    }

    pub(super) fn add_question(
        &mut self,
        text: &str,
        category: QuestionCategory,
    ) -> Result<Applied, CommandError> {
        let text = required(text, "question", LINE_MAX)?;
        let question = Question {
            text,
            category,
            added_by: Some(self.author.clone()),
            added_at: self.at,
        };
        let id = QuestionId::random();
        self.put("question_bank", id.as_str(), &question)?;
        Ok(Applied::Question(id))
    }
}
