//! Ground rules and members' issues.

use revans_model::{Command, CommandError, IssueStatus, LINE_MAX, ProblemStatement, RuleId};

use crate::fixture::Fixture;

fn propose(f: &mut Fixture, member: usize, text: &str) -> RuleId {
    match f.ok(member, 5, Command::ProposeRule { text: text.into() }) {
        revans_model::Applied::Rule(id) => id,
        other => panic!("expected a rule, got {other:?}"),
    }
}

#[test]
fn a_rule_is_the_sets_once_every_current_member_agrees() {
    let mut f = Fixture::new();
    let rule = propose(&mut f, 1, "Phones away during turns.");
    let set = f.set();
    assert!(
        set.ground_rules[&rule]
            .agreed_by
            .contains_key(&f.members[1])
    );
    assert!(!set.agreed_ground_rules().iter().any(|(id, _)| **id == rule));

    for member in [0, 2] {
        f.ok(member, 6, Command::AgreeRule { rule: rule.clone() });
    }
    assert!(
        !f.set()
            .agreed_ground_rules()
            .iter()
            .any(|(id, _)| **id == rule)
    );
    f.ok(3, 7, Command::AgreeRule { rule: rule.clone() });
    assert!(
        f.set()
            .agreed_ground_rules()
            .iter()
            .any(|(id, _)| **id == rule)
    );

    f.ok(2, 8, Command::RetireRule { rule: rule.clone() });
    let set = f.set();
    assert!(set.ground_rules[&rule].retired.is_some());
    assert!(!set.agreed_ground_rules().iter().any(|(id, _)| **id == rule));
}

#[test]
fn rule_errors() {
    let mut f = Fixture::new();
    let rule = propose(&mut f, 1, "Phones away during turns.");
    assert_eq!(
        f.refused(
            2,
            6,
            Command::ProposeRule {
                text: "phones away during turns.".into()
            }
        ),
        CommandError::RuleExists
    );
    assert_eq!(
        f.refused(2, 6, Command::ProposeRule { text: "\n".into() }),
        CommandError::Blank {
            field: "ground rule"
        }
    );
    assert_eq!(
        f.refused(
            2,
            6,
            Command::ProposeRule {
                text: "x".repeat(LINE_MAX + 1)
            }
        ),
        CommandError::TooLong {
            field: "ground rule",
            max: LINE_MAX
        }
    );
    assert_eq!(
        f.refused(1, 6, Command::AgreeRule { rule: rule.clone() }),
        CommandError::AlreadyAgreed
    );
    assert_eq!(
        f.refused(
            1,
            6,
            Command::AgreeRule {
                rule: "nope".into()
            }
        ),
        CommandError::UnknownRule("nope".into())
    );
    f.ok(0, 7, Command::RetireRule { rule: rule.clone() });
    assert_eq!(
        f.refused(2, 8, Command::AgreeRule { rule: rule.clone() }),
        CommandError::RuleRetired
    );
    assert_eq!(
        f.refused(2, 8, Command::RetireRule { rule }),
        CommandError::RuleRetired
    );
    // Once retired, the same words can be proposed afresh.
    propose(&mut f, 2, "Phones away during turns.");
}

#[test]
fn an_issue_is_written_with_the_practices_template() {
    let mut f = Fixture::new();
    let problem = ProblemStatement {
        statement: "My team resists every change I propose.".into(),
        important_to_me: "I lose sleep over it.".into(),
        important_to_my_practice: "Nothing improves.".into(),
        recognising_progress: "One change lands.".into(),
        who_else_wants_progress: "My director.".into(),
        anticipated_difficulties: "Old habits.".into(),
        benefits_to_me: "Calm.".into(),
        benefits_to_others: "Better rotas.".into(),
        benefits_to_the_practice: "A learning culture.".into(),
    };
    let id = match f.ok(1, 5, Command::AddIssue { problem }) {
        revans_model::Applied::Issue(id) => id,
        other => panic!("{other:?}"),
    };
    let set = f.set();
    let issue = &set.issues[&id];
    assert_eq!(issue.owner, f.members[1]);
    assert_eq!(issue.statement, "My team resists every change I propose.");
    assert_eq!(issue.recognising_progress.as_str(), "One change lands.");
    assert_eq!(
        issue.benefits_to_the_practice.as_str(),
        "A learning culture."
    );
    assert_eq!(issue.status, IssueStatus::Open);

    let mut rewritten = ProblemStatement::new("My team resists changes it was not asked about.");
    rewritten.important_to_me = "I lose sleep over it, less now.".into();
    f.ok(
        1,
        6,
        Command::EditIssue {
            issue: id.clone(),
            problem: rewritten,
        },
    );
    let set = f.set();
    assert_eq!(
        set.issues[&id].statement,
        "My team resists changes it was not asked about."
    );
    assert_eq!(
        set.issues[&id].important_to_me.as_str(),
        "I lose sleep over it, less now."
    );
    // What the rewrite leaves out is cleared.
    assert!(set.issues[&id].anticipated_difficulties.is_blank());
}

#[test]
fn issues_are_resolved_or_dropped_by_their_owner_only() {
    let mut f = Fixture::new();
    let a = f.add_issue(1, "Rotas.");
    let b = f.add_issue(1, "Budget.");
    let e = f.refused(2, 5, Command::ResolveIssue { issue: a.clone() });
    assert_eq!(
        e,
        CommandError::NotYours {
            what: "issue",
            owner: "Bo".into()
        }
    );
    let e = f.refused(
        2,
        5,
        Command::EditIssue {
            issue: a.clone(),
            problem: ProblemStatement::new("Mine now."),
        },
    );
    assert!(matches!(e, CommandError::NotYours { .. }));

    f.ok(1, 6, Command::ResolveIssue { issue: a.clone() });
    f.ok(1, 6, Command::DropIssue { issue: b.clone() });
    let set = f.set();
    assert_eq!(set.issues[&a].status, IssueStatus::Resolved);
    assert_eq!(set.issues[&b].status, IssueStatus::Dropped);
    assert!(set.issues[&a].status_changed_at.is_some());
    assert_eq!(
        f.refused(1, 7, Command::DropIssue { issue: a }),
        CommandError::IssueClosed("resolved")
    );
    assert_eq!(
        f.refused(1, 7, Command::ResolveIssue { issue: b }),
        CommandError::IssueClosed("dropped")
    );
    assert_eq!(
        f.refused(
            1,
            7,
            Command::ResolveIssue {
                issue: "zzz".into()
            }
        ),
        CommandError::UnknownIssue("zzz".into())
    );
    assert_eq!(
        f.refused(
            1,
            7,
            Command::AddIssue {
                problem: ProblemStatement::new("  ")
            }
        ),
        CommandError::Blank {
            field: "one-sentence statement"
        }
    );
}

#[test]
fn the_set_prioritises_its_open_issues() {
    let mut f = Fixture::new();
    let rotas = f.add_issue(1, "Rotas.");
    let budget = f.add_issue(2, "Budget.");
    let career = f.add_issue(3, "Career.");
    f.ok(
        0,
        5,
        Command::PrioritiseIssues {
            order: vec![budget.clone(), rotas.clone()],
        },
    );
    let set = f.set();
    let order: Vec<_> = set
        .open_issues_by_priority()
        .into_iter()
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(order, vec![budget.clone(), rotas.clone(), career.clone()]);
    assert_eq!(set.issues[&budget].priority, Some(1));
    assert_eq!(set.issues[&career].priority, None);

    // A new order is the whole of the priorities: what it leaves out loses its rank.
    f.ok(
        0,
        6,
        Command::PrioritiseIssues {
            order: vec![career.clone()],
        },
    );
    let set = f.set();
    assert_eq!(set.issues[&career].priority, Some(1));
    assert_eq!(set.issues[&budget].priority, None);

    assert_eq!(
        f.refused(0, 7, Command::PrioritiseIssues { order: vec![] }),
        CommandError::EmptyOrder("issue")
    );
    assert_eq!(
        f.refused(
            0,
            7,
            Command::PrioritiseIssues {
                order: vec![rotas.clone(), rotas.clone()]
            }
        ),
        CommandError::Duplicate("\"Rotas.\"".into())
    );
    assert_eq!(
        f.refused(
            0,
            7,
            Command::PrioritiseIssues {
                order: vec!["x".into()]
            }
        ),
        CommandError::UnknownIssue("x".into())
    );
    f.ok(
        1,
        8,
        Command::ResolveIssue {
            issue: rotas.clone(),
        },
    );
    assert_eq!(
        f.refused(0, 9, Command::PrioritiseIssues { order: vec![rotas] }),
        CommandError::IssueClosed("resolved")
    );
}

#[test]
fn a_set_begins_with_the_practices_rules_offered_and_the_first_to_agree_picks_one() {
    let mut f = Fixture::new();
    let set = f.set();
    assert_eq!(set.ground_rules.len(), 14);
    assert!(
        set.ground_rules
            .values()
            .all(revans_model::GroundRule::is_offered)
    );
    let (rule, _) = set
        .ground_rules
        .iter()
        .find(|(_, r)| r.text == "Everything stays in the room.")
        .unwrap();
    f.ok(2, 6, Command::AgreeRule { rule: rule.clone() });
    let set = f.set();
    assert!(!set.ground_rules[rule].is_offered(), "picked by Cy");
    assert_eq!(
        set.ground_rules.values().filter(|r| r.is_offered()).count(),
        13
    );
    // A member's own rule is proposed, never offered.
    let own = propose(&mut f, 1, "Phones away during turns.");
    assert!(!f.set().ground_rules[&own].is_offered());
}
