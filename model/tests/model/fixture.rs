//! A set with four members, a clock, and helpers that check a refused command changed
//! nothing.

use automerge::Automerge;
use chrono::{DateTime, TimeDelta, Utc};
use revans_model::{
    ActionLearningSet, Applied, Author, Command, CommandError, DeviceId, IssueId, MeetingId,
    MeetingPlan, MemberId, NewSet, Phase, ProblemStatement, Profile, SetId, Urgency, apply,
    create_set,
};

/// 2026-03-02 09:00 UTC, a Monday: the fixture's "now" at minute 0.
pub fn t(minutes: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
        + TimeDelta::minutes(minutes)
}

pub fn device(n: u8) -> DeviceId {
    DeviceId::from_bytes([n; 32])
}

pub fn profile(name: &str, org: &str) -> Profile {
    Profile {
        display_name: name.into(),
        organisation: org.into(),
    }
}

pub struct Fixture {
    pub doc: Automerge,
    /// Ada (the founder and facilitator), Bo, Cy, Di.
    pub members: Vec<MemberId>,
}

impl Fixture {
    /// A set created by Ada with Bo, Cy and Di admitted.
    pub fn new() -> Self {
        let (doc, _, ada) = create_set(
            NewSet {
                id: SetId::random(),
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
            members: vec![ada],
        };
        for (i, (name, org)) in [("Bo", "Hospital"), ("Cy", "School"), ("Di", "Charity")]
            .into_iter()
            .enumerate()
        {
            let Applied::Member(id) = f.ok(
                0,
                1,
                Command::AddMember {
                    profile: profile(name, org),
                    device: Some(device(i as u8 + 2)),
                },
            ) else {
                panic!("admitting a member returns their id")
            };
            f.members.push(id);
        }
        f
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

    /// Applies a command that must succeed.
    pub fn ok(&mut self, member: usize, minute: i64, command: Command) -> Applied {
        let author = self.by(member, minute);
        apply(&mut self.doc, &author, command).unwrap()
    }

    /// Applies a command that must be refused, checks it left the document as it was,
    /// and returns the error.
    pub fn refused(&mut self, member: usize, minute: i64, command: Command) -> CommandError {
        let author = self.by(member, minute);
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
