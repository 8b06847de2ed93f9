//! # revans-sync
//!
//! The node that the app and the command line both drive: the device's identity
//! ([`data_dir`]), the crash-safe storage of its sets ([`storage`]), samod over iroh
//! ([`peer`], [`protocol`]), who may have what ([`access`]), and invitations ([`ticket`],
//! [`join`]). Start one with [`Node::start`].

pub mod access;
pub mod data_dir;
mod fsutil;
pub use fsutil::io_counters;
pub mod join;
mod node;
pub mod peer;
pub mod protocol;
pub mod storage;
pub mod ticket;

pub use node::{
    DeviceSync, Event, Node, NodeConfig, NodeError, RelayChoice, device_of, endpoint_of,
    new_set_id, secret_hash,
};
