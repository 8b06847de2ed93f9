//! The set's shape as the rules know it: which fields are texts, lists, maps and
//! collections, what each field may hold, and how a place is described in a refusal.

use std::collections::HashMap;

use automerge::legacy::{ObjectId, OpType};
use automerge::{ObjType, ScalarValue};

use crate::error::MAX_MEETING_MINUTES;
use crate::limits::{LINE_MAX, NAME_MAX};

/// What a run of element operations on one object (a text's characters come one
/// operation each) adds to it: characters and entries, less those deleted.
pub(super) type Run = Option<(ObjectId, (i64, i64))>;

/// Counts one element operation into the run it belongs to, closing the run before it
/// if the object changed: counted per run, and added up per object once a run ends.
pub(super) fn tally(
    run: &mut Run,
    grown: &mut HashMap<ObjectId, (i64, i64)>,
    op: &automerge::legacy::Op,
) {
    if run.as_ref().is_none_or(|(obj, _)| *obj != op.obj) {
        flush(run, grown);
        *run = Some((op.obj.clone(), (0, 0)));
    }
    if let Some((_, counts)) = run.as_mut() {
        match &op.action {
            OpType::Put(ScalarValue::Str(s)) if op.insert => {
                // An element is one character or a few (a grapheme cluster).
                counts.0 += i64::try_from(s.chars().count()).unwrap_or(i64::MAX);
                counts.1 += 1;
            }
            OpType::Make(_) if op.insert => counts.1 += 1,
            // An element gone: at least one character of a text.
            OpType::Delete => {
                counts.0 -= 1;
                counts.1 -= 1;
            }
            _ => {}
        }
    }
}

/// Adds a finished run to its object's total.
pub(super) fn flush(run: &mut Run, grown: &mut HashMap<ObjectId, (i64, i64)>) {
    if let Some((obj, counts)) = run.take() {
        let total = grown.entry(obj).or_default();
        total.0 += counts.0;
        total.1 += counts.1;
    }
}

/// A single value a field may hold, by the field's name: what the model reads there.
/// The error names what is wrong with it.
pub(super) fn check_field(
    key: &str,
    value: &ScalarValue,
    author: &str,
) -> Result<(), &'static str> {
    let text = |max: usize| match value {
        ScalarValue::Str(s) if s.chars().count() <= max => Ok(()),
        ScalarValue::Str(_) => Err("a text too long"),
        _ => Err("something other than a text"),
    };
    let number = |min: u64, max: u64, nullable: bool| match value {
        ScalarValue::Uint(n) if (min..=max).contains(n) => Ok(()),
        ScalarValue::Int(n) if u64::try_from(*n).is_ok_and(|n| (min..=max).contains(&n)) => Ok(()),
        ScalarValue::Null if nullable => Ok(()),
        _ => Err("a number out of range"),
    };
    let one_of = |names: &[&str]| match value {
        ScalarValue::Str(s) if names.contains(&s.as_str()) => Ok(()),
        _ => Err("an unknown choice"),
    };
    let minutes = u64::from(MAX_MEETING_MINUTES) * 2;
    match key {
        "name" | "display_name" | "organisation" | "location" | "for_name" => text(NAME_MAX),
        "statement" | "text" | "note" | "reason" => text(LINE_MAX),
        "minutes" => number(0, minutes, true),
        "catch_up_minutes" | "review_minutes" | "allocated_minutes" | "first" | "later" => {
            number(0, minutes, false)
        }
        "priority" => number(0, u64::from(u32::MAX), true),
        "likelihood" => number(1, 10, false),
        "phase" => one_of(&["Planned", "CatchUp", "Agenda", "Turns", "Review", "Closed"]),
        "urgency" => one_of(&["Low", "Normal", "High"]),
        "status" => one_of(&["Open", "Resolved", "Dropped"]),
        "outcome" => one_of(&["Done", "Partly", "Not"]),
        "category" => one_of(&[
            "Opening",
            "Exploring",
            "Feelings",
            "Options",
            "Commitment",
            "Process",
        ]),
        "kind" => one_of(&["Question", "Statement", "Left", "Removed"]),
        "suggested" | "coming" | "passing" | "closing" => match value {
            ScalarValue::Boolean(_) => Ok(()),
            _ => Err("something other than yes or no"),
        },
        "link_to" => match value {
            // A linked device receives its member's journal: only they may invite one.
            ScalarValue::Str(s) if s.as_str() == author => Ok(()),
            ScalarValue::Null => Ok(()),
            _ => Err("another member's device"),
        },
        _ => match value {
            ScalarValue::Str(_) | ScalarValue::Null => Ok(()),
            _ => Err("a value of the wrong kind"),
        },
    }
}

/// The record a field belongs to: `[collection, id]`, or the member's device.
pub(super) fn record_of(target: &[String]) -> &[String] {
    match target {
        [m, _, d, _, ..] if m == "members" && d == "devices" => &target[..4],
        [_, _, ..] => &target[..2],
        _ => target,
    }
}

/// Fields that hold collaborative text.
pub(super) const TEXTS: &[&str] = &[
    "purpose",
    "news",
    "insights",
    "important_to_me",
    "important_to_my_practice",
    "recognising_progress",
    "who_else_wants_progress",
    "anticipated_difficulties",
    "benefits_to_me",
    "benefits_to_others",
    "benefits_to_the_practice",
    "what_happened",
    "learned",
    "worked_well",
    "was_difficult",
    "more_effective",
    "my_problem",
    "myself",
    "my_action_steps",
    "other_members",
    "the_set",
];

/// Maps whose entries may be deleted: a facilitation's variant gives way to another (the
/// facilitator's call). Every other honest command retires, closes or rewrites instead,
/// so any other deletion can only be an attack or a mistake.
pub(super) const DELETABLE_ENTRIES: &[&str] = &["facilitation"];

/// Maps that may be made anew over what was there: a ground rule's agreement, begun anew
/// only with new words (see `rewordings`), and the set's facilitation (the facilitator's
/// call; a self-managed set's is a single value).
pub(super) const REMADE: &[&str] = &["agreed_by", "facilitation"];

/// A field's name in words, for a refusal.
pub(super) fn field_name(key: &str) -> &str {
    if key == SEQ { "an entry" } else { key }
}

/// Lists in the document.
pub(super) const LISTS: &[&str] = &["order", "slots", "addresses"];

/// Fields that hold a map (a record, an optional record, or an enum with data).
pub(super) const MAPS: &[&str] = &[
    "facilitation",
    "Facilitated",
    "Rotating",
    "to",
    "meeting_lengths",
    "departure",
    "retired",
    "agenda",
    "process_review",
    "process",
    "report_back",
    "used",
    "revoked",
    "agreed_by",
    "closed",
];

/// Maps that are optional: null where there is none.
pub(super) const OPTIONAL_MAPS: &[&str] = &[
    "departure",
    "retired",
    "agenda",
    "report_back",
    "used",
    "revoked",
    "closed",
];

/// Maps keyed by id: each of their values is a record (a map).
pub(super) const COLLECTIONS: &[&str] = &[
    "handovers",
    "members",
    "devices",
    "ground_rules",
    "issues",
    "meetings",
    "catch_up",
    "bids",
    "attendance",
    "turns",
    "contributions",
    "member_reviews",
    "actions",
    "question_bank",
    "celebrations",
    "invitations",
];

/// What belongs at a place.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    Text,
    List,
    /// A map; `None` (null) too where the field is optional; `"SelfManaged"` where it
    /// is a facilitation.
    Map,
    Scalar,
}

pub(super) fn shape(target: &[String]) -> Shape {
    let key = target.last().map_or("", String::as_str);
    let parent = target
        .len()
        .checked_sub(2)
        .map_or("", |i| target[i].as_str());
    if TEXTS.contains(&key) {
        Shape::Text
    } else if LISTS.contains(&key) {
        Shape::List
    } else if MAPS.contains(&key)
        || COLLECTIONS.contains(&parent)
        || (key == SEQ && parent == "slots")
        || COLLECTIONS.contains(&key)
    {
        Shape::Map
    } else {
        Shape::Scalar
    }
}

pub(super) fn check_kind(target: &[String], kind: ObjType) -> Result<(), String> {
    let fits = matches!(
        (shape(target), kind),
        (Shape::Text, ObjType::Text) | (Shape::List, ObjType::List) | (Shape::Map, ObjType::Map)
    );
    if fits {
        Ok(())
    } else {
        Err(format!(
            "a value of the wrong kind for {}",
            describe(target)
        ))
    }
}

/// A place in words, for a refusal.
pub(super) fn describe(target: &[String]) -> String {
    let t: Vec<&str> = target.iter().map(String::as_str).collect();
    let what = match t.as_slice() {
        ["members", _, "devices", ..] => "a member's devices",
        ["members", _, "departure", ..] => "a member's place in the set",
        ["members", ..] => "a member's profile",
        ["facilitation" | "handovers", ..] => "the set's facilitation",
        ["ground_rules", _, "agreed_by", ..] => "an agreement to a ground rule",
        ["ground_rules", ..] => "a ground rule",
        ["issues", ..] => "an issue",
        ["actions", ..] => "an action",
        ["meetings", _, "bids", ..] => "a bid for time",
        ["meetings", _, "attendance", ..] => "coming or apologies",
        ["meetings", _, "catch_up", ..] => "catch-up news",
        ["meetings", _, "member_reviews", ..] => "a member's review",
        ["meetings", ..] => "a meeting",
        ["invitations", ..] => "an invitation",
        ["question_bank", ..] => "the question bank",
        ["celebrations", ..] => "a celebration",
        ["schema"] => "the set's schema",
        ["closed", ..] => "the set's closing",
        _ => "the set",
    };
    what.to_owned()
}

pub(super) const SEQ: &str = "#";
