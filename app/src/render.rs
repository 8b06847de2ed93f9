//! Output for people, for both faces: names, aligned tables, local times, durations in
//! minutes.

use chrono::{DateTime, Local, Utc};
use revans_model::{ActionLearningSet, Field, Kept, MemberId, Version};

/// A member's name, or a short id if they are not in the set.
pub fn name_of(state: &ActionLearningSet, member: &MemberId) -> String {
    state
        .members
        .get(member)
        .map_or_else(|| member.short().to_owned(), |m| m.display_name.clone())
}

/// "entered by Ada for Bo", for a member's record the room's scribe wrote down for them;
/// `None` for the member's own word.
pub fn entered(
    state: &ActionLearningSet,
    owner: &MemberId,
    entered_by: Option<&MemberId>,
) -> Option<String> {
    entered_by.filter(|by| *by != owner).map(|by| {
        format!(
            "entered by {} for {}",
            name_of(state, by),
            name_of(state, owner)
        )
    })
}

/// The welcome a ticket can carry to a newcomer: who invites them, what the set is for,
/// what action learning is, and the ground rules (the set's, or the practice's first few
/// until the set agrees its own), within what a ticket carries.
pub fn welcome(state: &ActionLearningSet, inviter: &MemberId) -> String {
    let purpose = state.purpose.as_str().trim();
    let purpose = if purpose.is_empty() {
        String::new()
    } else {
        format!(" It is for: {purpose}")
    };
    let agreed: Vec<&str> = state
        .ground_rules
        .values()
        .filter(|r| r.agreed_by_all(state.current_members().into_iter().map(|(id, _)| id)))
        .map(|r| r.text.as_str())
        .collect();
    let rules = if agreed.is_empty() {
        format!(
            "The set agrees its own ground rules together, such as: {}",
            revans_model::practice::SUGGESTED_GROUND_RULES[..4].join(" ")
        )
    } else {
        format!("Its ground rules: {}", agreed.join(" "))
    };
    let text = format!(
        "{} invites you to {}, an Action Learning Set.{purpose}\n\nAction learning: five to seven peers meet every few weeks. Each brings a real problem of their own; in turn, the others ask questions rather than give advice, and each commits to actions before the next meeting. What is said stays in the room.\n\n{rules}",
        name_of(state, inviter),
        state.name
    );
    text.chars()
        .take(revans_sync::ticket::WELCOME_MAX)
        .collect()
}

/// What a member is told when another member's Revans speaks another sync protocol: who
/// needs to update.
pub fn version_gap(name: &str, theirs: u32) -> String {
    let ours = revans_sync::protocol::sync_version(revans_sync::protocol::SYNC_ALPN).unwrap_or(0);
    if theirs < ours {
        format!("{name}'s Revans is older and cannot sync with yours: ask {name} to update.")
    } else {
        format!(
            "{name}'s Revans is newer and cannot sync with yours: update Revans on this device."
        )
    }
}

/// A table whose columns line up, with a header row.
pub struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headings.
    pub fn new(headings: &[&str]) -> Self {
        Self {
            rows: vec![headings.iter().map(|h| (*h).to_owned()).collect()],
        }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Whether it has no rows beyond its headings.
    pub fn is_empty(&self) -> bool {
        self.rows.len() <= 1
    }

    /// The table as text, columns separated by two spaces, no trailing spaces.
    pub fn render(&self) -> String {
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut widths = vec![0; columns];
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let mut out = String::new();
        for row in &self.rows {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                if i > 0 {
                    line.push_str("  ");
                }
                line.push_str(cell);
                let pad = widths[i] - cell.chars().count();
                line.extend(std::iter::repeat_n(' ', pad));
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// A moment in the reader's local time, to the minute.
pub fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local)
        .format("%a %e %b %Y %H:%M")
        .to_string()
}

/// Minutes, for people: "25 min".
/// "1 question", "3 questions": a count and its noun.
#[must_use]
pub fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

pub fn minutes(m: impl std::fmt::Display) -> String {
    format!("{m} min")
}

/// How long ago, roughly, for people: "just now", "5 min ago", "3 h ago", "2 days ago".
pub fn ago(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - at).num_seconds().max(0);
    match seconds {
        0..60 => "just now".to_owned(),
        60..3600 => format!("{} min ago", seconds / 60),
        3600..86_400 => format!("{} h ago", seconds / 3600),
        _ => format!("{} days ago", seconds / 86_400),
    }
}

/// A length of time ahead, roughly, for people: "20 hours", "14 days".
pub fn span(delta: chrono::TimeDelta) -> String {
    let hours = delta.num_hours().max(0);
    if hours < 48 {
        format!("{hours} hours")
    } else {
        format!("{} days", hours / 24)
    }
}

/// The first line of a text, shortened to `max` characters.
pub fn line(text: &str, max: usize) -> String {
    let first = text.lines().next().unwrap_or("").trim();
    if first.chars().count() <= max {
        first.to_owned()
    } else {
        let cut: String = first.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// The value two members wrote at once, named by its record: "Where the meeting of Tue
/// 1 Dec 2026 09:30 is".
pub fn field(state: &ActionLearningSet, field: &Field) -> String {
    let meeting = |m: &revans_model::MeetingId| {
        state.meetings.get(m).map_or_else(
            || format!("meeting {}", m.short()),
            |meeting| format!("the meeting of {}", local(meeting.scheduled_at.get())),
        )
    };
    let action = |a: &revans_model::ActionId| {
        state.actions.get(a).map_or_else(
            || format!("action {}", a.short()),
            |action| format!("{}'s action", name_of(state, &action.owner)),
        )
    };
    match field {
        Field::SetName => "The set's name".to_owned(),
        Field::RuleWording(r) => format!("The wording of ground rule {}", r.short()),
        Field::IssueStatement(i) => state.issues.get(i).map_or_else(
            || format!("The statement of issue {}", i.short()),
            |issue| format!("The statement of {}'s issue", name_of(state, &issue.owner)),
        ),
        Field::MeetingTime(m) => format!("When {} starts", meeting(m)),
        Field::MeetingLocation(m) => format!("Where {} is", meeting(m)),
        Field::MeetingHost(m) => format!("Who hosts {}", meeting(m)),
        Field::ActionText(a) => format!("What {} is", action(a)),
        Field::ActionLikelihood(a) => format!("How likely {} is", action(a)),
    }
}

/// One version of such a value, for people.
pub fn kept(state: &ActionLearningSet, value: &Kept) -> String {
    match value {
        Kept::Time(at) => local(at.get()),
        Kept::Host(Some(member)) => name_of(state, member),
        other => other.to_string(),
    }
}

/// Who wrote a version and when: "Bo, Tue 24 Nov 2026 10:03".
pub fn written(state: &ActionLearningSet, version: &Version) -> String {
    let by = version.by.as_ref().map_or_else(
        || "a device the set does not know".to_owned(),
        |m| name_of(state, m),
    );
    match version.at {
        Some(at) => format!("{by}, {}", local(at.get())),
        None => by,
    }
}

/// The letter a version goes by on the command line: a, b, c...
pub fn letter(index: usize) -> char {
    u8::try_from(index)
        .ok()
        .filter(|i| *i < 26)
        .map_or('?', |i| char::from(b'a' + i))
}

/// A sentence's start, made to sit inside another sentence.
pub fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_lowercase().chain(chars).collect()
    })
}

/// What it means that the system's certificate store could not be read, and what to do.
#[must_use]
pub fn unread_certificate_store(why: &str) -> String {
    format!(
        "This computer's certificate store could not be read ({why}): relays' certificates are checked against the authorities Revans carries, so one your organisation added is not trusted here. Install the system's certificates (on Debian or Ubuntu, the ca-certificates package), or give your relay's authority with --relay-ca FILE."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_whatever_the_cell_widths() {
        let mut t = Table::new(&["NAME", "MINUTES"]);
        t.row(vec!["Ada".into(), "25 min".into()]);
        t.row(vec!["Bartholomew".into(), "5 min".into()]);
        assert_eq!(
            t.render(),
            "NAME         MINUTES\nAda          25 min\nBartholomew  5 min\n"
        );
    }

    #[test]
    fn long_text_is_cut_at_a_character_not_a_byte() {
        assert_eq!(line("ééééé", 3), "éé…");
        assert_eq!(line("short\nsecond line", 10), "short");
    }
}
