//! Collaborative text: long free text that several members may edit at once (the set's
//! purpose, catch-up news, review answers, report-backs). It is an Automerge text object,
//! so concurrent edits merge character by character instead of one overwriting the other.

use std::fmt;

use autosurgeon::reconcile::{NoKey, TextReconciler as _};
use autosurgeon::{Hydrate, Reconcile, Reconciler, Text};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Text that several people may edit at once. Reads as a plain string.
#[derive(Clone, Default, PartialEq, Eq, Hydrate)]
pub struct SharedText(Text);

/// Written as the characters that differ between the text the document holds now and
/// this value. Not as edits against the text where it was read (autosurgeon's own way,
/// which refuses a document whose heads have moved since): a set kept current record by
/// record holds texts read at older heads, unchanged since, and a command writes records
/// of that set.
impl Reconcile for SharedText {
    type Key<'a> = NoKey;

    fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
        reconciler.text()?.update(self.as_str())
    }
}

impl SharedText {
    /// New text, for a record that does not exist in the document yet.
    #[must_use]
    pub fn new(value: &str) -> Self {
        Self(Text::with_value(value))
    }

    /// The current value.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Whether there is nothing written (blank space counts as nothing).
    #[must_use]
    pub fn is_blank(&self) -> bool {
        self.as_str().trim().is_empty()
    }

    /// Replaces the whole value. Only the characters that differ are written, so an edit
    /// made at the same time by another member elsewhere in the text survives the merge.
    pub fn set(&mut self, value: &str) {
        if self.as_str() != value {
            self.0.update(value);
        }
    }
}

impl fmt::Debug for SharedText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for SharedText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for SharedText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SharedText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|text| Self::new(&text))
    }
}
