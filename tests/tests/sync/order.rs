//! Validity does not depend on the order changes arrive in (issue 23): a removal, the
//! removed member's changes made at the same time, a change another member built on one
//! of them, and others' changes, delivered to a device's engine one at a time in every
//! order proptest tries. Each order ends with the same changes held and the same set
//! shown: the one a reading of validity from scratch gives.

use std::sync::OnceLock;

use automerge::{Automerge, Change, ChangeHash};
use chrono::{DateTime, Duration, TimeZone as _, Utc};
use iroh::SecretKey;
use proptest::prelude::*;
use revans_model::authority::validity;
use revans_model::{Author, Command, DeviceId, MemberId, ProblemStatement, apply};
use revans_sync::engine::{Engine, Judge, Output, envelope};
use revans_sync::ids::{DocId, PeerId};
use revans_sync::signed::{Signature, sign};
use revans_tests::history::{History, generate};

fn key(n: u8) -> SecretKey {
    SecretKey::from_bytes(&[n + 40; 32])
}

/// Member `m` (device `m`) carries out `command` on their own copy `doc`.
fn on(
    doc: &mut Automerge,
    history: &History,
    m: usize,
    at: DateTime<Utc>,
    command: Command,
) -> Vec<(Change, Signature)> {
    doc.set_actor(DeviceId::from_bytes(*key(m as u8).public().as_bytes()).actor());
    let before = doc.get_heads();
    let author = Author {
        member: history.members[m].clone(),
        at,
    };
    apply(doc, &author, command).unwrap();
    doc.get_changes(&before)
        .into_iter()
        .map(|c| {
            let signature = sign(&key(m as u8), &c);
            (c, signature)
        })
        .collect()
}

struct Scenario {
    history: History,
    changes: Vec<(Change, Signature)>,
    heads: Vec<ChangeHash>,
    shown: Vec<ChangeHash>,
}

/// Ada (the facilitator) removes Dana while Dana, not knowing, writes three changes; Bo
/// takes Dana's first and builds a rule on it; Cy proposes a rule of her own.
fn scenario() -> Scenario {
    let start = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
    let keys: Vec<SecretKey> = (0..4).map(key).collect();
    let history = generate(&keys, 0, 23, start).unwrap();
    let minute = |n: i64| start + Duration::minutes(n);
    let (mut ada, mut bo, mut cy, mut dana) = (
        history.doc.fork(),
        history.doc.fork(),
        history.doc.fork(),
        history.doc.fork(),
    );
    let mut changes = Vec::new();
    let dana_id: MemberId = history.members[3].clone();
    changes.extend(on(
        &mut ada,
        &history,
        0,
        minute(1),
        Command::RemoveMember { member: dana_id },
    ));
    changes.extend(on(
        &mut ada,
        &history,
        0,
        minute(2),
        Command::ProposeRule {
            text: "We start on time.".into(),
        },
    ));
    let danas = on(
        &mut dana,
        &history,
        3,
        minute(1),
        Command::ProposeRule {
            text: "Dana decides.".into(),
        },
    );
    bo.apply_changes(danas.iter().map(|(c, _)| c.clone()))
        .unwrap();
    changes.extend(danas);
    changes.extend(on(
        &mut dana,
        &history,
        3,
        minute(2),
        Command::AddIssue {
            problem: ProblemStatement::new("Nobody listens to me"),
        },
    ));
    changes.extend(on(
        &mut bo,
        &history,
        1,
        minute(3),
        Command::ProposeRule {
            text: "Phones away.".into(),
        },
    ));
    changes.extend(on(
        &mut cy,
        &history,
        2,
        minute(3),
        Command::ProposeRule {
            text: "What is said here stays here.".into(),
        },
    ));
    let mut all = history.doc.fork();
    all.apply_changes(changes.iter().map(|(c, _)| c.clone()))
        .unwrap();
    let reading = validity(&all);
    assert!(
        reading.void.len() >= 3,
        "Dana's two changes and Bo's built on hers are void: {reading:?}"
    );
    let mut heads = all.get_heads();
    heads.sort();
    let mut shown = reading.heads;
    shown.sort();
    Scenario {
        history,
        changes,
        heads,
        shown,
    }
}

/// The changes, one a message, in `order`, to Cy's engine holding the set as it was.
fn deliver(
    scenario: &Scenario,
    order: &[usize],
) -> (Vec<ChangeHash>, Vec<ChangeHash>, Vec<String>) {
    let doc = DocId::of_set(&scenario.history.id).unwrap();
    let relay = PeerId(*key(1).public().as_bytes());
    let mut engine = Engine::new(20, key(2));
    engine.insert(
        doc,
        scenario.history.doc.fork(),
        scenario.history.signatures.clone(),
        Judge::Set(scenario.history.id.clone()),
        &std::collections::BTreeMap::new(),
        0,
    );
    engine.allow(doc, [relay].into_iter().collect(), 0);
    engine.connect(relay, 0);
    for (now, &i) in (1..).zip(order) {
        let (change, signature) = &scenario.changes[i];
        let message = automerge::sync::Message {
            heads: vec![change.hash()],
            need: Vec::new(),
            have: Vec::new(),
            changes: automerge::sync::ChunkList::from(vec![change.raw_bytes().to_vec()]),
            flags: None,
            version: automerge::sync::MessageVersion::V1,
        };
        let bytes = envelope(&message.encode(), &[*signature]);
        engine.receive(relay, doc, &bytes, now).unwrap();
    }
    let refused = engine
        .drain()
        .into_iter()
        .filter_map(|o| match o {
            Output::Refused { reason, .. } => Some(reason),
            _ => None,
        })
        .collect();
    let mut held = engine.doc(&doc).unwrap().get_heads();
    held.sort();
    let mut shown = engine.shown(&doc).unwrap().get_heads();
    shown.sort();
    (held, shown, refused)
}

/// The scenario, made once for every order tried.
fn shared() -> &'static Scenario {
    static SCENARIO: OnceLock<Scenario> = OnceLock::new();
    SCENARIO.get_or_init(scenario)
}

fn every_change() -> Vec<usize> {
    (0..shared().changes.len()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn validity_does_not_depend_on_the_order_changes_arrive_in(
        order in Just(every_change()).prop_shuffle()
    ) {
        let scenario = shared();
        let (held, shown, refused) = deliver(scenario, &order);
        prop_assert!(refused.is_empty(), "{:?}", refused);
        prop_assert_eq!(&held, &scenario.heads);
        prop_assert_eq!(&shown, &scenario.shown);
    }
}
