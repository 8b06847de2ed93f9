//! Planning meetings and running them: phases, catch-up, bids, agenda, turns, reviews.

use revans_model::{
    Command, CommandError, ContributionKind, MeetingId, MeetingPlan, MemberReviewAnswers, Phase,
    Slot, Urgency,
};

use crate::fixture::{Fixture, t};

fn plan(minutes: Option<u32>, location: &str, host: Option<revans_model::MemberId>) -> Command {
    Command::PlanMeeting(MeetingPlan {
        scheduled_at: t(60 * 24),
        minutes,
        location: location.into(),
        host,
        closing: false,
    })
}

fn bid(meeting: &MeetingId, minutes: Option<u32>, urgency: Urgency) -> Command {
    Command::BidForTime {
        meeting: meeting.clone(),
        minutes,
        urgency,
        issue: None,
        note: String::new(),
    }
}

/// A two-hour meeting in its agenda phase with bids from Ada, Bo and Cy.
fn meeting_with_bids(f: &mut Fixture) -> MeetingId {
    let m = f.plan(0, 120);
    f.advance(&m, Phase::Agenda, 0);
    for member in 0..3 {
        f.ok(member, 5, bid(&m, None, Urgency::Normal));
    }
    m
}

#[test]
fn the_first_meeting_is_three_hours_and_later_ones_two() {
    let mut f = Fixture::new();
    let bo = f.members[1].clone();
    let first = f.ok(0, 1, plan(None, "Ada's council, committee room", Some(bo)));
    let second = f.ok(0, 1, plan(None, "Cy's school library", None));
    let third = f.ok(0, 1, plan(Some(90), "Online", None));
    let set = f.set();
    let minutes = |applied: &revans_model::Applied| match applied {
        revans_model::Applied::Meeting(id) => set.meetings[id].minutes,
        other => panic!("{other:?}"),
    };
    assert_eq!(minutes(&first), 180);
    assert_eq!(minutes(&second), 120);
    assert_eq!(minutes(&third), 90);
    let revans_model::Applied::Meeting(id) = first else {
        unreachable!()
    };
    let meeting = &set.meetings[&id];
    assert_eq!(meeting.location, "Ada's council, committee room");
    assert_eq!(meeting.host.as_ref(), Some(&f.members[1]));
    assert_eq!(meeting.phase, Phase::Planned);
    assert_eq!(meeting.minutes_for_turns(), 180 - 15 - 15);
}

#[test]
fn planning_errors() {
    let mut f = Fixture::new();
    assert_eq!(
        f.refused(0, 1, plan(Some(10), "Here", None)),
        CommandError::MeetingLength(10)
    );
    assert_eq!(
        f.refused(0, 1, plan(Some(1000), "Here", None)),
        CommandError::MeetingLength(1000)
    );
    assert_eq!(
        f.refused(0, 1, plan(None, " ", None)),
        CommandError::Blank {
            field: "meeting's location"
        }
    );
    assert_eq!(
        f.refused(0, 1, plan(None, "Here", Some("ghost".into()))),
        CommandError::UnknownMember("ghost".into())
    );
}

#[test]
fn a_meeting_moves_through_its_phases_one_at_a_time() {
    let mut f = Fixture::new();
    let m = meeting_with_bids(&mut f);
    let set = f.set();
    assert_eq!(
        set.meetings[&m]
            .started_at
            .map(revans_model::Timestamp::get),
        Some(t(0))
    );

    let e = f.refused(
        0,
        10,
        Command::MovePhase {
            meeting: m.clone(),
            to: Phase::Review,
        },
    );
    assert_eq!(
        e,
        CommandError::PhaseJump {
            from: Phase::Agenda,
            options: "catch-up or turns".into()
        }
    );
    let e = f.refused(
        0,
        10,
        Command::MovePhase {
            meeting: m.clone(),
            to: Phase::Agenda,
        },
    );
    assert_eq!(e, CommandError::AlreadyInPhase(Phase::Agenda));
    let e = f.refused(
        0,
        10,
        Command::MovePhase {
            meeting: m.clone(),
            to: Phase::Turns,
        },
    );
    assert_eq!(e, CommandError::AgendaNotLocked);
    assert_eq!(
        f.refused(
            0,
            10,
            Command::MovePhase {
                meeting: "none".into(),
                to: Phase::Turns
            }
        ),
        CommandError::UnknownMeeting("none".into())
    );
}

#[test]
fn a_meeting_moves_on_only_once_its_agenda_is_locked_and_its_turns_are_over() {
    let mut f = Fixture::new();
    let m = meeting_with_bids(&mut f);
    f.lock(&m, 0, 20);
    f.advance(&m, Phase::Turns, 20);
    let ada = f.members[0].clone();
    f.ok(
        0,
        21,
        Command::StartTurn {
            meeting: m.clone(),
            presenter: ada,
        },
    );
    let e = f.refused(
        0,
        30,
        Command::MovePhase {
            meeting: m.clone(),
            to: Phase::Review,
        },
    );
    assert_eq!(e, CommandError::TurnRunning { name: "Ada".into() });
    let e = f.refused(
        0,
        30,
        Command::MovePhase {
            meeting: m.clone(),
            to: Phase::Agenda,
        },
    );
    assert_eq!(e, CommandError::TurnsBegun);
    f.ok(0, 40, Command::EndTurn { meeting: m.clone() });
    f.advance(&m, Phase::Closed, 115);
    assert_eq!(
        f.set().meetings[&m]
            .closed_at
            .map(revans_model::Timestamp::get),
        Some(t(115))
    );
    // Reopening a closed meeting takes it back to its review.
    f.ok(
        0,
        116,
        Command::MovePhase {
            meeting: m.clone(),
            to: Phase::Review,
        },
    );
    assert_eq!(f.set().meetings[&m].closed_at, None);
}

#[test]
fn each_member_shares_their_news_in_the_catch_up() {
    let mut f = Fixture::new();
    let m = f.plan(0, 120);
    f.advance(&m, Phase::CatchUp, 0);
    f.ok(
        1,
        2,
        Command::CatchUp {
            meeting: m.clone(),
            news: "New job!".into(),
        },
    );
    f.ok(
        2,
        2,
        Command::CatchUp {
            meeting: m.clone(),
            news: "Quiet month.".into(),
        },
    );
    f.ok(
        1,
        3,
        Command::CatchUp {
            meeting: m.clone(),
            news: "New job! Starting in May.".into(),
        },
    );
    let set = f.set();
    let catch_up = &set.meetings[&m].catch_up;
    assert_eq!(
        catch_up[&f.members[1]].news.as_str(),
        "New job! Starting in May."
    );
    assert_eq!(catch_up[&f.members[2]].news.as_str(), "Quiet month.");
    assert_eq!(
        f.refused(
            1,
            4,
            Command::CatchUp {
                meeting: m.clone(),
                news: String::new()
            }
        ),
        CommandError::Blank { field: "news" }
    );
    f.advance(&m, Phase::Agenda, 5);
    f.ok(0, 6, bid(&m, None, Urgency::Normal));
    f.lock(&m, 0, 6);
    f.advance(&m, Phase::Closed, 100);
    let e = f.refused(
        1,
        101,
        Command::CatchUp {
            meeting: m,
            news: "Late news.".into(),
        },
    );
    assert!(
        matches!(
            e,
            CommandError::WrongPhase {
                phase: Phase::Closed,
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn bids_live_under_each_members_key_and_a_second_bid_replaces_the_first() {
    let mut f = Fixture::new();
    let m = f.plan(0, 120);
    let issue = f.add_issue(1, "Rotas.");
    // Bids may come in before the meeting begins.
    f.ok(
        1,
        1,
        Command::BidForTime {
            meeting: m.clone(),
            minutes: Some(20),
            urgency: Urgency::High,
            issue: Some(issue.clone()),
            note: "Crunch week.".into(),
        },
    );
    f.ok(1, 2, bid(&m, Some(25), Urgency::High));
    f.ok(2, 2, bid(&m, None, Urgency::Low));
    let set = f.set();
    let bids = &set.meetings[&m].bids;
    assert_eq!(bids.len(), 2);
    assert_eq!(bids[&f.members[1]].minutes, Some(25));
    assert_eq!(bids[&f.members[1]].issue, None);
    assert_eq!(bids[&f.members[2]].urgency, Urgency::Low);
}

#[test]
fn bid_errors() {
    let mut f = Fixture::new();
    let m = f.plan(0, 120);
    let bos = f.add_issue(1, "Rotas.");
    assert_eq!(
        f.refused(2, 1, bid(&m, Some(0), Urgency::Normal)),
        CommandError::BidTooShort
    );
    assert_eq!(
        f.refused(2, 1, bid(&m, Some(91), Urgency::Normal)),
        CommandError::BidTooLong {
            asked: 91,
            available: 90
        }
    );
    let with_issue = |issue| Command::BidForTime {
        meeting: m.clone(),
        minutes: None,
        urgency: Urgency::Normal,
        issue: Some(issue),
        note: String::new(),
    };
    assert_eq!(
        f.refused(2, 1, with_issue(bos.clone())),
        CommandError::NotYours {
            what: "issue",
            owner: "Bo".into()
        }
    );
    assert_eq!(
        f.refused(2, 1, with_issue("nope".into())),
        CommandError::UnknownIssue("nope".into())
    );
    f.ok(1, 1, Command::DropIssue { issue: bos.clone() });
    assert_eq!(
        f.refused(1, 2, with_issue(bos)),
        CommandError::IssueClosed("dropped")
    );

    // A removed member cannot bid.
    let di = f.members[3].clone();
    f.ok(0, 3, Command::RemoveMember { member: di });
    assert_eq!(
        f.refused(3, 4, bid(&m, None, Urgency::Normal)),
        CommandError::NoLongerAMember { name: "Di".into() }
    );

    f.advance(&m, Phase::Agenda, 5);
    f.ok(0, 6, bid(&m, None, Urgency::Normal));
    f.lock(&m, 0, 7);
    assert_eq!(
        f.refused(2, 8, bid(&m, None, Urgency::Normal)),
        CommandError::BiddingClosed {
            reason: "the agenda is locked".into()
        }
    );
    f.advance(&m, Phase::Closed, 100);
    let e = f.refused(2, 101, bid(&m, None, Urgency::Normal));
    assert_eq!(
        e,
        CommandError::BiddingClosed {
            reason: "the meeting is in its closed phase".into()
        }
    );
    assert_eq!(
        e.to_string(),
        "Bids are closed for this meeting: the meeting is in its closed phase."
    );
}

#[test]
fn locking_the_agenda_stores_the_proposed_batting_order() {
    let mut f = Fixture::new();
    let m = meeting_with_bids(&mut f);
    let proposed = revans_model::batting_order(&f.set(), &f.set().meetings[&m]);
    assert!(!proposed.locked);
    f.lock(&m, 2, 10);
    let set = f.set();
    let agenda = set.meetings[&m].agenda.as_ref().unwrap();
    assert_eq!(agenda.slots, proposed.slots);
    assert_eq!(agenda.locked_by, f.members[2]);
    assert!(revans_model::batting_order(&set, &set.meetings[&m]).locked);
}

#[test]
fn the_set_can_lock_an_order_of_its_own() {
    let mut f = Fixture::new();
    let m = meeting_with_bids(&mut f);
    let cys = f.add_issue(2, "Exams.");
    let slot = |member: usize, minutes, issue| Slot {
        member: f.members[member].clone(),
        issue,
        minutes,
    };
    let slots = vec![slot(2, 50, Some(cys.clone())), slot(0, 40, None)];
    f.ok(
        0,
        10,
        Command::LockAgenda {
            meeting: m.clone(),
            slots: Some(slots.clone()),
        },
    );
    assert_eq!(f.set().meetings[&m].agenda.as_ref().unwrap().slots, slots);
}

#[test]
fn agenda_errors() {
    let mut f = Fixture::new();
    let m = f.plan(0, 120);
    let lock = |slots| Command::LockAgenda {
        meeting: m.clone(),
        slots,
    };
    let e = f.refused(0, 1, lock(None));
    assert_eq!(
        e,
        CommandError::WrongPhase {
            what: "lock the agenda",
            when: "in the agenda phase",
            phase: Phase::Planned
        }
    );
    f.advance(&m, Phase::Agenda, 2);
    assert_eq!(f.refused(0, 3, lock(None)), CommandError::NoBids);
    let slot = |member: &revans_model::MemberId, minutes| Slot {
        member: member.clone(),
        issue: None,
        minutes,
    };
    let (ada, bo, di) = (
        f.members[0].clone(),
        f.members[1].clone(),
        f.members[3].clone(),
    );
    assert_eq!(
        f.refused(0, 3, lock(Some(vec![]))),
        CommandError::EmptyOrder("presenter")
    );
    assert_eq!(
        f.refused(0, 3, lock(Some(vec![slot(&ada, 60), slot(&bo, 31)]))),
        CommandError::AgendaOverbooked {
            total: 91,
            available: 90
        }
    );
    assert_eq!(
        f.refused(0, 3, lock(Some(vec![slot(&ada, 10), slot(&ada, 10)]))),
        CommandError::Duplicate("Ada".into())
    );
    let cys = f.add_issue(2, "Exams.");
    let e = f.refused(
        0,
        3,
        lock(Some(vec![Slot {
            member: bo.clone(),
            issue: Some(cys),
            minutes: 10,
        }])),
    );
    assert_eq!(
        e,
        CommandError::NotYours {
            what: "issue",
            owner: "Cy".into()
        }
    );
    f.ok(0, 4, Command::RemoveMember { member: di.clone() });
    assert_eq!(
        f.refused(0, 5, lock(Some(vec![slot(&di, 10)]))),
        CommandError::NoLongerAMember { name: "Di".into() }
    );
    f.ok(0, 6, lock(Some(vec![slot(&ada, 30), slot(&bo, 30)])));
    let set = f.set();
    assert_eq!(set.meetings[&m].agenda.as_ref().unwrap().slots.len(), 2);
}

#[test]
fn a_turn_runs_from_its_start_until_it_is_ended() {
    let mut f = Fixture::new();
    let m = meeting_with_bids(&mut f);
    f.lock(&m, 0, 14);
    f.advance(&m, Phase::Turns, 15);
    let bo = f.members[1].clone();
    f.ok(
        0,
        15,
        Command::StartTurn {
            meeting: m.clone(),
            presenter: bo.clone(),
        },
    );
    f.ok(
        2,
        20,
        Command::LogContribution {
            meeting: m.clone(),
            kind: ContributionKind::Question,
            text: "What do you want to get out of this session?".into(),
            asker: None,
        },
    );
    f.ok(
        3,
        21,
        Command::LogContribution {
            meeting: m.clone(),
            kind: ContributionKind::Statement,
            text: String::new(),
            asker: None,
        },
    );
    f.ok(
        1,
        30,
        Command::NoteInsights {
            meeting: m.clone(),
            insights: "I have been avoiding the conversation.".into(),
        },
    );
    f.ok(0, 44, Command::EndTurn { meeting: m.clone() });
    let set = f.set();
    let turn = &set.meetings[&m].turns[&bo];
    assert_eq!(turn.started_at.get(), t(15));
    assert_eq!(turn.ended_at.map(revans_model::Timestamp::get), Some(t(44)));
    assert_eq!(turn.allocated_minutes, 30);
    assert_eq!(turn.contributions.len(), 2);
    let kinds: Vec<_> = turn.contributions.values().map(|c| c.kind).collect();
    assert!(
        kinds.contains(&ContributionKind::Question) && kinds.contains(&ContributionKind::Statement)
    );
    assert_eq!(
        turn.insights.as_str(),
        "I have been avoiding the conversation."
    );
    assert!(set.meetings[&m].running_turn().is_none());
}

#[test]
fn turn_errors() {
    let mut f = Fixture::new();
    let m = meeting_with_bids(&mut f);
    let (ada, bo, di) = (
        f.members[0].clone(),
        f.members[1].clone(),
        f.members[3].clone(),
    );
    let start = |who: &revans_model::MemberId| Command::StartTurn {
        meeting: m.clone(),
        presenter: who.clone(),
    };
    assert!(matches!(
        f.refused(0, 10, start(&ada)),
        CommandError::WrongPhase {
            phase: Phase::Agenda,
            ..
        }
    ));
    f.lock(&m, 0, 14);
    f.advance(&m, Phase::Turns, 15);
    assert_eq!(
        f.refused(0, 15, start(&di)),
        CommandError::NotOnAgenda { name: "Di".into() }
    );
    assert_eq!(
        f.refused(0, 15, Command::EndTurn { meeting: m.clone() }),
        CommandError::NoTurnRunning
    );
    assert_eq!(
        f.refused(
            0,
            15,
            Command::LogContribution {
                meeting: m.clone(),
                kind: ContributionKind::Question,
                text: String::new(),
                asker: None,
            }
        ),
        CommandError::NoTurnRunning
    );
    assert_eq!(
        f.refused(
            0,
            15,
            Command::NoteInsights {
                meeting: m.clone(),
                insights: "x".into()
            }
        ),
        CommandError::NoTurnRunning
    );
    f.ok(0, 16, start(&ada));
    assert_eq!(
        f.refused(0, 17, start(&bo)),
        CommandError::TurnRunning { name: "Ada".into() }
    );
    f.ok(0, 40, Command::EndTurn { meeting: m.clone() });
    assert_eq!(
        f.refused(0, 41, start(&ada)),
        CommandError::AlreadyPresented { name: "Ada".into() }
    );
    f.ok(0, 42, Command::RemoveMember { member: bo.clone() });
    assert_eq!(
        f.refused(0, 43, start(&bo)),
        CommandError::NoLongerAMember { name: "Bo".into() }
    );
}

#[test]
fn the_process_review_and_each_members_review() {
    let mut f = Fixture::new();
    let m = meeting_with_bids(&mut f);
    let review = |worked: Option<&str>| Command::ReviewProcess {
        meeting: m.clone(),
        worked_well: worked.map(Into::into),
        was_difficult: None,
        more_effective: None,
    };
    let e = f.refused(0, 10, review(Some("Timekeeping.")));
    assert!(matches!(
        e,
        CommandError::WrongPhase {
            phase: Phase::Agenda,
            ..
        }
    ));
    let mine = |text: &str| Command::ReviewMeeting {
        meeting: m.clone(),
        answers: MemberReviewAnswers {
            myself: Some(text.into()),
            ..MemberReviewAnswers::default()
        },
    };
    assert!(matches!(
        f.refused(1, 10, mine("x")),
        CommandError::WrongPhase { .. }
    ));

    f.lock(&m, 0, 14);
    f.advance(&m, Phase::Review, 100);
    f.ok(0, 101, review(Some("Timekeeping.")));
    f.ok(
        2,
        102,
        Command::ReviewProcess {
            meeting: m.clone(),
            worked_well: None,
            was_difficult: Some("Too much advice.".into()),
            more_effective: Some("Ask, don't tell.".into()),
        },
    );
    f.ok(1, 103, mine("I rush to fix things."));
    f.ok(
        1,
        104,
        Command::ReviewMeeting {
            meeting: m.clone(),
            answers: MemberReviewAnswers {
                my_problem: Some("It is older than me; it is about trust; it can wait.".into()),
                ..MemberReviewAnswers::default()
            },
        },
    );
    assert_eq!(
        f.refused(0, 105, review(None)),
        CommandError::Blank { field: "review" }
    );
    let e = f.refused(
        1,
        105,
        Command::ReviewMeeting {
            meeting: m.clone(),
            answers: MemberReviewAnswers::default(),
        },
    );
    assert_eq!(e, CommandError::Blank { field: "review" });

    // Each member's say on the process is their own, in the round: Ada's and Cy's stand
    // side by side, and neither replaces the other's.
    let set = f.set();
    let meeting = &set.meetings[&m];
    let process = |member: usize| &meeting.member_reviews[&f.members[member]].process;
    assert_eq!(process(0).worked_well.as_str(), "Timekeeping.");
    assert!(process(0).was_difficult.is_blank());
    assert!(process(2).worked_well.is_blank());
    assert_eq!(process(2).was_difficult.as_str(), "Too much advice.");
    assert_eq!(process(2).more_effective.as_str(), "Ask, don't tell.");
    assert!(
        meeting.process_review.worked_well.is_blank(),
        "nothing is written in the set's one shared review any more"
    );
    let bos = &meeting.member_reviews[&f.members[1]];
    assert_eq!(bos.myself.as_str(), "I rush to fix things.");
    assert_eq!(
        bos.my_problem.as_str(),
        "It is older than me; it is about trust; it can wait."
    );
    assert!(bos.the_set.is_blank());
    // The review closes the meeting; a member's say can still follow.
    f.advance(&m, Phase::Closed, 120);
    f.ok(3, 130, review(Some("Timekeeping, and the tea.")));
    let set = f.set();
    let dis = &set.meetings[&m].member_reviews[&f.members[3]];
    assert_eq!(
        dis.process.worked_well.as_str(),
        "Timekeeping, and the tea."
    );
}

fn attend(meeting: &MeetingId, coming: bool, reason: &str) -> Command {
    Command::Attend {
        meeting: meeting.clone(),
        coming,
        reason: reason.into(),
    }
}

#[test]
fn each_member_says_they_are_coming_or_sends_apologies_with_a_reason_the_set_sees() {
    let mut f = Fixture::new();
    let m = f.plan(60 * 24, 120);
    let (ada, bo, cy) = (
        f.members[0].clone(),
        f.members[1].clone(),
        f.members[2].clone(),
    );
    f.ok(0, 10, attend(&m, true, "ignored when coming"));
    f.ok(1, 11, attend(&m, false, "  At a funeral that day.  "));
    let set = f.set();
    let meeting = &set.meetings[&m];
    assert!(meeting.attendance[&ada].coming);
    assert_eq!(
        meeting.attendance[&ada].reason, "",
        "a reason goes with apologies"
    );
    let away: Vec<_> = meeting
        .away()
        .map(|(who, a)| (who.clone(), a.reason.clone()))
        .collect();
    assert_eq!(away, [(bo.clone(), "At a funeral that day.".to_owned())]);
    assert!(
        meeting.is_away(&bo) && !meeting.is_away(&cy),
        "Cy has said nothing"
    );

    // Plans change: Bo can come after all; his second word replaces the first.
    f.ok(1, 12, attend(&m, true, ""));
    assert!(!f.set().meetings[&m].is_away(&bo));

    // A reason too long for a line is refused, saying so.
    let long = "a".repeat(revans_model::LINE_MAX + 1);
    assert!(matches!(
        f.refused(2, 13, attend(&m, false, &long)),
        CommandError::TooLong { .. }
    ));
}

#[test]
fn a_member_passing_this_time_has_no_turn_and_is_not_away() {
    let mut f = Fixture::new();
    let m = meeting_with_bids(&mut f);
    let bo = f.members[1].clone();
    let pass = Command::Pass { meeting: m.clone() };
    f.ok(1, 6, pass.clone());
    let set = f.set();
    let meeting = &set.meetings[&m];
    assert!(meeting.bids[&bo].passing, "the pass replaces Bo's bid");
    assert!(
        !meeting.is_away(&bo),
        "passing is not the same as being away"
    );
    let order = revans_model::batting_order(&set, meeting);
    let presenting: std::collections::BTreeSet<_> =
        order.slots.iter().map(|s| s.member.clone()).collect();
    assert_eq!(
        presenting,
        [f.members[0].clone(), f.members[2].clone()].into(),
        "Bo has no turn"
    );
    assert_eq!(order.allocated(), 90, "Ada and Cy share the time");
    // A bid again takes the pass back; once the agenda is locked, no pass is taken.
    f.ok(1, 7, bid(&m, None, Urgency::Normal));
    assert!(!f.set().meetings[&m].bids[&bo].passing);
    f.lock(&m, 0, 8);
    assert!(matches!(
        f.refused(1, 9, pass),
        CommandError::BiddingClosed { .. }
    ));
}
