//! # revans-sync
//!
//! The node that the app and the command line both drive. Where things live:
//! - [`engine`]: the sans-IO sync core (per document, per peer, an Automerge sync state);
//! - [`log`]: each document's append-only log and snapshot on disk; [`signed`]: the
//!   signature every change carries, from the device that made it;
//! - [`runtime`]: the engine's thread (group commit, who may have what, what the screens
//!   read) and [`runtime::links`], the iroh connections;
//! - [`protocol`]: the wire (ALPNs, frames, limits); [`access`]: the gate;
//! - [`ticket`] and [`join`]: invitations and admission; [`data_dir`]: the device's key
//!   and settings.
//!
//! Start one with [`Node::start`].

pub mod access;
pub mod data_dir;
pub mod engine;
mod fsutil;
pub use fsutil::io_counters;
pub mod ids;
pub mod join;
pub mod log;
mod node;
pub mod protocol;
pub mod runtime;
pub mod signed;
pub mod ticket;

pub use ids::{device_of, endpoint_of};
pub use log::file::StorageProblem;
pub use node::{
    DeviceSync, Event, FROM_SETTINGS, Imported, Node, NodeConfig, NodeError, RefusedChange,
    RelayChoice, RelayState,
};
pub use runtime::links::Route;
