//! The private journal: its own document, never part of a set.

use automerge::transaction::Transactable;
use automerge::{Automerge, ObjType, ReadDoc, ScalarValue};
use ed25519_dalek::Signer;
use revans_model::admission::journal_consent_message;
use revans_model::{
    ActionLearningSet, CommandError, Journal, JournalCommand, apply_journal, check_journal_change,
    create_journal,
};

use crate::fixture::{Fixture, device, device_key, t};

/// The journal's document id in these tests.
const JOURNAL: &str = "0123456789abcdef0123456789abcdef";

/// Device `n`'s consent to hold [`JOURNAL`].
fn consent(n: u8) -> [u8; 64] {
    device_key(n)
        .sign(&journal_consent_message(JOURNAL))
        .to_bytes()
}

/// Device `n` writes a raw change into a copy of `doc`; every change it makes is judged
/// as a device holding the journal judges it.
fn written_by(
    doc: &Automerge,
    n: u8,
    write: impl FnOnce(
        &mut automerge::transaction::Transaction<'_>,
    ) -> Result<(), automerge::AutomergeError>,
) -> Result<(), String> {
    let mut copy = doc.fork();
    copy.set_actor(device(n).actor());
    copy.transact::<_, _, automerge::AutomergeError>(|tx| write(tx))
        .unwrap();
    let change = copy.get_last_local_change().unwrap().clone();
    check_journal_change(&copy, JOURNAL, &change)
}

fn devices_of(tx: &automerge::transaction::Transaction<'_>) -> automerge::ObjId {
    tx.get(automerge::ROOT, "devices").unwrap().unwrap().1
}

#[test]
fn a_journal_is_written_rewritten_and_pruned_by_its_owner() {
    let mut doc = create_journal(device(1), t(0)).unwrap();
    let first = apply_journal(
        &mut doc,
        t(1),
        JournalCommand::Write {
            text: "I interrupt when I am anxious.".into(),
            set: None,
            meeting: None,
        },
    )
    .unwrap()
    .unwrap();
    let second = apply_journal(
        &mut doc,
        t(2),
        JournalCommand::Write {
            text: "Asked more than I told today.".into(),
            set: Some("set".into()),
            meeting: Some("meeting".into()),
        },
    )
    .unwrap()
    .unwrap();
    apply_journal(
        &mut doc,
        t(3),
        JournalCommand::Rewrite {
            entry: first.clone(),
            text: "I interrupt when I am anxious, and I know it now.".into(),
        },
    )
    .unwrap();
    apply_journal(
        &mut doc,
        t(4),
        JournalCommand::LinkDevice {
            device: device(2),
            consent: consent(2),
        },
    )
    .unwrap();

    let journal = Journal::from_doc(&doc).unwrap();
    let newest: Vec<_> = journal
        .newest_first()
        .into_iter()
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(newest, vec![second.clone(), first.clone()]);
    assert_eq!(
        journal.entries[&first].text.as_str(),
        "I interrupt when I am anxious, and I know it now."
    );
    assert_eq!(
        journal.entries[&first]
            .edited_at
            .map(revans_model::Timestamp::get),
        Some(t(3))
    );
    assert_eq!(journal.devices.len(), 2);

    apply_journal(&mut doc, t(5), JournalCommand::Delete { entry: second }).unwrap();
    assert_eq!(Journal::from_doc(&doc).unwrap().entries.len(), 1);
}

#[test]
fn journal_errors_change_nothing() {
    let mut doc = create_journal(device(1), t(0)).unwrap();
    let cases = [
        (
            JournalCommand::Write {
                text: " ".into(),
                set: None,
                meeting: None,
            },
            CommandError::Blank {
                field: "journal entry",
            },
        ),
        (
            JournalCommand::Rewrite {
                entry: "gone".into(),
                text: "x".into(),
            },
            CommandError::UnknownJournalEntry("gone".into()),
        ),
        (
            JournalCommand::Delete {
                entry: "gone".into(),
            },
            CommandError::UnknownJournalEntry("gone".into()),
        ),
        (
            JournalCommand::LinkDevice {
                device: device(1),
                consent: consent(1),
            },
            CommandError::Unchanged("That device is already linked to your journal."),
        ),
    ];
    for (command, expected) in cases {
        let before = doc.save();
        assert_eq!(
            apply_journal(&mut doc, t(1), command).unwrap_err(),
            expected
        );
        assert_eq!(doc.save(), before);
    }
}

#[test]
fn a_journal_is_not_a_set_and_a_set_is_not_a_journal() {
    let journal = create_journal(device(1), t(0)).unwrap();
    assert!(ActionLearningSet::from_doc(&journal).is_err());
    let f = Fixture::new();
    let e = Journal::from_doc(&f.doc).unwrap_err();
    assert!(e.to_string().contains("not a journal"), "{e}");
}

#[test]
fn only_a_device_on_the_journals_list_writes_in_it() {
    let mut doc = create_journal(device(1), t(0)).unwrap();
    let founding = doc.get_changes(&[]).remove(0).clone();
    assert_eq!(check_journal_change(&doc, JOURNAL, &founding), Ok(()));
    // A device not on the list: a member of one of the owner's sets, or a stranger.
    let stranger = written_by(&doc, 2, |tx| {
        let entries = tx.get(automerge::ROOT, "entries").unwrap().unwrap().1;
        tx.put(&entries, "e", "read me")
    });
    assert_eq!(
        stranger.unwrap_err(),
        "a change to a journal from a device that is not on its list"
    );
    // Once the owner's device has linked it, with its consent, it may.
    apply_journal(
        &mut doc,
        t(1),
        JournalCommand::LinkDevice {
            device: device(2),
            consent: consent(2),
        },
    )
    .unwrap();
    let linked = doc.get_last_local_change().unwrap().clone();
    assert_eq!(check_journal_change(&doc, JOURNAL, &linked), Ok(()));
    assert_eq!(
        written_by(&doc, 2, |tx| tx.put(automerge::ROOT, "note", "mine")),
        Ok(())
    );
}

#[test]
fn a_device_joins_a_journal_only_with_its_own_consent() {
    let doc = create_journal(device(1), t(0)).unwrap();
    let at = ScalarValue::Timestamp(t(1).timestamp_millis());
    // The owner's own device adds device 3 without its consent, with another device's,
    // or with device 3's consent to another journal: all refused.
    let other_journal = device_key(3)
        .sign(&journal_consent_message("another journal"))
        .to_bytes();
    for consent_given in [
        String::new(),
        hex::encode(consent(4)),
        hex::encode(other_journal),
    ] {
        let added = written_by(&doc, 1, |tx| {
            let devices = devices_of(tx);
            tx.put(&devices, device(3).as_str(), at.clone())?;
            let consents = tx.get(automerge::ROOT, "consents").unwrap().unwrap().1;
            tx.put(&consents, device(3).as_str(), consent_given.as_str())
        });
        assert_eq!(
            added.unwrap_err(),
            "adding a device to a journal without that device's consent"
        );
    }
    let consented = written_by(&doc, 1, |tx| {
        let devices = devices_of(tx);
        tx.put(&devices, device(3).as_str(), at.clone())?;
        let consents = tx.get(automerge::ROOT, "consents").unwrap().unwrap().1;
        tx.put(&consents, device(3).as_str(), hex::encode(consent(3)))
    });
    assert_eq!(consented, Ok(()));
}

#[test]
fn a_journals_list_and_kind_are_never_replaced_and_it_begins_once() {
    let doc = create_journal(device(1), t(0)).unwrap();
    for key in ["devices", "consents", "entries", "kind"] {
        let replaced = written_by(&doc, 1, |tx| {
            tx.put_object(automerge::ROOT, key, ObjType::Map)?;
            Ok(())
        });
        assert_eq!(
            replaced.unwrap_err(),
            "replacing or deleting a journal's list of devices or kind",
            "{key}"
        );
    }
    let deleted = written_by(&doc, 1, |tx| tx.delete(automerge::ROOT, "devices"));
    assert!(deleted.is_err());
    // A second beginning, from another device, naming itself.
    let other = create_journal(device(2), t(0)).unwrap();
    let second = other.get_changes(&[]).remove(0).clone();
    assert_eq!(
        check_journal_change(&doc, JOURNAL, &second),
        Err("a second beginning for a journal".into())
    );
    // A beginning that lists someone else's device besides its own.
    let mut doc = Automerge::new().with_actor(device(5).actor());
    doc.transact::<_, _, automerge::AutomergeError>(|tx| {
        tx.put(automerge::ROOT, "kind", "revans-journal")?;
        let devices = tx.put_object(automerge::ROOT, "devices", ObjType::Map)?;
        tx.put(&devices, device(5).as_str(), 0_i64)?;
        tx.put(&devices, device(6).as_str(), ScalarValue::Timestamp(0))
    })
    .unwrap();
    let founding = doc.get_changes(&[]).remove(0).clone();
    assert_eq!(
        check_journal_change(&Automerge::new(), JOURNAL, &founding),
        Err("a beginning of a journal that names another device".into())
    );
}

/// A later generation of the founding device (see `DeviceId::actor_in`) numbers its
/// changes afresh: its first change does not begin the journal again, even on a device
/// that holds nothing of it yet.
#[test]
fn a_later_generation_does_not_begin_a_journal() {
    let doc = create_journal(device(1), t(0)).unwrap();
    let founding = doc.get_changes(&[]).remove(0).clone();
    let mut again = founding.decode();
    again.actor_id = device(1).actor_in(1);
    again.hash = None;
    let again = automerge::Change::from(again);
    assert_eq!(
        check_journal_change(&Automerge::new(), JOURNAL, &again),
        Err("a second beginning for a journal".into())
    );
}
