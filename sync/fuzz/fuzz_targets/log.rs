//! Any bytes found where a log or a snapshot should be restore to some document, with
//! the damage reported; never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use revans_sync::log::restore;

fuzz_target!(|data: &[u8]| {
    let (snapshot, log) = data.split_at(data.len() / 3);
    let _ = restore(Some(snapshot), log);
    let _ = restore(None, data);
});
