//! The set as the screens read it, kept beside its document's snapshot with the heads it
//! was read at, so that opening a set costs about loading its document.
//!
//! ```text
//! <data dir>/docs/<doc id>/model   "RVNSMDL1", a CRC-32 of the rest, then
//!     [length u16 LE][the version that wrote it, "<crate version>/<schema>"]
//!     [count u32 LE][the heads, 32 bytes each]
//!     [the set and its values with two versions, in postcard]
//! ```
//!
//! It is a cache and nothing more: written by this device when it stops, and read only
//! when the document opens at exactly the heads it names, by the same version. A file
//! missing, damaged, from another version or from other heads is passed over and the set
//! is read whole from its document, as it would be without it. The file holds nothing the
//! document beside it does not, and is owner-only like it.

use automerge::ChangeHash;
use revans_model::{ActionLearningSet, Conflict};

/// The first bytes of every model file.
pub const MODEL_MAGIC: &[u8; 8] = b"RVNSMDL1";

/// Which code wrote a model file: another version may lay the model out otherwise.
fn version() -> String {
    format!(
        "{}/{}",
        env!("CARGO_PKG_VERSION"),
        revans_model::SCHEMA_VERSION
    )
}

/// A model file's bytes: the set and its values with two versions, read at `heads`.
#[must_use]
pub fn encode_model(
    heads: &[ChangeHash],
    set: &ActionLearningSet,
    conflicts: &[Conflict],
) -> Option<Vec<u8>> {
    let version = version();
    let mut body = Vec::new();
    body.extend_from_slice(&u16::try_from(version.len()).ok()?.to_le_bytes());
    body.extend_from_slice(version.as_bytes());
    body.extend_from_slice(&u32::try_from(heads.len()).ok()?.to_le_bytes());
    for head in heads {
        body.extend_from_slice(&head.0);
    }
    let body = postcard::to_extend(&(set, conflicts), body).ok()?;
    let mut out = Vec::with_capacity(body.len() + 12);
    out.extend_from_slice(MODEL_MAGIC);
    out.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    out.extend_from_slice(&body);
    Some(out)
}

/// The set and its values with two versions in a model file, if the file is whole, was
/// written by this version and was read at exactly `heads`.
#[must_use]
pub fn decode_model(
    bytes: &[u8],
    heads: &[ChangeHash],
) -> Option<(ActionLearningSet, Vec<Conflict>)> {
    let rest = bytes.strip_prefix(MODEL_MAGIC)?;
    let (crc, body) = rest.split_first_chunk::<4>()?;
    if crc32fast::hash(body) != u32::from_le_bytes(*crc) {
        return None;
    }
    let (len, body) = body.split_first_chunk::<2>()?;
    let (written_by, body) = body.split_at_checked(usize::from(u16::from_le_bytes(*len)))?;
    if written_by != version().as_bytes() {
        return None;
    }
    let (count, mut body) = body.split_first_chunk::<4>()?;
    let count = usize::try_from(u32::from_le_bytes(*count)).ok()?;
    if count != heads.len() {
        return None;
    }
    let mut read = Vec::with_capacity(count);
    for _ in 0..count {
        let (head, rest) = body.split_first_chunk::<32>()?;
        read.push(ChangeHash(*head));
        body = rest;
    }
    let mut expected = heads.to_vec();
    expected.sort();
    read.sort();
    if read != expected {
        return None;
    }
    let (model, rest) = postcard::take_from_bytes(body).ok()?;
    rest.is_empty().then_some(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A new set, as its founder's device holds it: the suggested rules and questions
    /// make it a model of some size.
    fn a_set() -> (automerge::Automerge, ActionLearningSet) {
        let key = iroh::SecretKey::from_bytes(&[7; 32]);
        let (doc, _, _) = revans_model::create_set(
            revans_model::NewSet {
                name: "Leaders in practice".into(),
                purpose: "To act on what we bring.".into(),
                founder: revans_model::Profile {
                    display_name: "Ada".into(),
                    organisation: "Harbour Trust".into(),
                },
                device: revans_model::DeviceId::from_bytes(*key.public().as_bytes()),
            },
            chrono::Utc::now(),
        )
        .unwrap();
        let set = ActionLearningSet::from_doc(&doc).unwrap();
        (doc, set)
    }

    #[test]
    fn a_model_reads_back_only_at_its_own_heads_whole_and_unaltered() {
        let (doc, set) = a_set();
        let heads = doc.get_heads();
        let bytes = encode_model(&heads, &set, &[]).unwrap();
        let (read, conflicts) = decode_model(&bytes, &heads).unwrap();
        assert_eq!(read, set);
        assert!(conflicts.is_empty());
        // Other heads: the document moved on since (or went back), so the file is passed over.
        assert!(decode_model(&bytes, &[]).is_none());
        let other = ChangeHash([9; 32]);
        assert!(decode_model(&bytes, &[other]).is_none());
        // Any byte flipped or cut, anywhere: passed over, never misread.
        for i in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[i] ^= 0x40;
            assert!(decode_model(&flipped, &heads).is_none(), "byte {i}");
        }
        for len in 0..bytes.len() {
            assert!(
                decode_model(&bytes[..len], &heads).is_none(),
                "cut at {len}"
            );
        }
    }
}
