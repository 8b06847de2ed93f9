//! A set with four members, a clock, and helpers that check a refused command changed
//! nothing.

use automerge::Automerge;
use automerge::transaction::Transaction;
use chrono::{DateTime, TimeDelta, Utc};
use ed25519_dalek::{Signer, SigningKey};
use revans_model::admission::{admission_message, consent_message};
use revans_model::{
    ActionLearningSet, Applied, Author, Command, CommandError, DeviceId, InvitationId, IssueId,
    MeetingId, MeetingPlan, MemberId, NewSet, Phase, ProblemStatement, Profile, SetId, Urgency,
    apply, check_change, create_set,
};

/// 2026-03-02 09:00 UTC, a Monday: the fixture's "now" at minute 0.
pub fn t(minutes: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
        + TimeDelta::minutes(minutes)
}

/// The key of the test device numbered `n`: the same every run.
pub fn device_key(n: u8) -> SigningKey {
    SigningKey::from_bytes(&[n; 32])
}

pub fn device(n: u8) -> DeviceId {
    DeviceId::from_bytes(device_key(n).verifying_key().to_bytes())
}

/// An invitation as its ticket holds it: the id, the private key, the set, and the member
/// it links a device to (if it does).
#[derive(Clone)]
pub struct Invite {
    pub id: InvitationId,
    pub key: SigningKey,
    pub set: SetId,
    pub link_to: Option<MemberId>,
}

impl Invite {
    /// The public half, as the set holds it.
    pub fn public(&self) -> String {
        hex::encode(self.key.verifying_key().as_bytes())
    }

    /// The signatures a join with this ticket carries for `member` and device `n`: the
    /// invitation key's over the admission, the device's own consent.
    pub fn signatures(&self, member: &MemberId, n: u8) -> ([u8; 64], [u8; 64]) {
        let signature = self
            .key
            .sign(&admission_message(&self.set, &self.id, member, &device(n)))
            .to_bytes();
        let consent = device_key(n)
            .sign(&consent_message(&self.set, member, &self.id))
            .to_bytes();
        (signature, consent)
    }
}

pub fn profile(name: &str, org: &str) -> Profile {
    Profile {
        display_name: name.into(),
        organisation: org.into(),
    }
}

pub struct Fixture {
    pub doc: Automerge,
    pub id: SetId,
    /// Ada (the founder and facilitator), Bo, Cy, Di.
    pub members: Vec<MemberId>,
    /// Each member's device (Ada's is `device(1)`, Bo's `device(2)`, ...).
    pub devices: Vec<DeviceId>,
}

impl Fixture {
    /// A set created by Ada with Bo, Cy and Di admitted by invitation.
    pub fn new() -> Self {
        let (doc, id, ada) = create_set(
            NewSet {
                name: "Northern Leaders".into(),
                purpose: "Learning our way through knotty problems.".into(),
                founder: profile("Ada", "Council"),
                device: device(1),
            },
            t(0),
        )
        .unwrap();
        let mut f = Fixture {
            doc,
            id,
            members: vec![ada],
            devices: vec![device(1)],
        };
        for (i, (name, org)) in [("Bo", "Hospital"), ("Cy", "School"), ("Di", "Charity")]
            .into_iter()
            .enumerate()
        {
            let id = f.admit(0, profile(name, org), i as u8 + 2);
            f.members.push(id);
            f.devices.push(device(i as u8 + 2));
        }
        f
    }

    /// `member` makes an invitation (for a newcomer, or to link a device of their own)
    /// and returns it as its ticket holds it.
    pub fn invite(&mut self, member: usize, link: bool) -> Invite {
        let id = InvitationId::random();
        let invite = Invite {
            key: SigningKey::from_bytes(&id.as_str().as_bytes()[..32].try_into().unwrap()),
            id,
            set: self.id.clone(),
            link_to: link.then(|| self.members[member].clone()),
        };
        self.ok(
            member,
            0,
            Command::Invite {
                id: invite.id.clone(),
                for_name: "Someone".into(),
                key: invite.public(),
                expires_at: t(7 * 24 * 60),
                link_to: invite.link_to.clone(),
            },
        );
        invite
    }

    /// `member` invites someone and admits them with device `n`, as a member's device
    /// does when the newcomer presents the ticket.
    pub fn admit(&mut self, member: usize, who: Profile, n: u8) -> MemberId {
        let invite = self.invite(member, false);
        let Applied::Member(id) = self.ok(member, 0, admit(&invite, who, n)) else {
            panic!("admitting a member returns their id")
        };
        id
    }

    /// `member` links another device of their own, device `n`.
    pub fn link(&mut self, member: usize, n: u8) {
        let invite = self.invite(member, true);
        self.ok(member, 0, admit(&invite, Profile::default(), n));
    }

    pub fn by(&self, member: usize, minute: i64) -> Author {
        Author {
            member: self.members[member].clone(),
            at: t(minute),
        }
    }

    pub fn set(&self) -> ActionLearningSet {
        ActionLearningSet::from_doc(&self.doc).unwrap()
    }

    /// Applies a command that must succeed, written by the member's own device; every
    /// change it makes must pass the rules every other device checks (an honest device
    /// never writes what others will refuse).
    pub fn ok(&mut self, member: usize, minute: i64, command: Command) -> Applied {
        let author = self.by(member, minute);
        self.doc.set_actor(self.devices[member].actor());
        let before = self.doc.get_heads();
        let described = format!("{command:?}");
        let applied = apply(&mut self.doc, &author, command).unwrap();
        for change in self.doc.get_changes(&before) {
            if let Err(refusal) = check_change(&self.doc, &self.id, &change) {
                panic!("the rules refuse {described}: {refusal}");
            }
        }
        applied
    }

    /// Applies a command that must be refused, checks it left the document as it was,
    /// and returns the error.
    pub fn refused(&mut self, member: usize, minute: i64, command: Command) -> CommandError {
        let author = self.by(member, minute);
        self.doc.set_actor(self.devices[member].actor());
        refused_by(&mut self.doc, &author, command)
    }

    pub fn add_issue(&mut self, member: usize, statement: &str) -> IssueId {
        match self.ok(
            member,
            2,
            Command::AddIssue {
                problem: ProblemStatement::new(statement),
            },
        ) {
            Applied::Issue(id) => id,
            other => panic!("expected an issue, got {other:?}"),
        }
    }

    /// A meeting of `minutes` planned at minute `at`, hosted by Bo.
    pub fn plan(&mut self, at: i64, minutes: u32) -> MeetingId {
        match self.ok(
            0,
            3,
            Command::PlanMeeting(MeetingPlan {
                scheduled_at: t(at),
                minutes: Some(minutes),
                location: "Bo's hospital, room 4".into(),
                host: Some(self.members[1].clone()),
                closing: false,
            }),
        ) {
            Applied::Meeting(id) => id,
            other => panic!("expected a meeting, got {other:?}"),
        }
    }

    /// `member` bids for an equal share of the meeting, at normal urgency.
    pub fn bid_equal_share(&mut self, meeting: &MeetingId, member: usize, minute: i64) {
        self.ok(
            member,
            minute,
            Command::BidForTime {
                meeting: meeting.clone(),
                minutes: None,
                urgency: Urgency::Normal,
                issue: None,
                note: String::new(),
            },
        );
    }

    /// `member` locks the proposed batting order.
    pub fn lock(&mut self, meeting: &MeetingId, member: usize, minute: i64) {
        self.ok(
            member,
            minute,
            Command::LockAgenda {
                meeting: meeting.clone(),
                slots: None,
            },
        );
    }

    /// Moves a meeting forward until it reaches `to`.
    pub fn advance(&mut self, meeting: &MeetingId, to: Phase, minute: i64) {
        loop {
            let phase = self.set().meetings[meeting].phase;
            if phase == to {
                return;
            }
            let next = phase.next().unwrap();
            self.ok(
                0,
                minute,
                Command::MovePhase {
                    meeting: meeting.clone(),
                    to: next,
                },
            );
        }
    }
}

/// The command a member's device carries out when someone presents an invitation from
/// device `n`: a fresh member for a newcomer, the linked member for a link.
pub fn admit(invite: &Invite, who: Profile, n: u8) -> Command {
    let member = invite.link_to.clone().unwrap_or_else(MemberId::random);
    admit_as(invite, &member, who, n)
}

/// [`admit`] as a chosen member.
pub fn admit_as(invite: &Invite, member: &MemberId, who: Profile, n: u8) -> Command {
    let (signature, consent) = invite.signatures(member, n);
    Command::Admit {
        invitation: invite.id.clone(),
        member: member.clone(),
        profile: who,
        device: device(n),
        signature,
        consent,
    }
}

/// Applies a command that must be refused and checks the document is unchanged.
pub fn refused_by(doc: &mut Automerge, author: &Author, command: Command) -> CommandError {
    let heads = doc.get_heads();
    let before = doc.save();
    let error = apply(doc, author, command).unwrap_err();
    assert_eq!(
        doc.get_heads(),
        heads,
        "a refused command changed the document: {error}"
    );
    assert_eq!(
        doc.save(),
        before,
        "a refused command changed the document: {error}"
    );
    let message = error.to_string();
    assert!(
        message.ends_with('.')
            && message
                .chars()
                .next()
                .is_some_and(|c| c.is_uppercase() || c == '"'),
        "errors read as sentences: {message:?}"
    );
    error
}

/// The object at a path of map keys.
pub fn at(tx: &Transaction<'_>, path: &[&str]) -> automerge::ObjId {
    let mut obj = automerge::ROOT;
    for key in path {
        obj = automerge::ReadDoc::get(tx, &obj, *key).unwrap().unwrap().1;
    }
    obj
}

/// Member `member` of the fixture writes a raw change on their own device's copy; the
/// reason every other device refuses it with (judged as it arrives there). The fixture's
/// document, an honest device's copy, never holds it.
pub fn hostile(
    f: &Fixture,
    member: usize,
    write: impl FnOnce(&mut Transaction<'_>) -> Result<(), automerge::AutomergeError>,
) -> Result<(), String> {
    let mut copy = f.doc.fork();
    copy.set_actor(f.devices[member].actor());
    copy.transact::<_, _, automerge::AutomergeError>(|tx| write(tx))
        .unwrap();
    let change = copy.get_last_local_change().unwrap().clone();
    check_change(&copy, &f.id, &change).map_err(|r| r.reason)
}
