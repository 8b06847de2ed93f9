//! The wire: two versioned ALPNs, their framing and limits, and the join messages.
//!
//! - [`SYNC_ALPN`] carries the sync engine: one QUIC connection per pair of devices, one
//!   bi-stream on it, and on that stream length-prefixed [`Frame`]s (a 4-byte big-endian
//!   length, then a postcard message), each sync message tagged with its document, so
//!   every set the two devices share (and a member's journal) goes over the one stream.
//!   The dialling side speaks first, with [`Frame::Hello`].
//! - [`JOIN_ALPN`] carries admission: one [`JoinRequest`] answered by one
//!   [`JoinResponse`], each a length-prefixed postcard message.

use std::sync::atomic::{AtomicU64, Ordering};

use iroh::endpoint::{RecvStream, SendStream};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::ids::DocId;

/// Sync of sets and journals; bump the number on any wire change, and on any change to
/// what the rules accept: a device on the old rules would refuse the new records (and
/// count each against the device that sent it) rather than not sync at all. (5: coming or
/// apologies, passing, each member's say in the review; 6: what the room's scribe enters
/// for a member at a running meeting.)
pub const SYNC_ALPN: &[u8] = b"revans/sync/6";
/// The sync protocols of earlier versions, newest first: recognised, not spoken. Each
/// version's rules accept what the last refused (a scribe's entries, a closed set), so
/// a device on an earlier one would refuse this one's records; instead the two devices
/// tell each other their versions and both say, in words, who needs to update.
pub const EARLIER_SYNC_ALPNS: [&[u8]; 3] = [b"revans/sync/5", b"revans/sync/4", b"revans/sync/3"];

/// The version number a sync protocol's name carries (`revans/sync/6` is 6).
#[must_use]
pub fn sync_version(alpn: &[u8]) -> Option<u32> {
    std::str::from_utf8(alpn.strip_prefix(b"revans/sync/")?)
        .ok()?
        .parse()
        .ok()
}
/// Admission of newcomers and linked devices.
pub const JOIN_ALPN: &[u8] = b"revans/join/3";

/// The largest frame. A two-year set's whole history is well under a megabyte; anything
/// larger is refused before it is allocated, and the connection closed.
pub const MAX_FRAME: usize = 16 * 1024 * 1024;
/// The largest join message: a name, an organisation, ids and three signatures.
pub const MAX_JOIN_MESSAGE: usize = 16 * 1024;
/// The largest hello: a version number, with room to grow.
pub const MAX_HELLO: usize = 1024;
/// The version a dialler announces in its hello.
pub const WIRE_VERSION: u32 = 2;

/// QUIC close codes, so a peer's log says why.
pub mod close {
    use iroh::endpoint::VarInt;
    /// The remote device is not a member's device.
    pub const NOT_A_MEMBER: VarInt = VarInt::from_u32(1);
    /// The remote sent something malformed.
    pub const MALFORMED: VarInt = VarInt::from_u32(2);
    /// The member was removed from the set.
    pub const REMOVED: VarInt = VarInt::from_u32(3);
    /// The node is shutting down.
    pub const SHUTDOWN: VarInt = VarInt::from_u32(4);
    /// Both devices dialled at once; this connection gives way to the other.
    pub const DUPLICATE: VarInt = VarInt::from_u32(5);
    /// The two devices' versions of Revans cannot sync; the reason is the name of the
    /// sync protocol the closing device speaks (`revans/sync/6`).
    pub const VERSION: VarInt = VarInt::from_u32(6);
}

/// One frame on a sync stream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Frame {
    /// The dialler's first frame: the wire version it speaks.
    Hello {
        /// [`WIRE_VERSION`].
        version: u32,
    },
    /// An Automerge sync message about one document.
    Sync {
        /// The document (a set or a journal).
        doc: [u8; 16],
        /// The encoded `automerge::sync::Message`.
        message: Vec<u8>,
    },
}

impl Frame {
    /// A sync frame.
    #[must_use]
    pub fn sync(doc: DocId, message: Vec<u8>) -> Self {
        Self::Sync {
            doc: doc.0,
            message,
        }
    }

    /// The frame's bytes with its length prefix.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        // Serialising bytes and integers into a Vec cannot fail.
        let body = postcard::to_stdvec(self).unwrap_or_default();
        let mut out = Vec::with_capacity(body.len() + 4);
        out.extend_from_slice(&(body.len() as u32).to_be_bytes());
        out.extend_from_slice(&body);
        out
    }

    /// A frame from its body (without the length prefix): the function the fuzz target
    /// drives.
    pub fn decode(body: &[u8]) -> Result<Self, WireError> {
        if body.len() > MAX_FRAME {
            return Err(WireError::TooLong(body.len()));
        }
        Ok(postcard::from_bytes(body)?)
    }
}

/// Reads one frame, refusing one over `limit` bytes before reading it. `None` at a clean
/// end of the stream.
pub async fn read_frame(recv: &mut RecvStream, limit: usize) -> Result<Option<Frame>, WireError> {
    let mut len = [0u8; 4];
    match AsyncReadExt::read_exact(recv, &mut len).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let len = u32::from_be_bytes(len) as usize;
    if len > limit.min(MAX_FRAME) {
        return Err(WireError::TooLong(len));
    }
    let mut body = vec![0u8; len];
    AsyncReadExt::read_exact(recv, &mut body).await?;
    count(&RECEIVED, len);
    Frame::decode(&body).map(Some)
}

/// Writes one encoded frame.
pub async fn write_frame(send: &mut SendStream, encoded: &[u8]) -> Result<(), WireError> {
    AsyncWriteExt::write_all(send, encoded).await?;
    count(&SENT, encoded.len().saturating_sub(4));
    Ok(())
}

static SENT: [AtomicU64; 2] = [AtomicU64::new(0), AtomicU64::new(0)];
static RECEIVED: [AtomicU64; 2] = [AtomicU64::new(0), AtomicU64::new(0)];

/// Sync frames and their bytes (with framing) that this process has sent and received,
/// over every connection so far. For the benchmarks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WireCounters {
    /// Frames sent.
    pub messages_sent: u64,
    /// Bytes sent, length prefixes included.
    pub bytes_sent: u64,
    /// Frames received.
    pub messages_received: u64,
    /// Bytes received, length prefixes included.
    pub bytes_received: u64,
}

/// The counters as they are now.
#[must_use]
pub fn wire_counters() -> WireCounters {
    WireCounters {
        messages_sent: SENT[0].load(Ordering::Relaxed),
        bytes_sent: SENT[1].load(Ordering::Relaxed),
        messages_received: RECEIVED[0].load(Ordering::Relaxed),
        bytes_received: RECEIVED[1].load(Ordering::Relaxed),
    }
}

fn count(counter: &[AtomicU64; 2], len: usize) {
    counter[0].fetch_add(1, Ordering::Relaxed);
    counter[1].fetch_add(len as u64 + 4, Ordering::Relaxed);
}

/// What a joiner presents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinRequest {
    /// The set's document id, as in the ticket.
    pub set: String,
    /// The invitation's id.
    pub invitation: String,
    /// The member the joiner is to be: a fresh id for a newcomer, the member the ticket
    /// names for a linked device.
    pub member: String,
    /// The invitation key's signature over the admission (64 bytes; see
    /// `revans_model::admission`).
    pub signature: Vec<u8>,
    /// The joining device's consent to be that member's (64 bytes).
    pub consent: Vec<u8>,
    /// The joiner's name.
    pub name: String,
    /// The joiner's organisation.
    pub organisation: String,
    /// Linking a device: the member's journal and the device's consent to hold it (64
    /// bytes), for the member's own device that admits it to add it to the journal.
    pub journal: Option<(String, Vec<u8>)>,
}

/// The answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum JoinResponse {
    /// Admitted: the joiner's member id in the set.
    Admitted {
        /// Their member id.
        member: String,
    },
    /// Refused, and why.
    Refused(Refusal),
}

/// Why a join was refused. The joiner sees it in words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Refusal {
    /// No such invitation, or the key does not match.
    #[error("the invitation is not known to the set (check the ticket was copied whole)")]
    Unknown,
    /// Already used.
    #[error("the invitation has been used already")]
    Used,
    /// Expired.
    #[error("the invitation has expired")]
    Expired,
    /// Withdrawn.
    #[error("the invitation was withdrawn")]
    Revoked,
    /// This device already belongs to a member of the set.
    #[error("this device already belongs to a member of the set")]
    DeviceTaken,
    /// The device asked does not hold the set (any more).
    #[error("that device does not hold the set")]
    NotHere,
    /// The request did not parse.
    #[error("the request was malformed")]
    Malformed,
    /// The member's node failed to record the admission.
    #[error("the member's device could not record the admission")]
    Failed,
    /// This device asked too often lately.
    #[error("this device asked to join too often; wait a minute and try again")]
    TooOften,
}

/// A join protocol error.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// The stream failed.
    #[error("connection failed: {0}")]
    Io(#[from] std::io::Error),
    /// Too long.
    #[error("message of {0} bytes is over the limit")]
    TooLong(usize),
    /// Did not parse.
    #[error("malformed message: {0}")]
    Malformed(#[from] postcard::Error),
}

/// Writes one length-prefixed postcard message.
pub async fn write_message<T: Serialize>(
    send: &mut SendStream,
    message: &T,
) -> Result<(), WireError> {
    let bytes = postcard::to_stdvec(message)?;
    if bytes.len() > MAX_JOIN_MESSAGE {
        return Err(WireError::TooLong(bytes.len()));
    }
    let len = u32::try_from(bytes.len()).map_err(|_| WireError::TooLong(bytes.len()))?;
    AsyncWriteExt::write_all(send, &len.to_be_bytes()).await?;
    AsyncWriteExt::write_all(send, &bytes).await?;
    Ok(())
}

/// Reads one length-prefixed postcard message, refusing one over the limit before
/// reading it.
pub async fn read_message<T: for<'de> Deserialize<'de>>(
    recv: &mut RecvStream,
) -> Result<T, WireError> {
    let mut len = [0u8; 4];
    AsyncReadExt::read_exact(recv, &mut len).await?;
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_JOIN_MESSAGE {
        return Err(WireError::TooLong(len));
    }
    let mut bytes = vec![0u8; len];
    AsyncReadExt::read_exact(recv, &mut bytes).await?;
    Ok(postcard::from_bytes(&bytes)?)
}

/// Decodes a join request from its bytes: the function the fuzz target drives.
pub fn decode_join_request(bytes: &[u8]) -> Result<JoinRequest, WireError> {
    if bytes.len() > MAX_JOIN_MESSAGE {
        return Err(WireError::TooLong(bytes.len()));
    }
    Ok(postcard::from_bytes(bytes)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_garbage_is_an_error() {
        let frame = Frame::sync(DocId([3; 16]), vec![1, 2, 3]);
        let encoded = frame.encode();
        assert_eq!(Frame::decode(&encoded[4..]).unwrap(), frame);
        assert!(Frame::decode(&[0xff; 40]).is_err());
        assert!(Frame::decode(&encoded[4..encoded.len() - 1]).is_err());
        assert!(matches!(
            Frame::decode(&vec![0; MAX_FRAME + 1]),
            Err(WireError::TooLong(_))
        ));
    }

    #[test]
    fn join_requests_round_trip_and_garbage_is_an_error() {
        let request = JoinRequest {
            set: "set".into(),
            invitation: "inv".into(),
            member: "m".into(),
            signature: vec![7; 64],
            consent: vec![8; 64],
            name: "Eve".into(),
            organisation: "Library".into(),
            journal: Some(("journal".into(), vec![9; 64])),
        };
        let bytes = postcard::to_stdvec(&request).unwrap();
        assert_eq!(decode_join_request(&bytes).unwrap(), request);
        assert!(decode_join_request(&bytes[..bytes.len() / 2]).is_err());
        assert!(decode_join_request(&[0xff; 40]).is_err());
        assert!(matches!(
            decode_join_request(&vec![0; MAX_JOIN_MESSAGE + 1]),
            Err(WireError::TooLong(_))
        ));
    }
}
