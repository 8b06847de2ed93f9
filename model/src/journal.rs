//! The private journal: "learning about oneself". A document of its own, never part of
//! a set's document, shared only among its owner's devices.

use std::collections::BTreeMap;

use automerge::Automerge;
use automerge::transaction::CommitOptions;
use autosurgeon::{Hydrate, MaybeMissing, Reconcile};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::command::{PROSE_MAX, required, root_map};
use crate::error::{CommandError, LoadError};
use crate::ids::{DeviceId, JournalEntryId, MeetingId, SetId};
use crate::text::SharedText;
use crate::time::Timestamp;

/// The layout version of journals this code writes.
pub const JOURNAL_SCHEMA_VERSION: u64 = 1;

/// What marks a document as a journal.
const JOURNAL_KIND: &str = "revans-journal";

/// One person's private journal.
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize)]
pub struct Journal {
    /// The layout version.
    pub schema: u64,
    /// Always `revans-journal`: tells a journal from a set.
    pub kind: String,
    /// The owner's devices, and when each was linked: the only devices it syncs with.
    pub devices: BTreeMap<DeviceId, Timestamp>,
    /// The entries.
    pub entries: BTreeMap<JournalEntryId, JournalEntry>,
}

/// One entry in the journal.
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize)]
pub struct JournalEntry {
    /// What the owner wrote.
    pub text: SharedText,
    /// When it was written.
    pub written_at: Timestamp,
    /// When it was last rewritten.
    pub edited_at: Option<Timestamp>,
    /// The set it is about, if any.
    pub set: Option<SetId>,
    /// The meeting it is about, if any.
    pub meeting: Option<MeetingId>,
}

/// A change to the journal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JournalCommand {
    /// Write a new entry.
    Write {
        /// The entry.
        text: String,
        /// The set it is about.
        set: Option<SetId>,
        /// The meeting it is about.
        meeting: Option<MeetingId>,
    },
    /// Rewrite an entry.
    Rewrite {
        /// Which.
        entry: JournalEntryId,
        /// Its new text.
        text: String,
    },
    /// Delete an entry.
    Delete {
        /// Which.
        entry: JournalEntryId,
    },
    /// Link another of the owner's devices.
    LinkDevice {
        /// The device.
        device: DeviceId,
    },
}

impl Journal {
    /// Reads a journal from its document.
    pub fn from_doc<D: autosurgeon::ReadDoc>(doc: &D) -> Result<Self, LoadError> {
        let kind: MaybeMissing<String> = autosurgeon::hydrate_prop(doc, automerge::ROOT, "kind")
            .map_err(|e| LoadError::NotASet(e.to_string()))?;
        if kind != MaybeMissing::Present(JOURNAL_KIND.to_owned()) {
            return Err(LoadError::NotASet("it is not a journal".into()));
        }
        let schema: u64 = autosurgeon::hydrate_prop(doc, automerge::ROOT, "schema")
            .map_err(|e| LoadError::Damaged(e.to_string()))?;
        if schema > JOURNAL_SCHEMA_VERSION {
            return Err(LoadError::TooNew(schema));
        }
        autosurgeon::hydrate(doc).map_err(|e| LoadError::Damaged(e.to_string()))
    }

    /// Entries, newest first.
    #[must_use]
    pub fn newest_first(&self) -> Vec<(&JournalEntryId, &JournalEntry)> {
        let mut entries: Vec<_> = self.entries.iter().collect();
        entries.sort_by_key(|(id, e)| (std::cmp::Reverse(e.written_at), *id));
        entries
    }
}

/// Creates an empty journal owned by the device that creates it.
pub fn create_journal(device: DeviceId, at: DateTime<Utc>) -> Result<Automerge, CommandError> {
    // Written as the device itself: its key is its actor, so its change can be signed.
    let actor = device.actor();
    let journal = Journal {
        schema: JOURNAL_SCHEMA_VERSION,
        kind: JOURNAL_KIND.to_owned(),
        devices: BTreeMap::from([(device, Timestamp::new(at))]),
        entries: BTreeMap::new(),
    };
    let mut doc = Automerge::new().with_actor(actor);
    doc.transact_with(
        |()| {
            CommitOptions::default()
                .with_message("create the journal")
                .with_time(at.timestamp())
        },
        |tx| autosurgeon::reconcile(tx, &journal),
    )
    .map_err(|failure| CommandError::Document(failure.error.to_string()))?;
    Ok(doc)
}

/// Applies one change to the journal as one transaction; returns the id of a new entry.
pub fn apply_journal(
    doc: &mut Automerge,
    at: DateTime<Utc>,
    command: JournalCommand,
) -> Result<Option<JournalEntryId>, CommandError> {
    let at = Timestamp::new(at);
    doc.transact_with(
        |_| {
            CommitOptions::default()
                .with_message("journal")
                .with_time(at.get().timestamp())
        },
        |tx| {
            let journal = Journal::from_doc(&*tx)?;
            let entries = root_map(&*tx, "entries")?;
            match command {
                JournalCommand::Write { text, set, meeting } => {
                    let text = required(&text, "journal entry", PROSE_MAX)?;
                    let id = JournalEntryId::random();
                    let entry = JournalEntry {
                        text: SharedText::new(&text),
                        written_at: at,
                        edited_at: None,
                        set,
                        meeting,
                    };
                    autosurgeon::reconcile_prop(tx, &entries, id.as_str(), &entry)?;
                    Ok(Some(id))
                }
                JournalCommand::Rewrite { entry, text } => {
                    let text = required(&text, "journal entry", PROSE_MAX)?;
                    let mut record = journal
                        .entries
                        .get(&entry)
                        .cloned()
                        .ok_or_else(|| CommandError::UnknownJournalEntry(entry.to_string()))?;
                    record.text.set(&text);
                    record.edited_at = Some(at);
                    autosurgeon::reconcile_prop(tx, &entries, entry.as_str(), &record)?;
                    Ok(None)
                }
                JournalCommand::Delete { entry } => {
                    if !journal.entries.contains_key(&entry) {
                        return Err(CommandError::UnknownJournalEntry(entry.to_string()));
                    }
                    automerge::transaction::Transactable::delete(tx, &entries, entry.as_str())?;
                    Ok(None)
                }
                JournalCommand::LinkDevice { device } => {
                    if journal.devices.contains_key(&device) {
                        return Err(CommandError::Unchanged(
                            "That device is already linked to your journal.",
                        ));
                    }
                    let mut devices = journal.devices;
                    devices.insert(device, at);
                    autosurgeon::reconcile_prop(tx, automerge::ROOT, "devices", &devices)?;
                    Ok(None)
                }
            }
        },
    )
    .map(|success| success.result)
    .map_err(|failure| failure.error)
}
