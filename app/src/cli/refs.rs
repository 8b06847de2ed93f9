//! References on the command line: an id, a unique id prefix, or (for a set or a member)
//! a name. Each failure says what was given and how to find the right one.

use anyhow::{Result, bail};
use revans_model::{ActionLearningSet, MeetingId, MemberId, SetId};
use revans_sync::Node;

/// Picks the one candidate whose id starts with `given` (or whose name equals it,
/// ignoring case). `what` names the kind of thing, `list` the command that lists them.
fn pick<'a, T>(
    given: &str,
    candidates: impl IntoIterator<Item = (&'a str, Option<&'a str>, T)>,
    what: &str,
    list: &str,
) -> Result<T> {
    let given_trim = given.trim();
    if given_trim.is_empty() {
        bail!("No {what} given; list them with `{list}`.");
    }
    let mut exact = Vec::new();
    let mut by_prefix = Vec::new();
    let mut by_name = Vec::new();
    for (id, name, value) in candidates {
        if id == given_trim {
            exact.push(value);
        } else if id.starts_with(given_trim) {
            by_prefix.push(value);
        } else if name.is_some_and(|n| n.trim().eq_ignore_ascii_case(given_trim)) {
            by_name.push(value);
        }
    }
    for group in [exact, by_prefix, by_name] {
        let n = group.len();
        if n > 1 {
            bail!("\"{given_trim}\" matches {n} {what}s; give more of the id (see `{list}`).");
        }
        if let Some(one) = group.into_iter().next() {
            return Ok(one);
        }
    }
    bail!("No {what} matches \"{given_trim}\"; list them with `{list}`.")
}

/// A set this device holds, by id, prefix or name; one that does not load (its files
/// damaged) is found by its id.
pub fn set_id(node: &Node, given: &str) -> Result<SetId> {
    let sets = node.sets();
    let mut candidates = Vec::new();
    for (id, loaded) in &sets {
        match loaded {
            Ok(state) => candidates.push((id.as_str(), Some(state.name.as_str()), id)),
            Err(_) => candidates.push((id.as_str(), None, id)),
        }
    }
    Ok(pick(given, candidates, "set", "revans set list")?.clone())
}

/// A set this device holds, loaded.
pub fn set(node: &Node, given: &str) -> Result<(SetId, ActionLearningSet)> {
    let id = set_id(node, given)?;
    let state = node.set(&id)?;
    Ok((id, state))
}

/// A member of the set, current or former.
pub fn member(state: &ActionLearningSet, given: &str) -> Result<MemberId> {
    let candidates = state
        .members
        .iter()
        .map(|(id, m)| (id.as_str(), Some(m.display_name.as_str()), id.clone()));
    pick(given, candidates, "member", "revans member list SET")
}

/// A meeting: its id or prefix, or `next` for the first one not yet closed.
pub fn meeting(state: &ActionLearningSet, given: &str) -> Result<MeetingId> {
    if given.trim().eq_ignore_ascii_case("next") {
        return state
            .meetings_in_order()
            .into_iter()
            .find(|(_, m)| m.closed_at.is_none())
            .map(|(id, _)| id.clone())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "This set has no meeting still to hold; plan one with `revans meeting plan`."
                )
            });
    }
    let candidates = state
        .meetings
        .keys()
        .map(|id| (id.as_str(), None, id.clone()));
    pick(given, candidates, "meeting", "revans meeting list SET")
}

/// An issue.
pub fn issue(state: &ActionLearningSet, given: &str) -> Result<revans_model::IssueId> {
    let candidates = state
        .issues
        .keys()
        .map(|id| (id.as_str(), None, id.clone()));
    pick(given, candidates, "issue", "revans issue list SET")
}

/// An action.
pub fn action(state: &ActionLearningSet, given: &str) -> Result<revans_model::ActionId> {
    let candidates = state
        .actions
        .keys()
        .map(|id| (id.as_str(), None, id.clone()));
    pick(given, candidates, "action", "revans action list SET")
}

/// A ground rule.
pub fn rule(state: &ActionLearningSet, given: &str) -> Result<revans_model::RuleId> {
    let candidates = state
        .ground_rules
        .keys()
        .map(|id| (id.as_str(), None, id.clone()));
    pick(given, candidates, "ground rule", "revans rule list SET")
}

/// A member's name, or a short id if they are not in the set.
pub fn name_of(state: &ActionLearningSet, member: &MemberId) -> String {
    state
        .members
        .get(member)
        .map_or_else(|| member.short().to_owned(), |m| m.display_name.clone())
}

#[cfg(test)]
mod tests {
    use super::pick;

    fn things() -> Vec<(&'static str, Option<&'static str>, u32)> {
        vec![
            ("ab12", Some("Ada"), 1),
            ("ab34", Some("Bo"), 2),
            ("cd56", Some("ab"), 3),
        ]
    }

    #[test]
    fn an_id_a_unique_prefix_or_a_name_picks_one() {
        assert_eq!(pick("ab12", things(), "member", "l").unwrap(), 1);
        assert_eq!(pick("ab3", things(), "member", "l").unwrap(), 2);
        assert_eq!(pick("bo", things(), "member", "l").unwrap(), 2);
    }

    #[test]
    fn an_ambiguous_prefix_says_so_and_a_prefix_beats_a_name() {
        let err = pick("ab", things(), "member", "revans member list SET").unwrap_err();
        assert!(err.to_string().contains("matches 2 members"), "{err}");
        let err = pick("zz", things(), "member", "revans member list SET").unwrap_err();
        assert_eq!(
            err.to_string(),
            "No member matches \"zz\"; list them with `revans member list SET`."
        );
    }
}
