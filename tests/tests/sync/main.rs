//! Multi-peer scenarios: real iroh endpoints on 127.0.0.1, relays off, one test binary;
//! and the engine sans IO: under a seeded simulation with hostile members ([`simulation`]),
//! and fed one scenario's changes in every order ([`order`]).

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
mod order;
mod relay;
mod simulation;
mod strangers;
mod versions;
