//! What the forms of several areas share: the record an edit form is changing, the
//! issue template's questions, and reading a date and time as people write it.

use chrono::{DateTime, Local, NaiveDateTime, TimeZone as _, Utc};
use revans_model::{ActionId, IssueId, MeetingId, MemberId, RuleId};

/// The record being changed (one at a time), with what its form holds besides text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Editing {
    Set,
    Rule(RuleId),
    Issue(IssueId),
    Meeting {
        meeting: MeetingId,
        host: Option<MemberId>,
    },
    Action {
        action: ActionId,
        likelihood: u8,
    },
}

/// Reads a local date and time as people write it: `2026-12-01 09:30`.
pub(crate) fn parse_local(text: &str) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M").ok()?;
    Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// The issue template's questions after its one sentence, in the practice's words, and
/// the fields that hold the answers.
pub(crate) const ISSUE_TEMPLATE: [(&str, &str); 8] = [
    ("Why is this important to you?", "issue.why_me"),
    (
        "Why is this important to your practice?",
        "issue.why_practice",
    ),
    (
        "How will you recognise progress on this problem?",
        "issue.progress",
    ),
    (
        "Who else would like to see progress on this problem?",
        "issue.who_else",
    ),
    ("What difficulties do you anticipate?", "issue.difficulties"),
    (
        "What are the benefits if this problem is reduced or resolved? To me?",
        "issue.benefits_me",
    ),
    ("... To other people?", "issue.benefits_others"),
    ("... To the practice?", "issue.benefits_practice"),
];
