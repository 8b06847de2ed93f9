//! How long a set's texts may be: what commands check when they write and the rules
//! check when a change arrives, so both sides hold to the same sizes.

/// The longest name (of a set, a member, an organisation, a location).
pub const NAME_MAX: usize = 100;
/// The longest one-line text (an issue's statement, a rule, an action, a question).
pub const LINE_MAX: usize = 500;
/// The longest free text (news, reviews, report-backs, the set's purpose).
pub const PROSE_MAX: usize = 20_000;
