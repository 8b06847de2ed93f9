//! Tests of the model through its public API: every command and every error it can
//! give, the derived figures, merging, and documents from newer versions.

// Tests may unwrap (STYLE.md: no unwrap on input from disk, network or user; tests may),
// and so may their helpers, not only the `#[test]` functions clippy exempts by itself.
#![allow(clippy::unwrap_used, clippy::expect_used)]
// Member indices and minutes in tests are small numbers.
#![allow(clippy::cast_possible_wrap)]

mod actions;
mod authority;
mod closing;
mod compatibility;
mod convergence;
mod derived;
mod editing;
mod fixture;
mod invitations;
mod issues_and_rules;
mod journal;
mod meetings;
mod membership;
mod scribe;
mod verified;
