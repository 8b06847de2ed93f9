//! Collaborative text: long free text that several members may edit at once (the set's
//! purpose, catch-up news, review answers, report-backs). It is an Automerge text object,
//! so concurrent edits merge character by character instead of one overwriting the other.

use std::fmt;

use autosurgeon::{Hydrate, Reconcile, Text};
use serde::{Serialize, Serializer};

/// Text that several people may edit at once. Reads as a plain string.
#[derive(Clone, Default, PartialEq, Eq, Reconcile, Hydrate)]
pub struct SharedText(Text);

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
