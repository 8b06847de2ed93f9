//! What stays on the member's own machine stays theirs: the data directory is owner-only
//! whoever made it, exports are owner-only, and tickets and journal entries can come on
//! standard input, out of the process list.

use std::os::unix::fs::PermissionsExt as _;

use crate::Device;

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_data_directory_someone_else_opened_up_is_closed_again_and_exports_are_owner_only() {
    let root = tempfile::tempdir().unwrap();
    let ada = Device::new(root.path(), "ada");
    // Made by something else first (a window toolkit saving its state), open to all.
    std::fs::create_dir_all(&ada.dir).unwrap();
    std::fs::set_permissions(&ada.dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    ada.ok(&["profile", "--name", "Ada"]);
    assert_eq!(mode(&ada.dir), 0o700, "checked and closed at open");
    let set = ada.ok(&["set", "create", "Tuesday set"]);

    // An export is as private as the set, even over a file someone left open to all.
    let out = root.path().join("record.md");
    std::fs::write(&out, "old").unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
    ada.ok(&[
        "export",
        &set,
        "--format",
        "md",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(mode(&out), 0o600);
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("Tuesday set")
    );
}

#[test]
fn a_journal_entry_and_a_ticket_come_on_standard_input() {
    let root = tempfile::tempdir().unwrap();
    let ada = Device::new(root.path(), "ada");
    ada.ok(&["profile", "--name", "Ada"]);
    let out = ada
        .cmd()
        .args(["journal", "add"])
        .write_stdin("I notice I rush to fix things.\n")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = ada.json(&["journal", "list"]);
    assert_eq!(
        listed["entries"][0]["text"],
        "I notice I rush to fix things."
    );

    // `-` reads the ticket; nothing there says so, and a ticket that does not parse is
    // refused as it would be on the command line.
    let empty = ada
        .cmd()
        .args(["join", "-", "--name", "Bo"])
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(empty.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&empty.stderr).contains("Nothing came on standard input"),
        "{}",
        String::from_utf8_lossy(&empty.stderr)
    );
    let garbage = ada
        .cmd()
        .args(["link-device", "-"])
        .write_stdin("revansnotaticket\n")
        .output()
        .unwrap();
    assert_eq!(garbage.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&garbage.stderr).contains("not a Revans invitation ticket"),
        "{}",
        String::from_utf8_lossy(&garbage.stderr)
    );
}

/// A member links a laptop, writes in the journal there, and `sync` returns only once
/// the entry is on their other device too (issue 22, item 7).
#[test]
fn sync_finishes_once_the_journal_is_on_another_of_ones_devices() {
    let root = tempfile::tempdir().unwrap();
    let ada = Device::new(root.path(), "ada");
    let laptop = Device::new(root.path(), "ada-laptop");
    ada.ok(&["profile", "--name", "Ada"]);
    ada.ok(&["set", "create", "Tuesday set"]);
    let ticket = ada.ok(&["link", "Tuesday set", "--expires", "1h"]);
    let _served = ada.serve();
    let linked = laptop
        .cmd()
        .args(["link-device", "-", "--json"])
        .write_stdin(format!("{ticket}\n"))
        .output()
        .unwrap();
    assert!(
        linked.status.success(),
        "{}",
        String::from_utf8_lossy(&linked.stderr)
    );
    laptop.ok(&["journal", "add", "Written on the train."]);
    let synced = laptop.json(&["sync", "--timeout", "20s"]);
    assert_eq!(synced["journal_in_step"], true, "{synced}");
    // Ada's first device holds the entry: its journal lists it (asked of the running
    // node, which shows what it holds).
    let start = std::time::Instant::now();
    loop {
        let listed = ada.json(&["journal", "list"]);
        let texts: Vec<&str> = listed["entries"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["text"].as_str())
            .collect();
        if texts.contains(&"Written on the train.") {
            break;
        }
        assert!(
            start.elapsed() < crate::TIMEOUT,
            "the entry never showed on Ada's first device: {listed}"
        );
        // Polled, each ask a process of its own: a pause between asks.
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
