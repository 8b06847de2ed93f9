//! # revans-sync
//!
//! The node that the app and the command line both drive: the device's identity, the
//! crash-safe storage of its sets, and (to come in this crate) samod over iroh,
//! membership checks and invitations.

pub mod data_dir;
mod fsutil;
pub mod storage;
