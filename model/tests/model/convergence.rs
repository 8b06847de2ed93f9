//! Concurrent edits on different devices: forks of one document, edited apart, merged in
//! both orders, hydrate to equal values and keep the set's invariants.

use automerge::Automerge;
use proptest::prelude::*;
use revans_model::{
    ActionLearningSet, Author, Command, CommandError, ContributionKind, DeviceId, Facilitation,
    MeetingId, MemberId, Memo, Outcome, Phase, Urgency, apply, batting_order, check_change_with,
    turn_schedule,
};

use crate::fixture::{Fixture, t};

fn merged(a: &Automerge, b: &Automerge) -> Automerge {
    let mut out = a.clone();
    out.merge(&mut b.clone()).unwrap();
    out
}

fn author(f: &Fixture, member: usize, minute: i64) -> Author {
    f.by(member, minute)
}

#[test]
fn bids_made_at_the_same_time_on_two_devices_both_survive() {
    let mut f = Fixture::new();
    let m = f.plan(0, 120);
    let mut other = f.doc.fork();
    let bid = || Command::BidForTime {
        meeting: m.clone(),
        minutes: None,
        urgency: Urgency::Normal,
        issue: None,
        note: String::new(),
    };
    f.ok(1, 5, bid());
    apply(&mut other, &author(&f, 2, 5), bid()).unwrap();
    let set = ActionLearningSet::from_doc(&merged(&f.doc, &other)).unwrap();
    assert_eq!(set.meetings[&m].bids.len(), 2);
    assert_eq!(batting_order(&set, &set.meetings[&m]).slots.len(), 2);
}

#[test]
fn two_members_editing_the_purpose_at_once_merge_character_by_character() {
    let mut f = Fixture::new();
    let mut other = f.doc.fork();
    let purpose = |text: &str| Command::EditSet {
        name: None,
        purpose: Some(text.into()),
    };
    f.ok(
        0,
        5,
        purpose("Together: learning our way through knotty problems."),
    );
    apply(
        &mut other,
        &author(&f, 1, 5),
        purpose("Learning our way through knotty problems. Every three weeks."),
    )
    .unwrap();
    let set = ActionLearningSet::from_doc(&merged(&f.doc, &other)).unwrap();
    assert_eq!(
        set.purpose.as_str(),
        "Together: learning our way through knotty problems. Every three weeks."
    );
}

#[test]
fn a_removal_and_that_members_bid_made_at_once_both_stay_and_the_removal_wins_for_access() {
    let mut f = Fixture::new();
    let m = f.plan(0, 120);
    let di = f.members[3].clone();
    let mut dis_device = f.doc.fork();
    f.ok(0, 5, Command::RemoveMember { member: di.clone() });
    apply(
        &mut dis_device,
        &author(&f, 3, 5),
        Command::BidForTime {
            meeting: m.clone(),
            minutes: Some(30),
            urgency: Urgency::High,
            issue: None,
            note: String::new(),
        },
    )
    .unwrap();
    let mut doc = merged(&f.doc, &dis_device);
    let set = ActionLearningSet::from_doc(&doc).unwrap();
    assert!(
        set.meetings[&m].bids.contains_key(&di),
        "the bid stays in the history"
    );
    assert!(!set.is_current_member(&di));
    assert!(batting_order(&set, &set.meetings[&m]).slots.is_empty());
    assert_eq!(set.member_for_device(&crate::fixture::device(4)), None);
    let e = apply(&mut doc, &author(&f, 3, 6), Command::EndTurn { meeting: m }).unwrap_err();
    assert_eq!(e, CommandError::NoLongerAMember { name: "Di".into() });
}

#[test]
fn a_turn_started_while_another_device_stepped_back_to_the_agenda_keeps_the_order_locked() {
    let mut f = Fixture::new();
    let m = f.plan(0, 120);
    f.advance(&m, Phase::Agenda, 1);
    f.bid_equal_share(&m, 0, 2);
    f.lock(&m, 0, 3);
    f.advance(&m, Phase::Turns, 4);
    let mut other = f.doc.fork();
    let ada = f.members[0].clone();
    f.ok(
        0,
        5,
        Command::StartTurn {
            meeting: m.clone(),
            presenter: ada,
        },
    );
    apply(
        &mut other,
        &author(&f, 1, 5),
        Command::MovePhase {
            meeting: m.clone(),
            to: Phase::Agenda,
        },
    )
    .unwrap();
    let mut doc = merged(&f.doc, &other);
    let set = ActionLearningSet::from_doc(&doc).unwrap();
    assert_eq!(set.meetings[&m].phase, Phase::Agenda);
    let e = apply(
        &mut doc,
        &author(&f, 1, 6),
        Command::LockAgenda {
            meeting: m,
            slots: None,
        },
    )
    .unwrap_err();
    assert_eq!(e, CommandError::TurnsBegun);
}

/// One random step, chosen by shape; its details are resolved against the fork's state.
#[derive(Clone, Debug)]
enum Step {
    Bid {
        who: usize,
        minutes: Option<u32>,
        urgency: u8,
    },
    Remove {
        who: usize,
        target: usize,
    },
    AddAction {
        who: usize,
        likelihood: u8,
    },
    Report {
        who: usize,
        nth: usize,
        outcome: u8,
    },
    Phase {
        who: usize,
        forward: bool,
    },
    Lock {
        who: usize,
    },
    StartTurn {
        who: usize,
        presenter: usize,
    },
    EndTurn {
        who: usize,
    },
    Log {
        who: usize,
        statement: bool,
    },
    CatchUp {
        who: usize,
        news: String,
    },
    Purpose {
        who: usize,
        text: String,
    },
    Agree {
        who: usize,
        nth: usize,
    },
    Facilitation {
        who: usize,
        mode: u8,
        target: usize,
    },
    Plan {
        who: usize,
        minutes: u32,
    },
}

fn step() -> impl Strategy<Value = Step> {
    let who = 0usize..5; // 4 is a stranger
    prop_oneof![
        4 => (who.clone(), proptest::option::of(0u32..120), 0u8..3)
            .prop_map(|(who, minutes, urgency)| Step::Bid { who, minutes, urgency }),
        1 => (who.clone(), 0usize..4).prop_map(|(who, target)| Step::Remove { who, target }),
        2 => (who.clone(), 0u8..12).prop_map(|(who, likelihood)| Step::AddAction { who, likelihood }),
        1 => (who.clone(), 0usize..4, 0u8..3).prop_map(|(who, nth, outcome)| Step::Report { who, nth, outcome }),
        3 => (who.clone(), any::<bool>()).prop_map(|(who, forward)| Step::Phase { who, forward }),
        2 => who.clone().prop_map(|who| Step::Lock { who }),
        2 => (who.clone(), 0usize..4).prop_map(|(who, presenter)| Step::StartTurn { who, presenter }),
        1 => who.clone().prop_map(|who| Step::EndTurn { who }),
        1 => (who.clone(), any::<bool>()).prop_map(|(who, statement)| Step::Log { who, statement }),
        1 => (who.clone(), "[a-z ]{0,12}").prop_map(|(who, news)| Step::CatchUp { who, news }),
        1 => (who.clone(), "[a-z ]{0,12}").prop_map(|(who, text)| Step::Purpose { who, text }),
        1 => (who.clone(), 0usize..20).prop_map(|(who, nth)| Step::Agree { who, nth }),
        1 => (who.clone(), 0u8..3, 0usize..4).prop_map(|(who, mode, target)| Step::Facilitation { who, mode, target }),
        1 => (who, 0u32..800).prop_map(|(who, minutes)| Step::Plan { who, minutes }),
    ]
}

fn command(step: &Step, doc: &Automerge, members: &[MemberId], meeting: &MeetingId) -> Command {
    let set = ActionLearningSet::from_doc(doc).unwrap();
    let nth =
        |ids: Vec<String>, n: usize| ids.get(n % ids.len().max(1)).cloned().unwrap_or_default();
    match step {
        Step::Bid {
            minutes, urgency, ..
        } => Command::BidForTime {
            meeting: meeting.clone(),
            minutes: *minutes,
            urgency: [Urgency::Low, Urgency::Normal, Urgency::High][usize::from(*urgency)],
            issue: None,
            note: String::new(),
        },
        Step::Remove { target, .. } => Command::RemoveMember {
            member: members[*target].clone(),
        },
        Step::AddAction { likelihood, .. } => Command::AddAction {
            text: "Try it.".into(),
            likelihood: *likelihood,
            issue: None,
            meeting: Some(meeting.clone()),
        },
        Step::Report {
            nth: n, outcome, ..
        } => Command::ReportBack {
            action: nth(set.actions.keys().map(ToString::to_string).collect(), *n).into(),
            outcome: [Outcome::Done, Outcome::Partly, Outcome::Not][usize::from(*outcome)],
            what_happened: "It went.".into(),
            learned: String::new(),
        },
        Step::Phase { forward, .. } => {
            let phase = set.meetings[meeting].phase;
            let to = if *forward {
                phase.next()
            } else {
                phase.previous()
            };
            Command::MovePhase {
                meeting: meeting.clone(),
                to: to.unwrap_or(phase),
            }
        }
        Step::Lock { .. } => Command::LockAgenda {
            meeting: meeting.clone(),
            slots: None,
        },
        Step::StartTurn { presenter, .. } => Command::StartTurn {
            meeting: meeting.clone(),
            presenter: members[*presenter].clone(),
        },
        Step::EndTurn { .. } => Command::EndTurn {
            meeting: meeting.clone(),
        },
        Step::Log { statement, .. } => Command::LogContribution {
            meeting: meeting.clone(),
            kind: if *statement {
                ContributionKind::Statement
            } else {
                ContributionKind::Question
            },
            text: String::new(),
            asker: None,
        },
        Step::CatchUp { news, .. } => Command::CatchUp {
            meeting: meeting.clone(),
            news: news.clone(),
        },
        Step::Purpose { text, .. } => Command::EditSet {
            name: None,
            purpose: Some(text.clone()),
        },
        Step::Agree { nth: n, .. } => Command::AgreeRule {
            rule: nth(
                set.ground_rules.keys().map(ToString::to_string).collect(),
                *n,
            )
            .into(),
        },
        Step::Facilitation { mode, target, .. } => Command::ChangeFacilitation {
            to: match mode {
                0 => Facilitation::Facilitated {
                    facilitator: members[*target].clone(),
                },
                1 => Facilitation::Rotating {
                    order: members[..=*target].to_vec(),
                },
                _ => Facilitation::SelfManaged,
            },
        },
        Step::Plan { minutes, .. } => Command::PlanMeeting(revans_model::MeetingPlan {
            scheduled_at: t(60 * 24 * 7),
            minutes: Some(*minutes),
            location: "Cy's school".into(),
            host: None,
            closing: false,
        }),
    }
}

fn who(step: &Step) -> usize {
    match step {
        Step::Bid { who, .. }
        | Step::Remove { who, .. }
        | Step::AddAction { who, .. }
        | Step::Report { who, .. }
        | Step::Phase { who, .. }
        | Step::Lock { who }
        | Step::StartTurn { who, .. }
        | Step::EndTurn { who }
        | Step::Log { who, .. }
        | Step::CatchUp { who, .. }
        | Step::Purpose { who, .. }
        | Step::Agree { who, .. }
        | Step::Facilitation { who, .. }
        | Step::Plan { who, .. } => *who,
    }
}

/// Applies the steps to one fork, each on its member's own device (writing as its
/// `generation`, so two forks never number one actor's changes twice); a refused step
/// must leave the document as it was.
fn run(
    doc: &mut Automerge,
    steps: &[Step],
    (members, devices, generation): (&[MemberId], &[DeviceId], u32),
    meeting: &MeetingId,
) -> Result<(), TestCaseError> {
    for (i, step) in steps.iter().enumerate() {
        if let Some(device) = devices.get(who(step)) {
            doc.set_actor(device.actor_in(generation));
        }
        let command = command(step, doc, members, meeting);
        let author = Author {
            member: members
                .get(who(step))
                .cloned()
                .unwrap_or_else(|| "stranger".into()),
            at: t(10 + 3 * i64::try_from(i).unwrap()),
        };
        let heads = doc.get_heads();
        if apply(doc, &author, command).is_err() {
            prop_assert_eq!(doc.get_heads(), heads);
        }
    }
    Ok(())
}

fn check_invariants(
    doc: &Automerge,
    members: &[MemberId],
    meeting: &MeetingId,
) -> Result<(), TestCaseError> {
    let set = ActionLearningSet::from_doc(doc).unwrap();
    for m in set.meetings.values() {
        let order = batting_order(&set, m);
        prop_assert!(
            order.allocated() <= m.minutes_for_turns(),
            "allocation exceeds the meeting"
        );
        if !order.locked {
            prop_assert!(order.slots.iter().all(|s| set.is_current_member(&s.member)));
        }
        let waiting: u32 = turn_schedule(&set, m, t(100))
            .iter()
            .filter(|s| s.state == revans_model::TurnState::Waiting)
            .map(|s| s.minutes)
            .sum();
        prop_assert!(waiting <= m.minutes_for_turns());
    }
    for action in set.actions.values() {
        prop_assert!(
            set.members.contains_key(&action.owner),
            "an action's owner is a member"
        );
        prop_assert!((1..=10).contains(&action.likelihood));
    }
    // A removed member cannot bid, whatever was merged.
    for (i, id) in members.iter().enumerate() {
        if !set.is_current_member(id) {
            let mut probe = doc.clone();
            let e = apply(
                &mut probe,
                &Author {
                    member: id.clone(),
                    at: t(500 + i as i64),
                },
                Command::BidForTime {
                    meeting: meeting.clone(),
                    minutes: None,
                    urgency: Urgency::Normal,
                    issue: None,
                    note: String::new(),
                },
            )
            .unwrap_err();
            prop_assert!(matches!(e, CommandError::NoLongerAMember { .. }), "{e}");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn forks_merged_in_either_order_agree_and_keep_the_invariants(
        a in proptest::collection::vec(step(), 0..24),
        b in proptest::collection::vec(step(), 0..24),
        start in prop_oneof![Just(Phase::Planned), Just(Phase::Agenda)],
    ) {
        let mut f = Fixture::new();
        let meeting = f.plan(0, 120);
        f.advance(&meeting, start, 1);
        let members = f.members.clone();
        let mut left = f.doc.fork();
        let mut right = f.doc.fork();
        run(&mut left, &a, (&members, &f.devices, 0), &meeting)?;
        run(&mut right, &b, (&members, &f.devices, 1), &meeting)?;

        let one = merged(&left, &right);
        let other = merged(&right, &left);
        prop_assert_eq!(one.get_heads(), other.get_heads());
        let one_set = ActionLearningSet::from_doc(&one).unwrap();
        let other_set = ActionLearningSet::from_doc(&other).unwrap();
        prop_assert_eq!(&one_set, &other_set);
        check_invariants(&one, &members, &meeting)?;
        // And the merged set survives a save and load unchanged.
        let reloaded = Automerge::load(&one.save()).unwrap();
        prop_assert_eq!(&ActionLearningSet::from_doc(&reloaded).unwrap(), &one_set);
        // And a set kept current change by change, reading again only the records each
        // touched (as the rules name them), is the set read whole, after every change.
        let mut doc = f.doc.fork();
        let mut kept = ActionLearningSet::from_doc(&doc).unwrap();
        let mut memo = Memo::default();
        let mut kept_conflicts = revans_model::conflicts(&doc);
        for change in one.get_changes(&f.doc.get_heads()) {
            let touched = check_change_with(&doc, &f.id, &change, &mut memo);
            prop_assert!(touched.is_ok(), "an edit the rules refuse: {:?}", touched);
            doc.apply_changes([change]).unwrap();
            let touched = touched.unwrap();
            kept.refresh(&doc, &touched).unwrap();
            prop_assert_eq!(&kept, &ActionLearningSet::from_doc(&doc).unwrap());
            kept_conflicts = revans_model::conflicts_since(&doc, &kept_conflicts, &touched);
            prop_assert_eq!(&kept_conflicts, &revans_model::conflicts(&doc));
        }
        prop_assert_eq!(&kept, &one_set);
    }
}
