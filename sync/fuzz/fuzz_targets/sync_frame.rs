//! Any bytes offered as a sync frame, and any signed sync message inside one, decode or
//! are refused; never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use revans_sync::protocol::Frame;

fuzz_target!(|data: &[u8]| {
    if let Ok(Frame::Sync { message, .. }) = Frame::decode(data)
        && let Ok((message, _signatures)) = revans_sync::engine::open_envelope(&message)
    {
        let _ = automerge::sync::Message::decode(message);
    }
});
