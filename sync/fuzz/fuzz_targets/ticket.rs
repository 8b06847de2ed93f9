//! Any string offered as an invitation ticket parses or is refused; never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use revans_sync::ticket::InviteTicket;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(ticket) = text.parse::<InviteTicket>() {
            // What parses round-trips.
            let again: InviteTicket = ticket.to_string().parse().expect("a parsed ticket re-parses");
            assert_eq!(again, ticket);
        }
    }
    // Raw bytes through the ticket's own decoder too.
    let _ = <InviteTicket as iroh_tickets::Ticket>::decode_bytes(data);
});
