//! Actions, report-backs, celebrations and the question bank.

use revans_model::{ActionId, Applied, Command, CommandError, LINE_MAX, Outcome, QuestionCategory};

use crate::fixture::Fixture;

fn add_action(f: &mut Fixture, member: usize, likelihood: u8) -> ActionId {
    match f.ok(
        member,
        50,
        Command::AddAction {
            text: "Talk to my director.".into(),
            likelihood,
            issue: None,
            meeting: None,
        },
    ) {
        Applied::Action(id) => id,
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_action_is_committed_with_its_likelihood_and_due_at_the_next_meeting() {
    let mut f = Fixture::new();
    let this = f.plan(0, 120);
    let next = f.plan(60 * 24 * 21, 120);
    let issue = f.add_issue(1, "Rotas.");
    let id = match f.ok(
        1,
        100,
        Command::AddAction {
            text: "  Ask the team which change they would choose.  ".into(),
            likelihood: 7,
            issue: Some(issue.clone()),
            meeting: Some(this.clone()),
        },
    ) {
        Applied::Action(id) => id,
        other => panic!("{other:?}"),
    };
    let set = f.set();
    let action = &set.actions[&id];
    assert_eq!(action.owner, f.members[1]);
    assert_eq!(action.text, "Ask the team which change they would choose.");
    assert_eq!(action.likelihood, 7);
    assert_eq!(action.issue.as_ref(), Some(&issue));
    assert_eq!(set.due_meeting(action), Some(&next));
    // At the next meeting's catch-up, Bo sees it to report back on.
    let open: Vec<_> = set
        .open_actions_of(&f.members[1])
        .into_iter()
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(open, vec![id]);
    assert!(set.open_actions_of(&f.members[2]).is_empty());

    // An action written on the train between meetings is due at the next one planned.
    let between = add_action(&mut f, 2, 5);
    let set = f.set();
    assert_eq!(set.due_meeting(&set.actions[&between]), Some(&next));
}

#[test]
fn action_errors() {
    let mut f = Fixture::new();
    let add = |likelihood, text: &str| Command::AddAction {
        text: text.into(),
        likelihood,
        issue: None,
        meeting: None,
    };
    assert_eq!(
        f.refused(1, 1, add(0, "Call.")),
        CommandError::Likelihood(0)
    );
    assert_eq!(
        f.refused(1, 1, add(11, "Call.")),
        CommandError::Likelihood(11)
    );
    assert_eq!(
        f.refused(1, 1, add(11, "Call.")).to_string(),
        "A likelihood is a whole number from 1 to 10, not 11."
    );
    assert_eq!(
        f.refused(1, 1, add(5, " ")),
        CommandError::Blank { field: "action" }
    );
    assert_eq!(
        f.refused(1, 1, add(5, &"a".repeat(LINE_MAX + 1))),
        CommandError::TooLong {
            field: "action",
            max: LINE_MAX
        }
    );
    let cys = f.add_issue(2, "Exams.");
    let e = f.refused(
        1,
        1,
        Command::AddAction {
            text: "Help Cy.".into(),
            likelihood: 5,
            issue: Some(cys),
            meeting: None,
        },
    );
    assert_eq!(
        e,
        CommandError::NotYours {
            what: "issue",
            owner: "Cy".into()
        }
    );
    let e = f.refused(
        1,
        1,
        Command::AddAction {
            text: "Call.".into(),
            likelihood: 5,
            issue: Some("nope".into()),
            meeting: None,
        },
    );
    assert_eq!(e, CommandError::UnknownIssue("nope".into()));
    let e = f.refused(
        1,
        1,
        Command::AddAction {
            text: "Call.".into(),
            likelihood: 5,
            issue: None,
            meeting: Some("nope".into()),
        },
    );
    assert_eq!(e, CommandError::UnknownMeeting("nope".into()));
}

#[test]
fn the_owner_reports_back_and_can_revise_their_account() {
    let mut f = Fixture::new();
    let id = add_action(&mut f, 1, 8);
    let report = |outcome, happened: &str| Command::ReportBack {
        action: id.clone(),
        outcome,
        what_happened: happened.into(),
        learned: "Ask earlier.".into(),
    };
    assert_eq!(
        f.refused(2, 60, report(Outcome::Done, "x")),
        CommandError::NotYours {
            what: "action",
            owner: "Bo".into()
        }
    );
    assert_eq!(
        f.refused(
            1,
            60,
            Command::ReportBack {
                action: "nope".into(),
                outcome: Outcome::Done,
                what_happened: String::new(),
                learned: String::new()
            }
        ),
        CommandError::UnknownAction("nope".into())
    );
    f.ok(1, 60, report(Outcome::Partly, "We met; no decision."));
    f.ok(1, 61, report(Outcome::Done, "We met; we decided."));
    let set = f.set();
    let back = set.actions[&id].report_back.as_ref().unwrap();
    assert_eq!(back.outcome, Outcome::Done);
    assert_eq!(back.what_happened.as_str(), "We met; we decided.");
    assert_eq!(back.learned.as_str(), "Ask earlier.");
    assert!(set.open_actions_of(&f.members[1]).is_empty());
}

#[test]
fn celebrations_and_the_question_bank() {
    let mut f = Fixture::new();
    let bo = f.members[1].clone();
    let id = match f.ok(
        2,
        5,
        Command::Celebrate {
            member: bo.clone(),
            text: "Bo's first change landed.".into(),
        },
    ) {
        Applied::Celebration(id) => id,
        other => panic!("{other:?}"),
    };
    assert_eq!(f.set().celebrations[&id].member, bo);
    assert_eq!(
        f.refused(
            2,
            5,
            Command::Celebrate {
                member: bo,
                text: String::new()
            }
        ),
        CommandError::Blank {
            field: "celebration"
        }
    );
    assert_eq!(
        f.refused(
            2,
            5,
            Command::Celebrate {
                member: "x".into(),
                text: "Hooray.".into()
            }
        ),
        CommandError::UnknownMember("x".into())
    );

    let bank_before = f.set().question_bank.len();
    f.ok(
        3,
        6,
        Command::AddQuestion {
            text: "What would you do with no constraints?".into(),
            category: QuestionCategory::Options,
        },
    );
    let set = f.set();
    assert_eq!(set.question_bank.len(), bank_before + 1);
    assert!(
        set.question_bank
            .values()
            .any(|q| q.added_by.as_ref() == Some(&f.members[3]))
    );
    assert_eq!(
        f.refused(
            3,
            6,
            Command::AddQuestion {
                text: "?".repeat(LINE_MAX + 1),
                category: QuestionCategory::Opening
            }
        ),
        CommandError::TooLong {
            field: "question",
            max: LINE_MAX
        }
    );
    assert_eq!(
        f.refused(
            3,
            6,
            Command::AddQuestion {
                text: " ".into(),
                category: QuestionCategory::Opening
            }
        ),
        CommandError::Blank { field: "question" }
    );
}
