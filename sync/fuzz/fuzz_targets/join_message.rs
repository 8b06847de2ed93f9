//! Any bytes offered as a join request decode or are refused; never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use revans_sync::protocol::decode_join_request;

fuzz_target!(|data: &[u8]| {
    let _ = decode_join_request(data);
});
