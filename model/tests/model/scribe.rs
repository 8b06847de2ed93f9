//! The room's scribe: one device in the circle entering what each member at the meeting
//! says is theirs, marked as entered by them; refused outside a running meeting, for a
//! member not there, and over what a member wrote themselves.

use automerge::ObjType;
use automerge::transaction::Transactable;
use revans_model::{
    Applied, Command, CommandError, MeetingId, MemberReviewAnswers, Outcome, Phase, Urgency,
};

use crate::fixture::{Fixture, at, hostile};

/// `scribe` enters `command` for member `member`.
fn for_them(f: &Fixture, member: usize, command: Command) -> Command {
    Command::For {
        member: f.members[member].clone(),
        command: Box::new(command),
    }
}

fn here(meeting: &MeetingId) -> Command {
    Command::Attend {
        meeting: meeting.clone(),
        coming: true,
        reason: String::new(),
    }
}

fn news(meeting: &MeetingId, text: &str) -> Command {
    Command::CatchUp {
        meeting: meeting.clone(),
        news: text.into(),
    }
}

/// A meeting in its catch-up, with Bo marked as here by Ada.
fn running() -> (Fixture, MeetingId) {
    let mut f = Fixture::new();
    let m = f.plan(60, 120);
    f.advance(&m, Phase::CatchUp, 61);
    let bo_here = for_them(&f, 1, here(&m));
    f.ok(0, 62, bo_here);
    (f, m)
}

#[allow(clippy::too_many_lines)] // a meeting, step after step
#[test]
fn one_laptop_records_a_members_news_bid_action_account_and_review_marked_as_entered() {
    let (mut f, m) = running();
    let (ada, bo) = (f.members[0].clone(), f.members[1].clone());
    // Bo's action from an earlier meeting, his own.
    let earlier = match f.ok(
        1,
        5,
        Command::AddAction {
            text: "Talk to the ward sister".into(),
            likelihood: 8,
            issue: None,
            meeting: None,
        },
    ) {
        Applied::Action(id) => id,
        other => panic!("expected an action, got {other:?}"),
    };
    for (minute, command) in [
        (63, news(&m, "The restructure went ahead.")),
        (
            64,
            Command::ReportBack {
                action: earlier.clone(),
                outcome: Outcome::Done,
                what_happened: "She agreed to a trial.".into(),
                learned: String::new(),
            },
        ),
        (
            65,
            Command::MovePhase {
                meeting: m.clone(),
                to: Phase::Agenda,
            },
        ),
        (
            66,
            Command::BidForTime {
                meeting: m.clone(),
                minutes: Some(20),
                urgency: Urgency::High,
                issue: None,
                note: "Help me plan the trial.".into(),
            },
        ),
    ] {
        let command = if matches!(command, Command::MovePhase { .. }) {
            command
        } else {
            for_them(&f, 1, command)
        };
        f.ok(0, minute, command);
    }
    f.lock(&m, 0, 67);
    f.advance(&m, Phase::Review, 70);
    let action = for_them(
        &f,
        1,
        Command::AddAction {
            text: "Run the trial for a week".into(),
            likelihood: 7,
            issue: None,
            meeting: None,
        },
    );
    let Applied::Action(new) = f.ok(0, 80, action) else {
        panic!("expected an action");
    };
    let review = for_them(
        &f,
        1,
        Command::ReviewMeeting {
            meeting: m.clone(),
            answers: MemberReviewAnswers {
                myself: Some("I hold on too tightly.".into()),
                ..MemberReviewAnswers::default()
            },
        },
    );
    f.ok(0, 81, review);

    let set = f.set();
    let meeting = &set.meetings[&m];
    let by_ada = Some(&ada);
    assert_eq!(meeting.attendance[&bo].entered_by.as_ref(), by_ada);
    assert_eq!(
        meeting.catch_up[&bo].news.as_str(),
        "The restructure went ahead."
    );
    assert_eq!(meeting.catch_up[&bo].entered_by.as_ref(), by_ada);
    assert_eq!(meeting.bids[&bo].note, "Help me plan the trial.");
    assert_eq!(meeting.bids[&bo].entered_by.as_ref(), by_ada);
    assert_eq!(
        meeting.member_reviews[&bo].myself.as_str(),
        "I hold on too tightly."
    );
    assert_eq!(meeting.member_reviews[&bo].entered_by.as_ref(), by_ada);
    let account = set.actions[&earlier].report_back.as_ref().unwrap();
    assert_eq!(account.outcome, Outcome::Done);
    assert_eq!(account.entered_by.as_ref(), by_ada);
    // The earlier action stays Bo's own word; the new one is his, written down by Ada.
    assert_eq!(set.actions[&earlier].entered_by, None);
    let action = &set.actions[&new];
    assert_eq!((&action.owner, action.entered_by.as_ref()), (&bo, by_ada));
    assert_eq!(action.meeting.as_ref(), Some(&m));
    // Nothing of Ada's own was written.
    assert!(!meeting.catch_up.contains_key(&ada));
    assert!(!meeting.bids.contains_key(&ada));
}

#[test]
fn a_scribe_is_refused_outside_a_running_meeting() {
    let mut f = Fixture::new();
    let m = f.plan(60, 120);
    let ahead = for_them(&f, 1, here(&m));
    assert!(matches!(
        f.refused(0, 10, ahead),
        CommandError::NotInTheRoom { name } if name == "Bo"
    ));
    f.advance(&m, Phase::Agenda, 61);
    f.bid_equal_share(&m, 0, 61);
    f.lock(&m, 0, 61);
    f.advance(&m, Phase::Closed, 61);
    let after = for_them(&f, 1, news(&m, "Late news."));
    assert!(matches!(
        f.refused(0, 70, after),
        CommandError::NotInTheRoom { .. }
    ));
    // An action, with no meeting running at all.
    let action = for_them(
        &f,
        1,
        Command::AddAction {
            text: "Something".into(),
            likelihood: 5,
            issue: None,
            meeting: None,
        },
    );
    assert!(matches!(
        f.refused(0, 71, action),
        CommandError::NotInTheRoom { .. }
    ));
}

#[test]
fn a_scribe_is_refused_for_a_member_not_here_and_over_their_apologies() {
    let (mut f, m) = running();
    // Cy is not marked as here.
    let cy_news = for_them(&f, 2, news(&m, "Cy's news."));
    assert!(matches!(
        f.refused(0, 63, cy_news),
        CommandError::NotPresent { name } if name == "Cy"
    ));
    // Di sent apologies herself: no one marks her as here.
    f.ok(
        3,
        50,
        Command::Attend {
            meeting: m.clone(),
            coming: false,
            reason: "At a conference.".into(),
        },
    );
    let di_here = for_them(&f, 3, here(&m));
    assert!(matches!(
        f.refused(0, 64, di_here),
        CommandError::TheirOwnWord { name } if name == "Di"
    ));
    // Only a member's own records: not a meeting's phase, say.
    let phase = for_them(
        &f,
        1,
        Command::MovePhase {
            meeting: m.clone(),
            to: Phase::Agenda,
        },
    );
    assert!(matches!(
        f.refused(0, 65, phase),
        CommandError::NotForAnother(_)
    ));
}

#[test]
fn the_members_own_word_stands_over_the_scribes() {
    let (mut f, m) = running();
    let bo = f.members[1].clone();
    let entered = for_them(&f, 1, news(&m, "Bo's news as Ada heard it."));
    f.ok(0, 63, entered);
    // Bo confirms from his own device, in his own words.
    f.ok(1, 90, news(&m, "Bo's news, in Bo's words."));
    let set = f.set();
    let news_now = &set.meetings[&m].catch_up[&bo];
    assert_eq!(news_now.news.as_str(), "Bo's news, in Bo's words.");
    assert_eq!(news_now.entered_by, None);
    let again = for_them(&f, 1, news(&m, "Ada's version again."));
    assert!(matches!(
        f.refused(0, 91, again),
        CommandError::TheirOwnWord { .. }
    ));
    // An action Ada wrote down for Bo is his once he confirms it, changing nothing.
    let action = for_them(
        &f,
        1,
        Command::AddAction {
            text: "Call the union rep".into(),
            likelihood: 6,
            issue: None,
            meeting: None,
        },
    );
    let Applied::Action(id) = f.ok(0, 92, action) else {
        panic!("expected an action");
    };
    f.ok(
        1,
        93,
        Command::EditAction {
            action: id.clone(),
            text: None,
            likelihood: None,
        },
    );
    assert_eq!(f.set().actions[&id].entered_by, None);
    let edit = for_them(
        &f,
        1,
        Command::EditAction {
            action: id,
            text: Some("Ada's words".into()),
            likelihood: None,
        },
    );
    assert!(matches!(
        f.refused(0, 94, edit),
        CommandError::TheirOwnWord { .. }
    ));
}

#[test]
fn the_rules_refuse_a_scribes_write_every_device_would_refuse() {
    let (mut f, m) = running();
    let (ada, bo, cy) = (
        f.members[0].clone(),
        f.members[1].clone(),
        f.members[2].clone(),
    );
    // Cy's bid, written by Ada though nobody marked Cy as here.
    let not_here = hostile(&f, 0, |tx| {
        let bids = at(tx, &["meetings", m.as_str(), "bids"]);
        let bid = tx.put_object(&bids, cy.as_str(), ObjType::Map)?;
        tx.put(&bid, "urgency", "High")?;
        tx.put(&bid, "note", "")?;
        tx.put(&bid, "entered_by", ada.as_str())?;
        Ok(())
    });
    assert_eq!(
        not_here.unwrap_err(),
        "a bid for time written for another member outside a running meeting they are at"
    );
    // Bo's bid, without saying who entered it: as if in Bo's own words.
    let unsigned = hostile(&f, 0, |tx| {
        let bids = at(tx, &["meetings", m.as_str(), "bids"]);
        let bid = tx.put_object(&bids, bo.as_str(), ObjType::Map)?;
        tx.put(&bid, "urgency", "High")?;
        Ok(())
    });
    assert_eq!(
        unsigned.unwrap_err(),
        "a bid for time written for another member without saying who entered it"
    );
    // Bo's own news, overwritten by Ada.
    f.ok(1, 63, news(&m, "Bo's own."));
    let over = hostile(&f, 0, |tx| {
        let entry = at(tx, &["meetings", m.as_str(), "catch_up", bo.as_str()]);
        tx.put(&entry, "entered_by", ada.as_str())?;
        Ok(())
    });
    assert_eq!(
        over.unwrap_err(),
        "a change to catch-up news of another member's, which they wrote themselves"
    );
    // An action for Bo once the meeting is closed.
    f.advance(&m, Phase::Agenda, 70);
    f.bid_equal_share(&m, 0, 70);
    f.lock(&m, 0, 70);
    f.advance(&m, Phase::Closed, 70);
    let closed = hostile(&f, 0, |tx| {
        let actions = at(tx, &["actions"]);
        let action = tx.put_object(&actions, "a-late", ObjType::Map)?;
        tx.put(&action, "owner", bo.as_str())?;
        tx.put(&action, "text", "Something Bo never said")?;
        tx.put(&action, "likelihood", 9)?;
        tx.put(&action, "created_by", ada.as_str())?;
        tx.put(&action, "entered_by", ada.as_str())?;
        Ok(())
    });
    assert_eq!(
        closed.unwrap_err(),
        "an action written for another member outside a running meeting they are at"
    );
}
