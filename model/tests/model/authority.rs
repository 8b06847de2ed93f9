//! Authority that a backdated change cannot fake (issue 23): a change whose author's
//! membership or facilitation was ended by a change not in its past is void, with
//! everything built on it, the same whatever order a device received them in.

use automerge::{Automerge, Change};
use revans_model::authority::validity;
use revans_model::{ActionLearningSet, Command, Facilitation, MeetingPlan, apply};

use crate::fixture::{Fixture, t};

/// Member `member` applies `command` on `doc` (their own device's copy), as of `minute`;
/// returns the change it made.
fn on(f: &Fixture, doc: &mut Automerge, member: usize, minute: i64, command: Command) -> Change {
    on_device(f, doc, (member, &f.devices[member]), minute, command)
}

/// [`on`], from a chosen device of the member's.
fn on_device(
    f: &Fixture,
    doc: &mut Automerge,
    (member, device): (usize, &revans_model::DeviceId),
    minute: i64,
    command: Command,
) -> Change {
    doc.set_actor(device.actor());
    let before = doc.get_heads();
    apply(doc, &f.by(member, minute), command).unwrap();
    let mut made = doc.get_changes(&before);
    assert_eq!(made.len(), 1);
    made.remove(0).clone()
}

/// The set as a device shows it: at the heads of the valid changes.
fn shown(doc: &Automerge) -> ActionLearningSet {
    let heads = validity(doc).heads;
    ActionLearningSet::from_doc(&doc.fork_at(&heads).unwrap()).unwrap()
}

fn self_managed(f: &mut Fixture) {
    f.ok(
        0,
        1,
        Command::ChangeFacilitation {
            to: Facilitation::SelfManaged,
        },
    );
}

#[test]
fn a_removed_members_change_made_at_the_same_time_is_void_with_what_builds_on_it() {
    let mut f = Fixture::new();
    let mut cys = f.doc.fork();
    f.ok(
        0,
        10,
        Command::RemoveMember {
            member: f.members[2].clone(),
        },
    );
    // Offline, Cy proposes a rule, then Di (who merged Cy's copy) agrees to it.
    let proposed = on(
        &f,
        &mut cys,
        2,
        10,
        Command::ProposeRule {
            text: "Cy chairs from now on.".into(),
        },
    );
    let mut dis = cys.fork();
    let rule = ActionLearningSet::from_doc(&dis)
        .unwrap()
        .ground_rules
        .into_iter()
        .find(|(_, r)| r.text == "Cy chairs from now on.")
        .map(|(id, _)| id)
        .unwrap();
    let agreed = on(&f, &mut dis, 3, 11, Command::AgreeRule { rule });
    f.doc.merge(&mut dis).unwrap();
    let v = validity(&f.doc);
    assert!(v.void.contains_key(&proposed.hash()), "{v:?}");
    assert_eq!(v.void[&agreed.hash()], "built on a void change");
    let set = shown(&f.doc);
    assert!(
        !set.ground_rules
            .values()
            .any(|r| r.text == "Cy chairs from now on.")
    );
    assert!(!set.is_current_member(&f.members[2]));
}

#[test]
fn a_removed_member_cannot_remove_others_with_a_backdated_change() {
    let mut f = Fixture::new();
    self_managed(&mut f);
    let mut bos = f.doc.fork();
    f.ok(
        0,
        10,
        Command::RemoveMember {
            member: f.members[1].clone(),
        },
    );
    // Bo, removed, writes as if he had not seen it: he removes Cy.
    let backdated = on(
        &f,
        &mut bos,
        1,
        20,
        Command::RemoveMember {
            member: f.members[2].clone(),
        },
    );
    f.doc.merge(&mut bos).unwrap();
    let v = validity(&f.doc);
    assert!(v.void.contains_key(&backdated.hash()), "{v:?}");
    let set = shown(&f.doc);
    assert!(set.is_current_member(&f.members[2]), "Cy stays");
    assert!(!set.is_current_member(&f.members[1]), "Bo is out");
}

#[test]
fn two_members_removing_each_other_at_once_are_both_out() {
    let mut f = Fixture::new();
    self_managed(&mut f);
    let mut bos = f.doc.fork();
    f.ok(
        0,
        10,
        Command::RemoveMember {
            member: f.members[1].clone(),
        },
    );
    on(
        &f,
        &mut bos,
        1,
        10,
        Command::RemoveMember {
            member: f.members[0].clone(),
        },
    );
    f.doc.merge(&mut bos).unwrap();
    let set = shown(&f.doc);
    assert!(!set.is_current_member(&f.members[0]));
    assert!(!set.is_current_member(&f.members[1]));
    assert!(set.is_current_member(&f.members[2]));
}

#[test]
fn a_former_facilitator_cannot_act_as_one_with_a_backdated_change() {
    let mut f = Fixture::new();
    // Ada's laptop, linked earlier, writes the backdated change.
    f.link(0, 9);
    let mut adas = f.doc.fork();
    // Ada hands facilitation to Cy ...
    f.ok(
        0,
        10,
        Command::ChangeFacilitation {
            to: Facilitation::Facilitated {
                facilitator: f.members[2].clone(),
            },
        },
    );
    // ... and on another copy, from before, removes Bo as the facilitator.
    let laptop = crate::fixture::device(9);
    let backdated = on_device(
        &f,
        &mut adas,
        (0, &laptop),
        20,
        Command::RemoveMember {
            member: f.members[1].clone(),
        },
    );
    f.doc.merge(&mut adas).unwrap();
    let v = validity(&f.doc);
    assert!(v.void.contains_key(&backdated.hash()), "{v:?}");
    assert!(shown(&f.doc).is_current_member(&f.members[1]), "Bo stays");
    // Ada is still a member: what she may do as one stands (written, as every device
    // writes, on the set as shown).
    let mut later = f.doc.fork_at(&validity(&f.doc).heads).unwrap();
    let planned = on(
        &f,
        &mut later,
        0,
        30,
        Command::PlanMeeting(MeetingPlan {
            scheduled_at: t(60 * 24 * 14),
            minutes: Some(120),
            location: "Room 4".into(),
            host: None,
            closing: false,
        }),
    );
    f.doc.merge(&mut later).unwrap();
    assert!(!validity(&f.doc).void.contains_key(&planned.hash()));
}

/// The valid changes and the set shown depend on which changes a device holds, never on
/// the order they arrived in.
#[test]
fn validity_does_not_depend_on_the_order_changes_arrive_in() {
    let mut f = Fixture::new();
    self_managed(&mut f);
    let base = f.doc.get_heads();
    let mut bos = f.doc.fork();
    let mut cys = f.doc.fork();
    f.ok(
        0,
        10,
        Command::RemoveMember {
            member: f.members[1].clone(),
        },
    );
    on(
        &f,
        &mut bos,
        1,
        11,
        Command::RemoveMember {
            member: f.members[3].clone(),
        },
    );
    on(
        &f,
        &mut bos,
        1,
        12,
        Command::ProposeRule {
            text: "Bo's rule".into(),
        },
    );
    on(
        &f,
        &mut cys,
        2,
        13,
        Command::RemoveMember {
            member: f.members[0].clone(),
        },
    );
    f.ok(
        0,
        14,
        Command::PlanMeeting(MeetingPlan {
            scheduled_at: t(60 * 24 * 14),
            minutes: Some(120),
            location: "Room 4".into(),
            host: None,
            closing: false,
        }),
    );
    on(
        &f,
        &mut cys,
        2,
        16,
        Command::ProposeRule {
            text: "Cy's rule".into(),
        },
    );
    f.doc.merge(&mut bos).unwrap();
    f.doc.merge(&mut cys).unwrap();
    let expected = validity(&f.doc);
    let expected_set = shown(&f.doc);
    let changes: Vec<Change> = f.doc.get_changes(&base);
    let start = f.doc.fork_at(&base).unwrap();
    let mut seed = 7_u64;
    for _ in 0..24 {
        // A different delivery order each time (causal order is Automerge's own business:
        // it holds a change until what it builds on arrives).
        let mut order = changes.clone();
        for i in (1..order.len()).rev() {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let j = (seed >> 33) as usize % (i + 1);
            order.swap(i, j);
        }
        let mut doc = start.fork();
        for change in order {
            doc.apply_changes([change]).unwrap();
        }
        assert_eq!(validity(&doc), expected);
        assert_eq!(shown(&doc), expected_set);
    }
    assert!(
        !expected.void.is_empty(),
        "the scenario has void changes: {expected:?}"
    );
}
