//! Identifiers of everything in a set. Every id is random (UUID v4), never sequential, so
//! two devices that create records while offline cannot collide.

use std::fmt;

use autosurgeon::{Hydrate, HydrateError, Reconcile, Reconciler};
use serde::{Deserialize, Serialize};

macro_rules! random_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A new random id.
            #[must_use]
            pub fn random() -> Self {
                Self(uuid::Uuid::new_v4().simple().to_string())
            }

            /// The id as text, as it is stored in the document.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The first eight characters: enough to tell ids apart on a screen.
            #[must_use]
            pub fn short(&self) -> &str {
                self.0.get(..8).unwrap_or(&self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        /// Map keys come back from the document as strings.
        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(s)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }

        impl Reconcile for $name {
            type Key<'a> = autosurgeon::reconcile::NoKey;

            fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
                reconciler.str(&self.0)
            }
        }

        impl Hydrate for $name {
            fn hydrate_string(s: &str) -> Result<Self, HydrateError> {
                Ok(Self(s.to_owned()))
            }
        }
    };
}

random_id!(
    /// One Action Learning Set, and so one Automerge document.
    SetId
);
random_id!(
    /// A member of one set. The same person has a different member id in each set.
    MemberId
);
random_id!(
    /// A ground rule the set has proposed.
    RuleId
);
random_id!(
    /// A member's issue: the problem they bring to the set.
    IssueId
);
random_id!(
    /// A meeting of the set.
    MeetingId
);
random_id!(
    /// An action a member commits to.
    ActionId
);
random_id!(
    /// A question in the set's question bank.
    QuestionId
);
random_id!(
    /// A celebration of a member's achievement.
    CelebrationId
);
random_id!(
    /// A question or statement logged during a turn.
    ContributionId
);
random_id!(
    /// A change of the set's facilitation.
    HandoverId
);
random_id!(
    /// An invitation to join the set.
    InvitationId
);
random_id!(
    /// An entry in a member's private journal.
    JournalEntryId
);

/// The bytes a hexadecimal text stands for, if it is one in the one spelling a set writes
/// (lowercase digits only, as `hex::encode` writes them): one key, one text.
#[must_use]
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    hex::decode(text).ok()
}

/// A device of a member: the 32-byte public key of its iroh endpoint, written as 64
/// lowercase hexadecimal characters. The model only checks the form; the network layer
/// proves a peer holds the key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeviceId(String);

/// A device id that is not 64 hexadecimal characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "\"{0}\" is not a device id: a device id is 64 hexadecimal characters, as `revans profile` prints it."
)]
pub struct BadDeviceId(pub String);

impl DeviceId {
    /// Parses a device id from its text form; upper-case hex is accepted and normalised.
    pub fn parse(text: &str) -> Result<Self, BadDeviceId> {
        let text = text.trim();
        if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Self(text.to_ascii_lowercase()))
        } else {
            Err(BadDeviceId(text.chars().take(80).collect()))
        }
    }

    /// A device id from the 32 bytes of an endpoint's public key.
    #[must_use]
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(hex::encode(bytes))
    }

    /// The id as text, as it is stored in the document.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 32 bytes of the key, if the id is well formed.
    #[must_use]
    pub fn to_bytes(&self) -> Option<[u8; 32]> {
        unhex(&self.0)?.try_into().ok()
    }

    /// The device's Automerge actor: every change it writes names it.
    #[must_use]
    pub fn actor(&self) -> automerge::ActorId {
        self.actor_in(0)
    }

    /// The most generations a device writes in: it begins one only when a change of its
    /// own turns void, which a set's whole life brings a few times at most. Each is another
    /// actor to Automerge, which costs every device a pass over the document to take in,
    /// so a device writing in more is refused.
    pub const MAX_GENERATION: u32 = 100;

    /// The device's actor in `generation`: its key, then (past the first generation) the
    /// generation's number in four bytes. Automerge numbers an actor's changes in one
    /// line, each building on the one before; when a change of this device's own no
    /// longer stands (it was built on a void one), its next change must not build on it,
    /// so the device writes on as its next generation. Every generation is the same
    /// device: its key signs them all.
    #[must_use]
    pub fn actor_in(&self, generation: u32) -> automerge::ActorId {
        let Some(key) = self.to_bytes() else {
            return automerge::ActorId::from(self.0.as_bytes());
        };
        if generation == 0 {
            return automerge::ActorId::from(&key[..]);
        }
        let mut bytes = key.to_vec();
        bytes.extend_from_slice(&generation.to_be_bytes());
        automerge::ActorId::from(bytes)
    }

    /// The device an actor is a generation of (see [`DeviceId::actor_in`]), and which
    /// generation; `None` for an actor that is no device's.
    #[must_use]
    pub fn of_actor(actor: &automerge::ActorId) -> Option<(Self, u32)> {
        let bytes = actor.to_bytes();
        let key: [u8; 32] = bytes.get(..32)?.try_into().ok()?;
        let suffix = bytes.get(32..)?;
        let generation = if suffix.is_empty() {
            0
        } else {
            let generation = u32::from_be_bytes(suffix.try_into().ok()?);
            if generation == 0 {
                return None;
            }
            generation
        };
        Some((Self::from_bytes(key), generation))
    }

    /// The first ten characters, the way iroh shortens endpoint ids for people.
    #[must_use]
    pub fn short(&self) -> &str {
        self.0.get(..10).unwrap_or(&self.0)
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for DeviceId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Map keys come back from the document as strings; a malformed one from a peer is
/// kept as it is and simply never matches a real endpoint.
impl From<String> for DeviceId {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl Reconcile for DeviceId {
    type Key<'a> = autosurgeon::reconcile::NoKey;

    fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
        reconciler.str(&self.0)
    }
}

impl Hydrate for DeviceId {
    fn hydrate_string(s: &str) -> Result<Self, HydrateError> {
        Ok(Self(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key has one text: a sign, a capital or a space does not spell it again.
    #[test]
    fn a_key_has_one_spelling() {
        assert_eq!(unhex("0a"), Some(vec![10]));
        for other in ["+a", "0A", " a", "a"] {
            assert_eq!(unhex(other), None, "{other:?}");
        }
        let device = DeviceId::from_bytes([0xab; 32]);
        let shouting = DeviceId::from(device.as_str().to_uppercase());
        assert_eq!(shouting.to_bytes(), None);
    }

    /// Every generation of a device is that device; no other actor is anyone's.
    #[test]
    fn a_devices_generations_are_all_it() {
        let device = DeviceId::from_bytes([7; 32]);
        for generation in [0, 1, 2, u32::MAX] {
            let actor = device.actor_in(generation);
            assert_eq!(
                DeviceId::of_actor(&actor),
                Some((device.clone(), generation))
            );
        }
        assert_eq!(device.actor_in(0), device.actor());
        for bytes in [vec![7; 31], vec![7; 33], vec![7; 40], {
            let mut zero = vec![7; 32];
            zero.extend([0; 4]);
            zero
        }] {
            assert_eq!(DeviceId::of_actor(&automerge::ActorId::from(bytes)), None);
        }
    }

    #[test]
    fn random_ids_differ_and_are_not_sequential() {
        let a = MemberId::random();
        let b = MemberId::random();
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 32);
    }

    #[test]
    fn device_ids_are_64_hex_characters() {
        let ok = "AB".repeat(32);
        assert_eq!(DeviceId::parse(&ok).unwrap().as_str(), "ab".repeat(32));
        assert_eq!(DeviceId::from_bytes([0xab; 32]).as_str(), "ab".repeat(32));
        assert!(DeviceId::parse("ab").is_err());
        assert!(DeviceId::parse(&"zz".repeat(32)).is_err());
        let err = DeviceId::parse("nonsense").unwrap_err().to_string();
        assert!(err.contains("64 hexadecimal characters"), "{err}");
    }
}
