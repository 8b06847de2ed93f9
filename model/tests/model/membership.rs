//! Creating a set, members, devices, facilitation.

use automerge::{ObjType, ReadDoc, Value};
use revans_model::{
    ActionLearningSet, Author, Command, CommandError, DepartureKind, Facilitation, NAME_MAX,
    NewSet, Profile, Role, create_set, practice,
};

use crate::fixture::{Fixture, admit, device, profile, refused_by, t};

#[test]
fn a_new_set_has_its_founder_as_facilitator_and_the_practice_as_defaults() {
    let f = Fixture::new();
    let set = f.set();
    let ada = &f.members[0];
    assert_eq!(set.name, "Northern Leaders");
    assert_eq!(
        set.purpose.as_str(),
        "Learning our way through knotty problems."
    );
    assert_eq!(set.created_by, *ada);
    assert_eq!(set.role_of(ada), Role::Facilitator);
    assert_eq!(set.role_of(&f.members[1]), Role::Member);
    assert_eq!(set.meeting_lengths.first, 180);
    assert_eq!(set.meeting_lengths.later, 120);
    // The suggested ground rules are proposals: none is in force until the set agrees.
    assert_eq!(
        set.ground_rules.len(),
        practice::SUGGESTED_GROUND_RULES.len()
    );
    assert!(
        set.ground_rules
            .values()
            .all(|r| r.suggested && r.agreed_by.is_empty())
    );
    assert!(
        set.ground_rules
            .values()
            .any(|r| r.text == "Everything stays in the room.")
    );
    assert!(set.agreed_ground_rules().is_empty());
    assert_eq!(set.question_bank.len(), practice::QUESTION_BANK.len());
    assert!(
        set.question_bank
            .values()
            .any(|q| q.text == "On a scale of 1 to 10, how likely are you to do this action?")
    );
    assert_eq!(set.handovers.len(), 1);
    // The purpose is collaborative text, not a string one writer overwrites.
    let (value, _) = f.doc.get(automerge::ROOT, "purpose").unwrap().unwrap();
    assert_eq!(value, Value::Object(ObjType::Text));
}

#[test]
fn creating_a_set_refuses_a_blank_or_overlong_name() {
    let new = |name: &str, founder: &str| NewSet {
        name: name.into(),
        purpose: String::new(),
        founder: profile(founder, ""),
        device: device(1),
    };
    assert_eq!(
        create_set(new("   ", "Ada"), t(0)).unwrap_err(),
        CommandError::Blank {
            field: "set's name"
        }
    );
    assert_eq!(
        create_set(new(&"x".repeat(NAME_MAX + 1), "Ada"), t(0)).unwrap_err(),
        CommandError::TooLong {
            field: "set's name",
            max: NAME_MAX
        }
    );
    assert_eq!(
        create_set(new("Set", ""), t(0)).unwrap_err(),
        CommandError::Blank {
            field: "member's name"
        }
    );
}

#[test]
fn editing_the_set_renames_it_and_rewrites_its_purpose() {
    let mut f = Fixture::new();
    f.ok(
        1,
        5,
        Command::EditSet {
            name: Some("  North  ".into()),
            purpose: Some("Peer learning across five organisations.".into()),
        },
    );
    let set = f.set();
    assert_eq!(set.name, "North");
    assert_eq!(
        set.purpose.as_str(),
        "Peer learning across five organisations."
    );
    let e = f.refused(
        1,
        6,
        Command::EditSet {
            name: Some(String::new()),
            purpose: None,
        },
    );
    assert_eq!(
        e,
        CommandError::Blank {
            field: "set's name"
        }
    );
}

#[test]
fn admitting_a_member_records_who_admitted_them_and_their_device() {
    let f = Fixture::new();
    let set = f.set();
    let bo = &set.members[&f.members[1]];
    assert_eq!(bo.display_name, "Bo");
    assert_eq!(bo.organisation, "Hospital");
    assert_eq!(bo.admitted_by.as_ref(), Some(&f.members[0]));
    assert_eq!(set.member_for_device(&device(2)), Some(&f.members[1]));
    assert_eq!(set.current_members().len(), 4);
    assert_eq!(set.current_devices().len(), 4);
}

#[test]
fn a_device_belongs_to_one_member() {
    let mut f = Fixture::new();
    let invite = f.invite(0, false);
    let e = f.refused(0, 5, admit(&invite, profile("Ed", ""), 2));
    assert_eq!(e, CommandError::DeviceTaken { name: "Bo".into() });
    let e = f.refused(0, 5, admit(&invite, profile(" ", ""), 9));
    assert_eq!(
        e,
        CommandError::Blank {
            field: "member's name"
        }
    );
}

#[test]
fn linking_a_second_device() {
    let mut f = Fixture::new();
    let bo = f.members[1].clone();
    f.link(1, 20);
    let set = f.set();
    assert_eq!(set.members[&bo].devices.len(), 2);
    assert_eq!(set.member_for_device(&device(20)), Some(&bo));

    let invite = f.invite(1, true);
    let e = f.refused(1, 6, admit(&invite, Profile::default(), 3));
    assert_eq!(e, CommandError::DeviceTaken { name: "Cy".into() });
}

#[test]
fn removing_a_member_keeps_their_history_and_stops_them_acting() {
    let mut f = Fixture::new();
    let cy = f.members[2].clone();
    f.ok(0, 10, Command::RemoveMember { member: cy.clone() });
    let set = f.set();
    let record = &set.members[&cy];
    assert_eq!(
        record.departure.as_ref().unwrap().kind,
        DepartureKind::Removed
    );
    assert!(!set.is_current_member(&cy));
    // Their device no longer acts for anyone: the network layer refuses it.
    assert_eq!(set.member_for_device(&device(3)), None);
    assert_eq!(set.current_devices().len(), 3);

    let e = f.refused(
        2,
        11,
        Command::ProposeRule {
            text: "No phones.".into(),
        },
    );
    assert_eq!(e, CommandError::NoLongerAMember { name: "Cy".into() });
    let e = f.refused(0, 11, Command::RemoveMember { member: cy });
    assert_eq!(e, CommandError::NoLongerAMember { name: "Cy".into() });
}

#[test]
fn a_member_who_removes_themself_has_left() {
    let mut f = Fixture::new();
    let di = f.members[3].clone();
    f.ok(3, 10, Command::RemoveMember { member: di.clone() });
    assert_eq!(
        f.set().members[&di].departure.as_ref().unwrap().kind,
        DepartureKind::Left
    );
}

#[test]
fn the_facilitator_hands_over_before_leaving_and_the_last_member_stays() {
    let mut f = Fixture::new();
    let ada = f.members[0].clone();
    let e = f.refused(
        0,
        10,
        Command::RemoveMember {
            member: ada.clone(),
        },
    );
    assert_eq!(e, CommandError::FacilitatorLeaving { name: "Ada".into() });

    f.ok(
        0,
        11,
        Command::ChangeFacilitation {
            to: Facilitation::SelfManaged,
        },
    );
    for i in 1..4 {
        let m = f.members[i].clone();
        f.ok(0, 12, Command::RemoveMember { member: m });
    }
    let e = f.refused(0, 13, Command::RemoveMember { member: ada });
    assert_eq!(e, CommandError::LastMember { name: "Ada".into() });
}

#[test]
fn an_author_who_is_not_in_the_set_changes_nothing() {
    let mut f = Fixture::new();
    let stranger = Author {
        member: "stranger".into(),
        at: t(5),
    };
    let e = refused_by(
        &mut f.doc,
        &stranger,
        Command::ProposeRule {
            text: "Hello.".into(),
        },
    );
    assert_eq!(e, CommandError::NotAMember);
}

#[test]
fn facilitation_moves_from_facilitated_to_rotating_to_self_managed_and_back() {
    let mut f = Fixture::new();
    let (ada, bo, cy) = (
        f.members[0].clone(),
        f.members[1].clone(),
        f.members[2].clone(),
    );
    let first = f.plan(60 * 24 * 14, 180);
    let second = f.plan(60 * 24 * 28, 120);

    f.ok(
        0,
        20,
        Command::ChangeFacilitation {
            to: Facilitation::Rotating {
                order: vec![bo.clone(), cy.clone()],
            },
        },
    );
    let set = f.set();
    assert_eq!(set.rotating_facilitator(&first), Some(&bo));
    assert_eq!(set.rotating_facilitator(&second), Some(&cy));
    assert_eq!(set.role_of(&bo), Role::Facilitator);
    assert_eq!(set.role_of(&ada), Role::Member);

    f.ok(
        1,
        21,
        Command::ChangeFacilitation {
            to: Facilitation::SelfManaged,
        },
    );
    let set = f.set();
    assert!(set.members.keys().all(|m| set.role_of(m) == Role::Member));

    f.ok(
        2,
        22,
        Command::ChangeFacilitation {
            to: Facilitation::Facilitated {
                facilitator: cy.clone(),
            },
        },
    );
    let set = f.set();
    assert_eq!(set.role_of(&cy), Role::Facilitator);
    // Every hand-over is part of the set's history.
    assert_eq!(set.handovers.len(), 4);

    // Now Cy facilitates: taking it over, or removing someone, is Cy's call alone.
    let e = f.refused(
        0,
        23,
        Command::ChangeFacilitation {
            to: Facilitation::Facilitated { facilitator: ada },
        },
    );
    assert_eq!(
        e.to_string(),
        "While Cy facilitates the set, only they can change how the set is facilitated; ask them, or agree to rotate or self-manage first."
    );
    let e = f.refused(0, 23, Command::RemoveMember { member: bo });
    assert!(matches!(e, CommandError::FacilitatorsCall { .. }), "{e:?}");
}

#[test]
fn facilitation_changes_that_make_no_sense_are_refused() {
    let mut f = Fixture::new();
    let (ada, bo) = (f.members[0].clone(), f.members[1].clone());
    let e = f.refused(
        0,
        5,
        Command::ChangeFacilitation {
            to: Facilitation::Facilitated { facilitator: ada },
        },
    );
    assert_eq!(
        e,
        CommandError::Unchanged("The set is already facilitated that way.")
    );
    let e = f.refused(
        0,
        5,
        Command::ChangeFacilitation {
            to: Facilitation::Rotating { order: vec![] },
        },
    );
    assert_eq!(e, CommandError::EmptyOrder("member"));
    let e = f.refused(
        0,
        5,
        Command::ChangeFacilitation {
            to: Facilitation::Rotating {
                order: vec![bo.clone(), bo.clone()],
            },
        },
    );
    assert_eq!(e, CommandError::Duplicate("Bo".into()));
    let e = f.refused(
        0,
        5,
        Command::ChangeFacilitation {
            to: Facilitation::Facilitated {
                facilitator: "ghost".into(),
            },
        },
    );
    assert_eq!(e, CommandError::UnknownMember("ghost".into()));
    f.ok(0, 6, Command::RemoveMember { member: bo.clone() });
    let e = f.refused(
        0,
        7,
        Command::ChangeFacilitation {
            to: Facilitation::Facilitated { facilitator: bo },
        },
    );
    assert_eq!(e, CommandError::NoLongerAMember { name: "Bo".into() });
}

#[test]
fn a_document_that_is_not_a_set_is_refused_with_a_reason() {
    let doc = automerge::Automerge::new();
    let e = ActionLearningSet::from_doc(&doc).unwrap_err();
    assert!(e.to_string().contains("not a Revans set"), "{e}");
}

#[test]
fn a_device_records_where_it_can_be_reached() {
    let mut f = Fixture::new();
    f.ok(
        1,
        5,
        Command::RecordAddresses {
            device: device(2),
            addresses: vec!["127.0.0.1:4000".into(), " ".into(), "127.0.0.1:4000".into()],
        },
    );
    let set = f.set();
    let bo = &set.members[&f.members[1]].devices[&device(2)];
    assert_eq!(bo.addresses, vec!["127.0.0.1:4000".to_owned()]);
    assert_eq!(
        bo.addresses_at.map(revans_model::Timestamp::get),
        Some(t(5))
    );
    assert_eq!(
        f.refused(
            1,
            6,
            Command::RecordAddresses {
                device: device(2),
                addresses: vec!["127.0.0.1:4000".into()],
            }
        ),
        CommandError::Unchanged("The device's addresses are already recorded.")
    );
    // Only a device's own member records its addresses.
    assert_eq!(
        f.refused(
            2,
            6,
            Command::RecordAddresses {
                device: device(2),
                addresses: vec![],
            }
        ),
        CommandError::NotYourDevice
    );
}
