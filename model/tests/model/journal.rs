//! The private journal: its own document, never part of a set.

use revans_model::{
    ActionLearningSet, CommandError, Journal, JournalCommand, apply_journal, create_journal,
};

use crate::fixture::{Fixture, device, t};

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
        JournalCommand::LinkDevice { device: device(2) },
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
            JournalCommand::LinkDevice { device: device(1) },
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
