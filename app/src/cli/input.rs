//! What several commands read from their arguments the same way: durations, moments,
//! the member's profile.

use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use chrono::{DateTime, Utc};
use revans_model::Profile;
use revans_sync::Node;

use super::refs;
use crate::render::local;

/// A time given in RFC 3339.
pub(super) fn rfc3339(at: &str) -> Result<DateTime<Utc>> {
    Ok(DateTime::parse_from_rfc3339(at.trim())
        .map_err(|_| {
            anyhow!(
                "\"{at}\" is not a date and time in RFC 3339; write it like 2026-12-01T09:30:00Z or 2026-12-01T09:30:00+01:00."
            )
        })?
        .with_timezone(&Utc))
}

/// A moment in the set's past, as `set show --at` takes it: a time in RFC 3339, a local
/// date and time, a local day (its end), or a meeting (when it closed).
pub(super) fn moment(
    state: &revans_model::ActionLearningSet,
    given: &str,
) -> Result<DateTime<Utc>> {
    use chrono::{Local, NaiveDate, NaiveDateTime, TimeZone as _};
    let given = given.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(given) {
        return Ok(at.with_timezone(&Utc));
    }
    let here = |naive: NaiveDateTime| {
        Local
            .from_local_datetime(&naive)
            .latest()
            .map(|t| t.with_timezone(&Utc))
    };
    if let Ok(naive) = NaiveDateTime::parse_from_str(given, "%Y-%m-%d %H:%M")
        && let Some(at) = here(naive)
    {
        return Ok(at);
    }
    if let Ok(day) = NaiveDate::parse_from_str(given, "%Y-%m-%d")
        && let Some(at) = day.and_hms_opt(23, 59, 59).and_then(here)
    {
        return Ok(at);
    }
    let meeting = refs::meeting(state, given).map_err(|_| {
        anyhow!(
            "\"{given}\" is neither a time nor a meeting: give a time like 2026-12-01T12:00:00Z or 2026-12-01 12:00, a day like 2026-12-01, or a meeting's id"
        )
    })?;
    let Some(m) = state.meetings.get(&meeting) else {
        bail!("No meeting {given} in this set.");
    };
    m.closed_at
        .map(revans_model::Timestamp::get)
        .ok_or_else(|| {
            anyhow!(
                "The meeting of {} has not closed yet; give a time instead.",
                local(m.scheduled_at.get())
            )
        })
}

/// Parses a duration such as `90s`, `30m`, `12h` or `7d`.
pub fn parse_duration(text: &str) -> Result<Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().map_err(|_| {
        anyhow!(
            "\"{text}\" is not a duration; write a number and a unit, such as 30s, 10m, 12h or 7d."
        )
    })?;
    let seconds = match unit {
        // A bare number is refused: `--expires 7` meant a week far more often than 7 s.
        "" => bail!(
            "\"{text}\" needs a unit: {n}d for {n} days, {n}h for {n} hours, {n}m for minutes or {n}s for seconds."
        ),
        "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        "d" => n.saturating_mul(86_400),
        _ => bail!("\"{text}\" has an unknown unit; use s, m, h or d (for example 7d)."),
    };
    if seconds == 0 {
        bail!("A duration of zero is too short; give at least 1s.");
    }
    if seconds > 365 * 86_400 {
        bail!("\"{text}\" is more than a year; give a shorter duration.");
    }
    Ok(Duration::from_secs(seconds))
}

pub(super) fn profile_or(
    node: &Node,
    name: Option<String>,
    org: Option<String>,
) -> Result<Profile> {
    let stored = node.profile()?.unwrap_or_default();
    let display_name = name.unwrap_or(stored.display_name);
    if display_name.trim().is_empty() {
        bail!(
            "Revans does not know your name yet; give it with --name, or once with `revans profile --name \"Your Name\"`."
        );
    }
    Ok(Profile {
        display_name,
        organisation: org.unwrap_or(stored.organisation),
    })
}

/// The command line as written, with two spellings read as the commands they name:
/// `question add SET TEXT` is `question-add SET TEXT`, and `review show SET MEETING` is
/// `review SET MEETING --show` (`question` and `review` otherwise begin with the set).
pub fn read_as_written(args: impl IntoIterator<Item = String>) -> impl Iterator<Item = String> {
    let mut args: Vec<String> = args.into_iter().collect();
    let verb = args.iter().position(|a| a == "question" || a == "review");
    // Only as the command itself: everything before it is an option or an option's value.
    let command_at =
        |at: usize| (1..at).all(|i| args[i].starts_with('-') || args[i - 1].starts_with("--"));
    if let Some(at) = verb
        && command_at(at)
        && at + 1 < args.len()
    {
        match (args[at].as_str(), args[at + 1].as_str()) {
            ("question", "add") => {
                args.splice(at..at + 2, ["question-add".to_owned()]);
            }
            ("review", "show") => {
                args.remove(at + 1);
                args.push("--show".to_owned());
            }
            _ => {}
        }
    }
    args.into_iter()
}
