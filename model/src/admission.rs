//! What an admission proves, and how every device checks it (shared/DESIGN.md 4.2).
//!
//! An invitation is a key: the ticket carries its private half, the set holds only its
//! public half. Whoever presents the ticket signs, with the invitation's key, the set, the
//! invitation, the member and the device it admits; and the device itself signs its
//! consent to be that member's device in that set. Both signatures go into the set with
//! the admission, so every device checks them, and nothing secret ever enters the
//! document: a used invitation cannot be used by anyone who only read the set, and no one
//! can make a device a member's device without that device asking.
//!
//! A journal likewise lists its devices, each added with its own consent (see
//! [`journal_consent_message`]).

use ed25519_dalek::{Signature, VerifyingKey};

use crate::ids::{DeviceId, InvitationId, MemberId, SetId, unhex};

/// The bytes an invitation's key signs to admit `device` as `member`'s.
#[must_use]
pub fn admission_message(
    set: &SetId,
    invitation: &InvitationId,
    member: &MemberId,
    device: &DeviceId,
) -> Vec<u8> {
    message(
        b"revans admission",
        &[
            set.as_str(),
            invitation.as_str(),
            member.as_str(),
            device.as_str(),
        ],
    )
}

/// The bytes a device signs to consent to be `member`'s device in `set`, admitted with
/// `invitation`.
#[must_use]
pub fn consent_message(set: &SetId, member: &MemberId, invitation: &InvitationId) -> Vec<u8> {
    message(
        b"revans consent",
        &[set.as_str(), member.as_str(), invitation.as_str()],
    )
}

/// The bytes a device signs to consent to hold the journal `journal` (its document id)
/// and receive every entry written in it.
#[must_use]
pub fn journal_consent_message(journal: &str) -> Vec<u8> {
    message(b"revans journal consent", &[journal])
}

/// A domain tag and fields, each ended by a zero byte (ids never hold one).
fn message(tag: &[u8], fields: &[&str]) -> Vec<u8> {
    let mut out = tag.to_vec();
    out.push(0);
    for field in fields {
        out.extend_from_slice(field.as_bytes());
        out.push(0);
    }
    out
}

/// Whether `signature` (128 hexadecimal characters) is `key`'s (64 hexadecimal
/// characters) over `message`. Anything malformed is simply not a signature.
#[must_use]
pub fn signed_by(key: &str, message: &[u8], signature: &str) -> bool {
    let Some(key) = unhex(key).and_then(|k| <[u8; 32]>::try_from(k).ok()) else {
        return false;
    };
    let Some(signature) = unhex(signature).and_then(|s| <[u8; 64]>::try_from(s).ok()) else {
        return false;
    };
    let Ok(key) = VerifyingKey::from_bytes(&key) else {
        return false;
    };
    key.verify_strict(message, &Signature::from_bytes(&signature))
        .is_ok()
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::{Signer, SigningKey};

    use super::*;

    #[test]
    fn a_signature_holds_for_its_key_and_message_only() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let public = hex::encode(key.verifying_key().as_bytes());
        let set = SetId::from("s");
        let (member, invitation) = (MemberId::from("m"), InvitationId::from("i"));
        let consent = consent_message(&set, &member, &invitation);
        let signature = hex::encode(key.sign(&consent).to_bytes());
        assert!(signed_by(&public, &consent, &signature));
        // Another member, another set, another key, or garbage: no.
        let other = consent_message(&set, &MemberId::from("x"), &invitation);
        assert!(!signed_by(&public, &other, &signature));
        let stranger = hex::encode(SigningKey::from_bytes(&[8; 32]).verifying_key().as_bytes());
        assert!(!signed_by(&stranger, &consent, &signature));
        assert!(!signed_by(&public, &consent, "00"));
        assert!(!signed_by("zz", &consent, &signature));
        // Fields cannot be shifted from one to the next.
        assert_ne!(
            consent_message(&SetId::from("s\0m"), &MemberId::from(""), &invitation),
            consent
        );
    }
}
