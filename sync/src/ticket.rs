//! The invitation ticket: everything a newcomer's device needs to find the set's members
//! and present the invitation: the invitation's private key (the set holds only its public
//! half), and, for linking a member's own new device, which member and which journal. A
//! string of our own kind (`revans...`), encoded with `iroh-tickets`. The two kinds are
//! told apart before anything is sent: `join` takes only an invitation for a newcomer and
//! `link-device` only a link.

use std::fmt;
use std::str::FromStr;

use iroh::EndpointAddr;
use iroh_tickets::{ParseError, Ticket};
use serde::{Deserialize, Serialize};

/// An invitation to a set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InviteTicket {
    /// The set's document id (32 hexadecimal digits).
    pub set: String,
    /// The invitation's id in the set.
    pub invitation: String,
    /// The invitation's private key (an Ed25519 seed); the set holds its public half.
    pub key: [u8; 32],
    /// Where members' devices were reachable when the ticket was made.
    pub peers: Vec<EndpointAddr>,
    /// Set when the ticket links a member's own new device rather than inviting a
    /// newcomer.
    pub link: Option<Link>,
    /// A short welcome the inviting member chose to send with it (the set's purpose, what
    /// action learning is, its ground rules), shown before joining; empty for none.
    pub welcome: String,
}

/// The longest welcome a ticket carries, in characters: a few short paragraphs.
pub const WELCOME_MAX: usize = 1500;

/// What a ticket that links a member's own new device says besides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// The member the new device will act for.
    pub member: String,
    /// Their private journal's document id, so the new device can fetch it from the
    /// member's other devices once it is on the journal's list.
    pub journal: String,
}

#[derive(Serialize, Deserialize)]
enum Wire {
    V2 {
        set: String,
        invitation: String,
        key: [u8; 32],
        peers: Vec<EndpointAddr>,
        link: Option<Link>,
    },
    /// With a welcome.
    V3 {
        set: String,
        invitation: String,
        key: [u8; 32],
        peers: Vec<EndpointAddr>,
        link: Option<Link>,
        welcome: String,
    },
}

impl Ticket for InviteTicket {
    const KIND: &'static str = "revans";

    fn encode_bytes(&self) -> Vec<u8> {
        let wire = Wire::V3 {
            set: self.set.clone(),
            invitation: self.invitation.clone(),
            key: self.key,
            peers: self.peers.clone(),
            link: self.link.clone(),
            welcome: self.welcome.clone(),
        };
        // Serialising owned strings, bytes and addresses into a Vec cannot fail.
        postcard::to_stdvec(&wire).unwrap_or_default()
    }

    fn decode_bytes(bytes: &[u8]) -> Result<Self, ParseError> {
        let (set, invitation, key, peers, link, welcome) = match postcard::from_bytes(bytes)? {
            Wire::V2 {
                set,
                invitation,
                key,
                peers,
                link,
            } => (set, invitation, key, peers, link, String::new()),
            Wire::V3 {
                set,
                invitation,
                key,
                peers,
                link,
                welcome,
            } => (set, invitation, key, peers, link, welcome),
        };
        if welcome.chars().count() > WELCOME_MAX {
            return Err(ParseError::verification_failed(
                "its welcome is longer than a ticket carries",
            ));
        }
        let id = |s: &str| !s.is_empty() && s.len() <= 64;
        if !id(&set) || !id(&invitation) {
            return Err(ParseError::verification_failed(
                "the set or invitation id is malformed",
            ));
        }
        if peers.is_empty() || peers.len() > 64 {
            return Err(ParseError::verification_failed(
                "a ticket names 1 to 64 devices",
            ));
        }
        if link
            .as_ref()
            .is_some_and(|l| !id(&l.member) || !id(&l.journal))
        {
            return Err(ParseError::verification_failed(
                "the member or journal id is malformed",
            ));
        }
        Ok(Self {
            set,
            invitation,
            key,
            peers,
            link,
            welcome,
        })
    }
}

impl fmt::Display for InviteTicket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode_string())
    }
}

/// A ticket that does not parse, said so a person knows what to do.
#[derive(Debug, thiserror::Error)]
#[error(
    "That is not a Revans invitation ticket ({0}); ask the member who invited you to send it again, and copy all of it."
)]
pub struct BadTicket(String);

impl BadTicket {
    /// A ticket whose `what` does not read.
    pub(crate) fn malformed(what: &str) -> Self {
        Self(format!("{what} is malformed"))
    }
}

impl FromStr for InviteTicket {
    type Err = BadTicket;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.len() > 64 * 1024 {
            return Err(BadTicket("it is far too long".into()));
        }
        Self::decode_string(s).map_err(|e| BadTicket(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket() -> InviteTicket {
        let id = iroh::SecretKey::from_bytes(&[5; 32]).public();
        InviteTicket {
            set: "2Zy8nExampleDocId".into(),
            invitation: "0123456789abcdef0123456789abcdef".into(),
            key: [9; 32],
            peers: vec![EndpointAddr::new(id).with_ip_addr("127.0.0.1:4433".parse().unwrap())],
            link: Some(Link {
                member: "0123456789abcdef0123456789abcdef".into(),
                journal: "3JournalDocId".into(),
            }),
            welcome: "Ada invites you to Tuesday set.".into(),
        }
    }

    /// A ticket made before tickets carried a welcome still admits, with none.
    #[test]
    fn a_ticket_without_a_welcome_still_reads_and_a_long_one_is_refused() {
        let t = ticket();
        let old = Wire::V2 {
            set: t.set.clone(),
            invitation: t.invitation.clone(),
            key: t.key,
            peers: t.peers.clone(),
            link: t.link.clone(),
        };
        let bytes = postcard::to_stdvec(&old).unwrap();
        let read = InviteTicket::decode_bytes(&bytes).unwrap();
        assert_eq!(read.welcome, "");
        assert_eq!(read.key, t.key);
        let long = InviteTicket {
            welcome: "a".repeat(WELCOME_MAX + 1),
            ..t
        };
        let e = long.to_string().parse::<InviteTicket>().unwrap_err();
        assert!(e.to_string().contains("welcome is longer"), "{e}");
    }

    #[test]
    fn a_ticket_round_trips_through_its_string() {
        let t = ticket();
        let s = t.to_string();
        assert!(s.starts_with("revans"));
        assert_eq!(s.parse::<InviteTicket>().unwrap(), t);
    }

    #[test]
    fn altered_or_truncated_tickets_are_refused_in_words() {
        let s = ticket().to_string();
        for bad in [
            &s[..s.len() / 2],
            "revansnotbase32!",
            "endpointabc",
            "",
            &s.replace("revans", ""),
        ] {
            let e = bad.parse::<InviteTicket>().unwrap_err();
            assert!(
                e.to_string().contains("not a Revans invitation ticket"),
                "{e}"
            );
        }
    }
}
