//! What travels between devices: a message that carries an Automerge sync message and
//! one signature for each change ([`crate::signed`]), and the checks a message passes
//! before Automerge reads it.

use automerge::sync::Message;

use crate::signed::Signature;

/// A message on the wire: an Automerge sync message, then one signature for each change
/// it carries, in order.
#[must_use]
pub fn envelope(message: &[u8], signatures: &[Signature]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + message.len() + 64 * signatures.len());
    // A message is bounded by the frame limit, far below 4 GiB.
    out.extend_from_slice(&(message.len() as u32).to_le_bytes());
    out.extend_from_slice(message);
    for signature in signatures {
        out.extend_from_slice(signature);
    }
    out
}

/// A wire message's Automerge part and its signatures (one per change, in order).
pub fn open_envelope(bytes: &[u8]) -> Result<(&[u8], Vec<Signature>), Refused> {
    let malformed = || Refused::Malformed("a message without its signatures".into());
    let len = bytes
        .get(..4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .ok_or_else(malformed)?;
    let message = bytes.get(4..4 + len).ok_or_else(malformed)?;
    let rest = &bytes[4 + len..];
    if !rest.len().is_multiple_of(64) {
        return Err(malformed());
    }
    let signatures = rest
        .chunks_exact(64)
        .map(|c| {
            let mut s = [0u8; 64];
            s.copy_from_slice(c);
            s
        })
        .collect();
    Ok((message, signatures))
}

/// Why a peer's message was not taken.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The document is not one this device shares with that peer: ignored without reply,
    /// so a peer learns nothing about documents it may not have.
    #[error("a document not shared with this device")]
    NotShared,
    /// The bytes are not a sync message, or Automerge refused them.
    #[error("a malformed sync message: {0}")]
    Malformed(String),
    /// Automerge panicked on the message; the document must be rebuilt from its log.
    #[error("a sync message that broke the document's engine; rebuilding it from disk")]
    Broke,
}

/// Automerge's bloom filters always use 10 bits and 7 probes an entry; other values in a
/// peer's `have` would make generating the reply divide by zero or allocate without bound.
pub(super) fn sane_have(message: &Message) -> Result<(), Refused> {
    if message.have.len() > 1 {
        return Err(Refused::Malformed(
            "more than one summary of what it has".into(),
        ));
    }
    for have in &message.have {
        let bytes = have.bloom.to_bytes();
        if bytes.is_empty() {
            // An empty filter: nothing to probe.
            continue;
        }
        let mut fields = [0u64; 3];
        let mut at = 0;
        for field in &mut fields {
            let (value, used) = read_uleb(&bytes[at.min(bytes.len())..])
                .ok_or_else(|| Refused::Malformed("a summary that does not read".into()))?;
            *field = value;
            at += used;
        }
        let [entries, bits_per_entry, probes] = fields;
        if entries > 0 && (bits_per_entry != 10 || probes != 7) {
            return Err(Refused::Malformed("a summary of an unknown shape".into()));
        }
    }
    Ok(())
}

/// An unsigned LEB128 number and the bytes it took.
fn read_uleb(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, byte) in bytes.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}
