//! The set as the screens read it, kept beside its document's snapshot with the heads it
//! was read at, so that opening a set costs about loading its document.
//!
//! ```text
//! <data dir>/docs/<doc id>/model   "RVNSMDL1", a CRC-32 of the rest, then
//!     [length u16 LE][the build that wrote it: "<version>/<schema>/<program size>/<time>"]
//!     [count u32 LE][the heads, 32 bytes each]
//!     [the set and its values with two versions, in postcard]
//! ```
//!
//! It is a cache and nothing more: written by this device when it stops, and read only
//! when the document opens at exactly the heads it names, by the same build. A file
//! missing, damaged, from another build or from other heads is passed over and the set
//! is read whole from its document, as it would be without it. The file holds nothing the
//! document beside it does not, and is owner-only like it.

use automerge::ChangeHash;
use revans_model::{ActionLearningSet, Conflict};

/// The first bytes of every model file.
pub const MODEL_MAGIC: &[u8; 8] = b"RVNSMDL1";

/// Which build wrote a model file: the version, the document's schema, and the program
/// file itself (its size and time), so a model laid out by any other build, a newer
/// version or a developer's rebuild alike, is passed over rather than misread. `None`
/// where the program file cannot be looked at: then no model is kept or read.
fn build() -> Option<&'static str> {
    static BUILD: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    BUILD
        .get_or_init(|| {
            let program = std::fs::metadata(std::env::current_exe().ok()?).ok()?;
            let modified = program
                .modified()
                .ok()?
                .duration_since(std::time::UNIX_EPOCH)
                .ok()?;
            Some(format!(
                "{}/{}/{}/{}",
                env!("CARGO_PKG_VERSION"),
                revans_model::SCHEMA_VERSION,
                program.len(),
                modified.as_nanos()
            ))
        })
        .as_deref()
}

/// A model file's bytes: the set and its values with two versions, read at `heads`.
#[must_use]
pub fn encode_model(
    heads: &[ChangeHash],
    set: &ActionLearningSet,
    conflicts: &[Conflict],
) -> Option<Vec<u8>> {
    let build = build()?;
    let mut body = Vec::new();
    body.extend_from_slice(&u16::try_from(build.len()).ok()?.to_le_bytes());
    body.extend_from_slice(build.as_bytes());
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
/// written by this build and was read at exactly `heads`.
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
    if written_by != build()?.as_bytes() {
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
        // Written by another build (another version, or a rebuild): passed over, whole
        // and at the same heads as it is.
        let mut other_build = bytes.clone();
        let at = 12 + 2;
        other_build[at] ^= 0x01;
        let crc = crc32fast::hash(&other_build[12..]).to_le_bytes();
        other_build[8..12].copy_from_slice(&crc);
        assert!(decode_model(&other_build, &heads).is_none());
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
