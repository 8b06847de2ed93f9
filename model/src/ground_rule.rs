//! Ground rules: proposed by a member, agreed by the set, retired when they no longer serve.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use crate::ids::MemberId;
use crate::time::Timestamp;

/// A rule the set works by ("Everything stays in the room").
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct GroundRule {
    /// The rule, in the set's words.
    pub text: String,
    /// Who proposed it. The practice's suggested rules are proposed by the member who
    /// created the set.
    pub proposed_by: MemberId,
    /// When it was proposed.
    pub proposed_at: Timestamp,
    /// Whether it came from the practice's suggestions rather than a member's own words.
    pub suggested: bool,
    /// The members who have agreed to it, and when. Each agreement lives under the
    /// member's own key, so agreements made at the same time never conflict.
    #[autosurgeon(missing = "BTreeMap::new")]
    pub agreed_by: BTreeMap<MemberId, Timestamp>,
    /// Set when the set stops working by this rule.
    #[autosurgeon(missing = "Option::default")]
    pub retired: Option<Retirement>,
}

/// When and by whom a ground rule was retired.
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Retirement {
    /// Who retired it.
    pub by: MemberId,
    /// When.
    pub at: Timestamp,
}

impl GroundRule {
    /// A rule the practice suggests that no member has picked yet: offered to the set,
    /// not proposed. The first member to agree to it picks it, and the others agree to it
    /// as to any proposal; a set begins with the practice's rules offered, so its first
    /// meeting chooses its own.
    #[must_use]
    pub fn is_offered(&self) -> bool {
        self.suggested && self.agreed_by.is_empty() && self.retired.is_none()
    }

    /// Whether every one of `members` has agreed to the rule: a rule is the set's once
    /// all its current members have agreed.
    pub fn agreed_by_all<'a>(&self, mut members: impl Iterator<Item = &'a MemberId>) -> bool {
        self.retired.is_none() && members.all(|m| self.agreed_by.contains_key(m))
    }
}
