//! The rules every device checks (DESIGN.md 4.3): a hostile member's device writing raw
//! Automerge changes, each judged by `check_change` from the change and its causal past.

use automerge::transaction::{Transactable, Transaction};
use automerge::{ObjType, ScalarValue};
use revans_model::{
    ActionLearningSet, Applied, Command, Facilitation, MeetingId, MemberId, Urgency, check_change,
};

use crate::fixture::{Fixture, Invite, admit, at, device, hostile, profile, t};

fn meeting(f: &mut Fixture) -> MeetingId {
    let m = f.plan(60, 120);
    f.advance(&m, revans_model::Phase::Agenda, 61);
    f.bid_equal_share(&m, 0, 62);
    m
}

#[test]
fn a_device_added_to_another_member_or_without_an_invitation_is_refused() {
    let f = Fixture::new();
    let (ada, bo) = (f.members[0].clone(), f.members[1].clone());
    let stranger = device(66).to_string();
    let to_ada = hostile(&f, 1, |tx| {
        let devices = at(tx, &["members", ada.as_str(), "devices"]);
        tx.put_object(&devices, &stranger, ObjType::Map)?;
        Ok(())
    });
    assert_eq!(to_ada.unwrap_err(), "adding a device without an invitation");
    let to_bo = hostile(&f, 1, |tx| {
        let devices = at(tx, &["members", bo.as_str(), "devices"]);
        let d = tx.put_object(&devices, &stranger, ObjType::Map)?;
        tx.put(&d, "linked_by", bo.as_str())?;
        Ok(())
    });
    assert_eq!(to_bo.unwrap_err(), "adding a device without an invitation");
}

#[test]
fn a_member_added_without_an_invitation_is_refused() {
    let f = Fixture::new();
    let bo = f.members[1].clone();
    let refused = hostile(&f, 1, |tx| {
        let members = at(tx, &["members"]);
        let m = tx.put_object(&members, "mallory", ObjType::Map)?;
        tx.put(&m, "display_name", "Mallory")?;
        tx.put(&m, "admitted_by", bo.as_str())?;
        Ok(())
    });
    assert_eq!(
        refused.unwrap_err(),
        "adding a member without an invitation"
    );
}

#[test]
fn a_removal_cannot_be_undone_nor_made_while_someone_else_facilitates() {
    let mut f = Fixture::new();
    let (bo, cy) = (f.members[1].clone(), f.members[2].clone());
    f.ok(0, 10, Command::RemoveMember { member: cy.clone() });
    let cleared = hostile(&f, 1, |tx| {
        let record = at(tx, &["members", cy.as_str()]);
        tx.put(&record, "departure", ScalarValue::Null)?;
        Ok(())
    });
    assert_eq!(
        cleared.unwrap_err(),
        "undoing a member's departure, which nobody may do"
    );
    let di = f.members[3].clone();
    let removed = hostile(&f, 1, |tx| {
        let record = at(tx, &["members", di.as_str()]);
        let departure = tx.put_object(&record, "departure", ObjType::Map)?;
        tx.put(&departure, "kind", "Removed")?;
        tx.put(&departure, "by", bo.as_str())?;
        Ok(())
    });
    assert_eq!(
        removed.unwrap_err(),
        "removing another member while someone else facilitates"
    );
}

#[test]
fn another_members_bid_vote_or_name_is_not_forged() {
    let mut f = Fixture::new();
    let m = meeting(&mut f);
    let (ada, bo) = (f.members[0].clone(), f.members[1].clone());
    let bid = hostile(&f, 1, |tx| {
        let bid = at(tx, &["meetings", m.as_str(), "bids", ada.as_str()]);
        tx.put(&bid, "note", "I give my time to Bo.")?;
        Ok(())
    });
    assert!(
        bid.unwrap_err()
            .starts_with("a change to a bid for time of another member")
    );
    // Nor does Bo say Ada is not coming.
    f.ok(
        0,
        63,
        Command::Attend {
            meeting: m.clone(),
            coming: true,
            reason: String::new(),
        },
    );
    let apologies = hostile(&f, 1, |tx| {
        let word = at(tx, &["meetings", m.as_str(), "attendance", ada.as_str()]);
        tx.put(&word, "coming", false)?;
        tx.put(&word, "reason", "Ada is busy.")?;
        Ok(())
    });
    assert!(
        apologies
            .unwrap_err()
            .starts_with("a change to coming or apologies of another member")
    );
    // And a word on coming is yes or no.
    let maybe = hostile(&f, 0, |tx| {
        let word = at(tx, &["meetings", m.as_str(), "attendance", ada.as_str()]);
        tx.put(&word, "coming", "maybe")?;
        Ok(())
    });
    assert_eq!(
        maybe.unwrap_err(),
        "something other than yes or no for coming or apologies"
    );
    let rule = f.set().ground_rules.keys().next().unwrap().clone();
    let vote = hostile(&f, 1, |tx| {
        let agreed = at(tx, &["ground_rules", rule.as_str(), "agreed_by"]);
        tx.put(
            &agreed,
            ada.as_str(),
            ScalarValue::Timestamp(t(5).timestamp_millis()),
        )?;
        Ok(())
    });
    assert!(
        vote.unwrap_err()
            .starts_with("a change to an agreement to a ground rule of another member")
    );
    let by = hostile(&f, 1, |tx| {
        let rules = at(tx, &["ground_rules"]);
        let r = tx.put_object(&rules, "forged", ObjType::Map)?;
        tx.put(&r, "text", "Ada says Bo is always right.")?;
        tx.put(&r, "proposed_by", ada.as_str())?;
        Ok(())
    });
    assert_eq!(by.unwrap_err(), "another member's name for a ground rule");
    // Bo's own bid, written the same raw way, is his to write.
    let own = hostile(&f, 1, |tx| {
        let bids = at(tx, &["meetings", m.as_str(), "bids"]);
        let b = tx.put_object(&bids, bo.as_str(), ObjType::Map)?;
        tx.put(&b, "urgency", "High")?;
        tx.put(&b, "made_by", bo.as_str())?;
        tx.put(&b, "note", "")?;
        Ok(())
    });
    assert_eq!(own, Ok(()));
}

#[test]
fn facilitation_is_not_taken_while_someone_else_facilitates() {
    let mut f = Fixture::new();
    let bo = f.members[1].clone();
    let taken = hostile(&f, 1, |tx| {
        let facilitation = at(tx, &["facilitation"]);
        let fac = tx.put_object(&facilitation, "Facilitated", ObjType::Map)?;
        tx.put(&fac, "facilitator", bo.as_str())?;
        Ok(())
    });
    assert_eq!(
        taken.unwrap_err(),
        "a change to the set's facilitation while another member facilitates"
    );
    // Once the facilitator steps back, any member may hand it on.
    f.ok(
        0,
        5,
        Command::ChangeFacilitation {
            to: Facilitation::SelfManaged,
        },
    );
    f.ok(
        1,
        6,
        Command::ChangeFacilitation {
            to: Facilitation::Facilitated { facilitator: bo },
        },
    );
}

#[test]
fn values_that_would_leave_the_set_unreadable_are_refused() {
    let mut f = Fixture::new();
    let m = meeting(&mut f);
    let schema = hostile(&f, 1, |tx| tx.put(automerge::ROOT, "schema", 2_u64));
    assert_eq!(
        schema.unwrap_err(),
        "a change to the set's identity, which nobody may change"
    );
    let end_of_time = hostile(&f, 1, |tx| {
        let meeting = at(tx, &["meetings", m.as_str()]);
        tx.put(&meeting, "scheduled_at", ScalarValue::Timestamp(i64::MAX))
    });
    assert_eq!(
        end_of_time.unwrap_err(),
        "a time outside the calendar for a meeting"
    );
    let string_for_a_map = hostile(&f, 1, |tx| {
        let meetings = at(tx, &["meetings"]);
        tx.put(&meetings, m.as_str(), "not a meeting")
    });
    assert_eq!(
        string_for_a_map.unwrap_err(),
        "a single value where a record belongs for a meeting"
    );
    let number_for_a_text = hostile(&f, 1, |tx| tx.put(automerge::ROOT, "name", 7_i64));
    assert_eq!(
        number_for_a_text.unwrap_err(),
        "something other than a text for the set"
    );
    let likelihood = hostile(&f, 1, |tx| {
        let actions = at(tx, &["actions"]);
        let a = tx.put_object(&actions, "a1", ObjType::Map)?;
        tx.put(&a, "likelihood", 11_u64)
    });
    assert_eq!(
        likelihood.unwrap_err(),
        "a number out of range for an action"
    );
}

/// Bo's device writes Mallory in as a new member with device `n`, by a use of `invite`
/// carrying `signature` and `consent` (hex): an admission written by hand. Returns
/// Mallory's record.
fn mallory_admitted(
    tx: &mut Transaction<'_>,
    invite: &Invite,
    n: u8,
    by: &str,
    (signature, consent): (&str, &str),
) -> Result<automerge::ObjId, automerge::AutomergeError> {
    let members = at(tx, &["members"]);
    let m = tx.put_object(&members, "mallory", ObjType::Map)?;
    tx.put(&m, "display_name", "Mallory")?;
    let invitation_record = at(tx, &["invitations", invite.id.as_str()]);
    let used = tx.put_object(&invitation_record, "used", ObjType::Map)?;
    tx.put(&used, "member", "mallory")?;
    tx.put(&used, "device", device(n).to_string())?;
    tx.put(&used, "admitted_by", by)?;
    tx.put(&used, "signature", signature)?;
    tx.put(&used, "consent", consent)?;
    tx.put(&used, "at", ScalarValue::Timestamp(t(6).timestamp_millis()))?;
    Ok(m)
}

/// Genuine signatures for Mallory with device `n`: the ticket's key and the device's own.
fn genuine(invite: &Invite, n: u8) -> (String, String) {
    let (signature, consent) = invite.signatures(&MemberId::from("mallory"), n);
    (hex::encode(signature), hex::encode(consent))
}

#[test]
fn a_used_invitation_is_not_used_again() {
    let mut f = Fixture::new();
    let invite = f.invite(0, false);
    f.ok(2, 5, admit(&invite, profile("Eve", ""), 50));
    let bo = f.members[1].clone();
    // Even by the ticket's holder, with the device's consent.
    let (signature, consent) = genuine(&invite, 51);
    let replayed = hostile(&f, 1, |tx| {
        mallory_admitted(tx, &invite, 51, bo.as_str(), (&signature, &consent))?;
        Ok(())
    });
    // Its use is there already: a second one would replace it.
    assert_eq!(replayed.unwrap_err(), "replacing an invitation as a whole");
}

#[test]
fn an_admission_must_be_signed_with_the_invitations_key() {
    let mut f = Fixture::new();
    let invite = f.invite(0, false);
    let bo = f.members[1].clone();
    let (_, consent) = genuine(&invite, 51);
    // Signed with another key (a member who read the set holds no more than its public
    // half), or not at all.
    let other = Invite {
        key: ed25519_dalek::SigningKey::from_bytes(&[99; 32]),
        ..invite.clone()
    };
    for signature in [genuine(&other, 51).0, "00".to_owned()] {
        let guessed = hostile(&f, 1, |tx| {
            mallory_admitted(tx, &invite, 51, bo.as_str(), (&signature, &consent))?;
            Ok(())
        });
        assert_eq!(guessed.unwrap_err(), "using an invitation without its key");
    }
}

#[test]
fn a_device_is_admitted_only_with_its_own_consent() {
    let mut f = Fixture::new();
    // Bo makes an invitation himself and uses it to make Di's device his puppet's: he
    // holds the ticket's key, but not Di's device key.
    let invite = f.invite(1, false);
    let bo = f.members[1].clone();
    let (signature, _) = genuine(&invite, 4);
    let forged = hex::encode(
        ed25519_dalek::Signer::sign(
            &crate::fixture::device_key(2),
            &revans_model::admission::consent_message(
                &f.id,
                &MemberId::from("mallory"),
                &invite.id,
            ),
        )
        .to_bytes(),
    );
    for consent in [forged, "00".to_owned()] {
        let linked = hostile(&f, 1, |tx| {
            mallory_admitted(tx, &invite, 4, bo.as_str(), (&signature, &consent))?;
            Ok(())
        });
        assert_eq!(
            linked.unwrap_err(),
            "admitting a device that did not ask to be this member's"
        );
    }
    // A device's consent to one member is not consent to another.
    let to_cy = invite.signatures(&f.members[2], 4).1;
    let moved = hostile(&f, 1, |tx| {
        mallory_admitted(
            tx,
            &invite,
            4,
            bo.as_str(),
            (&signature, &hex::encode(to_cy)),
        )?;
        Ok(())
    });
    assert_eq!(
        moved.unwrap_err(),
        "admitting a device that did not ask to be this member's"
    );
    assert_eq!(f.set().member_for_device(&device(4)), Some(&f.members[3]));
}

#[test]
fn a_removal_and_that_members_bid_made_at_once_both_stay_and_the_removal_wins_for_access() {
    let mut f = Fixture::new();
    let m = meeting(&mut f);
    let cy = f.members[2].clone();
    let mut cys_copy = f.doc.fork();
    f.ok(0, 70, Command::RemoveMember { member: cy.clone() });
    // Meanwhile, offline, Cy bids from her own device.
    cys_copy.set_actor(f.devices[2].actor());
    let before = cys_copy.get_heads();
    revans_model::apply(
        &mut cys_copy,
        &f.by(2, 70),
        Command::BidForTime {
            meeting: m.clone(),
            minutes: Some(20),
            urgency: Urgency::High,
            issue: None,
            note: String::new(),
        },
    )
    .unwrap();
    let bid = cys_copy.get_changes(&before).remove(0).clone();
    f.doc.merge(&mut cys_copy).unwrap();
    // Judged from its causal past, Cy's bid is hers to make: every device keeps it.
    assert_eq!(check_change(&f.doc, &f.id, &bid), Ok(()));
    let set = f.set();
    assert!(
        set.meetings[&m].bids.contains_key(&cy),
        "the bid stays in history"
    );
    assert!(!set.is_current_member(&cy));
    assert_eq!(
        set.member_for_device(&device(3)),
        None,
        "the removal wins for access"
    );
    // Anything Cy's device writes after seeing her removal is refused.
    let after = hostile(&f, 2, |tx| {
        let bid = at(tx, &["meetings", m.as_str(), "bids", cy.as_str()]);
        tx.put(&bid, "note", "Still here.")
    });
    assert!(
        after
            .unwrap_err()
            .starts_with("a change from a device of a member who is no longer in the set")
    );
}

#[test]
fn two_devices_admitting_one_newcomer_with_one_ticket_at_once_admit_them_once() {
    let mut f = Fixture::new();
    let invite = f.invite(0, false);
    let mut cys_copy = f.doc.fork();
    // The newcomer's device asked Bo's device, and (a retry) Cy's, which both admit it.
    f.ok(1, 5, admit(&invite, profile("Eve", ""), 50));
    cys_copy.set_actor(f.devices[2].actor());
    let before = cys_copy.get_heads();
    revans_model::apply(
        &mut cys_copy,
        &f.by(2, 5),
        admit(&invite, profile("Eve", "Library"), 50),
    )
    .unwrap();
    let second = cys_copy.get_changes(&before).remove(0).clone();
    f.doc.merge(&mut cys_copy).unwrap();
    // Both admissions were genuine where they were made ...
    assert_eq!(check_change(&f.doc, &f.id, &second), Ok(()));
    // ... and every device reads one member for the device, the same one.
    let set = f.set();
    assert!(set.member_for_device(&device(50)).is_some());
    assert_eq!(set.current_members().len(), 5, "no second Eve");
    // A device that merged the two the other way round reads the same.
    let mut other = cys_copy;
    other.merge(&mut f.doc.fork()).unwrap();
    let again = ActionLearningSet::from_doc(&other).unwrap();
    assert_eq!(again.members, set.members);
}

/// Issue 23, item 1: the inviter, who holds the ticket's key, writes a second use of an
/// invitation already used, against a past from before the first, for a look-alike with
/// the same name on a device of their own, with a larger operation counter (so that it
/// wins Automerge's choice between the two uses). The real member is not evicted: both
/// admissions stand, and the real member's later changes are taken.
#[test]
fn a_second_use_of_an_invitation_written_at_once_evicts_no_one() {
    let mut f = Fixture::new();
    let invite = f.invite(0, false);
    let mut adas_copy = f.doc.fork();
    let Applied::Member(eve) = f.ok(2, 5, admit(&invite, profile("Eve", "Library"), 50)) else {
        panic!("admitting returns the member")
    };
    f.devices.push(device(50));
    f.members.push(eve.clone());
    // Ada, on a copy from before, pads her counter and uses the ticket herself.
    adas_copy.set_actor(f.devices[0].actor());
    for i in 0..50 {
        adas_copy
            .transact::<_, _, automerge::AutomergeError>(|tx| {
                tx.put(automerge::ROOT, "name", format!("Northern Leaders {i}"))
            })
            .unwrap();
    }
    let before = adas_copy.get_heads();
    revans_model::apply(
        &mut adas_copy,
        &f.by(0, 5),
        admit(&invite, profile("Eve", "Library"), 51),
    )
    .unwrap();
    let look_alike = adas_copy.get_changes(&before).remove(0).clone();
    assert_eq!(check_change(&adas_copy, &f.id, &look_alike), Ok(()));
    f.doc.merge(&mut adas_copy).unwrap();
    let set = f.set();
    assert_eq!(
        set.member_for_device(&device(50)),
        Some(&eve),
        "Eve stays Eve"
    );
    assert!(
        set.member_for_device(&device(51)).is_some(),
        "the look-alike is visible"
    );
    assert_eq!(set.current_members().len(), 6);
    // Eve writes on, and every device takes it.
    let mut eves = f.doc.fork();
    eves.set_actor(device(50).actor());
    let heads = eves.get_heads();
    revans_model::apply(
        &mut eves,
        &revans_model::Author {
            member: eve.clone(),
            at: t(10),
        },
        Command::ProposeRule {
            text: "We keep time.".into(),
        },
    )
    .unwrap();
    let hers = eves.get_changes(&heads).remove(0).clone();
    assert_eq!(check_change(&eves, &f.id, &hers), Ok(()));
}

#[test]
fn an_admission_must_name_its_invitation_where_it_admits() {
    let mut f = Fixture::new();
    let invite = f.invite(0, false);
    let bo = f.members[1].clone();
    let device = device(52).to_string();
    let (signature, consent) = genuine(&invite, 52);
    // Genuine signatures, but a member and device that do not say which invitation made
    // them: a second admission with the same ticket at once would stand beside this one.
    let unnamed = hostile(&f, 1, |tx| {
        let m = mallory_admitted(tx, &invite, 52, bo.as_str(), (&signature, &consent))?;
        tx.put(&m, "invitation", ScalarValue::Null)?;
        let devices = tx.put_object(&m, "devices", ObjType::Map)?;
        let d = tx.put_object(&devices, &device, ObjType::Map)?;
        tx.put(&d, "invitation", ScalarValue::Null)?;
        Ok(())
    });
    assert_eq!(
        unnamed.unwrap_err(),
        "admitting a device without naming its invitation"
    );
}

#[test]
fn a_question_is_credited_only_to_a_member_of_the_set() {
    let mut f = Fixture::new();
    let m = meeting(&mut f);
    f.lock(&m, 0, 63);
    f.advance(&m, revans_model::Phase::Turns, 64);
    let ada = f.members[0].clone();
    f.ok(
        0,
        65,
        Command::StartTurn {
            meeting: m.clone(),
            presenter: ada.clone(),
        },
    );
    let Applied::Contribution(said) = f.ok(
        1,
        66,
        Command::LogContribution {
            meeting: m.clone(),
            kind: revans_model::ContributionKind::Question,
            text: String::new(),
            asker: None,
        },
    ) else {
        panic!("a contribution")
    };
    let forged = hostile(&f, 1, |tx| {
        let c = at(
            tx,
            &[
                "meetings",
                m.as_str(),
                "turns",
                ada.as_str(),
                "contributions",
                said.as_str(),
            ],
        );
        tx.put(&c, "asker", "0123456789abcdef0123456789abcdef")?;
        Ok(())
    });
    assert!(
        forged
            .unwrap_err()
            .starts_with("someone who is not a member")
    );
    let cy = f.members[2].clone();
    let credited = hostile(&f, 1, |tx| {
        let c = at(
            tx,
            &[
                "meetings",
                m.as_str(),
                "turns",
                ada.as_str(),
                "contributions",
                said.as_str(),
            ],
        );
        tx.put(&c, "asker", cy.as_str())?;
        Ok(())
    });
    assert_eq!(credited, Ok(()));
}

/// Writes `write` straight into the fixture's own document, as an older Revans whose
/// rules let it through did: the set must still read.
fn let_through(
    f: &mut Fixture,
    member: usize,
    write: impl FnOnce(&mut Transaction<'_>) -> Result<(), automerge::AutomergeError>,
) {
    f.doc.set_actor(f.devices[member].actor());
    f.doc
        .transact::<_, _, automerge::AutomergeError>(|tx| write(tx))
        .unwrap();
}

#[test]
fn a_field_the_set_needs_is_never_deleted_and_a_set_missing_one_still_reads() {
    let mut f = Fixture::new();
    let issue = f.add_issue(0, "How do I hand over a failing project?");
    f.ok(
        1,
        3,
        Command::PrioritiseIssues {
            order: vec![issue.clone()],
        },
    );
    let deleted_length = hostile(&f, 1, |tx| {
        let lengths = at(tx, &["meeting_lengths"]);
        tx.delete(&lengths, "first")
    });
    assert_eq!(
        deleted_length.unwrap_err(),
        "deleting first from the set, which the set needs"
    );
    // Bo deletes a field of Ada's issue that anyone may write.
    let deleted_priority = hostile(&f, 1, |tx| {
        let record = at(tx, &["issues", issue.as_str()]);
        tx.delete(&record, "priority")
    });
    assert_eq!(
        deleted_priority.unwrap_err(),
        "deleting priority from an issue, which the set needs"
    );
    // A set an older version let such changes into opens, every record in it.
    let_through(&mut f, 1, |tx| {
        let lengths = at(tx, &["meeting_lengths"]);
        tx.delete(&lengths, "first")?;
        let record = at(tx, &["issues", issue.as_str()]);
        tx.delete(&record, "priority")
    });
    let set = ActionLearningSet::from_doc(&f.doc).unwrap();
    assert_eq!(set.meeting_lengths.first, 180, "the practice's default");
    assert_eq!(set.issues[&issue].priority, None);
    assert_eq!(
        set.issues[&issue].statement,
        "How do I hand over a failing project?"
    );
}

#[test]
fn a_map_of_members_records_is_never_replaced() {
    let mut f = Fixture::new();
    let m = meeting(&mut f);
    for (key, what) in [
        ("catch_up", "catch-up news"),
        ("bids", "a bid for time"),
        ("attendance", "coming or apologies"),
        ("member_reviews", "a member's review"),
        ("turns", "a meeting"),
    ] {
        let replaced = hostile(&f, 1, |tx| {
            let record = at(tx, &["meetings", m.as_str()]);
            tx.put_object(&record, key, ObjType::Map)?;
            Ok(())
        });
        assert_eq!(
            replaced.unwrap_err(),
            format!("replacing {what} as a whole")
        );
    }
    // Nor is a member's own record under their key replaced by another member.
    let ada = f.members[0].clone();
    let replaced_bid = hostile(&f, 1, |tx| {
        let bids = at(tx, &["meetings", m.as_str(), "bids"]);
        tx.put_object(&bids, ada.as_str(), ObjType::Map)?;
        Ok(())
    });
    assert_eq!(
        replaced_bid.unwrap_err(),
        "replacing a bid for time as a whole"
    );
    assert!(f.set().meetings[&m].bids.contains_key(&ada));
}

#[test]
fn texts_lists_changes_and_nesting_have_limits() {
    let mut f = Fixture::new();
    let purpose_of = |tx: &Transaction<'_>| {
        automerge::ReadDoc::get(tx, automerge::ROOT, "purpose")
            .unwrap()
            .unwrap()
            .1
    };
    // One run over the limit, in a change small enough to judge.
    let long = hostile(&f, 1, |tx| {
        let purpose = purpose_of(tx);
        tx.splice_text(&purpose, 0, 0, &"x".repeat(revans_model::PROSE_MAX + 1))
    });
    assert_eq!(
        long.unwrap_err(),
        "a text in the set longer than the 20000 characters it may hold"
    );
    // A text grown to its limit by earlier changes takes no more.
    let_through(&mut f, 0, |tx| {
        let purpose = purpose_of(tx);
        let len = automerge::ReadDoc::length(tx, &purpose);
        tx.splice_text(&purpose, len, 0, &"y".repeat(revans_model::PROSE_MAX - len))
    });
    let more = hostile(&f, 1, |tx| {
        let purpose = purpose_of(tx);
        tx.splice_text(&purpose, 0, 0, "z")
    });
    assert!(
        more.unwrap_err()
            .starts_with("a text in the set longer than")
    );
    // Rewriting it whole, at its limit, is an edit like any other.
    let rewritten = hostile(&f, 1, |tx| {
        let purpose = purpose_of(tx);
        tx.splice_text(
            &purpose,
            0,
            revans_model::PROSE_MAX as isize,
            &"w".repeat(revans_model::PROSE_MAX),
        )
    });
    assert_eq!(rewritten, Ok(()));
    // A change of more operations than any edit makes is not even read.
    let huge = hostile(&f, 1, |tx| {
        let purpose = purpose_of(tx);
        tx.splice_text(
            &purpose,
            0,
            0,
            &"x".repeat(revans_model::rules::MAX_OPERATIONS + 1),
        )
    });
    assert!(
        huge.unwrap_err()
            .starts_with("a change of 120001 operations"),
    );
    // Maps nested inside a record: a map goes only where the set has one, so nesting
    // ends at the first (and no place is deeper than eight keys).
    let issue = f.add_issue(1, "Where does my time go?");
    let deep = hostile(&f, 1, |tx| {
        let mut obj = at(tx, &["issues", issue.as_str()]);
        for key in ["a", "b", "c", "d", "e", "f", "g"] {
            obj = tx.put_object(&obj, key, ObjType::Map)?;
        }
        Ok(())
    });
    assert_eq!(deep.unwrap_err(), "a value of the wrong kind for an issue");
    // A list of addresses past its length.
    let bo_device = f.devices[1].to_string();
    let bo = f.members[1].clone();
    let addresses = hostile(&f, 1, |tx| {
        let record = at(tx, &["members", bo.as_str(), "devices", bo_device.as_str()]);
        let list = automerge::ReadDoc::get(tx, &record, "addresses")
            .unwrap()
            .unwrap()
            .1;
        for i in 0..=revans_model::rules::MAX_LIST_ENTRIES {
            tx.insert(&list, i, format!("10.0.0.{}:1", i % 250))?;
        }
        Ok(())
    });
    assert!(
        addresses
            .unwrap_err()
            .starts_with("a list in a member's devices longer than"),
    );
}

/// Issue 23, item 3: Bo writes into Ada's issue with a change whose past (its
/// dependencies) he chose from before the issue was made. A device that holds the issue
/// and one that does not yet refuse it alike, in the same words: honest devices never
/// diverge over it.
#[test]
fn a_write_into_a_record_outside_the_changes_past_is_refused_by_every_device_alike() {
    let mut f = Fixture::new();
    let before = f.doc.get_heads();
    let issue = f.add_issue(0, "How do I hand over a failing project?");
    // An honest write by Bo into the issue (a priority, which anyone may set) ...
    let mut bos = f.doc.fork();
    bos.set_actor(f.devices[1].actor());
    bos.transact::<_, _, automerge::AutomergeError>(|tx| {
        let record = at(tx, &["issues", issue.as_str()]);
        tx.put(&record, "priority", 1_u64)
    })
    .unwrap();
    let honest = bos.get_last_local_change().unwrap().clone();
    assert_eq!(check_change(&bos, &f.id, &honest), Ok(()));
    // ... and the same write with the past chosen from before the issue existed.
    let mut expanded = honest.decode();
    expanded.deps = before.clone();
    expanded.hash = None;
    let backdated = automerge::Change::from(expanded);
    let holds_it = f.doc.fork();
    let without_it = f.doc.fork_at(&before).unwrap();
    for doc in [&holds_it, &without_it] {
        assert_eq!(
            check_change(doc, &f.id, &backdated).map_err(|r| r.reason),
            Err("a write into something its author had not seen".to_owned())
        );
    }
}

/// Issue 23, item 4: counters Automerge cannot take are refused before anything else.
#[test]
fn a_change_numbered_beyond_any_device_is_refused_at_the_door() {
    let f = Fixture::new();
    let mut bos = f.doc.fork();
    bos.set_actor(f.devices[1].actor());
    bos.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(automerge::ROOT, "name", "x"))
        .unwrap();
    let honest = bos.get_last_local_change().unwrap().clone();
    let mut expanded = honest.decode();
    expanded.start_op = std::num::NonZeroU64::new((1 << 32) - 1).unwrap();
    expanded.hash = None;
    let numbered = automerge::Change::from(expanded);
    assert_eq!(
        check_change(&f.doc, &f.id, &numbered).map_err(|r| r.reason),
        Err("a change numbered beyond anything a device writes".to_owned())
    );
}

/// A device writes on as a later generation when a change of its own turns void
/// (`DeviceId::actor_in`); a generation numbers its changes afresh, so its first change
/// must not pass for the set's beginning: the founding device could begin the set again.
#[test]
fn a_later_generation_of_the_founding_device_does_not_begin_the_set_again() {
    let f = Fixture::new();
    let founding = f.doc.get_changes(&[]).remove(0).clone();
    assert_eq!(
        check_change(&f.doc, &f.id, &founding).map_err(|r| r.reason),
        Ok(())
    );
    let mut again = founding.decode();
    again.actor_id = f.devices[0].actor_in(1);
    again.hash = None;
    let again = automerge::Change::from(again);
    assert_eq!(
        check_change(&f.doc, &f.id, &again).map_err(|r| r.reason),
        Err("a second beginning for the set".to_owned())
    );
}

/// Every generation is another actor, which every device takes in at a cost: a change
/// written past the most generations a device needs is refused.
#[test]
fn a_change_from_more_generations_than_a_device_needs_is_refused() {
    let f = Fixture::new();
    for (generation, allowed) in [
        (revans_model::DeviceId::MAX_GENERATION, true),
        (revans_model::DeviceId::MAX_GENERATION + 1, false),
    ] {
        let mut bos = f.doc.fork();
        bos.set_actor(f.devices[1].actor_in(generation));
        revans_model::apply(
            &mut bos,
            &f.by(1, 5),
            Command::ProposeRule {
                text: "Phones away.".into(),
            },
        )
        .unwrap();
        let change = bos.get_last_local_change().unwrap().clone();
        let judged = check_change(&f.doc, &f.id, &change).map_err(|r| r.reason);
        if allowed {
            assert_eq!(judged, Ok(()));
        } else {
            assert_eq!(
                judged,
                Err(
                    "a change from more generations of its device than any device writes in"
                        .to_owned()
                )
            );
        }
    }
}
