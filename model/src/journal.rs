//! The private journal: "learning about oneself". A document of its own, never part of
//! a set's document, shared only among its owner's devices: the journal lists them itself
//! (no set's records decide who receives it), and [`check_journal_change`] is how every
//! device holding it judges a change.

use std::collections::BTreeMap;

use automerge::transaction::CommitOptions;
use automerge::{Automerge, ObjId};
use autosurgeon::{Hydrate, MaybeMissing, Reconcile};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::command::{required, root_map};
use crate::error::{CommandError, LoadError};
use crate::ids::{DeviceId, JournalEntryId, MeetingId, SetId};
use crate::limits::PROSE_MAX;
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
    /// The owner's devices, and when each was linked: the only devices it syncs with,
    /// and the only ones whose changes it takes. Only a device on the list adds one.
    pub devices: BTreeMap<DeviceId, Timestamp>,
    /// Each linked device's consent to hold this journal (its signature over
    /// [`crate::admission::journal_consent_message`], hexadecimal). The founding device
    /// needs none.
    #[autosurgeon(missing = "BTreeMap::new")]
    pub consents: BTreeMap<DeviceId, String>,
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
    /// Link another of the owner's devices, with its consent.
    LinkDevice {
        /// The device.
        device: DeviceId,
        /// Its signature over [`crate::admission::journal_consent_message`] for this
        /// journal.
        consent: [u8; 64],
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
        consents: BTreeMap::new(),
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
                JournalCommand::LinkDevice { device, consent } => {
                    if journal.devices.contains_key(&device) {
                        return Err(CommandError::Unchanged(
                            "That device is already linked to your journal.",
                        ));
                    }
                    let (mut devices, mut consents) = (journal.devices, journal.consents);
                    consents.insert(device.clone(), hex::encode(consent));
                    devices.insert(device, at);
                    autosurgeon::reconcile_prop(tx, automerge::ROOT, "consents", &consents)?;
                    autosurgeon::reconcile_prop(tx, automerge::ROOT, "devices", &devices)?;
                    Ok(None)
                }
            }
        },
    )
    .map(|success| success.result)
    .map_err(|failure| failure.error)
}

/// Checks a change to the journal whose document id is `journal`, from the change's
/// causal past: the change that founds it names only its own device, and comes first;
/// every later change is signed by a device on the journal's list as it stood then; a
/// device is added only with its own consent; the list, its consents and the journal's
/// kind are never replaced or deleted as a whole.
pub fn check_journal_change(
    doc: &Automerge,
    journal: &str,
    change: &automerge::Change,
) -> Result<(), String> {
    use automerge::legacy::{Key, ObjectId, OpType};
    use automerge::{ObjType, ReadDoc, ScalarValue, Value};

    let (device, generation) = DeviceId::of_actor(change.actor_id())
        .ok_or_else(|| "a change whose author is not a device".to_owned())?;
    if generation > DeviceId::MAX_GENERATION {
        return Err(crate::rules::TOO_MANY_GENERATIONS.into());
    }
    crate::rules::too_large(change)?;
    let ops = change.decode().operations;
    let at_root = |key: &str| -> Option<ObjId> {
        match doc.get_at(automerge::ROOT, key, change.deps()) {
            Ok(Some((Value::Object(ObjType::Map), id))) => Some(id),
            _ => None,
        }
    };
    if change.deps().is_empty() {
        let heads = doc.get_heads();
        // Only the device's first generation begins a journal (a later one numbers its
        // changes afresh).
        if generation != 0 || change.seq() != 1 || !(heads.is_empty() || heads == [change.hash()]) {
            return Err("a second beginning for a journal".into());
        }
        // The founder lists itself and no other device.
        let named_other = ops.iter().any(|op| {
            matches!((&op.key, &op.action), (Key::Map(k), OpType::Put(ScalarValue::Timestamp(_)) | OpType::Make(_))
                if k.len() == 64 && k.as_str() != device.as_str())
        });
        return if named_other {
            Err("a beginning of a journal that names another device".into())
        } else {
            Ok(())
        };
    }
    let devices = at_root("devices").ok_or("a change to a journal that lists no devices")?;
    let listed = |d: &str| matches!(doc.get_at(&devices, d, change.deps()), Ok(Some(_)));
    if !listed(device.as_str()) {
        return Err("a change to a journal from a device that is not on its list".into());
    }
    let consents = at_root("consents");
    let object = |obj: &ObjectId| match obj {
        ObjectId::Root => Some(automerge::ROOT),
        ObjectId::Id(id) => doc
            .import_obj(&format!("{}@{}", id.0, id.1.to_hex_string()))
            .ok(),
    };
    let mut added = Vec::new();
    let mut consented = BTreeMap::new();
    let mut made_consents = None;
    for (i, op) in ops.iter().enumerate() {
        let Key::Map(key) = &op.key else { continue };
        let obj = object(&op.obj);
        if op.obj == ObjectId::Root {
            match (key.as_str(), &op.action) {
                ("consents", OpType::Make(ObjType::Map)) if consents.is_none() => {
                    made_consents = Some(change.start_op().get() + i as u64);
                }
                ("devices" | "consents" | "kind" | "schema" | "entries", _) => {
                    return Err("replacing or deleting a journal's list of devices or kind".into());
                }
                _ => {}
            }
            continue;
        }
        let into_made = matches!(&op.obj, ObjectId::Id(id) if Some(id.0) == made_consents && id.1 == *change.actor_id());
        if obj.as_ref() == Some(&devices) {
            if !matches!(op.action, OpType::Delete) && !listed(key) {
                added.push(key.to_string());
            }
        } else if (into_made || (consents.is_some() && obj == consents))
            && let OpType::Put(ScalarValue::Str(s)) = &op.action
        {
            consented.insert(key.to_string(), s.to_string());
        }
    }
    let message = crate::admission::journal_consent_message(journal);
    for new in added {
        let consent = consented.get(&new).map_or("", String::as_str);
        if !crate::admission::signed_by(&new, &message, consent) {
            return Err("adding a device to a journal without that device's consent".into());
        }
    }
    Ok(())
}
