//! The set as it stood at an earlier moment: every change its authors made up to then,
//! with everything those changes built on, read like the set now.

use std::collections::HashSet;

use automerge::{Automerge, ChangeHash};
use chrono::{DateTime, Utc};

use crate::error::LoadError;
use crate::set::ActionLearningSet;

/// The heads of the document as it stood at `when`: the changes made at or before it, by
/// their authors' clocks (to the second), and everything they depend on. A change made
/// after `when` and everything built on it are left out, whatever its clock says.
#[must_use]
pub fn heads_at(doc: &Automerge, when: DateTime<Utc>) -> Vec<ChangeHash> {
    let until = when.timestamp();
    let mut kept: HashSet<ChangeHash> = HashSet::new();
    let mut depended_on: HashSet<ChangeHash> = HashSet::new();
    // Changes come in causal order: a change's dependencies are decided before it.
    for change in doc.get_changes(&[]) {
        let deps = change.deps();
        if change.timestamp() <= until && deps.iter().all(|d| kept.contains(d)) {
            kept.insert(change.hash());
            depended_on.extend(deps.iter().copied());
        }
    }
    let mut heads: Vec<ChangeHash> = kept.difference(&depended_on).copied().collect();
    heads.sort();
    heads
}

/// The set as it stood at `heads` (see [`heads_at`]); the set as it is now when `heads`
/// are the document's own.
pub fn set_at(doc: &Automerge, heads: &[ChangeHash]) -> Result<ActionLearningSet, LoadError> {
    let mut now = doc.get_heads();
    now.sort();
    if heads == now.as_slice() {
        return ActionLearningSet::from_doc(doc);
    }
    let past = doc
        .fork_at(heads)
        .map_err(|e| LoadError::Damaged(format!("the set's history does not read: {e}")))?;
    ActionLearningSet::from_doc(&past)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::TimeZone as _;

    use super::*;
    use crate::{Author, Command, DeviceId, NewSet, Profile, apply, create_set};

    #[test]
    fn the_set_at_a_moment_holds_what_was_made_by_then_and_nothing_after() {
        let t = |minute| Utc.with_ymd_and_hms(2026, 12, 1, 9, minute, 0).unwrap();
        let (mut doc, _, ada) = create_set(
            NewSet {
                name: "Tuesday set".into(),
                purpose: String::new(),
                founder: Profile {
                    display_name: "Ada".into(),
                    organisation: String::new(),
                },
                device: DeviceId::from_bytes([7; 32]),
            },
            t(0),
        )
        .unwrap();
        for (minute, text) in [(10, "Phones face down"), (20, "Start on time")] {
            let author = Author {
                member: ada.clone(),
                at: t(minute),
            };
            apply(
                &mut doc,
                &author,
                Command::ProposeRule { text: text.into() },
            )
            .unwrap();
        }
        let rules = |set: &ActionLearningSet| -> Vec<String> {
            let mut texts: Vec<String> = set
                .ground_rules
                .values()
                .map(|r| r.text.clone())
                .filter(|t| t == "Phones face down" || t == "Start on time")
                .collect();
            texts.sort();
            texts
        };
        let at = |minute| set_at(&doc, &heads_at(&doc, t(minute))).unwrap();
        assert_eq!(rules(&at(5)), Vec::<String>::new());
        assert_eq!(rules(&at(10)), ["Phones face down"]);
        assert_eq!(rules(&at(15)), ["Phones face down"]);
        assert_eq!(rules(&at(59)), ["Phones face down", "Start on time"]);
        assert!(heads_at(&doc, t(0) - chrono::Duration::seconds(1)).is_empty());
        let mut now = doc.get_heads();
        now.sort();
        assert_eq!(
            heads_at(&doc, t(59)),
            now,
            "now is the document's own heads"
        );
    }
}
