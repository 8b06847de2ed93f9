//! The areas of a set, one file each, each drawn by one method of the app named for it:
//! the overview, issues, meetings, the meeting console and its room view, actions, the
//! private journal, history, and people and sync.

mod actions;
pub(crate) mod console;
mod history;
mod issues;
mod journal;
mod meetings;
mod overview;
mod people;
pub(crate) mod room;
