//! References on the command line: an id, a unique id prefix, or (for a set or a member)
//! a name. Each failure says what was given and how to find the right one.

use anyhow::{Result, bail};
use revans_model::{ActionLearningSet, Command, MeetingId, MemberId, SetId};
use revans_sync::Node;

/// Picks the one candidate `given` names: its whole id first, then its name (ignoring
/// case), then a prefix of its id, so that a name is never taken for the start of
/// someone else's id. `what` names the kind of thing, `list` the command that lists them;
/// more than one match at the first level that matches is refused, naming each.
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
    let mut by_name = Vec::new();
    let mut by_prefix = Vec::new();
    for (id, name, value) in candidates {
        let label = match name {
            Some(name) => format!("{name} ({})", id.get(..8).unwrap_or(id)),
            None => id.to_owned(),
        };
        if id == given_trim {
            exact.push((label, value));
        } else if name.is_some_and(|n| n.trim().eq_ignore_ascii_case(given_trim)) {
            by_name.push((label, value));
        } else if id.starts_with(given_trim) {
            by_prefix.push((label, value));
        }
    }
    for group in [exact, by_name, by_prefix] {
        if group.len() > 1 {
            let labels: Vec<String> = group.into_iter().map(|(label, _)| label).collect();
            bail!(
                "\"{given_trim}\" could be any of {} {what}s: {}; give more of the id.",
                labels.len(),
                labels.join(", ")
            );
        }
        if let Some((_, one)) = group.into_iter().next() {
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
pub fn set(node: &Node, given: &str) -> Result<(SetId, std::sync::Arc<ActionLearningSet>)> {
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

/// `command` as the member `--for` names would do it, entered by this device's member as
/// the room's scribe (else as it is), and the words that begin a message about it: "For
/// Bo: " when it is another's, nothing when it is your own.
pub fn spoken(
    state: &ActionLearningSet,
    scribe: &super::args::Scribe,
    command: Command,
) -> Result<(Command, String)> {
    let Some(given) = &scribe.member else {
        return Ok((command, String::new()));
    };
    let member = member(state, given)?;
    let name = crate::render::name_of(state, &member);
    Ok((
        Command::For {
            member,
            command: Box::new(command),
        },
        format!("For {name}: "),
    ))
}

/// A meeting: its id or prefix, or `next` for the first one not yet closed.
pub fn meeting(state: &ActionLearningSet, given: &str) -> Result<MeetingId> {
    if given.trim().eq_ignore_ascii_case("next") {
        return state
            .next_meeting()
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
    fn a_name_beats_the_start_of_someone_elses_id_and_ambiguity_names_the_candidates() {
        // "ab" is a member's name and also the start of two other members' ids.
        assert_eq!(pick("ab", things(), "member", "l").unwrap(), 3);
        assert_eq!(pick("AB", things(), "member", "l").unwrap(), 3);
        let two_eds = vec![
            ("ed12aaaa99", Some("Ed"), 1),
            ("ff34bbbb99", Some("Ed"), 2),
            ("ed56cccc99", Some("Bo"), 3),
        ];
        let err = pick("ed", two_eds.clone(), "member", "l").unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"ed\" could be any of 2 members: Ed (ed12aaaa), Ed (ff34bbbb); give more of the id."
        );
        let err = pick("ed", vec![two_eds[0], two_eds[2]], "member", "l");
        assert_eq!(err.unwrap(), 1, "the name wins over the other's id prefix");
        let err = pick("e", two_eds, "member", "l").unwrap_err();
        assert!(
            err.to_string().contains("Ed (ed12aaaa), Bo (ed56cccc)"),
            "{err}"
        );
        let err = pick("zz", things(), "member", "revans member list SET").unwrap_err();
        assert_eq!(
            err.to_string(),
            "No member matches \"zz\"; list them with `revans member list SET`."
        );
    }
}
