//! Figures derived from the document: the proposed batting order, the turn clock with
//! overruns, airtime, follow-through and calibration.

use std::collections::{BTreeMap, BTreeSet};

use chrono::TimeDelta;
use revans_model::{
    Applied, Command, CommandError, ContributionKind, MeetingId, MemberReviewAnswers, Outcome,
    Phase, TurnState, Urgency, airtime, batting_order, follow_through, follow_through_by_meeting,
    meeting_summary, meeting_time_left, turn_schedule, turn_time_left,
};

use crate::fixture::{Fixture, t};

fn bid(
    f: &mut Fixture,
    member: usize,
    minute: i64,
    m: &MeetingId,
    minutes: Option<u32>,
    urgency: Urgency,
) {
    f.ok(
        member,
        minute,
        Command::BidForTime {
            meeting: m.clone(),
            minutes,
            urgency,
            issue: None,
            note: String::new(),
        },
    );
}

fn minutes_by_member(f: &Fixture, m: &MeetingId) -> Vec<(String, u32)> {
    let set = f.set();
    batting_order(&set, &set.meetings[m])
        .slots
        .iter()
        .map(|s| (set.members[&s.member].display_name.clone(), s.minutes))
        .collect()
}

#[test]
fn equal_shares_by_default() {
    let mut f = Fixture::new();
    let m = f.plan(0, 120); // 90 minutes for turns
    for member in 0..4 {
        bid(&mut f, member, 1 + member as i64, &m, None, Urgency::Normal);
    }
    let order = minutes_by_member(&f, &m);
    // Who bid first goes first; 90 minutes split 23, 23, 22, 22.
    assert_eq!(
        order,
        vec![
            ("Ada".into(), 23),
            ("Bo".into(), 23),
            ("Cy".into(), 22),
            ("Di".into(), 22)
        ]
    );
}

#[test]
fn bids_for_minutes_are_met_and_equal_shares_split_the_rest() {
    let mut f = Fixture::new();
    let m = f.plan(0, 120);
    bid(&mut f, 0, 1, &m, Some(10), Urgency::Normal);
    bid(&mut f, 1, 2, &m, None, Urgency::Normal);
    bid(&mut f, 2, 3, &m, None, Urgency::Normal);
    assert_eq!(
        minutes_by_member(&f, &m),
        vec![("Ada".into(), 10), ("Bo".into(), 40), ("Cy".into(), 40)]
    );
}

#[test]
fn urgent_bids_go_first_and_keep_more_when_time_is_short() {
    let mut f = Fixture::new();
    let m = f.plan(0, 120);
    bid(&mut f, 0, 1, &m, Some(60), Urgency::Low);
    bid(&mut f, 1, 2, &m, Some(60), Urgency::High);
    bid(&mut f, 2, 3, &m, Some(60), Urgency::Normal);
    let order = minutes_by_member(&f, &m);
    assert_eq!(
        order,
        vec![("Bo".into(), 45), ("Cy".into(), 30), ("Ada".into(), 15)]
    );
    let total: u32 = order.iter().map(|(_, m)| m).sum();
    assert_eq!(total, 90);
}

#[test]
fn the_proposal_is_the_same_on_every_device_and_skips_removed_members() {
    let mut f = Fixture::new();
    let m = f.plan(0, 120);
    for member in 0..4 {
        bid(&mut f, member, 1, &m, None, Urgency::Normal);
    }
    let other = f.doc.fork();
    let here = f.set();
    let there = revans_model::ActionLearningSet::from_doc(&other).unwrap();
    assert_eq!(
        batting_order(&here, &here.meetings[&m]),
        batting_order(&there, &there.meetings[&m])
    );

    let di = f.members[3].clone();
    f.ok(0, 5, Command::RemoveMember { member: di.clone() });
    let set = f.set();
    let order = batting_order(&set, &set.meetings[&m]);
    assert!(order.slots.iter().all(|s| s.member != di));
    assert_eq!(order.allocated(), 90);
    assert_eq!(order.spare(), 0);
}

/// A two-hour meeting, begun at minute 0, with Ada, Bo and Cy locked at 30 minutes each
/// and turns under way from minute 15.
fn running_meeting(f: &mut Fixture) -> MeetingId {
    let m = f.plan(0, 120);
    f.advance(&m, Phase::Agenda, 0);
    for member in 0..3 {
        bid(f, member, 1 + member as i64, &m, None, Urgency::Normal);
    }
    f.lock(&m, 0, 14);
    f.advance(&m, Phase::Turns, 15);
    m
}

#[test]
fn an_overrun_is_taken_from_the_turns_still_to_come() {
    let mut f = Fixture::new();
    let m = running_meeting(&mut f);
    let (ada, bo) = (f.members[0].clone(), f.members[1].clone());
    f.ok(
        0,
        15,
        Command::StartTurn {
            meeting: m.clone(),
            presenter: ada.clone(),
        },
    );

    let set = f.set();
    let meeting = &set.meetings[&m];
    // Ten minutes in, Ada has twenty left; the meeting has 110.
    assert_eq!(
        turn_time_left(meeting, t(25)),
        Some((ada.clone(), TimeDelta::minutes(20)))
    );
    assert_eq!(
        meeting_time_left(meeting, t(10)),
        Some(TimeDelta::minutes(110))
    );
    let schedule = turn_schedule(&set, meeting, t(25));
    assert!(schedule.iter().all(|turn| turn.minutes_lost() == 0));

    // At minute 55 Ada is ten minutes over; Bo and Cy lose five each, visibly.
    assert_eq!(
        turn_time_left(meeting, t(55)),
        Some((ada.clone(), TimeDelta::minutes(-10)))
    );
    let schedule = turn_schedule(&set, meeting, t(55));
    assert_eq!(
        schedule[0].state,
        TurnState::Running {
            started_at: revans_model::Timestamp::new(t(15))
        }
    );
    let later: Vec<_> = schedule[1..]
        .iter()
        .map(|s| (s.agreed_minutes, s.minutes, s.minutes_lost()))
        .collect();
    assert_eq!(later, vec![(30, 25, 5), (30, 25, 5)]);

    f.ok(0, 55, Command::EndTurn { meeting: m.clone() });
    f.ok(
        0,
        55,
        Command::StartTurn {
            meeting: m.clone(),
            presenter: bo.clone(),
        },
    );
    let set = f.set();
    let meeting = &set.meetings[&m];
    // Bo's turn starts with the 25 minutes the schedule left him, on every device.
    assert_eq!(meeting.turns[&bo].allocated_minutes, 25);
    assert_eq!(
        turn_time_left(meeting, t(55)),
        Some((bo, TimeDelta::minutes(25)))
    );
    let schedule = turn_schedule(&set, meeting, t(56));
    assert_eq!(
        schedule[0].state,
        TurnState::Done {
            used_seconds: 40 * 60
        }
    );
}

#[test]
fn airtime_per_meeting_and_over_the_sets_life() {
    let mut f = Fixture::new();
    let m = running_meeting(&mut f);
    let (ada, bo) = (f.members[0].clone(), f.members[1].clone());
    f.ok(
        0,
        15,
        Command::StartTurn {
            meeting: m.clone(),
            presenter: ada.clone(),
        },
    );
    f.ok(0, 40, Command::EndTurn { meeting: m.clone() });
    f.ok(
        0,
        41,
        Command::StartTurn {
            meeting: m.clone(),
            presenter: bo.clone(),
        },
    );
    let set = f.set();
    let now = airtime(&set, t(51));
    assert_eq!(now.per_meeting[&m][&ada], 25 * 60);
    // A running turn counts up to now.
    assert_eq!(now.per_meeting[&m][&bo], 10 * 60);
    assert_eq!(now.total[&ada], 25 * 60);
    assert!(!now.total.contains_key(&f.members[2]));
}

/// `member` commits to an action (at `meeting`, if given) with the likelihood said.
fn commit(
    f: &mut Fixture,
    member: usize,
    meeting: Option<&MeetingId>,
    likelihood: u8,
) -> revans_model::ActionId {
    match f.ok(
        member,
        5,
        Command::AddAction {
            text: "Do it.".into(),
            likelihood,
            issue: None,
            meeting: meeting.cloned(),
        },
    ) {
        Applied::Action(id) => id,
        other => panic!("{other:?}"),
    }
}

/// Bo (member 1) reports back on each of his actions with the outcome given.
fn report_back(
    f: &mut Fixture,
    reports: impl IntoIterator<Item = (revans_model::ActionId, Outcome)>,
) {
    for (action, outcome) in reports {
        f.ok(
            1,
            60,
            Command::ReportBack {
                action,
                outcome,
                what_happened: String::new(),
                learned: String::new(),
            },
        );
    }
}

#[test]
fn follow_through_and_how_well_likelihoods_predicted_it() {
    let mut f = Fixture::new();
    let add = |f: &mut Fixture, member, likelihood| commit(f, member, None, likelihood);
    let a = add(&mut f, 1, 10);
    let b = add(&mut f, 1, 8);
    let c = add(&mut f, 1, 6);
    add(&mut f, 1, 9);
    add(&mut f, 2, 5);
    report_back(
        &mut f,
        [(a, Outcome::Done), (b, Outcome::Partly), (c, Outcome::Not)],
    );
    let figures = follow_through(&f.set());
    let bo = &figures[&f.members[1]];
    assert_eq!((bo.done, bo.partly, bo.not, bo.open), (1, 1, 1, 1));
    let cal = bo.calibration.as_ref().unwrap();
    assert_eq!(cal.reported, 3);
    assert!((cal.mean_likelihood - 8.0).abs() < 1e-9);
    assert!((cal.follow_through - 0.5).abs() < 1e-9);
    assert!((cal.overconfidence - 0.3).abs() < 1e-9);
    // (1.0-1)^2 + (0.8-0.5)^2 + (0.6-0)^2 = 0.45, over 3.
    assert!((cal.brier - 0.15).abs() < 1e-9);
    let cy = &figures[&f.members[2]];
    assert_eq!(cy.open, 1);
    assert!(cy.calibration.is_none());
}

fn log(
    f: &mut Fixture,
    member: usize,
    m: &MeetingId,
    kind: ContributionKind,
    asker: Option<usize>,
) {
    let asker = asker.map(|a| f.members[a].clone());
    f.ok(
        member,
        20,
        Command::LogContribution {
            meeting: m.clone(),
            kind,
            text: String::new(),
            asker,
        },
    );
}

#[test]
fn a_meetings_summary_gives_each_member_their_part_and_credits_who_asked() {
    let mut f = Fixture::new();
    let m = running_meeting(&mut f);
    let bo = f.members[1].clone();
    f.ok(
        0,
        15,
        Command::StartTurn {
            meeting: m.clone(),
            presenter: bo.clone(),
        },
    );
    // Cy logs her own question; Ada, at the shared screen, logs Di's and her own statement.
    log(&mut f, 2, &m, ContributionKind::Question, None);
    log(&mut f, 0, &m, ContributionKind::Question, Some(3));
    log(&mut f, 0, &m, ContributionKind::Statement, None);
    assert_eq!(
        f.refused(
            0,
            21,
            Command::LogContribution {
                meeting: m.clone(),
                kind: ContributionKind::Question,
                text: String::new(),
                asker: Some(bo.clone()),
            }
        ),
        CommandError::PresenterAsking { name: "Bo".into() }
    );
    f.ok(0, 40, Command::EndTurn { meeting: m.clone() });
    f.ok(
        1,
        41,
        Command::AddAction {
            text: "Talk to the rota team".into(),
            likelihood: 8,
            issue: None,
            meeting: Some(m.clone()),
        },
    );
    f.advance(&m, Phase::Review, 42);
    f.ok(
        1,
        43,
        Command::ReviewMeeting {
            meeting: m.clone(),
            answers: MemberReviewAnswers {
                myself: Some("I talk too fast.".into()),
                ..MemberReviewAnswers::default()
            },
        },
    );
    let set = f.set();
    let summary = meeting_summary(&set, &m, t(60)).unwrap();
    let part = |i: usize| summary.members[&f.members[i]].clone();
    let slot = set.meetings[&m]
        .agenda
        .as_ref()
        .unwrap()
        .slots
        .iter()
        .find(|s| s.member == bo)
        .unwrap()
        .minutes;
    assert_eq!(part(1).planned_minutes, Some(slot));
    assert_eq!(
        part(1).used_seconds,
        Some(25 * 60),
        "Bo's turn ran 15 to 40"
    );
    assert_eq!(part(1).actions, 1);
    assert_eq!(
        (part(2).questions, part(2).statements),
        (1, 0),
        "Cy asked hers"
    );
    assert_eq!(
        (part(3).questions, part(3).statements),
        (1, 0),
        "Di asked the one Ada logged"
    );
    assert_eq!((part(0).questions, part(0).statements), (0, 1));
    assert!(!summary.told_more_than_asked());
    assert_eq!(summary.actions.len(), 1);
    let turn = &set.meetings[&m].turns[&bo];
    let logged_by_ada: Vec<_> = turn
        .contributions
        .values()
        .filter(|c| c.by == f.members[0])
        .collect();
    assert_eq!(
        logged_by_ada.len(),
        2,
        "the one logging stays the change's author"
    );
}

#[test]
fn follow_through_meeting_by_meeting_counts_what_was_reported_of_each_meetings_actions() {
    let mut f = Fixture::new();
    let first = f.plan(0, 120);
    let second = f.plan(60 * 24 * 21, 120);
    let add =
        |f: &mut Fixture, meeting: &MeetingId, likelihood| commit(f, 1, Some(meeting), likelihood);
    let a = add(&mut f, &first, 9);
    let b = add(&mut f, &first, 7);
    let c = add(&mut f, &second, 6);
    add(&mut f, &second, 8);
    report_back(
        &mut f,
        [(a, Outcome::Done), (b, Outcome::Not), (c, Outcome::Partly)],
    );
    let series = &follow_through_by_meeting(&f.set())[&f.members[1]];
    let figures: Vec<(usize, u32)> = series.iter().map(|m| (m.number, m.reported)).collect();
    assert_eq!(
        figures,
        vec![(1, 2), (2, 1)],
        "the open action is not counted"
    );
    assert!((series[0].said - 0.8).abs() < 1e-9 && (series[0].did - 0.5).abs() < 1e-9);
    assert!((series[1].said - 0.6).abs() < 1e-9 && (series[1].did - 0.5).abs() < 1e-9);

    // Cy did what she said at the first meeting: the whole set's figures count hers with
    // Bo's, and name no one.
    let cys = commit(&mut f, 2, Some(&first), 4);
    f.ok(
        2,
        61,
        Command::ReportBack {
            action: cys,
            outcome: Outcome::Done,
            what_happened: String::new(),
            learned: String::new(),
        },
    );
    let whole = revans_model::the_sets_follow_through_by_meeting(&f.set());
    let figures: Vec<(usize, u32)> = whole.iter().map(|m| (m.number, m.reported)).collect();
    assert_eq!(figures, vec![(1, 3), (2, 1)]);
    assert!((whole[0].said - 2.0 / 3.0).abs() < 1e-9 && (whole[0].did - 2.0 / 3.0).abs() < 1e-9);
}

#[test]
fn prompts_offer_one_question_of_each_kind_the_stage_calls_for_rotating_through_the_meeting() {
    use revans_model::QuestionCategory as Kind;
    let mut f = Fixture::new();
    let m = running_meeting(&mut f);
    let mut offered: BTreeMap<Kind, Vec<String>> = BTreeMap::new();
    for (i, presenter) in f.members[..3].to_vec().iter().enumerate() {
        let at = 15 + 30 * i as i64;
        f.ok(
            0,
            at,
            Command::StartTurn {
                meeting: m.clone(),
                presenter: presenter.clone(),
            },
        );
        let set = f.set();
        let meeting = &set.meetings[&m];
        let kinds = |elapsed: f64| -> Vec<Kind> {
            let prompts = set.prompts(meeting, presenter, elapsed);
            prompts.iter().map(|q| q.category).collect()
        };
        // Opening and exploring, exploring and feelings, options, then commitment (and
        // still commitment once over time).
        assert_eq!(kinds(0.0), [Kind::Opening, Kind::Exploring]);
        assert_eq!(kinds(0.3), [Kind::Exploring, Kind::Feelings]);
        assert_eq!(kinds(0.6), [Kind::Options]);
        assert_eq!(kinds(0.9), [Kind::Commitment]);
        assert_eq!(kinds(1.4), [Kind::Commitment]);
        for elapsed in [0.0, 0.3, 0.6, 0.9] {
            for q in set.prompts(meeting, presenter, elapsed) {
                offered.entry(q.category).or_default().push(q.text.clone());
            }
        }
        f.ok(0, at + 29, Command::EndTurn { meeting: m.clone() });
    }
    // The meeting opens with the practice's first question, and asks the presenter in the
    // second person.
    assert_eq!(
        offered[&Kind::Opening][..2],
        [
            "What do you want to get out of this session?",
            "What are you trying to do?"
        ]
    );
    // No question comes again in the meeting before the rest of its kind have been
    // offered: six of the seven exploring questions, three of the four on feelings,
    // three of the eight options; then the two opening questions come round again.
    let set = f.set();
    for (kind, texts) in &offered {
        let of_kind = set
            .question_bank
            .values()
            .filter(|q| q.category == *kind)
            .count();
        let first: BTreeSet<&String> = texts.iter().take(of_kind).collect();
        assert_eq!(first.len(), texts.len().min(of_kind), "{kind:?}: {texts:?}");
    }
    assert_eq!(offered[&Kind::Exploring].len(), 6);
    assert_eq!(offered[&Kind::Feelings].len(), 3);
    assert_eq!(offered[&Kind::Opening][2], offered[&Kind::Opening][0]);
}

#[test]
fn members_are_listed_in_the_order_they_joined() {
    let mut f = Fixture::new();
    let invite = f.invite(0, false);
    let Applied::Member(ed) = f.ok(
        0,
        30,
        crate::fixture::admit(&invite, crate::fixture::profile("Ed", "Bank"), 9),
    ) else {
        panic!("admitting a member returns their id")
    };
    let set = f.set();
    let order = set.members_in_joining_order();
    assert_eq!(order.len(), 5);
    assert_eq!(order.last().map(|(id, _)| (*id).clone()), Some(ed));
}
