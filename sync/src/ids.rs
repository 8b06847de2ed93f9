//! The engine's names for things: a document (a set or a journal) and a peer device.
//! Both are fixed-size byte strings, so the wire and the log carry them without parsing.

use std::fmt;
use std::str::FromStr;

use iroh::EndpointId;

use revans_model::{DeviceId, SetId};

/// A document's id: 16 random bytes, written as 32 lowercase hex digits (the same text as
/// the set's id in the model).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocId(pub [u8; 16]);

/// A peer device: its 32-byte Ed25519 public key (its iroh endpoint id).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PeerId(pub [u8; 32]);

/// Text that is not a document id.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not a set's id (32 hexadecimal digits)")]
pub struct BadDocId(pub String);

impl DocId {
    /// A fresh random id.
    #[must_use]
    pub fn random() -> Self {
        Self(rand::random())
    }

    /// The id of a set.
    pub fn of_set(set: &SetId) -> Result<Self, BadDocId> {
        set.as_str().parse()
    }

    /// The set with this id.
    #[must_use]
    pub fn set_id(&self) -> SetId {
        SetId::from(self.to_string())
    }
}

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl FromStr for DocId {
    type Err = BadDocId;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || BadDocId(text.to_owned());
        revans_model::unhex(text.trim())
            .and_then(|bytes| <[u8; 16]>::try_from(bytes).ok())
            .map(Self)
            .ok_or_else(bad)
    }
}

impl PeerId {
    /// The device id the model records for this peer.
    #[must_use]
    pub fn device(&self) -> DeviceId {
        DeviceId::from_bytes(self.0)
    }

    /// The peer of a device id recorded in a set, if it is a valid key's text.
    #[must_use]
    pub fn of_device(device: &DeviceId) -> Option<Self> {
        device.to_bytes().map(Self)
    }

    /// A few hex digits, for logs.
    #[must_use]
    pub fn short(&self) -> String {
        hex::encode(&self.0[..5])
    }
}

impl fmt::Display for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

/// The device id of an endpoint.
#[must_use]
pub fn device_of(id: &EndpointId) -> DeviceId {
    DeviceId::from_bytes(*id.as_bytes())
}

/// The endpoint of a device id, if it is a valid key.
#[must_use]
pub fn endpoint_of(device: &DeviceId) -> Option<EndpointId> {
    EndpointId::from_str(device.as_str()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_ids_read_back_from_their_text_and_garbage_is_refused() {
        let id = DocId::random();
        assert_eq!(id.to_string().parse::<DocId>().unwrap(), id);
        assert_eq!(DocId::of_set(&id.set_id()).unwrap(), id);
        for bad in ["", "zz", &"g".repeat(32), &"é".repeat(16), &"a".repeat(33)] {
            assert!(bad.parse::<DocId>().is_err(), "{bad:?}");
        }
    }
}
