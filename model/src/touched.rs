//! What a change wrote, named by the set's records: what the rules find as they check a
//! change, and what a device keeping the set read reads again.

use std::collections::BTreeSet;

/// What a change wrote, by the set's records: so a device that keeps the set read reads
/// again only these ([`crate::ActionLearningSet::refresh`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Touched {
    /// Everything: the set's beginning.
    pub all: bool,
    /// Fields of the set itself written (its name, its facilitation, a whole collection).
    pub fields: BTreeSet<String>,
    /// Records written, by collection and key (`("ground_rules", rule id)`).
    pub records: BTreeSet<(String, String)>,
}

impl Touched {
    /// Everything, as a set's beginning touches it.
    #[must_use]
    pub fn everything() -> Self {
        Self {
            all: true,
            ..Self::default()
        }
    }

    /// Adds what `other` touched.
    pub fn add(&mut self, other: Self) {
        self.all |= other.all;
        self.fields.extend(other.fields);
        self.records.extend(other.records);
    }

    /// Whether who is a member, with which devices, could have changed: the members or
    /// the invitations (an admission stands on both) were touched.
    #[must_use]
    pub fn membership(&self) -> bool {
        let of_membership = |name: &str| name == "members" || name == "invitations";
        self.all
            || self.fields.iter().any(|f| of_membership(f))
            || self.records.iter().any(|(c, _)| of_membership(c))
    }

    pub(crate) fn note(&mut self, path: &[String]) {
        match path {
            [] => {}
            [field] => {
                self.fields.insert(field.clone());
            }
            [collection, key, ..] => {
                self.records.insert((collection.clone(), key.clone()));
            }
        }
    }
}
