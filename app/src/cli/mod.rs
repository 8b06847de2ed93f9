//! The command line: its grammar, how each command is carried out, and `revans sync`.

pub mod args;
pub mod exec;
pub mod refs;
pub mod sync;
