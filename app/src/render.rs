//! Output for people: aligned tables, local times, durations in minutes.

use chrono::{DateTime, Local, Utc};

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
