//! Meetings: planning them, moving them through their phases, and the work of each
//! phase (catch-up, bids, the agenda, turns and the questions asked in them).

use std::fmt::Write as _;

use anyhow::{Result, anyhow, bail};
use chrono::Utc;
use revans_model::{
    ActionLearningSet, Command, ContributionKind, Host, MeetingPlan, Phase, TurnState, Urgency,
    batting_order, turn_schedule,
};
use serde_json::json;

use super::args::{
    AgendaArgs, AttendArgs, BidArgs, CatchupArgs, InsightsArgs, MeetingCmd, MeetingListArgs,
    MeetingMoveArgs, MeetingPhaseArgs, MeetingPlanArgs, PhaseArg, QuestionAddArgs, QuestionArgs,
    TurnAction, TurnArgs, UrgencyArg,
};
use super::input::rfc3339;
use super::output::{Io, applied_id};
use super::refs;
use crate::render::{Table, line, local, minutes, name_of};

/// Plan meetings and move them through their phases.
pub(super) async fn meeting(io: &mut Io<'_>, cmd: MeetingCmd) -> Result<()> {
    match cmd {
        MeetingCmd::Plan(args) => plan(io, args).await,
        MeetingCmd::Move(args) => reschedule(io, args).await,
        MeetingCmd::Phase(args) => phase(io, args).await,
        MeetingCmd::List(args) => list(io, args),
    }
}

/// Plan a meeting (the first defaults to 180 minutes, later ones to 120).
async fn plan(
    io: &mut Io<'_>,
    MeetingPlanArgs {
        set,
        at,
        minutes: length,
        location,
        host,
        closing,
    }: MeetingPlanArgs,
) -> Result<()> {
    let (id, state) = io.set(&set)?;
    let scheduled_at = rfc3339(&at)?;
    let host = host.map(|h| refs::member(&state, &h)).transpose()?;
    // Sets meet at members' workplaces in turn: the host's organisation is the
    // place unless one is given.
    let location = match (location.trim(), &host) {
        ("", Some(host)) => state
            .members
            .get(host)
            .map(|m| m.organisation.trim().to_owned())
            .filter(|o| !o.is_empty())
            .ok_or_else(|| anyhow!("Say where the meeting is with --location PLACE."))?,
        ("", None) => bail!(
            "Say where the meeting is with --location PLACE (or --host MEMBER to meet at their organisation)."
        ),
        _ => location,
    };
    let applied = io
        .node
        .apply(
            &id,
            Command::PlanMeeting(MeetingPlan {
                scheduled_at,
                minutes: length,
                location,
                host,
                closing,
            }),
        )
        .await?;
    let meeting = applied_id(&applied).unwrap_or_default();
    let state = io.node.set(&id)?;
    let planned = state
        .meetings
        .iter()
        .find(|(m, _)| m.as_str() == meeting)
        .map_or(0, |(_, m)| m.minutes);
    io.emit(
        &json!({ "meeting": meeting, "scheduled_at": scheduled_at, "minutes": planned }),
        &meeting,
    );
    let _ = writeln!(
        io.out.stderr,
        "Planned for {}, {}.",
        local(scheduled_at),
        minutes(planned)
    );
    Ok(())
}

/// Move a planned meeting: another time, place or host.
async fn reschedule(
    io: &mut Io<'_>,
    MeetingMoveArgs {
        set,
        meeting,
        at,
        location,
        host,
    }: MeetingMoveArgs,
) -> Result<()> {
    let (id, state) = io.set(&set)?;
    let meeting = refs::meeting(&state, &meeting)?;
    let scheduled_at = at.as_deref().map(rfc3339).transpose()?;
    let host = match host.as_deref().map(str::trim) {
        None => None,
        Some("none") => Some(Host::NoOne),
        Some(h) => Some(Host::Member(refs::member(&state, h)?)),
    };
    if scheduled_at.is_none() && location.is_none() && host.is_none() {
        bail!("Say what changes: --at TIME, --location PLACE or --host MEMBER (or none).");
    }
    io.apply(
        &id,
        Command::MoveMeeting {
            meeting: meeting.clone(),
            scheduled_at,
            location,
            host,
        },
    )
    .await?;
    let moved = &io.node.set(&id)?.meetings[&meeting];
    io.emit(
        &json!({
            "meeting": meeting, "scheduled_at": moved.scheduled_at,
            "location": moved.location, "host": moved.host,
        }),
        &format!(
            "The meeting is now {}, at {}.",
            local(moved.scheduled_at.get()),
            moved.location
        ),
    );
    Ok(())
}

/// Move a meeting to a phase: catch-up, agenda, turns, review, closed.
async fn phase(
    io: &mut Io<'_>,
    MeetingPhaseArgs {
        set,
        meeting,
        phase,
    }: MeetingPhaseArgs,
) -> Result<()> {
    let (id, state) = io.set(&set)?;
    let meeting = refs::meeting(&state, &meeting)?;
    let to = match phase {
        PhaseArg::CatchUp => Phase::CatchUp,
        PhaseArg::Agenda => Phase::Agenda,
        PhaseArg::Turns => Phase::Turns,
        PhaseArg::Review => Phase::Review,
        PhaseArg::Closed => Phase::Closed,
    };
    io.apply(
        &id,
        Command::MovePhase {
            meeting: meeting.clone(),
            to,
        },
    )
    .await?;
    io.emit(
        &json!({ "meeting": meeting, "phase": to }),
        &format!("The meeting is in its {} phase.", to.name()),
    );
    Ok(())
}

/// The set's meetings.
fn list(io: &mut Io<'_>, MeetingListArgs { set }: MeetingListArgs) -> Result<()> {
    let (_, state) = io.set(&set)?;
    let mut table = Table::new(&["MEETING", "WHEN", "LENGTH", "WHERE", "PHASE"]);
    let mut rows = Vec::new();
    for (id, m) in state.meetings_in_order() {
        table.row(vec![
            id.short().to_owned(),
            local(m.scheduled_at.get()),
            minutes(m.minutes),
            m.location.clone(),
            m.phase.name().to_owned(),
        ]);
        rows.push(json!({
            "id": id, "scheduled_at": m.scheduled_at, "minutes": m.minutes,
            "location": m.location, "phase": m.phase, "host": m.host,
        }));
    }
    io.emit(&json!({ "meetings": rows }), &table.render());
    Ok(())
}

/// Share your news in a meeting's catch-up round.
pub(super) async fn catchup(
    io: &mut Io<'_>,
    CatchupArgs {
        set,
        meeting,
        text,
        scribe,
    }: CatchupArgs,
) -> Result<()> {
    let (id, state) = io.set(&set)?;
    let meeting = refs::meeting(&state, &meeting)?;
    let (command, whose) = refs::spoken(
        &state,
        &scribe,
        Command::CatchUp {
            meeting: meeting.clone(),
            news: text,
        },
    )?;
    io.apply(&id, command).await?;
    let human = if whose.is_empty() {
        "Your news is shared.".to_owned()
    } else {
        format!("{whose}the news is shared.")
    };
    io.emit(&json!({ "meeting": meeting }), &human);
    Ok(())
}

/// Bid for time at a meeting; a second bid replaces your first.
pub(super) async fn bid(
    io: &mut Io<'_>,
    BidArgs {
        set,
        meeting,
        minutes: wanted,
        urgency,
        issue,
        note,
        pass,
        scribe,
    }: BidArgs,
) -> Result<()> {
    let (id, state) = io.set(&set)?;
    let meeting = refs::meeting(&state, &meeting)?;
    if pass {
        let (command, whose) = refs::spoken(
            &state,
            &scribe,
            Command::Pass {
                meeting: meeting.clone(),
            },
        )?;
        io.apply(&id, command).await?;
        io.emit(
            &json!({ "meeting": meeting, "minutes": null, "urgency": null, "passing": true }),
            &if whose.is_empty() {
                "You pass this time: you have no turn, and the set knows you are here.".to_owned()
            } else {
                format!("{whose}passing this time.")
            },
        );
        return Ok(());
    }
    let issue = issue.map(|i| refs::issue(&state, &i)).transpose()?;
    let urgency = match urgency {
        UrgencyArg::Low => Urgency::Low,
        UrgencyArg::Normal => Urgency::Normal,
        UrgencyArg::High => Urgency::High,
    };
    let (command, whose) = refs::spoken(
        &state,
        &scribe,
        Command::BidForTime {
            meeting: meeting.clone(),
            minutes: wanted,
            urgency,
            issue,
            note,
        },
    )?;
    io.apply(&id, command).await?;
    let share = match wanted {
        Some(m) => minutes(m),
        None => "an equal share".to_owned(),
    };
    let human = if whose.is_empty() {
        format!("You bid for {share} ({} urgency).", urgency.name())
    } else {
        format!("{whose}a bid for {share} ({} urgency).", urgency.name())
    };
    io.emit(
        &json!({ "meeting": meeting, "minutes": wanted, "urgency": urgency, "passing": false }),
        &human,
    );
    Ok(())
}

/// Show the proposed (or locked) batting order with minutes; `--lock` locks it.
pub(super) async fn agenda(
    io: &mut Io<'_>,
    AgendaArgs {
        set,
        meeting,
        lock,
        order,
        minutes,
    }: AgendaArgs,
) -> Result<()> {
    let (id, state) = io.set(&set)?;
    let meeting_id = refs::meeting(&state, &meeting)?;
    let state = if lock {
        let slots = if order.is_empty() && minutes.is_empty() {
            None
        } else {
            Some(arranged(&state, &meeting_id, &order, &minutes)?)
        };
        io.apply(
            &id,
            Command::LockAgenda {
                meeting: meeting_id.clone(),
                slots,
            },
        )
        .await?;
        io.node.set(&id)?
    } else {
        state
    };
    print_agenda(&state, &meeting_id, io)?;
    Ok(())
}

/// The proposed batting order as the set arranged it: in `order` (by name; those left out
/// pass this time), with `minutes` (`NAME=MINUTES`) for those named there.
fn arranged(
    state: &ActionLearningSet,
    meeting: &revans_model::MeetingId,
    order: &[String],
    minutes: &[String],
) -> Result<Vec<revans_model::Slot>> {
    let m = state
        .meetings
        .get(meeting)
        .ok_or_else(|| anyhow!("The meeting is gone."))?;
    let proposed = revans_model::batting_order(state, m).slots;
    let mut slots = if order.is_empty() {
        proposed.clone()
    } else {
        order
            .iter()
            .map(|given| {
                let member = refs::member(state, given)?;
                proposed
                    .iter()
                    .find(|s| s.member == member)
                    .cloned()
                    .ok_or_else(|| {
                        anyhow!(
                            "{} has not bid for time at this meeting: they bid first, or leave them out of --order.",
                            name_of(state, &member)
                        )
                    })
            })
            .collect::<Result<Vec<_>>>()?
    };
    for given in minutes {
        let (who, wanted) = given
            .split_once('=')
            .ok_or_else(|| anyhow!("Write each of --minutes as NAME=MINUTES, such as Bo=20."))?;
        let member = refs::member(state, who)?;
        let wanted: u32 = wanted.trim().parse().map_err(|_| {
            anyhow!(
                "Write {}'s minutes as a whole number, such as {}=20.",
                who.trim(),
                who.trim()
            )
        })?;
        let slot = slots
            .iter_mut()
            .find(|s| s.member == member)
            .ok_or_else(|| {
                anyhow!(
                    "{} is not in the batting order: name them in --order to give them minutes.",
                    name_of(state, &member)
                )
            })?;
        slot.minutes = wanted;
    }
    Ok(slots)
}

/// Start or end a presenter's turn.
pub(super) async fn turn(
    io: &mut Io<'_>,
    TurnArgs {
        action,
        set,
        meeting,
        member,
    }: TurnArgs,
) -> Result<()> {
    let (id, state) = io.set(&set)?;
    let meeting_id = refs::meeting(&state, &meeting)?;
    let m = state
        .meetings
        .get(&meeting_id)
        .ok_or_else(|| anyhow!("The meeting is gone."))?;
    match action {
        TurnAction::Start => {
            let presenter = match member {
                Some(member) => refs::member(&state, &member)?,
                None => turn_schedule(&state, m, Utc::now())
                    .into_iter()
                    .find(|t| t.state == TurnState::Waiting)
                    .map(|t| t.member)
                    .ok_or_else(|| {
                        anyhow!(
                            "No one on the agenda is waiting for a turn; name the presenter, or lock the agenda first."
                        )
                    })?,
            };
            io.apply(
                &id,
                Command::StartTurn {
                    meeting: meeting_id.clone(),
                    presenter: presenter.clone(),
                },
            )
            .await?;
            let state = io.node.set(&id)?;
            let allocated = state
                .meetings
                .get(&meeting_id)
                .and_then(|m| m.turns.get(&presenter))
                .map_or(0, |t| t.allocated_minutes);
            let who = name_of(&state, &presenter);
            io.emit(
                &json!({ "meeting": meeting_id, "presenter": presenter, "minutes": allocated }),
                &format!("{who}'s turn has started: {}.", minutes(allocated)),
            );
        }
        TurnAction::End => {
            let presenter = m.running_turn().map(|(p, _)| p.clone());
            io.apply(
                &id,
                Command::EndTurn {
                    meeting: meeting_id.clone(),
                },
            )
            .await?;
            let who = presenter
                .as_ref()
                .map_or_else(String::new, |p| name_of(&state, p));
            io.emit(
                &json!({ "meeting": meeting_id, "presenter": presenter }),
                &format!("{who}'s turn has ended."),
            );
        }
    }
    Ok(())
}

/// Log a question (or with --statement, a statement) in the running turn.
pub(super) async fn question(
    io: &mut Io<'_>,
    QuestionArgs {
        set,
        meeting,
        text,
        statement,
        by,
    }: QuestionArgs,
) -> Result<()> {
    let (id, state) = io.set(&set)?;
    let meeting = refs::meeting(&state, &meeting)?;
    let asker = by.map(|m| refs::member(&state, &m)).transpose()?;
    let kind = if statement {
        ContributionKind::Statement
    } else {
        ContributionKind::Question
    };
    let applied = io
        .node
        .apply(
            &id,
            Command::LogContribution {
                meeting: meeting.clone(),
                kind,
                text,
                asker,
            },
        )
        .await?;
    io.emit(
        &json!({ "contribution": applied_id(&applied), "kind": kind }),
        if statement {
            "Statement logged."
        } else {
            "Question logged."
        },
    );
    Ok(())
}

/// Say you are coming to a meeting, or send your apologies.
pub(super) async fn attend(
    io: &mut Io<'_>,
    AttendArgs {
        set,
        meeting,
        coming,
        apologies,
        scribe,
    }: AttendArgs,
) -> Result<()> {
    let (id, state) = io.set(&set)?;
    let meeting = refs::meeting(&state, &meeting)?;
    let coming = coming || apologies.is_none();
    let reason = apologies.unwrap_or_default().trim().to_owned();
    let (command, whose) = refs::spoken(
        &state,
        &scribe,
        Command::Attend {
            meeting: meeting.clone(),
            coming,
            reason: reason.clone(),
        },
    )?;
    io.apply(&id, command).await?;
    let when = state
        .meetings
        .get(&meeting)
        .map(|m| local(m.scheduled_at.get()))
        .unwrap_or_default();
    io.emit(
        &json!({ "meeting": meeting, "coming": coming, "reason": reason }),
        &match (coming, whose.is_empty()) {
            (true, true) => format!("You are coming to the meeting of {when}."),
            (false, true) => {
                format!("Your apologies for the meeting of {when} are sent to the set.")
            }
            (true, false) => format!("{whose}here at the meeting of {when}."),
            (false, false) => format!("{whose}apologies for the meeting of {when}."),
        },
    );
    Ok(())
}

/// Keep what struck the presenter in the running turn.
pub(super) async fn insights(
    io: &mut Io<'_>,
    InsightsArgs { set, meeting, text }: InsightsArgs,
) -> Result<()> {
    let (id, state) = io.set(&set)?;
    let meeting = refs::meeting(&state, &meeting)?;
    let presenter = state
        .meetings
        .get(&meeting)
        .and_then(|m| m.running_turn())
        .map(|(p, _)| p.clone());
    io.apply(
        &id,
        Command::NoteInsights {
            meeting: meeting.clone(),
            insights: text,
        },
    )
    .await?;
    let who = presenter
        .as_ref()
        .map_or_else(String::new, |p| name_of(&state, p));
    io.emit(
        &json!({ "meeting": meeting, "presenter": presenter }),
        &format!("Insights kept in {who}'s turn."),
    );
    Ok(())
}

/// Add a question to the set's bank.
pub(super) async fn question_add(
    io: &mut Io<'_>,
    QuestionAddArgs { set, text, kind }: QuestionAddArgs,
) -> Result<()> {
    let (id, _) = io.set(&set)?;
    let category = kind;
    let applied = io
        .apply(&id, Command::AddQuestion { text, category })
        .await?;
    io.emit(
        &json!({ "question": applied_id(&applied), "kind": category.name() }),
        &format!(
            "Added to the set's questions, offered among the {} ones.",
            category.name()
        ),
    );
    Ok(())
}

/// Prints a meeting's batting order with minutes, as proposed or locked.
fn print_agenda(
    state: &ActionLearningSet,
    meeting: &revans_model::MeetingId,
    io: &mut Io<'_>,
) -> Result<()> {
    let m = state
        .meetings
        .get(meeting)
        .ok_or_else(|| anyhow!("The meeting is gone."))?;
    let order = batting_order(state, m);
    let mut table = Table::new(&["#", "MEMBER", "MINUTES", "ISSUE"]);
    let mut slots = Vec::new();
    for (i, slot) in order.slots.iter().enumerate() {
        let issue = slot
            .issue
            .as_ref()
            .and_then(|i| state.issues.get(i))
            .map(|i| line(&i.statement, 50))
            .unwrap_or_default();
        table.row(vec![
            (i + 1).to_string(),
            name_of(state, &slot.member),
            minutes(slot.minutes),
            issue,
        ]);
        slots.push(json!({
            "member": slot.member, "name": name_of(state, &slot.member),
            "minutes": slot.minutes, "issue": slot.issue,
        }));
    }
    let human = if order.slots.is_empty() {
        "No one has bid for time yet.".to_owned()
    } else {
        format!(
            "{} batting order ({} of {} for turns):\n{}",
            if order.locked { "Locked" } else { "Proposed" },
            minutes(order.allocated()),
            minutes(order.minutes_for_turns),
            table.render()
        )
    };
    io.emit(
        &json!({
            "meeting": meeting, "locked": order.locked,
            "minutes_for_turns": order.minutes_for_turns, "spare": order.spare(),
            "slots": slots,
        }),
        &human,
    );
    Ok(())
}
