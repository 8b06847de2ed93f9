//! Changes signed by the device that made them: every change a device writes carries
//! the Ed25519 signature of its hash by the device's key, kept beside it in the log and
//! sent beside it on the wire, so a device takes no change its author did not sign.

use std::collections::HashMap;

use automerge::{Change, ChangeHash};
use iroh::{PublicKey, SecretKey};
use revans_model::DeviceId;

use crate::ids::PeerId;

/// An Ed25519 signature of a change's hash by the device that made it.
pub type Signature = [u8; 64];

/// The signatures of a document's changes, by change.
pub type Signatures = HashMap<ChangeHash, Signature>;

/// A change's signature by `key`: the Ed25519 signature of the change's hash.
#[must_use]
pub fn sign(key: &SecretKey, change: &Change) -> Signature {
    key.sign(&change.hash().0).to_bytes()
}

/// Whether `signature` is the signature of `change` by the device the change names.
pub fn verify(change: &Change, signature: &Signature) -> Result<(), String> {
    let Some(key) = DeviceId::of_actor(change.actor_id()).and_then(|(d, _)| d.to_bytes()) else {
        return Err("a change whose author is not a device".into());
    };
    let public = PublicKey::from_bytes(&key)
        .map_err(|_| "a change whose author is not a device key".to_owned())?;
    public
        .verify(&change.hash().0, &iroh::Signature::from_bytes(signature))
        .map_err(|_| {
            "a change whose signature does not match it (forged, or altered on the way)".to_owned()
        })
}

/// The device that wrote a change (named by its actor), whichever of its generations it
/// wrote as.
pub(crate) fn author_of(actor: &automerge::ActorId) -> Option<PeerId> {
    DeviceId::of_actor(actor)
        .and_then(|(device, _)| device.to_bytes())
        .map(PeerId)
}
