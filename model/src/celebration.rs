//! "Achievements will be celebrated in an appropriate way."

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use crate::ids::MemberId;
use crate::time::Timestamp;

/// A member's achievement, celebrated by the set.
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Celebration {
    /// Whose achievement.
    pub member: MemberId,
    /// What is celebrated.
    pub text: String,
    /// When.
    pub at: Timestamp,
    /// Who recorded it.
    pub created_by: MemberId,
}
