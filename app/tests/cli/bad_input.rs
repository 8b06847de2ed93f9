//! Bad input: one line on stderr saying what is wrong and what to do, exit 1, and the set
//! exactly as it was.

use std::time::Duration;

use crate::Device;

/// A device with a set and a meeting in its catch-up phase. Returns the set's id.
fn a_set(device: &Device) -> String {
    device.ok(&["profile", "--name", "Ada"]);
    let set = device.ok(&["set", "create", "Tuesday set"]);
    device.ok(&[
        "meeting",
        "plan",
        &set,
        "--at",
        "2026-12-01T09:30:00Z",
        "--location",
        "Room 4",
    ]);
    set
}

fn one_line(stderr: &str) -> &str {
    let trimmed = stderr.trim_end();
    assert!(!trimmed.is_empty(), "an error says something");
    assert!(!trimmed.contains('\n'), "the error is one line: {stderr:?}");
    assert!(!trimmed.contains("panicked"), "{stderr}");
    trimmed
}

#[test]
fn each_bad_input_is_one_line_exit_one_and_changes_nothing() {
    let root = tempfile::tempdir().unwrap();
    let ada = Device::new(root.path(), "ada");
    let set = a_set(&ada);
    let before = ada.ok(&["export", &set, "--format", "json"]);

    let unknown = ada.fails(&["bid", "No such set", "next", "--minutes", "10"]);
    assert_eq!(
        one_line(&unknown),
        "No set matches \"No such set\"; list them with `revans set list`."
    );

    let eleven = ada.fails(&[
        "action",
        "add",
        &set,
        "Call the board",
        "--likelihood",
        "11",
    ]);
    assert_eq!(
        one_line(&eleven),
        "A likelihood is a whole number from 1 to 10, not 11."
    );

    for phase in ["catch-up", "agenda", "turns", "review", "closed"] {
        // Turns need a locked agenda; lock one with a bid first.
        if phase == "turns" {
            ada.ok(&["bid", &set, "next", "--minutes", "20"]);
            ada.ok(&["agenda", &set, "next", "--lock"]);
        }
        ada.ok(&["meeting", "phase", &set, "next", phase]);
    }
    let closed_before = ada.ok(&["export", &set, "--format", "json"]);
    let meeting = ada.json(&["meeting", "list", &set])["meetings"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let late_bid = ada.fails(&["bid", &set, &meeting, "--minutes", "10"]);
    assert!(
        one_line(&late_bid).starts_with("Bids are closed for this meeting"),
        "{late_bid}"
    );

    let malformed = ada.fails(&["join", "revansnotaticket", "--name", "Eve"]);
    assert!(one_line(&malformed).contains("ticket"), "{malformed}");

    let bad_time = ada.fails(&["meeting", "plan", &set, "--at", "next tuesday"]);
    assert!(one_line(&bad_time).contains("RFC 3339"), "{bad_time}");

    // A bare number is not a week: it is refused, with the units to write.
    let bare = ada.fails(&["invite", &set, "--for", "Bo", "--expires", "7"]);
    assert_eq!(
        one_line(&bare),
        "\"7\" needs a unit: 7d for 7 days, 7h for 7 hours, 7m for minutes or 7s for seconds."
    );

    assert_eq!(
        ada.ok(&["export", &set, "--format", "json"]),
        closed_before,
        "no refused command changed the set"
    );
    assert_ne!(before, closed_before, "the phases themselves did change it");
}

#[test]
fn an_expired_ticket_is_refused_with_the_reason() {
    let root = tempfile::tempdir().unwrap();
    let ada = Device::new(root.path(), "ada");
    let bo = Device::new(root.path(), "bo");
    let set = a_set(&ada);
    let ticket = ada.ok(&["invite", &set, "--for", "Bo", "--expires", "1s"]);
    let served = ada.serve();
    // The ticket's one second passes before Bo uses it.
    std::thread::sleep(Duration::from_millis(1500));
    let refused = bo.fails(&["join", &ticket, "--name", "Bo", "--timeout", "20s"]);
    assert!(one_line(&refused).contains("expired"), "{refused}");
    assert!(
        bo.ok(&["set", "list"]).contains("no sets"),
        "Bo holds nothing"
    );
    let (status, _) = served.stop();
    assert!(status.success());
}

#[test]
fn a_data_directory_held_by_another_process_is_named() {
    let root = tempfile::tempdir().unwrap();
    let ada = Device::new(root.path(), "ada");
    a_set(&ada);
    // Something other than Revans's own node holds the lock: there is no socket to hand
    // the command to.
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .open(ada.dir.join("lock"))
        .unwrap();
    lock.try_lock().unwrap();
    let busy = ada.fails(&["set", "list"]);
    assert!(
        one_line(&busy).starts_with("Another Revans process is using the data directory"),
        "{busy}"
    );
    drop(lock);
    assert!(ada.ok(&["set", "list"]).contains("Tuesday set"));
}

#[test]
fn sync_with_no_one_reachable_says_whom_it_tried() {
    let root = tempfile::tempdir().unwrap();
    let ada = Device::new(root.path(), "ada");
    let bo = Device::new(root.path(), "bo");
    let set = a_set(&ada);
    let ticket = ada.ok(&["invite", &set, "--for", "Bo"]);
    let served = ada.serve();
    bo.ok(&["join", &ticket, "--name", "Bo"]);
    let (status, _) = served.stop();
    assert!(status.success());

    // Ada is gone: Bo's sync gives up after its timeout and names her and her address.
    let alone = bo.fails(&["sync", &set, "--timeout", "2s"]);
    let line = one_line(&alone);
    assert!(
        line.starts_with("No member's device answered within 2s."),
        "{line}"
    );
    assert!(line.contains("Ada (device "), "{line}");
    assert!(line.contains("127.0.0.1:"), "{line}");
}

#[test]
fn usage_errors_exit_two() {
    let root = tempfile::tempdir().unwrap();
    let ada = Device::new(root.path(), "ada");
    let out = ada.cmd().args(["bid"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let help = ada.cmd().args(["bid", "--help"]).output().unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("Example: revans bid"));
}

#[test]
fn a_backup_restores_a_damaged_set_and_a_tampered_one_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let ada = Device::new(root.path(), "ada");
    let set = a_set(&ada);
    let backup = root.path().join("tuesday.revans");
    ada.ok(&[
        "export",
        &set,
        "--format",
        "revans",
        "-o",
        backup.to_str().unwrap(),
    ]);

    // A backup altered by one byte is refused whole, saying what it is not.
    let mut altered = std::fs::read(&backup).unwrap();
    let middle = altered.len() / 2;
    altered[middle] ^= 0x10;
    let tampered = root.path().join("tampered.revans");
    std::fs::write(&tampered, &altered).unwrap();
    let refused = ada.fails(&["import", tampered.to_str().unwrap()]);
    assert!(one_line(&refused).contains("--format revans"), "{refused}");

    // The set's files lost: the backup brings every change back, each one checked.
    for entry in std::fs::read_dir(ada.dir.join("docs").join(&set)).unwrap() {
        std::fs::write(entry.unwrap().path(), b"scribbled over").unwrap();
    }
    let restored = ada.json(&["import", backup.to_str().unwrap()]);
    assert_eq!(restored["set"], set.as_str());
    assert_eq!(restored["name"], "Tuesday set");
    assert!(restored["taken"].as_u64().unwrap() > 0, "{restored}");
    assert_eq!(restored["refused"], serde_json::json!([]));
    let shown = ada.json(&["set", "show", &set]);
    assert_eq!(shown["name"], "Tuesday set");
    assert_eq!(shown["meetings"].as_object().unwrap().len(), 1);
    // Taking it in again brings nothing new.
    let again = ada.json(&["import", backup.to_str().unwrap()]);
    assert_eq!(again["taken"], 0);
}
