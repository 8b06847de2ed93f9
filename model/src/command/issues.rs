//! Members' issues: bring, rewrite, resolve, drop, and the set's priorities.

use super::{Applied, Writer, optional, required};
use crate::error::CommandError;
use crate::ids::IssueId;
use crate::issue::{Issue, IssueStatus, ProblemStatement};
use crate::limits::{LINE_MAX, PROSE_MAX};
use crate::text::SharedText;

/// The template's answers, checked, in the order of [`ProblemStatement`]'s fields.
struct Answers {
    statement: String,
    prose: [String; 8],
}

fn check(problem: &ProblemStatement) -> Result<Answers, CommandError> {
    let statement = required(&problem.statement, "one-sentence statement", LINE_MAX)?;
    let prose = [
        optional(
            &problem.important_to_me,
            "answer to \"why is this important to you?\"",
            PROSE_MAX,
        )?,
        optional(
            &problem.important_to_my_practice,
            "answer to \"why is this important to your practice?\"",
            PROSE_MAX,
        )?,
        optional(
            &problem.recognising_progress,
            "answer to \"how will you recognise progress?\"",
            PROSE_MAX,
        )?,
        optional(
            &problem.who_else_wants_progress,
            "answer to \"who else would like to see progress?\"",
            PROSE_MAX,
        )?,
        optional(
            &problem.anticipated_difficulties,
            "answer to \"what difficulties do you anticipate?\"",
            PROSE_MAX,
        )?,
        optional(&problem.benefits_to_me, "benefits to you", PROSE_MAX)?,
        optional(
            &problem.benefits_to_others,
            "benefits to other people",
            PROSE_MAX,
        )?,
        optional(
            &problem.benefits_to_the_practice,
            "benefits to the practice",
            PROSE_MAX,
        )?,
    ];
    Ok(Answers { statement, prose })
}

impl Issue {
    fn prose_mut(&mut self) -> [&mut SharedText; 8] {
        [
            &mut self.important_to_me,
            &mut self.important_to_my_practice,
            &mut self.recognising_progress,
            &mut self.who_else_wants_progress,
            &mut self.anticipated_difficulties,
            &mut self.benefits_to_me,
            &mut self.benefits_to_others,
            &mut self.benefits_to_the_practice,
        ]
    }
}

impl Writer<'_, '_> {
    pub(super) fn add_issue(
        &mut self,
        problem: &ProblemStatement,
    ) -> Result<Applied, CommandError> {
        let answers = check(problem)?;
        let mut issue = Issue {
            owner: self.author.clone(),
            statement: answers.statement,
            important_to_me: SharedText::default(),
            important_to_my_practice: SharedText::default(),
            recognising_progress: SharedText::default(),
            who_else_wants_progress: SharedText::default(),
            anticipated_difficulties: SharedText::default(),
            benefits_to_me: SharedText::default(),
            benefits_to_others: SharedText::default(),
            benefits_to_the_practice: SharedText::default(),
            status: IssueStatus::Open,
            priority: None,
            created_at: self.at,
            status_changed_at: None,
        };
        for (text, answer) in issue.prose_mut().into_iter().zip(&answers.prose) {
            *text = SharedText::new(answer);
        }
        let id = IssueId::random();
        self.put("issues", id.as_str(), &issue)?;
        Ok(Applied::Issue(id))
    }

    /// The author's own issue, to change.
    pub(super) fn own_issue(&self, id: &IssueId) -> Result<Issue, CommandError> {
        let issue = self
            .set
            .issues
            .get(id)
            .ok_or_else(|| CommandError::UnknownIssue(id.to_string()))?;
        if issue.owner != self.author {
            return Err(CommandError::NotYours {
                what: "issue",
                owner: self.name_of(&issue.owner),
            });
        }
        Ok(issue.clone())
    }

    pub(super) fn edit_issue(
        &mut self,
        id: &IssueId,
        problem: &ProblemStatement,
    ) -> Result<Applied, CommandError> {
        let mut issue = self.own_issue(id)?;
        let answers = check(problem)?;
        issue.statement = answers.statement;
        for (text, answer) in issue.prose_mut().into_iter().zip(&answers.prose) {
            text.set(answer);
        }
        self.put("issues", id.as_str(), &issue)?;
        Ok(Applied::Done)
    }

    pub(super) fn close_issue(
        &mut self,
        id: &IssueId,
        status: IssueStatus,
    ) -> Result<Applied, CommandError> {
        let mut issue = self.own_issue(id)?;
        if issue.status != IssueStatus::Open {
            return Err(CommandError::IssueClosed(issue.status.name()));
        }
        issue.status = status;
        issue.status_changed_at = Some(self.at);
        self.put("issues", id.as_str(), &issue)?;
        Ok(Applied::Done)
    }

    pub(super) fn prioritise_issues(&mut self, order: &[IssueId]) -> Result<Applied, CommandError> {
        if order.is_empty() {
            return Err(CommandError::EmptyOrder("issue"));
        }
        for (i, id) in order.iter().enumerate() {
            let issue = self
                .set
                .issues
                .get(id)
                .ok_or_else(|| CommandError::UnknownIssue(id.to_string()))?;
            if issue.status != IssueStatus::Open {
                return Err(CommandError::IssueClosed(issue.status.name()));
            }
            if order[..i].contains(id) {
                return Err(CommandError::Duplicate(format!("\"{}\"", issue.statement)));
            }
        }
        // Open issues left out of the order lose any earlier priority: the order given is
        // the whole of the set's priorities.
        let open: Vec<IssueId> = self
            .set
            .issues
            .iter()
            .filter(|(_, i)| i.status == IssueStatus::Open)
            .map(|(id, _)| id.clone())
            .collect();
        for id in open {
            let rank = order.iter().position(|o| *o == id).map(|p| p as u32 + 1);
            if let Some(issue) = self.set.issues.get(&id)
                && issue.priority != rank
            {
                let mut issue = issue.clone();
                issue.priority = rank;
                self.put("issues", id.as_str(), &issue)?;
            }
        }
        Ok(Applied::Done)
    }
}
