//! Invitations: any member admits the person holding one, once, before it expires.

use ed25519_dalek::SigningKey;
use revans_model::{
    Applied, Command, CommandError, InvitationId, InvitationState, MemberId, Profile,
};

use crate::fixture::{Fixture, Invite, device, profile, t};

/// The invitation's private key, as its ticket carries it.
const KEY: [u8; 32] = [7; 32];

fn key() -> String {
    hex::encode(SigningKey::from_bytes(&KEY).verifying_key().as_bytes())
}

fn invite(f: &mut Fixture, by: usize, link_to: Option<MemberId>) -> Invite {
    let id = InvitationId::random();
    f.ok(
        by,
        10,
        Command::Invite {
            id: id.clone(),
            for_name: "Eve".into(),
            key: key(),
            expires_at: t(60 * 24 * 7),
            link_to: link_to.clone(),
        },
    );
    Invite {
        id,
        key: SigningKey::from_bytes(&KEY),
        set: f.id.clone(),
        link_to,
    }
}

/// Presenting `invite` signed with `key` (the ticket's, or a guess) from device `n`.
fn admit(invite: &Invite, key: &[u8; 32], who: Profile, n: u8) -> Command {
    let presented = Invite {
        key: SigningKey::from_bytes(key),
        ..invite.clone()
    };
    crate::fixture::admit(&presented, who, n)
}

#[test]
fn a_member_who_did_not_invite_admits_the_newcomer_once() {
    let mut f = Fixture::new();
    let id = invite(&mut f, 0, None);
    // Ada invited; Cy admits while Ada is away.
    let Applied::Member(eve) = f.ok(2, 20, admit(&id, &KEY, profile("Eve", "Library"), 50)) else {
        panic!("admitting returns the new member")
    };
    let set = f.set();
    assert_eq!(set.members[&eve].display_name, "Eve");
    assert_eq!(set.members[&eve].admitted_by.as_ref(), Some(&f.members[2]));
    assert_eq!(set.member_for_device(&device(50)), Some(&eve));
    let used = set.invitations[&id.id].used.as_ref().unwrap();
    assert_eq!((&used.member, &used.admitted_by), (&eve, &f.members[2]));

    let e = f.refused(1, 21, admit(&id, &KEY, profile("Mallory", ""), 51));
    assert_eq!(e, CommandError::InvitationClosed(InvitationState::Used));
    assert_eq!(
        e.to_string(),
        "This invitation has been used already; ask a member for a new ticket."
    );
}

#[test]
fn a_second_device_is_linked_to_its_member() {
    let mut f = Fixture::new();
    let bo = f.members[1].clone();
    let id = invite(&mut f, 1, Some(bo.clone()));
    let applied = f.ok(0, 20, admit(&id, &KEY, Profile::default(), 60));
    assert_eq!(applied, Applied::Member(bo.clone()));
    let set = f.set();
    assert_eq!(set.members.len(), 4, "no new member");
    assert_eq!(set.member_for_device(&device(60)), Some(&bo));
}

#[test]
fn only_a_member_may_link_a_device_to_themself() {
    let mut f = Fixture::new();
    let invitations = f.set().invitations.len();
    let bo = f.members[1].clone();
    let by_ada = Command::Invite {
        id: InvitationId::random(),
        for_name: "Bo's laptop".into(),
        key: key(),
        expires_at: t(60),
        link_to: Some(bo),
    };
    let refused = f.refused(0, 10, by_ada);
    assert!(
        matches!(refused, CommandError::NotYours { .. }),
        "{refused:?}"
    );
    assert!(refused.to_string().contains("only they"), "{refused}");
    assert_eq!(
        f.set().invitations.len(),
        invitations,
        "nothing was written"
    );
}

#[test]
fn wrong_keys_expired_and_withdrawn_invitations_admit_no_one() {
    let mut f = Fixture::new();
    let id = invite(&mut f, 0, None);
    let wrong = [8u8; 32];
    assert_eq!(
        f.refused(1, 20, admit(&id, &wrong, profile("Eve", ""), 50)),
        CommandError::UnknownInvitation(id.id.to_string())
    );
    let made_up = Invite {
        id: InvitationId::random(),
        ..id.clone()
    };
    assert_eq!(
        f.refused(1, 20, admit(&made_up, &KEY, profile("Eve", ""), 50)),
        CommandError::UnknownInvitation(made_up.id.to_string())
    );
    assert_eq!(
        f.refused(1, 60 * 24 * 8, admit(&id, &KEY, profile("Eve", ""), 50)),
        CommandError::InvitationClosed(InvitationState::Expired)
    );
    assert_eq!(
        f.refused(1, 20, admit(&id, &KEY, profile("Eve", ""), 2)),
        CommandError::DeviceTaken { name: "Bo".into() }
    );
    f.ok(
        1,
        30,
        Command::RevokeInvitation {
            invitation: id.id.clone(),
        },
    );
    assert_eq!(
        f.refused(1, 31, admit(&id, &KEY, profile("Eve", ""), 50)),
        CommandError::InvitationClosed(InvitationState::Revoked)
    );
    assert_eq!(
        f.refused(1, 31, Command::RevokeInvitation { invitation: id.id }),
        CommandError::InvitationClosed(InvitationState::Revoked)
    );
}

#[test]
fn invitation_errors() {
    let mut f = Fixture::new();
    let invite = |expires, hash: &str, name: &str, link_to| Command::Invite {
        id: InvitationId::random(),
        for_name: name.into(),
        key: hash.into(),
        expires_at: t(expires),
        link_to,
    };
    assert_eq!(
        f.refused(0, 10, invite(10, &key(), "Eve", None)),
        CommandError::ExpiryInThePast
    );
    assert_eq!(
        f.refused(0, 10, invite(99, "abc", "Eve", None)),
        CommandError::MalformedInvitation
    );
    assert_eq!(
        f.refused(0, 10, invite(99, &key(), " ", None)),
        CommandError::Blank {
            field: "name of the person invited"
        }
    );
    assert_eq!(
        f.refused(0, 10, invite(99, &key(), "Eve", Some("ghost".into()))),
        CommandError::UnknownMember("ghost".into())
    );
    let id = InvitationId::random();
    let same = || Command::Invite {
        id: id.clone(),
        for_name: "Eve".into(),
        key: key(),
        expires_at: t(99),
        link_to: None,
    };
    f.ok(0, 10, same());
    assert_eq!(
        f.refused(0, 11, same()),
        CommandError::Unchanged("That invitation exists already.")
    );
    assert_eq!(
        f.refused(
            0,
            11,
            Command::RevokeInvitation {
                invitation: "nope".into()
            }
        ),
        CommandError::UnknownInvitation("nope".into())
    );
}
