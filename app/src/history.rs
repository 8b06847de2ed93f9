//! The set's history in the practice's words: every kind of thing that happened in it,
//! each with when, read from the record as it stands.

use chrono::{DateTime, Utc};
use revans_model::{
    ActionLearningSet, ContributionKind, DepartureKind, Facilitation, IssueStatus, MemberId,
    Outcome as ActionOutcome, Timestamp,
};

use crate::render::{counted, local, name_of};

/// What happened, newest first.
#[allow(clippy::too_many_lines)] // one kind of record after another, in the order the timeline reads
#[must_use]
pub fn events(set: &ActionLearningSet) -> Vec<(DateTime<Utc>, String)> {
    let name = |m: &MemberId| name_of(set, m);
    let mut events: Vec<(Timestamp, String)> = Vec::new();
    let mut add = |at: Timestamp, what: String| events.push((at, what));

    for member in set.members.values() {
        match &member.admitted_by {
            None => add(
                member.joined_at,
                format!("{} began the set", member.display_name),
            ),
            Some(by) => add(
                member.joined_at,
                format!(
                    "{}{} joined, admitted by {}",
                    member.display_name,
                    if member.organisation.is_empty() {
                        String::new()
                    } else {
                        format!(" of {}", member.organisation)
                    },
                    name(by)
                ),
            ),
        }
        for device in member.devices.values().skip(1) {
            add(
                device.linked_at,
                format!("{} linked another device", member.display_name),
            );
        }
        if let Some(departure) = &member.departure {
            add(
                departure.at,
                match departure.kind {
                    DepartureKind::Left => format!("{} left the set", member.display_name),
                    DepartureKind::Removed => {
                        format!("{} removed {}", name(&departure.by), member.display_name)
                    }
                },
            );
        }
    }

    for rule in set.ground_rules.values() {
        add(
            rule.proposed_at,
            format!(
                "{} proposed the ground rule \"{}\"",
                name(&rule.proposed_by),
                rule.text
            ),
        );
        for (member, at) in &rule.agreed_by {
            add(*at, format!("{} agreed to \"{}\"", name(member), rule.text));
        }
        if let Some(retired) = &rule.retired {
            add(
                retired.at,
                format!(
                    "{} retired the ground rule \"{}\"",
                    name(&retired.by),
                    rule.text
                ),
            );
        }
    }

    for issue in set.issues.values() {
        add(
            issue.created_at,
            format!(
                "{} brought an issue: {}",
                name(&issue.owner),
                issue.statement
            ),
        );
        if let Some(at) = issue.status_changed_at {
            let what = match issue.status {
                IssueStatus::Open => "reopened",
                IssueStatus::Resolved => "resolved",
                IssueStatus::Dropped => "dropped",
            };
            add(
                at,
                format!(
                    "{} {what} the issue: {}",
                    name(&issue.owner),
                    issue.statement
                ),
            );
        }
    }

    for (_, meeting) in set.meetings_in_order() {
        let place = if meeting.location.is_empty() {
            String::new()
        } else {
            format!(" at {}", meeting.location)
        };
        add(
            meeting.created_at,
            format!(
                "{} planned a meeting for {}{place}",
                name(&meeting.created_by),
                local(meeting.scheduled_at.get())
            ),
        );
        if let Some(at) = meeting.started_at {
            add(
                at,
                format!("The meeting{place} began with its catch-up round"),
            );
        }
        if let Some(agenda) = &meeting.agenda {
            let order: Vec<String> = agenda.slots.iter().map(|s| name(&s.member)).collect();
            add(
                agenda.locked_at,
                format!(
                    "{} locked the batting order: {}",
                    name(&agenda.locked_by),
                    order.join(", ")
                ),
            );
        }
        for (presenter, turn) in &meeting.turns {
            add(
                turn.started_at,
                format!(
                    "{}'s turn began ({} min)",
                    name(presenter),
                    turn.allocated_minutes
                ),
            );
            if let Some(ended) = turn.ended_at {
                let questions = turn
                    .contributions
                    .values()
                    .filter(|c| c.kind == ContributionKind::Question)
                    .count();
                add(
                    ended,
                    format!(
                        "{}'s turn ended: {}, {}",
                        name(presenter),
                        counted(questions, "question"),
                        counted(turn.contributions.len() - questions, "statement")
                    ),
                );
            }
        }
        for (member, review) in &meeting.member_reviews {
            add(
                review.updated_at,
                format!("{} filled in their own review", name(member)),
            );
        }
        if let Some(at) = meeting.closed_at {
            add(
                at,
                format!(
                    "The meeting{place} closed: {}",
                    counted(meeting.turns.len(), "turn")
                ),
            );
        }
    }

    for action in set.actions.values() {
        add(
            action.created_at,
            format!(
                "{} committed to \"{}\" ({}/10 likely)",
                name(&action.owner),
                action.text,
                action.likelihood
            ),
        );
        if let Some(r) = &action.report_back {
            let word = match r.outcome {
                ActionOutcome::Done => "did",
                ActionOutcome::Partly => "partly did",
                ActionOutcome::Not => "did not do",
            };
            let learned = if r.learned.is_blank() {
                String::new()
            } else {
                format!(", and learned: {}", r.learned.as_str())
            };
            add(
                r.reported_at,
                format!(
                    "{} {word} \"{}\"{learned}",
                    name(&action.owner),
                    action.text
                ),
            );
        }
    }

    for c in set.celebrations.values() {
        add(c.at, format!("Celebrated {}: {}", name(&c.member), c.text));
    }

    // The founding handover is the set's beginning, said above.
    let mut handovers: Vec<_> = set.handovers.values().collect();
    handovers.sort_by_key(|h| h.at);
    for h in handovers.into_iter().skip(1) {
        let what = match &h.to {
            Facilitation::Facilitated { facilitator } if *facilitator == h.by => {
                format!("{} took up facilitation", name(&h.by))
            }
            Facilitation::Facilitated { facilitator } => {
                format!(
                    "{} handed facilitation to {}",
                    name(&h.by),
                    name(facilitator)
                )
            }
            Facilitation::Rotating { .. } => {
                format!("{} made facilitation rotate among the members", name(&h.by))
            }
            Facilitation::SelfManaged => {
                format!("{} stepped back: the set manages itself", name(&h.by))
            }
        };
        add(h.at, what);
    }

    events.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    events
        .into_iter()
        .map(|(at, what)| (at.get(), what))
        .collect()
}
