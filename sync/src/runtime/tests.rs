#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::Arc;

use automerge::Automerge;
use chrono::Utc;
use iroh::SecretKey;
use revans_model::{ActionLearningSet, DeviceId, MemberId};
use tokio::sync::{broadcast, oneshot, watch};

use super::request::{DocKind, EditFn, Outgoing, Request};
use super::views::Shared;
use super::worker::Worker;
use crate::access::Access;
use crate::data_dir::DataDir;
use crate::ids::{DocId, PeerId};
use crate::log::file::StorageProblem;
use crate::node::event::Event;
use crate::protocol::Frame;

fn propose(author: MemberId, text: &'static str) -> EditFn {
    Box::new(move |doc: &mut Automerge| {
        let by = revans_model::Author {
            member: author,
            at: Utc::now(),
        };
        revans_model::apply(
            doc,
            &by,
            revans_model::Command::ProposeRule { text: text.into() },
        )?;
        Ok(())
    })
}

/// A set founded by the device of `me`, with the device of `other` admitted.
fn set_of_two(me: &SecretKey, other: &SecretKey) -> (Automerge, DocId, MemberId) {
    let device = |k: &SecretKey| DeviceId::from_bytes(*k.public().as_bytes());
    let now = Utc::now();
    let (mut doc, set, founder) = revans_model::create_set(
        revans_model::NewSet {
            name: "Set".into(),
            purpose: String::new(),
            founder: revans_model::Profile {
                display_name: "Ada".into(),
                organisation: String::new(),
            },
            device: device(me),
        },
        now,
    )
    .unwrap();
    let by = revans_model::Author {
        member: founder.clone(),
        at: now,
    };
    let invitation = revans_model::InvitationId::random();
    let key = SecretKey::from_bytes(&[5; 32]);
    revans_model::apply(
        &mut doc,
        &by,
        revans_model::Command::Invite {
            id: invitation.clone(),
            for_name: "Bo".into(),
            key: device(&key).to_string(),
            expires_at: now + chrono::Duration::days(1),
            link_to: None,
        },
    )
    .unwrap();
    let bo = MemberId::random();
    let admission =
        revans_model::admission::admission_message(&set, &invitation, &bo, &device(other));
    let consent = revans_model::admission::consent_message(&set, &bo, &invitation);
    revans_model::apply(
        &mut doc,
        &by,
        revans_model::Command::Admit {
            signature: key.sign(&admission).to_bytes(),
            consent: other.sign(&consent).to_bytes(),
            invitation,
            member: bo,
            profile: revans_model::Profile {
                display_name: "Bo".into(),
                organisation: String::new(),
            },
            device: device(other),
        },
    )
    .unwrap();
    (doc, DocId::of_set(&set).unwrap(), founder)
}

/// The sync messages sent to the peer so far.
fn sent(out: &mut tokio::sync::mpsc::UnboundedReceiver<Outgoing>) -> Vec<automerge::sync::Message> {
    std::iter::from_fn(|| out.try_recv().ok())
        .filter_map(|o| match o {
            Outgoing::Frame(bytes) => match Frame::decode(&bytes[4..]).unwrap() {
                Frame::Sync { message, .. } => {
                    let (message, _) = crate::engine::open_envelope(&message).unwrap();
                    Some(automerge::sync::Message::decode(message).unwrap())
                }
                Frame::Hello { .. } => None,
            },
            Outgoing::Close(..) => None,
        })
        .collect()
}

/// The disk refuses a batch (here, a log whose writes go to /dev/full): the edit is
/// answered with the error, the document is as it was, and no peer is sent it.
#[cfg(target_os = "linux")]
#[test]
fn a_write_that_fails_is_neither_acknowledged_nor_applied_nor_sent() {
    let dir = tempfile::tempdir().unwrap();
    let data = Arc::new(DataDir::open(dir.path()).unwrap());
    let (events, mut problems) = broadcast::channel(16);
    let shared = Arc::new(Shared::new(events));
    let (me, other) = (
        SecretKey::from_bytes(&[1; 32]),
        SecretKey::from_bytes(&[2; 32]),
    );
    let peer = PeerId(*other.public().as_bytes());
    let (doc, id, ada) = set_of_two(&me, &other);
    let mut worker = Worker::new(me, data, None, watch::channel(Access::default()).0, shared);
    let (opened, mut answer) = oneshot::channel();
    worker.round(vec![Request::Open {
        id,
        kind: DocKind::Set,
        initial: Some(doc),
        hints: BTreeSet::new(),
        reply: opened,
    }]);
    answer.try_recv().unwrap().unwrap();
    let (link, mut out) = tokio::sync::mpsc::unbounded_channel();
    worker.round(vec![Request::Linked {
        peer,
        link: 1,
        out: link,
    }]);
    sent(&mut out);

    // A write that reaches the disk is answered and sent.
    let (reply, mut answer) = oneshot::channel();
    worker.round(vec![Request::Edit {
        id,
        edit: propose(ada.clone(), "Kept."),
        reply,
    }]);
    answer.try_recv().unwrap().unwrap();
    let heads = worker.engine.doc(&id).unwrap().get_heads();
    let first = sent(&mut out);
    assert!(
        first.iter().any(|m| m.heads == heads),
        "a saved edit goes to the peer"
    );

    worker.logs.get_mut(&id).unwrap().redirect_writes(
        std::fs::OpenOptions::new()
            .append(true)
            .open("/dev/full")
            .unwrap(),
    );
    let (reply, mut answer) = oneshot::channel();
    worker.round(vec![Request::Edit {
        id,
        edit: propose(ada, "Lost."),
        reply,
    }]);
    let refused = answer.try_recv().unwrap().unwrap_err();
    assert!(refused.to_string().contains("Could not save"), "{refused}");
    let doc = worker.engine.doc(&id).unwrap();
    assert_eq!(doc.get_heads(), heads, "the edit was undone");
    let set = ActionLearningSet::from_doc(doc).unwrap();
    assert!(set.ground_rules.values().any(|r| r.text == "Kept."));
    assert!(!set.ground_rules.values().any(|r| r.text == "Lost."));
    for message in sent(&mut out) {
        assert_eq!(message.heads, heads, "nothing unsaved reached the peer");
        assert!(
            message.changes.is_empty(),
            "nothing unsaved reached the peer"
        );
    }
    let reported = std::iter::from_fn(|| problems.try_recv().ok())
        .any(|e| matches!(e, Event::Storage(StorageProblem::Write { .. })));
    assert!(reported, "the failure is reported as an event");
}
