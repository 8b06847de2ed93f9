//! The append-only log of one document (a set or a journal), and its snapshot.
//!
//! ```text
//! <data dir>/docs/<doc id>/
//!   snapshot   "RVNSSNP2", a CRC-32 of the rest, then [length u32 LE][the document as
//!              `Automerge::save` writes it], then each change's signature:
//!              [hash 32 bytes][Ed25519 signature 64 bytes]...
//!   log        "RVNSLOG2", then records: [length u32 LE][CRC-32 u32 LE][kind u8][payload]
//! ```
//!
//! A record is a signed change (the signature's 64 bytes, then the change's Automerge
//! bytes) or a peer's sync state (the peer's 32-byte key, then `sync::State::encode`).
//! A snapshot is also what `revans export --format revans` writes: a backup that carries
//! every change's signature, so `revans import` can check each one. The log grows by appending; when it outgrows the
//! snapshot it is folded into a new one ([`file::LogFile::compact`]). Opening replays the
//! snapshot and then the log; a record that is torn or fails its checksum ends the log
//! there (everything after it was never acknowledged, since a commit returns only after
//! its whole batch is on disk). Replaying a log over a snapshot that already holds its
//! changes is harmless, which is what makes compaction crash-safe in two renames.
//!
//! Beside them, a document that is a set may have a `model` file: the set as the screens
//! read it, with the heads it was read at, so opening costs about a load ([`model`]).
//!
//! This module is pure (bytes in, bytes out); [`file`] does the IO, and the simulation in
//! the tests drives the same functions over an in-memory disk.

pub mod file;
pub mod model;

use std::collections::BTreeMap;

use automerge::{Automerge, Change, ChangeHash};

use crate::ids::PeerId;
use crate::signed::{Signature, Signatures};

/// The first bytes of every log file.
pub const LOG_MAGIC: &[u8; 8] = b"RVNSLOG2";
/// The first bytes of every snapshot file.
pub const SNAPSHOT_MAGIC: &[u8; 8] = b"RVNSSNP2";
/// What files written before changes were signed start with: not read, and said so.
const UNSIGNED_MAGICS: [&[u8; 8]; 2] = [b"RVNSLOG1", b"RVNSSNP1"];
/// The largest record: larger lengths are damage, not data.
pub const MAX_RECORD: usize = 64 * 1024 * 1024;

const KIND_PEER_STATE: u8 = 2;
const KIND_SIGNED_CHANGE: u8 = 3;
const HEADER: usize = 8;

/// One record of the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    /// One Automerge change, as `Change::raw_bytes` gives it, with its signature.
    Change {
        /// The change.
        change: Vec<u8>,
        /// Its signature by the device that made it.
        signature: Signature,
    },
    /// What a peer device is known to hold (`automerge::sync::State::encode`).
    PeerState {
        /// The peer.
        peer: PeerId,
        /// Its encoded sync state.
        state: Vec<u8>,
    },
}

/// Appends one record's bytes to `out`.
pub fn encode(record: &Record, out: &mut Vec<u8>) {
    let mut body = Vec::new();
    match record {
        Record::Change { change, signature } => {
            body.push(KIND_SIGNED_CHANGE);
            body.extend_from_slice(signature);
            body.extend_from_slice(change);
        }
        Record::PeerState { peer, state } => {
            body.push(KIND_PEER_STATE);
            body.extend_from_slice(&peer.0);
            body.extend_from_slice(state);
        }
    }
    // A record is never near 4 GiB: a change is a few hundred bytes, a state a few heads.
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    out.extend_from_slice(&body);
}

/// A new, empty log's bytes.
#[must_use]
pub fn empty_log() -> Vec<u8> {
    LOG_MAGIC.to_vec()
}

/// What a log's bytes hold.
#[derive(Debug, Default)]
pub struct Decoded {
    /// The good records, in order.
    pub records: Vec<Record>,
    /// How many bytes of the log are good: the header and every whole, checked record.
    pub good_len: usize,
    /// Why the log ends before its last byte, if it does.
    pub damage: Option<String>,
}

/// Reads a log, stopping at the first torn or damaged record.
#[must_use]
pub fn decode(log: &[u8]) -> Decoded {
    let mut decoded = Decoded::default();
    if log.len() < LOG_MAGIC.len() || &log[..LOG_MAGIC.len()] != LOG_MAGIC {
        if UNSIGNED_MAGICS.iter().any(|m| log.starts_with(*m)) {
            decoded.damage = Some(UNSIGNED.into());
        } else if !log.is_empty() {
            decoded.damage = Some("the log does not start with its header".into());
        }
        return decoded;
    }
    let mut at = LOG_MAGIC.len();
    decoded.good_len = at;
    while at < log.len() {
        let rest = &log[at..];
        if rest.len() < HEADER {
            decoded.damage = Some(format!("a record torn at byte {at}"));
            break;
        }
        let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let crc = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
        if len == 0 || len > MAX_RECORD || rest.len() < HEADER + len {
            decoded.damage = Some(format!("a record torn at byte {at}"));
            break;
        }
        let body = &rest[HEADER..HEADER + len];
        if crc32fast::hash(body) != crc {
            decoded.damage = Some(format!("a record at byte {at} fails its checksum"));
            break;
        }
        let record = match body[0] {
            KIND_SIGNED_CHANGE if body.len() > 65 => {
                let mut signature = [0u8; 64];
                signature.copy_from_slice(&body[1..65]);
                Record::Change {
                    change: body[65..].to_vec(),
                    signature,
                }
            }
            KIND_PEER_STATE if body.len() >= 33 => {
                let mut peer = [0u8; 32];
                peer.copy_from_slice(&body[1..33]);
                Record::PeerState {
                    peer: PeerId(peer),
                    state: body[33..].to_vec(),
                }
            }
            kind => {
                decoded.damage = Some(format!("a record of unknown kind {kind} at byte {at}"));
                break;
            }
        };
        decoded.records.push(record);
        at += HEADER + len;
        decoded.good_len = at;
    }
    decoded
}

/// Why a file from before signed changes is not read.
const UNSIGNED: &str = "it was written by a development build of Revans from before changes were signed, which this version does not read";

/// A snapshot file's bytes for a saved document and its changes' signatures.
#[must_use]
pub fn encode_snapshot(saved: &[u8], signatures: &Signatures) -> Vec<u8> {
    let mut body = Vec::with_capacity(saved.len() + 4 + 96 * signatures.len());
    // A saved document is far below 4 GiB (frames and records are capped well below).
    body.extend_from_slice(&(saved.len() as u32).to_le_bytes());
    body.extend_from_slice(saved);
    let mut sorted: Vec<(&ChangeHash, &Signature)> = signatures.iter().collect();
    sorted.sort();
    for (hash, signature) in sorted {
        body.extend_from_slice(&hash.0);
        body.extend_from_slice(signature);
    }
    let mut out = Vec::with_capacity(body.len() + 12);
    out.extend_from_slice(SNAPSHOT_MAGIC);
    out.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// The saved document inside a snapshot file and its signatures, if the file is whole.
pub fn decode_snapshot(bytes: &[u8]) -> Result<(&[u8], Signatures), String> {
    if UNSIGNED_MAGICS.iter().any(|m| bytes.starts_with(*m)) {
        return Err(UNSIGNED.into());
    }
    if bytes.len() < 16 || &bytes[..8] != SNAPSHOT_MAGIC {
        return Err("the snapshot does not start with its header".into());
    }
    let crc = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    let body = &bytes[12..];
    if crc32fast::hash(body) != crc {
        return Err("the snapshot fails its checksum".into());
    }
    let len = u32::from_le_bytes([body[0], body[1], body[2], body[3]]) as usize;
    let saved = body
        .get(4..4 + len)
        .ok_or_else(|| "the snapshot is shorter than it says".to_owned())?;
    let table = &body[4 + len..];
    if !table.len().is_multiple_of(96) {
        return Err("the snapshot's signatures are cut short".into());
    }
    let signatures = table
        .chunks_exact(96)
        .map(|entry| {
            let mut hash = [0u8; 32];
            hash.copy_from_slice(&entry[..32]);
            let mut signature = [0u8; 64];
            signature.copy_from_slice(&entry[32..]);
            (ChangeHash(hash), signature)
        })
        .collect();
    Ok((saved, signatures))
}

/// A document rebuilt from its snapshot and log.
#[derive(Debug)]
pub struct Restored {
    /// The document.
    pub doc: Automerge,
    /// Its changes' signatures.
    pub signatures: Signatures,
    /// Each peer's last saved sync state.
    pub peers: BTreeMap<PeerId, Vec<u8>>,
    /// What was damaged, in words; empty when everything loaded.
    pub problems: Vec<String>,
    /// How many bytes of the log are good (the rest is to be cut).
    pub log_good_len: usize,
}

/// Rebuilds a document from a snapshot (if there is one) and a log.
#[must_use]
pub fn restore(snapshot: Option<&[u8]>, log: &[u8]) -> Restored {
    let mut problems = Vec::new();
    let mut signatures = Signatures::new();
    let mut doc = match snapshot.map(decode_snapshot) {
        None => Automerge::new(),
        Some(Ok((saved, table))) => match Automerge::load(saved) {
            Ok(doc) => {
                signatures = table;
                doc
            }
            Err(e) => {
                problems.push(format!("the snapshot does not load ({e})"));
                Automerge::new()
            }
        },
        Some(Err(e)) => {
            problems.push(e);
            Automerge::new()
        }
    };
    let decoded = decode(log);
    if let Some(damage) = decoded.damage {
        problems.push(format!("the log was cut: {damage}"));
    }
    let mut peers = BTreeMap::new();
    let mut changes = Vec::new();
    for record in decoded.records {
        match record {
            Record::Change { change, signature } => match Change::from_bytes(change) {
                Ok(change) => {
                    signatures.insert(change.hash(), signature);
                    changes.push(change);
                }
                Err(e) => problems.push(format!("a change in the log does not read ({e})")),
            },
            Record::PeerState { peer, state } => {
                peers.insert(peer, state);
            }
        }
    }
    if let Err(e) = doc.apply_changes(changes) {
        problems.push(format!("the log's changes do not apply ({e})"));
    }
    Restored {
        doc,
        signatures,
        peers,
        problems,
        log_good_len: decoded.good_len,
    }
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ReadDoc};

    use super::*;

    fn edits(n: usize) -> AutoCommit {
        let mut doc = AutoCommit::new();
        for i in 0..n {
            doc.put(automerge::ROOT, format!("k{i}"), i64::try_from(i).unwrap())
                .unwrap();
            doc.commit();
        }
        doc
    }

    fn log_of(doc: &mut AutoCommit) -> Vec<u8> {
        let mut log = empty_log();
        for change in doc.get_changes(&[]) {
            encode(
                &Record::Change {
                    change: change.raw_bytes().to_vec(),
                    signature: [7; 64],
                },
                &mut log,
            );
        }
        encode(
            &Record::PeerState {
                peer: PeerId([9; 32]),
                state: automerge::sync::State::new().encode(),
            },
            &mut log,
        );
        log
    }

    #[test]
    fn a_log_replays_to_the_same_document() {
        let mut doc = edits(20);
        let log = log_of(&mut doc);
        let restored = restore(None, &log);
        assert!(restored.problems.is_empty(), "{:?}", restored.problems);
        assert_eq!(restored.doc.get_heads(), doc.get_heads());
        assert_eq!(restored.log_good_len, log.len());
        assert!(restored.peers.contains_key(&PeerId([9; 32])));
    }

    #[test]
    fn a_snapshot_and_a_log_that_repeats_it_replay_once() {
        let mut doc = edits(5);
        let snapshot = encode_snapshot(&doc.save(), &Signatures::new());
        let log = log_of(&mut doc);
        let restored = restore(Some(&snapshot), &log);
        assert!(restored.problems.is_empty(), "{:?}", restored.problems);
        assert_eq!(restored.doc.get_heads(), doc.get_heads());
        assert_eq!(restored.doc.get_changes(&[]).len(), 5);
    }

    /// Cut at every byte: every whole record before the cut loads, nothing panics, and
    /// the reported good length is where the log is to be cut.
    #[test]
    fn a_log_cut_at_every_byte_keeps_every_record_before_the_cut() {
        let mut doc = edits(12);
        let log = log_of(&mut doc);
        let mut ends = vec![LOG_MAGIC.len()];
        let decoded = decode(&log);
        let mut at = LOG_MAGIC.len();
        for record in &decoded.records {
            let mut one = Vec::new();
            encode(record, &mut one);
            at += one.len();
            ends.push(at);
        }
        for cut in 0..=log.len() {
            let restored = restore(None, &log[..cut]);
            let whole = ends
                .iter()
                .filter(|end| **end <= cut)
                .count()
                .saturating_sub(1);
            let expected_changes = whole.min(12);
            assert_eq!(
                restored.doc.get_changes(&[]).len(),
                expected_changes,
                "cut at {cut}"
            );
            let good = ends
                .iter()
                .rev()
                .find(|end| **end <= cut)
                .copied()
                .unwrap_or(0);
            assert_eq!(restored.log_good_len, good, "cut at {cut}");
            // Every change kept is one of the document's first, in order.
            for (i, key) in (0..expected_changes).map(|i| (i, format!("k{i}"))) {
                assert!(
                    restored.doc.get(automerge::ROOT, &key).unwrap().is_some(),
                    "{i}"
                );
            }
        }
    }

    #[test]
    fn a_flipped_bit_ends_the_log_there_and_a_damaged_snapshot_is_reported() {
        let mut doc = edits(4);
        let mut log = log_of(&mut doc);
        let third = {
            let decoded = decode(&log);
            let mut at = LOG_MAGIC.len();
            for record in &decoded.records[..2] {
                let mut one = Vec::new();
                encode(record, &mut one);
                at += one.len();
            }
            at
        };
        log[third + 10] ^= 0x40;
        let restored = restore(None, &log);
        assert_eq!(restored.doc.get_changes(&[]).len(), 2);
        assert_eq!(restored.log_good_len, third);
        assert!(
            restored.problems[0].contains("checksum"),
            "{:?}",
            restored.problems
        );

        let mut snapshot = encode_snapshot(&doc.save(), &Signatures::new());
        let last = snapshot.len() - 1;
        snapshot[last] ^= 1;
        let restored = restore(Some(&snapshot), &empty_log());
        assert!(restored.doc.get_heads().is_empty());
        assert!(
            restored.problems[0].contains("snapshot"),
            "{:?}",
            restored.problems
        );
    }
}
