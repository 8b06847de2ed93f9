//! A seeded generator of a set's history: seven members from different organisations,
//! a meeting every four weeks for two years, each with catch-up news, bids, a locked
//! batting order, turns with questions, actions reported back on, and reviews. Every
//! change goes through the model's commands, so the document is what the app would make.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use iroh::SecretKey;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom as _;
use rand::{Rng as _, SeedableRng as _};
use revans_model::admission::{admission_message, consent_message};
use revans_model::{
    ActionLearningSet, Applied, Author, Command, ContributionKind, DeviceId, InvitationId,
    MeetingPlan, MemberId, MemberReviewAnswers, Memo, NewSet, Outcome, Phase, ProblemStatement,
    Profile, SetId, Touched, Urgency, apply_to_kept, check_change_with, create_set,
};
use revans_sync::signed::Signatures;

const NAMES: [(&str, &str); 7] = [
    ("Ada Okafor", "Northgate Council"),
    ("Bo Lindqvist", "St Anne's Hospital"),
    ("Cy Mensah", "Riverside Housing"),
    ("Dana Whitfield", "County Fire and Rescue"),
    ("Eli Novak", "Harbour College"),
    ("Fen Achebe", "Eastside Library Service"),
    ("Gus Moreau", "Valley Water"),
];

const PROBLEMS: [&str; 7] = [
    "My ward sisters will not adopt the new rota",
    "Two teams I now lead have never worked together",
    "Tenants do not trust our repairs service",
    "I cannot get the board to fund prevention work",
    "Our best lecturers are leaving within two years",
    "The library's volunteers resist the new system",
    "I avoid the conversation about my deputy's performance",
];

const NEWS: [&str; 6] = [
    "The restructure went ahead; two of my team left.",
    "A quieter month. I took a week off and it helped.",
    "We lost the funding bid, which I am still digesting.",
    "My manager has moved on; I am acting up for now.",
    "Good news: the pilot started on time.",
    "A difficult complaint took most of my energy.",
];

const QUESTIONS: [&str; 8] = [
    "What would success look like?",
    "Who else wants this to work?",
    "What is stopping you?",
    "How did that make you feel?",
    "What have you tried already?",
    "What would happen if you did nothing?",
    "What is the first small step?",
    "Whose support do you need?",
];

const ACTIONS: [&str; 6] = [
    "Talk to the three people most affected before the next meeting",
    "Write a one-page case for the board",
    "Ask my deputy for an honest conversation",
    "Visit a service that has solved this",
    "Keep a log of when the problem shows up",
    "Try the new rota on one ward for a fortnight",
];

/// A generated set: its document, every change signed by the device that wrote it, its
/// id, and the member acting for each device.
pub struct History {
    /// The document.
    pub doc: automerge::Automerge,
    /// Its changes' signatures.
    pub signatures: Signatures,
    /// The set's id.
    pub id: SetId,
    /// The members, in the order of the keys given.
    pub members: Vec<MemberId>,
    /// Each member's device key.
    keys: std::collections::BTreeMap<MemberId, SecretKey>,
    /// The set kept current as commands are carried out, with the heads it was read at,
    /// so each command reads only what it writes over (as a node does), not the whole
    /// set: generating two years is then about the changes' own cost.
    kept: Option<(Vec<automerge::ChangeHash>, Arc<ActionLearningSet>)>,
    /// What the rules keep between checks (where objects live, for naming what each
    /// change touched).
    memo: Memo,
}

impl History {
    /// A backup of the set (`revans export --format revans`), for `Node::import_set`.
    #[must_use]
    pub fn backup(&self) -> Vec<u8> {
        revans_sync::log::encode_snapshot(&self.doc.save(), &self.signatures)
    }

    /// Carries out a command as the member at `index`, on their own device.
    pub fn apply(
        &mut self,
        index: usize,
        at: DateTime<Utc>,
        command: Command,
    ) -> anyhow::Result<Applied> {
        let member = self.members[index].clone();
        run(self, &author(&member, at), command)
    }

    /// A history read back from a backup and its founder's key (`bench --save-set`):
    /// only the founder can act in it.
    pub fn load(backup: &[u8], founder: SecretKey) -> anyhow::Result<Self> {
        let (saved, signatures) =
            revans_sync::log::decode_snapshot(backup).map_err(|e| anyhow::anyhow!(e))?;
        let doc = automerge::Automerge::load(saved)?;
        let state = revans_model::ActionLearningSet::from_doc(&doc)?;
        let members: Vec<MemberId> = state
            .current_members()
            .into_iter()
            .map(|(id, _)| id.clone())
            .collect();
        Ok(Self {
            keys: std::collections::BTreeMap::from([(state.created_by.clone(), founder)]),
            doc,
            signatures,
            id: state.id,
            members,
            kept: None,
            memo: Memo::default(),
        })
    }

    /// Links `device` to the member at `index` (their own invitation, admitted by their
    /// own device), as of `at`.
    pub fn link(
        &mut self,
        index: usize,
        device: &SecretKey,
        at: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let member = self.members[index].clone();
        invite_and_admit(self, &member, Some(member.clone()), device, at, "")?;
        Ok(())
    }
}

/// `by` invites someone (or a device of `link_to`) and admits `device` with it: the
/// ticket's invitation key signs the admission and the device consents, as a real join
/// does.
fn invite_and_admit(
    history: &mut History,
    by: &MemberId,
    link_to: Option<MemberId>,
    device: &SecretKey,
    at: DateTime<Utc>,
    name: &str,
) -> anyhow::Result<Applied> {
    let invitation = InvitationId::random();
    let invitation_key = SecretKey::from_bytes(&rand::random());
    let member = link_to.clone().unwrap_or_else(MemberId::random);
    run(
        history,
        &author(by, at),
        Command::Invite {
            id: invitation.clone(),
            for_name: if name.is_empty() {
                "A device".into()
            } else {
                name.into()
            },
            key: DeviceId::from_bytes(*invitation_key.public().as_bytes()).to_string(),
            expires_at: at + Duration::days(7),
            link_to,
        },
    )?;
    let (display_name, organisation) = NAMES
        .iter()
        .find(|(n, _)| *n == name)
        .map_or((name, ""), |(n, o)| (*n, *o));
    let device_id = DeviceId::from_bytes(*device.public().as_bytes());
    let set = history.id.clone();
    run(
        history,
        &author(by, at),
        Command::Admit {
            signature: invitation_key
                .sign(&admission_message(&set, &invitation, &member, &device_id))
                .to_bytes(),
            consent: device
                .sign(&consent_message(&set, &member, &invitation))
                .to_bytes(),
            invitation,
            member,
            profile: Profile {
                display_name: display_name.into(),
                organisation: organisation.into(),
            },
            device: device_id,
        },
    )
}

fn author(member: &MemberId, at: DateTime<Utc>) -> Author {
    Author {
        member: member.clone(),
        at,
    }
}

/// Carries out a command as the author's own device would: written under its key as the
/// actor, and every change signed.
fn run(history: &mut History, who: &Author, command: Command) -> anyhow::Result<Applied> {
    let key = history
        .keys
        .get(&who.member)
        .ok_or_else(|| anyhow::anyhow!("the generator acted for a member with no device"))?
        .clone();
    let device = DeviceId::from_bytes(*key.public().as_bytes());
    history.doc.set_actor(device.actor());
    let before = history.doc.get_heads();
    // The set as it stands, kept from the last command if nothing else wrote since.
    let kept = match history.kept.take() {
        Some((heads, kept)) if heads == before => kept,
        _ => Arc::new(ActionLearningSet::from_doc(&history.doc)?),
    };
    let applied = apply_to_kept(&mut history.doc, who, command, Arc::clone(&kept))
        .map_err(|e| anyhow::anyhow!("the generator made a bad command: {e}"))?;
    let mut touched = Touched::default();
    for change in history.doc.get_changes(&before) {
        touched.add(
            check_change_with(&history.doc, &history.id, &change, &mut history.memo).map_err(
                |refusal| anyhow::anyhow!("the rules refused the generator: {}", refusal.reason),
            )?,
        );
        history
            .signatures
            .insert(change.hash(), revans_sync::signed::sign(&key, &change));
    }
    let mut set = ActionLearningSet::clone(&kept);
    set.refresh(&history.doc, &touched)?;
    history.kept = Some((history.doc.get_heads(), Arc::new(set)));
    Ok(applied)
}

/// Generates `meetings` meetings of history for a set whose members act through the
/// devices of `keys` (seven of them), the first meeting `meetings * 4` weeks before `end`.
#[allow(clippy::too_many_lines)] // one meeting, start to finish
pub fn generate(
    keys: &[SecretKey],
    meetings: u32,
    seed: u64,
    end: DateTime<Utc>,
) -> anyhow::Result<History> {
    let mut rng = StdRng::seed_from_u64(seed);
    let start = end - Duration::weeks(4 * i64::from(meetings) + 1);
    let devices: Vec<DeviceId> = keys
        .iter()
        .map(|k| DeviceId::from_bytes(*k.public().as_bytes()))
        .collect();
    let (created, id, founder) = create_set(
        NewSet {
            name: "Public Service Leaders".into(),
            purpose: "Leading change across public services, one real problem at a time.".into(),
            founder: Profile {
                display_name: NAMES[0].0.into(),
                organisation: NAMES[0].1.into(),
            },
            device: devices[0].clone(),
        },
        start,
    )?;
    let mut doc = History {
        signatures: created
            .get_changes(&[])
            .iter()
            .map(|c| (c.hash(), revans_sync::signed::sign(&keys[0], c)))
            .collect(),
        doc: created,
        id: id.clone(),
        members: Vec::new(),
        keys: std::collections::BTreeMap::from([(founder.clone(), keys[0].clone())]),
        kept: None,
        memo: Memo::default(),
    };
    let mut members = vec![founder.clone()];
    for i in 1..devices.len() {
        let (name, _) = NAMES[i % NAMES.len()];
        // A minute apart, so the members have an order of joining (the app's colours).
        let joined = start + Duration::minutes(i64::try_from(i)?);
        let applied = invite_and_admit(&mut doc, &founder, None, &keys[i], joined, name)?;
        let Applied::Member(member) = applied else {
            anyhow::bail!("adding a member made no member");
        };
        doc.keys.insert(member.clone(), keys[i].clone());
        members.push(member);
    }
    let mut issues = Vec::new();
    for (i, member) in members.iter().enumerate() {
        let mut problem = ProblemStatement::new(PROBLEMS[i % PROBLEMS.len()]);
        problem.important_to_me = "It keeps me awake, and it is mine to solve.".into();
        problem.recognising_progress = "People would raise it before I do.".into();
        let Applied::Issue(issue) = run(
            &mut doc,
            &author(member, start + Duration::minutes(10)),
            Command::AddIssue { problem },
        )?
        else {
            anyhow::bail!("adding an issue made no issue");
        };
        issues.push(issue);
    }
    let mut open_actions: Vec<(MemberId, revans_model::ActionId)> = Vec::new();
    for n in 0..meetings {
        let at = start + Duration::weeks(4 * i64::from(n) + 1);
        let host = members[n as usize % members.len()].clone();
        let Applied::Meeting(meeting) = run(
            &mut doc,
            &author(&host, at - Duration::weeks(3)),
            Command::PlanMeeting(MeetingPlan {
                scheduled_at: at,
                minutes: None,
                location: NAMES[n as usize % NAMES.len()].1.into(),
                host: Some(host.clone()),
                closing: false,
            }),
        )?
        else {
            anyhow::bail!("planning made no meeting");
        };
        let chair = &members[0];
        let mut clock = at;
        let mut tick = |minutes: i64| {
            clock += Duration::minutes(minutes);
            clock
        };
        let phase = |to| Command::MovePhase {
            meeting: meeting.clone(),
            to,
        };
        run(&mut doc, &author(chair, tick(0)), phase(Phase::CatchUp))?;
        for member in &members {
            let news = NEWS.choose(&mut rng).copied().unwrap_or(NEWS[0]);
            run(
                &mut doc,
                &author(member, tick(2)),
                Command::CatchUp {
                    meeting: meeting.clone(),
                    news: news.into(),
                },
            )?;
        }
        for (owner, action) in open_actions.drain(..) {
            let outcome = match rng.random_range(0..3) {
                0 => Outcome::Done,
                1 => Outcome::Partly,
                _ => Outcome::Not,
            };
            run(
                &mut doc,
                &author(&owner, tick(1)),
                Command::ReportBack {
                    action,
                    outcome,
                    what_happened: "I spoke to them; it went better than I feared.".into(),
                    learned: "Asking early costs less than fixing late.".into(),
                },
            )?;
        }
        run(&mut doc, &author(chair, tick(1)), phase(Phase::Agenda))?;
        for (i, member) in members.iter().enumerate() {
            let urgency = match rng.random_range(0..4) {
                0 => Urgency::High,
                1 => Urgency::Low,
                _ => Urgency::Normal,
            };
            let minutes = rng.random_bool(0.5).then(|| rng.random_range(10..30));
            run(
                &mut doc,
                &author(member, tick(1)),
                Command::BidForTime {
                    meeting: meeting.clone(),
                    minutes,
                    urgency,
                    issue: Some(issues[i].clone()),
                    note: String::new(),
                },
            )?;
        }
        run(
            &mut doc,
            &author(chair, tick(1)),
            Command::LockAgenda {
                meeting: meeting.clone(),
                slots: None,
            },
        )?;
        run(&mut doc, &author(chair, tick(1)), phase(Phase::Turns))?;
        let state = revans_model::ActionLearningSet::from_doc(&doc.doc)?;
        let order = state
            .meetings
            .get(&meeting)
            .and_then(|m| m.agenda.clone())
            .map(|a| a.slots)
            .unwrap_or_default();
        for slot in order {
            run(
                &mut doc,
                &author(chair, tick(1)),
                Command::StartTurn {
                    meeting: meeting.clone(),
                    presenter: slot.member.clone(),
                },
            )?;
            // The others ask: a presenter does not question themself.
            let others: Vec<&MemberId> = members.iter().filter(|m| **m != slot.member).collect();
            for _ in 0..rng.random_range(3..7) {
                let asker = others.choose(&mut rng).copied().unwrap_or(chair);
                let question = QUESTIONS.choose(&mut rng).copied().unwrap_or(QUESTIONS[0]);
                run(
                    &mut doc,
                    &author(asker, tick(2)),
                    Command::LogContribution {
                        meeting: meeting.clone(),
                        kind: if rng.random_bool(0.85) {
                            ContributionKind::Question
                        } else {
                            ContributionKind::Statement
                        },
                        text: question.into(),
                        asker: None,
                    },
                )?;
            }
            let text = ACTIONS.choose(&mut rng).copied().unwrap_or(ACTIONS[0]);
            let Applied::Action(action) = run(
                &mut doc,
                &author(&slot.member, tick(2)),
                Command::AddAction {
                    text: text.into(),
                    likelihood: rng.random_range(4..=10),
                    issue: slot.issue.clone(),
                    meeting: Some(meeting.clone()),
                },
            )?
            else {
                anyhow::bail!("adding an action made no action");
            };
            open_actions.push((slot.member.clone(), action));
            run(
                &mut doc,
                &author(chair, tick(slot.minutes.into())),
                Command::EndTurn {
                    meeting: meeting.clone(),
                },
            )?;
        }
        run(&mut doc, &author(chair, tick(1)), phase(Phase::Review))?;
        run(
            &mut doc,
            &author(chair, tick(3)),
            Command::ReviewProcess {
                meeting: meeting.clone(),
                worked_well: Some("Good questions; we kept to time.".into()),
                was_difficult: Some("Not giving advice when it was obvious.".into()),
                more_effective: Some("Bid more honestly for time.".into()),
            },
        )?;
        for member in members.iter().take(3) {
            run(
                &mut doc,
                &author(member, tick(2)),
                Command::ReviewMeeting {
                    meeting: meeting.clone(),
                    answers: MemberReviewAnswers {
                        my_problem: Some("It is about trust more than rotas.".into()),
                        myself: Some("I rush to fix things.".into()),
                        ..MemberReviewAnswers::default()
                    },
                },
            )?;
        }
        run(&mut doc, &author(chair, tick(1)), phase(Phase::Closed))?;
    }
    doc.members = members;
    // The set kept current command by command is the set read whole.
    if let Some((_, kept)) = &doc.kept {
        anyhow::ensure!(
            **kept == ActionLearningSet::from_doc(&doc.doc)?,
            "the generator's set kept current differs from the set read whole"
        );
    }
    Ok(doc)
}

/// Opens one more meeting in `history`, as of `at`: every member bids, the batting order
/// is locked and the first presenter's turn is running. The largest console there is.
pub fn open_a_meeting_in_turns(history: &mut History, at: DateTime<Utc>) -> anyhow::Result<()> {
    let chair = history.members[0].clone();
    let doc = &mut *history;
    let Applied::Meeting(meeting) = run(
        doc,
        &author(&chair, at - Duration::weeks(1)),
        Command::PlanMeeting(MeetingPlan {
            scheduled_at: at - Duration::minutes(30),
            minutes: None,
            location: NAMES[0].1.into(),
            host: Some(chair.clone()),
            closing: false,
        }),
    )?
    else {
        anyhow::bail!("planning made no meeting");
    };
    let phase = |to| Command::MovePhase {
        meeting: meeting.clone(),
        to,
    };
    run(
        doc,
        &author(&chair, at - Duration::minutes(30)),
        phase(Phase::CatchUp),
    )?;
    run(
        doc,
        &author(&chair, at - Duration::minutes(15)),
        phase(Phase::Agenda),
    )?;
    let state = revans_model::ActionLearningSet::from_doc(&doc.doc)?;
    for (i, member) in doc.members.clone().iter().enumerate() {
        // Each bids to work on their own issue.
        let issue = state
            .issues
            .iter()
            .find(|(_, issue)| issue.owner == *member)
            .map(|(id, _)| id.clone());
        run(
            doc,
            &author(
                member,
                at - Duration::minutes(14) + Duration::seconds(i64::try_from(i)?),
            ),
            Command::BidForTime {
                meeting: meeting.clone(),
                minutes: (i % 2 == 0).then_some(20),
                urgency: if i == 1 {
                    Urgency::High
                } else {
                    Urgency::Normal
                },
                issue,
                note: String::new(),
            },
        )?;
    }
    run(
        doc,
        &author(&chair, at - Duration::minutes(10)),
        Command::LockAgenda {
            meeting: meeting.clone(),
            slots: None,
        },
    )?;
    run(
        doc,
        &author(&chair, at - Duration::minutes(9)),
        phase(Phase::Turns),
    )?;
    let state = revans_model::ActionLearningSet::from_doc(&doc.doc)?;
    let first = state
        .meetings
        .get(&meeting)
        .and_then(|m| m.agenda.as_ref())
        .and_then(|a| a.slots.first())
        .map(|s| s.member.clone())
        .ok_or_else(|| anyhow::anyhow!("the locked agenda is empty"))?;
    run(
        doc,
        &author(&chair, at - Duration::minutes(8)),
        Command::StartTurn {
            meeting,
            presenter: first,
        },
    )?;
    Ok(())
}
