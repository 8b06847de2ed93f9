//! The issues members bring, in the practice's template.

use anyhow::{Result, bail};
use revans_model::{Command, ProblemStatement};
use serde_json::json;

use super::args::{
    Answers, IssueAddArgs, IssueCmd, IssueDropArgs, IssueEditArgs, IssueListArgs,
    IssuePrioritiseArgs, IssueResolveArgs,
};
use super::output::{Io, applied_id};
use super::refs;
use crate::render::{Table, line, name_of};

/// The issues members bring.
pub(super) async fn issue(io: &mut Io<'_>, cmd: IssueCmd) -> Result<()> {
    match cmd {
        IssueCmd::Add(args) => add(io, args).await,
        IssueCmd::Edit(args) => edit(io, args).await,
        IssueCmd::Resolve(args) => resolve(io, args).await,
        IssueCmd::Drop(args) => drop_issue(io, args).await,
        IssueCmd::List(args) => list(io, args),
        IssueCmd::Prioritise(args) => prioritise(io, args).await,
    }
}

/// Bring an issue, in the practice's problem-statement template.
async fn add(
    io: &mut Io<'_>,
    IssueAddArgs {
        set,
        statement,
        answers,
    }: IssueAddArgs,
) -> Result<()> {
    let (id, _) = io.set(&set)?;
    let mut problem = ProblemStatement::new(&statement);
    answered(&mut problem, answers);
    let applied = io.apply(&id, Command::AddIssue { problem }).await?;
    let issue = applied_id(&applied).unwrap_or_default();
    io.emit(&json!({ "issue": issue }), &issue);
    Ok(())
}

/// Change your issue: its statement or any of the template's answers (others stay
/// as they are).
async fn edit(
    io: &mut Io<'_>,
    IssueEditArgs {
        set,
        issue,
        statement,
        answers,
    }: IssueEditArgs,
) -> Result<()> {
    let (id, state) = io.set(&set)?;
    let issue = refs::issue(&state, &issue)?;
    let written = &state.issues[&issue];
    let mut problem = ProblemStatement {
        statement: statement.unwrap_or_else(|| written.statement.clone()),
        important_to_me: written.important_to_me.to_string(),
        important_to_my_practice: written.important_to_my_practice.to_string(),
        recognising_progress: written.recognising_progress.to_string(),
        who_else_wants_progress: written.who_else_wants_progress.to_string(),
        anticipated_difficulties: written.anticipated_difficulties.to_string(),
        benefits_to_me: written.benefits_to_me.to_string(),
        benefits_to_others: written.benefits_to_others.to_string(),
        benefits_to_the_practice: written.benefits_to_the_practice.to_string(),
    };
    let before = problem.clone();
    answered(&mut problem, answers);
    if problem == before {
        bail!(
            "Say what changes: --statement TEXT or an answer such as --why-me TEXT (see revans issue edit --help)."
        );
    }
    io.apply(
        &id,
        Command::EditIssue {
            issue: issue.clone(),
            problem,
        },
    )
    .await?;
    io.emit(&json!({ "issue": issue }), "Your issue is changed.");
    Ok(())
}

/// Mark your issue resolved.
async fn resolve(io: &mut Io<'_>, IssueResolveArgs { set, issue }: IssueResolveArgs) -> Result<()> {
    close(io, (&set, &issue), true).await
}

/// Drop your issue.
async fn drop_issue(io: &mut Io<'_>, IssueDropArgs { set, issue }: IssueDropArgs) -> Result<()> {
    close(io, (&set, &issue), false).await
}

/// Closes an issue of one's own: resolved, or dropped.
async fn close(io: &mut Io<'_>, (set, issue): (&str, &str), resolved: bool) -> Result<()> {
    let (id, state) = io.set(set)?;
    let issue = refs::issue(&state, issue)?;
    let (command, status) = if resolved {
        let command = Command::ResolveIssue {
            issue: issue.clone(),
        };
        (command, "resolved")
    } else {
        let command = Command::DropIssue {
            issue: issue.clone(),
        };
        (command, "dropped")
    };
    io.apply(&id, command).await?;
    io.emit(
        &json!({ "issue": issue, "status": status }),
        &format!("The issue is {status}."),
    );
    Ok(())
}

/// The set's issues, open ones by priority.
fn list(io: &mut Io<'_>, IssueListArgs { set }: IssueListArgs) -> Result<()> {
    let (_, state) = io.set(&set)?;
    let mut table = Table::new(&["ISSUE", "OWNER", "STATUS", "STATEMENT"]);
    let mut rows = Vec::new();
    let mut issues: Vec<_> = state.issues.iter().collect();
    issues.sort_by_key(|(id, i)| (i.status.name(), i.priority, i.created_at, *id));
    for (id, issue) in issues {
        table.row(vec![
            id.short().to_owned(),
            name_of(&state, &issue.owner),
            issue.status.name().to_owned(),
            line(&issue.statement, 60),
        ]);
        rows.push(json!({
            "id": id, "owner": issue.owner, "status": issue.status,
            "statement": issue.statement, "priority": issue.priority,
        }));
    }
    io.emit(&json!({ "issues": rows }), &table.render());
    Ok(())
}

/// The template's answers given on the command line, over those already written.
fn answered(problem: &mut ProblemStatement, answers: Answers) {
    let Answers {
        why_me,
        why_practice,
        progress,
        who_else,
        difficulties,
        benefits_me,
        benefits_others,
        benefits_practice,
    } = answers;
    for (given, answer) in [
        (why_me, &mut problem.important_to_me),
        (why_practice, &mut problem.important_to_my_practice),
        (progress, &mut problem.recognising_progress),
        (who_else, &mut problem.who_else_wants_progress),
        (difficulties, &mut problem.anticipated_difficulties),
        (benefits_me, &mut problem.benefits_to_me),
        (benefits_others, &mut problem.benefits_to_others),
        (benefits_practice, &mut problem.benefits_to_the_practice),
    ] {
        if let Some(given) = given {
            *answer = given;
        }
    }
}

/// The priorities the set agreed: open issues, first priority first.
async fn prioritise(
    io: &mut Io<'_>,
    IssuePrioritiseArgs { set, order }: IssuePrioritiseArgs,
) -> Result<()> {
    let (id, state) = io.set(&set)?;
    let order = order
        .iter()
        .map(|given| refs::issue(&state, given))
        .collect::<Result<Vec<_>>>()?;
    io.apply(
        &id,
        Command::PrioritiseIssues {
            order: order.clone(),
        },
    )
    .await?;
    let human = order
        .iter()
        .enumerate()
        .map(|(i, issue)| {
            let statement = state
                .issues
                .get(issue)
                .map_or_else(String::new, |i| i.statement.clone());
            format!("{}. {statement}", i + 1)
        })
        .collect::<Vec<_>>()
        .join("\n");
    io.emit(&json!({ "order": order }), &human);
    Ok(())
}
