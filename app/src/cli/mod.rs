//! The command line: its grammar, how each command is carried out, and `revans sync`.

mod actions;
pub mod args;
mod conflicts;
mod device;
pub mod exec;
mod files;
pub mod input;
mod invitations;
mod issues;
mod journal;
mod meetings;
pub mod output;
pub mod refs;
mod rules;
mod sets;
pub mod sync;
