//! Exports of a set: a readable Markdown record, the whole set as JSON, its meetings as an
//! iCalendar file, and the Automerge document itself.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use icalendar::{Alarm, Calendar, Component, Event, EventLike};
use revans_model::{
    ActionLearningSet, ContributionKind, Facilitation, IssueStatus, MeetingId, MemberId, Phase,
    batting_order, follow_through,
};

use crate::render::local;

/// What a set is exported as: its record to read (Markdown), the whole set (JSON), its
/// meetings for a calendar, its Automerge document, or a backup to import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Md,
    Json,
    Ics,
    Automerge,
    Revans,
}

/// Writes an export where the user asked, readable by its owner only: what a set says
/// stays in the room, so a copy on disk is as private as the data directory. An
/// existing file of theirs is tightened too.
pub fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        options.mode(0o600);
        let mut file = options.open(path)?;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        file.write_all(bytes)?;
        file.sync_all()
    }
    // Elsewhere (Windows) a new file takes its folder's access list, which in the user's
    // own profile is theirs alone; a folder shared with others is the person's choice.
    #[cfg(not(unix))]
    {
        let mut file = options.open(path)?;
        file.write_all(bytes)?;
        file.sync_all()
    }
}

fn name(set: &ActionLearningSet, member: &MemberId) -> String {
    crate::render::name_of(set, member)
}

/// The facilitation arrangement, in words.
pub fn facilitation(set: &ActionLearningSet) -> String {
    match &set.facilitation {
        Facilitation::Facilitated { facilitator } => {
            format!("facilitated by {}", name(set, facilitator))
        }
        Facilitation::Rotating { .. } => "rotating among the members".to_owned(),
        Facilitation::SelfManaged => "self-managed".to_owned(),
    }
}

/// The whole set as JSON: the shape documented in the README.
pub fn json(set: &ActionLearningSet) -> serde_json::Result<String> {
    serde_json::to_string_pretty(set)
}

/// The set's meetings as an RFC 5545 calendar, each with reminders the day before and an
/// hour before (a member's calendar app lets them switch either off). Only times, places
/// and the set's name: nothing said in a meeting leaves in a calendar.
pub fn ics(set: &ActionLearningSet) -> String {
    let mut calendar = Calendar::new();
    calendar.name(&set.name);
    for (id, meeting) in set.meetings_in_order() {
        let start = meeting.scheduled_at.get();
        let end = meeting.scheduled_at.plus_minutes(meeting.minutes).get();
        let host = meeting
            .host
            .as_ref()
            .map(|h| format!(" Hosted by {}.", name(set, h)))
            .unwrap_or_default();
        let mut event = Event::new();
        event
            .uid(&format!("{id}@revans"))
            .summary(&format!("{}: Action Learning Set meeting", set.name))
            .description(&format!(
                "{} minutes: catch-up, bids for time, turns, review.{host}",
                meeting.minutes
            ))
            .starts(start)
            .ends(end)
            .alarm(Alarm::display(
                &format!("{} meets tomorrow", set.name),
                -chrono::Duration::days(1),
            ))
            .alarm(Alarm::display(
                &format!("{} meets in an hour", set.name),
                -chrono::Duration::hours(1),
            ));
        if !meeting.location.trim().is_empty() {
            event.location(&meeting.location);
        }
        calendar.push(event.done());
    }
    calendar.done().to_string()
}

/// A readable record of the set: members, ground rules, issues, and every meeting with its
/// agenda, turns, actions and reviews.
#[allow(clippy::too_many_lines)] // one section after another, in reading order
pub fn markdown(set: &ActionLearningSet, now: DateTime<Utc>) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# {}\n", set.name);
    if !set.purpose.is_blank() {
        let _ = writeln!(md, "{}\n", set.purpose.as_str().trim());
    }
    let _ = writeln!(
        md,
        "Created {} by {}. The set is {}.\n",
        local(set.created_at.get()),
        name(set, &set.created_by),
        facilitation(set)
    );

    md.push_str("## Members\n\n");
    for (id, member) in set.current_members() {
        let org = if member.organisation.trim().is_empty() {
            String::new()
        } else {
            format!(", {}", member.organisation)
        };
        let devices = member.devices.len();
        let _ = writeln!(
            md,
            "- {}{org} (joined {}; {devices} device{})",
            member.display_name,
            local(member.joined_at.get()),
            if devices == 1 { "" } else { "s" }
        );
        let _ = id;
    }
    let former: Vec<_> = set
        .members
        .values()
        .filter(|m| !m.is_current())
        .map(|m| m.display_name.clone())
        .collect();
    if !former.is_empty() {
        let _ = writeln!(md, "\nFormer members: {}.", former.join(", "));
    }

    md.push_str("\n## Ground rules\n\n");
    for rule in set.ground_rules.values().filter(|r| r.retired.is_none()) {
        let agreed: Vec<String> = rule.agreed_by.keys().map(|m| name(set, m)).collect();
        let by = if agreed.is_empty() {
            "proposed, not yet agreed".to_owned()
        } else {
            format!("agreed by {}", agreed.join(", "))
        };
        let _ = writeln!(md, "- {} ({by})", rule.text);
    }

    md.push_str("\n## Issues\n\n");
    let mut issues: Vec<_> = set.issues.iter().collect();
    issues.sort_by_key(|(id, i)| (i.status != IssueStatus::Open, i.priority, i.created_at, *id));
    for (_, issue) in issues {
        let _ = writeln!(
            md,
            "### {} ({}, {})\n",
            issue.statement,
            name(set, &issue.owner),
            issue.status.name()
        );
        for (label, text) in [
            ("Why it is important to me", &issue.important_to_me),
            (
                "Why it is important to my practice",
                &issue.important_to_my_practice,
            ),
            (
                "How I would recognise progress",
                &issue.recognising_progress,
            ),
            (
                "Who else would like to see progress",
                &issue.who_else_wants_progress,
            ),
            ("Difficulties I anticipate", &issue.anticipated_difficulties),
            ("Benefits to me", &issue.benefits_to_me),
            ("Benefits to others", &issue.benefits_to_others),
            ("Benefits to the practice", &issue.benefits_to_the_practice),
        ] {
            if !text.is_blank() {
                let _ = writeln!(md, "- **{label}:** {}", text.as_str().trim());
            }
        }
        md.push('\n');
    }

    md.push_str("## Meetings\n");
    for (id, _) in set.meetings_in_order() {
        meeting_markdown(&mut md, set, id, now);
    }

    md.push_str("\n## Follow-through\n\n");
    let figures = follow_through(set);
    for (member, f) in &figures {
        let calibration = f.calibration.as_ref().map_or_else(String::new, |c| {
            format!(
                "; said {:.0}% likely on average, did {:.0}%",
                c.mean_likelihood * 10.0,
                c.follow_through * 100.0
            )
        });
        let _ = writeln!(
            md,
            "- {}: {} done, {} partly, {} not, {} open{calibration}",
            name(set, member),
            f.done,
            f.partly,
            f.not,
            f.open
        );
    }
    if !set.celebrations.is_empty() {
        md.push_str("\n## Celebrations\n\n");
        for c in set.celebrations.values() {
            let _ = writeln!(md, "- {}: {}", name(set, &c.member), c.text);
        }
    }
    md
}

#[allow(clippy::too_many_lines)] // one section after another, in reading order
fn meeting_markdown(md: &mut String, set: &ActionLearningSet, id: &MeetingId, now: DateTime<Utc>) {
    let Some(meeting) = set.meetings.get(id) else {
        return;
    };
    let place = if meeting.location.trim().is_empty() {
        String::new()
    } else {
        format!(", {}", meeting.location)
    };
    let _ = writeln!(
        md,
        "\n### {}{place} ({} minutes, {})\n",
        local(meeting.scheduled_at.get()),
        meeting.minutes,
        if meeting.phase == Phase::Closed {
            "held".to_owned()
        } else {
            format!("{} phase", meeting.phase.name())
        }
    );
    if !meeting.catch_up.is_empty() {
        md.push_str("**Catch-up**\n\n");
        for (member, news) in &meeting.catch_up {
            let _ = writeln!(md, "- {}: {}", name(set, member), news.news.as_str().trim());
        }
        md.push('\n');
    }
    if !meeting.bids.is_empty() {
        let order = batting_order(set, meeting);
        let _ = writeln!(
            md,
            "**Agenda** ({})\n",
            if order.locked { "locked" } else { "proposed" }
        );
        for (i, slot) in order.slots.iter().enumerate() {
            let issue = slot
                .issue
                .as_ref()
                .and_then(|i| set.issues.get(i))
                .map(|i| format!(": {}", i.statement))
                .unwrap_or_default();
            let _ = writeln!(
                md,
                "{}. {}, {} minutes{issue}",
                i + 1,
                name(set, &slot.member),
                slot.minutes
            );
        }
        md.push('\n');
    }
    let mut turns: Vec<_> = meeting.turns.iter().collect();
    turns.sort_by_key(|(_, t)| t.started_at);
    for (presenter, turn) in turns {
        let took = turn
            .ended_at
            .map_or(now, revans_model::Timestamp::get)
            .signed_duration_since(turn.started_at.get())
            .num_minutes();
        let _ = writeln!(
            md,
            "**{}'s turn** ({took} of {} minutes)\n",
            name(set, presenter),
            turn.allocated_minutes
        );
        let mut said: Vec<_> = turn.contributions.values().collect();
        said.sort_by_key(|c| c.at);
        for c in said {
            let kind = match c.kind {
                ContributionKind::Question => "Question",
                ContributionKind::Statement => "Statement",
            };
            let text = if c.text.trim().is_empty() {
                "(not noted)"
            } else {
                c.text.trim()
            };
            let _ = writeln!(md, "- {kind} from {}: {text}", name(set, c.asked_by()));
        }
        if !turn.insights.is_blank() {
            let _ = writeln!(md, "\nInsights: {}", turn.insights.as_str().trim());
        }
        md.push('\n');
    }
    let actions: Vec<_> = set
        .actions
        .values()
        .filter(|a| a.meeting.as_ref() == Some(id))
        .collect();
    if !actions.is_empty() {
        md.push_str("**Actions**\n\n");
        for a in actions {
            let report = a.report_back.as_ref().map_or_else(
                || " (open)".to_owned(),
                |r| {
                    let learned = if r.learned.is_blank() {
                        String::new()
                    } else {
                        format!(" Learned: {}", r.learned.as_str().trim())
                    };
                    format!(
                        " ({}: {}{learned})",
                        r.outcome.name(),
                        r.what_happened.as_str().trim()
                    )
                },
            );
            let _ = writeln!(
                md,
                "- {}: {} (likelihood {}/10){report}",
                name(set, &a.owner),
                a.text,
                a.likelihood
            );
        }
        md.push('\n');
    }
    let review = &meeting.process_review;
    if review.answers().iter().any(|(_, text)| !text.is_blank()) {
        md.push_str("**Review**\n\n");
        for (label, text) in review.answers() {
            if !text.is_blank() {
                let _ = writeln!(md, "- {label}: {}", text.as_str().trim());
            }
        }
        md.push('\n');
    }
    for (member, r) in &meeting.member_reviews {
        let _ = writeln!(md, "**{}'s review**\n", name(set, member));
        for (label, text) in r.answers() {
            if !text.is_blank() {
                let _ = writeln!(md, "- {label}: {}", text.as_str().trim());
            }
        }
        md.push('\n');
    }
}
