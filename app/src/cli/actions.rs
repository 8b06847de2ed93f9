//! Actions and reviews: committing to an action, reporting back, and reviewing a meeting.
use std::fmt::Write as _;

use anyhow::{Result, anyhow, bail};
use revans_model::{
    ActionLearningSet, Command, MemberReviewAnswers, Outcome, follow_through,
    the_sets_follow_through,
};
use serde_json::json;

use super::args::{
    ActionAddArgs, ActionCmd, ActionEditArgs, ActionListArgs, ActionReportArgs, CelebrateArgs,
    OutcomeArg, ReviewArgs,
};
use super::output::{Io, applied_id};
use super::refs;
use crate::render::{Table, line, name_of};

/// Actions: commit to one, report back on one, list them.
pub(super) async fn action(io: &mut Io<'_>, cmd: ActionCmd) -> Result<()> {
    match cmd {
        ActionCmd::Add(args) => add(io, args).await,
        ActionCmd::Edit(args) => edit(io, args).await,
        ActionCmd::Report(args) => report(io, args).await,
        ActionCmd::List(args) => list(io, args),
    }
}

/// Commit to an action, with how likely you are to do it (1-10).
async fn add(
    io: &mut Io<'_>,
    ActionAddArgs {
        set,
        text,
        likelihood,
        issue,
        meeting,
        scribe,
    }: ActionAddArgs,
) -> Result<()> {
    let (id, state) = io.set(&set)?;
    let issue = issue.map(|i| refs::issue(&state, &i)).transpose()?;
    let meeting = meeting.map(|m| refs::meeting(&state, &m)).transpose()?;
    let (command, _) = refs::spoken(
        &state,
        &scribe,
        Command::AddAction {
            text,
            likelihood,
            issue,
            meeting,
        },
    )?;
    let applied = io.node.apply(&id, command).await?;
    let action = applied_id(&applied).unwrap_or_default();
    io.emit(
        &json!({ "action": action, "likelihood": likelihood }),
        &action,
    );
    Ok(())
}

/// Change your action before you report on it.
async fn edit(
    io: &mut Io<'_>,
    ActionEditArgs {
        set,
        action,
        text,
        likelihood,
        scribe,
    }: ActionEditArgs,
) -> Result<()> {
    let (id, state) = io.set(&set)?;
    let action = refs::action(&state, &action)?;
    // An action a scribe wrote down for you is confirmed by an edit of nothing.
    let entered = state
        .actions
        .get(&action)
        .is_some_and(|a| a.entered_by.is_some());
    if text.is_none() && likelihood.is_none() && (scribe.member.is_some() || !entered) {
        bail!("Say what changes: --text TEXT or --likelihood N (1 to 10).");
    }
    let (command, whose) = refs::spoken(
        &state,
        &scribe,
        Command::EditAction {
            action: action.clone(),
            text,
            likelihood,
        },
    )?;
    io.apply(&id, command).await?;
    let edited = &io.node.set(&id)?.actions[&action];
    let human = if whose.is_empty() {
        "Your action is changed.".to_owned()
    } else {
        format!("{whose}the action is changed.")
    };
    io.emit(
        &json!({ "action": action, "text": edited.text, "likelihood": edited.likelihood }),
        &human,
    );
    Ok(())
}

/// Report back on your action: done, partly or not, and what happened.
async fn report(
    io: &mut Io<'_>,
    ActionReportArgs {
        set,
        action,
        status,
        text,
        learned,
        scribe,
    }: ActionReportArgs,
) -> Result<()> {
    let (id, state) = io.set(&set)?;
    let action = refs::action(&state, &action)?;
    let outcome = match status {
        OutcomeArg::Done => Outcome::Done,
        OutcomeArg::Partly => Outcome::Partly,
        OutcomeArg::Not => Outcome::Not,
    };
    let (command, whose) = refs::spoken(
        &state,
        &scribe,
        Command::ReportBack {
            action: action.clone(),
            outcome,
            what_happened: text,
            learned,
        },
    )?;
    io.apply(&id, command).await?;
    io.emit(
        &json!({ "action": action, "status": outcome }),
        &format!("{whose}Reported back: {}.", outcome.name()),
    );
    Ok(())
}

/// Actions: yours first, then everyone's; your follow-through, and the set's.
fn list(io: &mut Io<'_>, ActionListArgs { set }: ActionListArgs) -> Result<()> {
    let (id, state) = io.set(&set)?;
    let me = io.node.me(&id).ok();
    let mut actions: Vec<_> = state.actions.iter().collect();
    actions.sort_by_key(|(aid, a)| (Some(&a.owner) != me.as_ref(), a.created_at, *aid));
    let mut table = Table::new(&["ACTION", "OWNER", "LIKELY", "STATUS", "TEXT"]);
    let mut rows = Vec::new();
    for (aid, a) in actions {
        let status = a.report_back.as_ref().map_or("open", |r| r.outcome.name());
        table.row(vec![
            aid.short().to_owned(),
            name_of(&state, &a.owner),
            format!("{}/10", a.likelihood),
            status.to_owned(),
            match crate::render::entered(&state, &a.owner, a.entered_by.as_ref()) {
                Some(note) => format!("{} ({note})", line(&a.text, 60)),
                None => line(&a.text, 60),
            },
        ]);
        rows.push(json!({
            "id": aid, "owner": a.owner, "text": a.text, "likelihood": a.likelihood,
            "status": status, "meeting": a.meeting, "issue": a.issue,
        }));
    }
    // Your own follow-through is yours; the set's names no one.
    let figures = |f: &revans_model::FollowThrough| {
        json!({ "done": f.done, "partly": f.partly, "not": f.not, "open": f.open,
                "calibration": f.calibration.as_ref().map(|c| json!({
                    "reported": c.reported, "mean_likelihood": c.mean_likelihood,
                    "follow_through": c.follow_through, "brier": c.brier })) })
    };
    let yours = me
        .as_ref()
        .and_then(|me| follow_through(&state).remove(me))
        .map(|f| figures(&f));
    let figures = json!({
        "yours": yours,
        "the_set": figures(&the_sets_follow_through(&state)),
    });
    io.emit(
        &json!({ "actions": rows, "follow_through": figures }),
        &table.render(),
    );
    Ok(())
}

/// Your review of a meeting: your say on how it went, and your own learning; with
/// `--show`, the review in the round as the set has it.
pub(super) async fn review(io: &mut Io<'_>, r: ReviewArgs) -> Result<()> {
    let (id, state) = io.set(&r.set)?;
    let meeting = refs::meeting(&state, &r.meeting)?;
    let process = r.worked_well.is_some() || r.difficult.is_some() || r.more_effective.is_some();
    let own = MemberReviewAnswers {
        my_problem: r.my_problem,
        myself: r.myself,
        my_action_steps: r.my_action_steps,
        other_members: r.other_members,
        the_set: r.the_set,
    };
    if r.show {
        return show_round(io, &state, &meeting);
    }
    let personal = own != MemberReviewAnswers::default();
    if !process && !personal {
        bail!(
            "Give at least one answer, such as --worked-well, --difficult, --more-effective or --my-problem; or --show to see the review in the round."
        );
    }
    let mut whose = String::new();
    if process {
        let (command, said) = refs::spoken(
            &state,
            &r.scribe,
            Command::ReviewProcess {
                meeting: meeting.clone(),
                worked_well: r.worked_well,
                was_difficult: r.difficult,
                more_effective: r.more_effective,
            },
        )?;
        io.apply(&id, command).await?;
        whose = said;
    }
    if personal {
        let (command, said) = refs::spoken(
            &state,
            &r.scribe,
            Command::ReviewMeeting {
                meeting: meeting.clone(),
                answers: own,
            },
        )?;
        io.apply(&id, command).await?;
        whose = said;
    }
    io.emit(
        &json!({ "meeting": meeting }),
        &format!("{whose}Review recorded."),
    );
    Ok(())
}

/// The review in the round: each member's answers, in the order members joined, and what
/// the set wrote together before the review became a round.
fn show_round(
    io: &mut Io<'_>,
    state: &ActionLearningSet,
    meeting: &revans_model::MeetingId,
) -> Result<()> {
    let m = state
        .meetings
        .get(meeting)
        .ok_or_else(|| anyhow!("The meeting is gone."))?;
    let written = |answers: &[(&'static str, &revans_model::SharedText)]| {
        answers
            .iter()
            .filter(|(_, text)| !text.is_blank())
            .map(|(label, text)| ((*label).to_owned(), text.as_str().trim().to_owned()))
            .collect::<Vec<_>>()
    };
    let together = written(&m.process_review.answers());
    let round: Vec<_> = state
        .members_in_joining_order()
        .into_iter()
        .filter_map(|(member, _)| {
            let answers = written(&m.member_reviews.get(member)?.answers());
            (!answers.is_empty()).then(|| (member.clone(), answers))
        })
        .collect();
    let mut human = String::new();
    if !together.is_empty() {
        human.push_str("The set, together:\n");
        for (label, text) in &together {
            let _ = writeln!(human, "  {label}: {text}");
        }
    }
    for (member, answers) in &round {
        let note = m
            .member_reviews
            .get(member)
            .and_then(|r| crate::render::entered(state, member, r.entered_by.as_ref()))
            .map_or_else(String::new, |note| format!(" ({note})"));
        let _ = writeln!(human, "{}{note}:", name_of(state, member));
        for (label, text) in answers {
            let _ = writeln!(human, "  {label}: {text}");
        }
    }
    if human.is_empty() {
        "No one has written a review of this meeting yet.".clone_into(&mut human);
    }
    let as_map = |answers: &[(String, String)]| {
        answers
            .iter()
            .map(|(label, text)| (label.clone(), serde_json::Value::from(text.clone())))
            .collect::<serde_json::Map<_, _>>()
    };
    io.emit(
        &json!({
            "meeting": meeting,
            "together": as_map(&together),
            "round": round
                .iter()
                .map(|(member, answers)| json!({
                    "member": member,
                    "name": name_of(state, member),
                    "answers": as_map(answers),
                }))
                .collect::<Vec<_>>(),
        }),
        human.trim_end(),
    );
    Ok(())
}

/// Celebrate a member's achievement.
pub(super) async fn celebrate(
    io: &mut Io<'_>,
    CelebrateArgs { set, member, text }: CelebrateArgs,
) -> Result<()> {
    let (id, state) = io.set(&set)?;
    let member = refs::member(&state, &member)?;
    let applied = io
        .apply(
            &id,
            Command::Celebrate {
                member: member.clone(),
                text,
            },
        )
        .await?;
    io.emit(
        &json!({ "celebration": applied_id(&applied), "member": member }),
        &format!("Celebrated with {}.", name_of(&state, &member)),
    );
    Ok(())
}
