//! The room's scribe, as the rules see it: a member's device may write another member's
//! own records of a meeting (coming, news, a bid, a review) or their actions and
//! report-backs, only
//! - while a meeting runs (for an action or an account, one the member is at),
//! - for a member marked as here (or marking them as here, or sending their apologies),
//! - marking the record with who entered it,
//! - and never over what the member wrote themselves: their own word stands.
//!
//! All is judged from the change's past, as every other rule is.

use automerge::{ScalarValue, Value};

use super::{Check, Path, describe};

/// The record a scribe may write at `target`, if any: a member's record of a meeting,
/// an action, or an action's account.
pub(super) fn record(target: &[String]) -> Option<&[String]> {
    let t: Vec<&str> = target.iter().map(String::as_str).collect();
    match t.as_slice() {
        [
            "meetings",
            _,
            "catch_up" | "bids" | "attendance" | "member_reviews",
            _,
            ..,
        ] => Some(&target[..4]),
        ["actions", _, "report_back", ..] => Some(&target[..3]),
        ["actions", _, ..] => Some(&target[..2]),
        _ => None,
    }
}

/// Phases in which a meeting runs.
const RUNNING: [&str; 4] = ["CatchUp", "Agenda", "Turns", "Review"];

impl Check<'_> {
    /// Notes that this change writes `owner`'s record at `target` for them.
    pub(super) fn scribing(&mut self, target: &[String], owner: &str) {
        if let Some(record) = record(target) {
            self.scribed
                .entry(record.to_vec())
                .or_insert_with(|| owner.to_owned());
        }
    }

    /// Every record written for another member is one the room's scribe may write.
    pub(super) fn scribes(&self) -> Result<(), String> {
        for (record, owner) in &self.scribed {
            self.scribe_may(record, owner)?;
        }
        Ok(())
    }

    fn scribe_may(&self, record: &Path, owner: &str) -> Result<(), String> {
        let what = describe(record);
        let r: Vec<&str> = record.iter().map(String::as_str).collect();
        if !self.past.is_member(owner) || self.past.departed(owner) {
            return Err(format!("entering {what} for someone not in the set"));
        }
        let mut at = r.clone();
        at.push("entered_by");
        let before = self.past.str_at_path(&at);
        let there = !self.made_here(record)
            && matches!(self.past.value_at(&r), Some((Value::Object(_), _)));
        if there && before.as_deref().is_none_or(|b| b == owner) {
            return Err(format!(
                "a change to {what} of another member's, which they wrote themselves"
            ));
        }
        let mut entered = record.clone();
        entered.push("entered_by".to_owned());
        match self.written.get(&entered) {
            // Checked as a value: the author's own id.
            Some(ScalarValue::Str(_)) => {}
            None if before.as_deref() == Some(self.author.as_str()) => {}
            _ => {
                return Err(format!(
                    "{what} written for another member without saying who entered it"
                ));
            }
        }
        let running = |meeting: &str| {
            self.past
                .str_at_path(&["meetings", meeting, "phase"])
                .is_some_and(|phase| RUNNING.contains(&phase.as_str()))
        };
        let here = |meeting: &str| {
            matches!(
                self.past
                    .value_at(&["meetings", meeting, "attendance", owner, "coming"]),
                Some((Value::Scalar(s), _)) if matches!(s.as_ref(), ScalarValue::Boolean(true))
            )
        };
        let in_the_room = match r.as_slice() {
            ["meetings", meeting, "attendance", _] => running(meeting),
            ["meetings", meeting, _, _] => running(meeting) && here(meeting),
            // An action or its account: at a meeting running with its owner there.
            _ => self
                .past
                .map_at(&automerge::ROOT, "meetings")
                .is_some_and(|all| self.past.keys(&all).iter().any(|m| running(m) && here(m))),
        };
        if in_the_room {
            Ok(())
        } else {
            Err(format!(
                "{what} written for another member outside a running meeting they are at"
            ))
        }
    }
}
