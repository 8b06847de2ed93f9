//! Multi-peer scenarios: real iroh endpoints on 127.0.0.1, relays off, one test binary.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod acknowledged;
mod authority;
mod crash;
mod damage;
mod hostile;
mod invitations;
mod journal;
mod membership;
mod offline;
mod relay;
mod strangers;
