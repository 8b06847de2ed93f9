//! What people expect of a command line: completions and a manual page, progress shown
//! while a command waits, and a command run just as another process lets go of the data
//! directory.

use crate::Device;

#[test]
fn completions_and_the_manual_page_need_no_data_directory() {
    let root = tempfile::tempdir().unwrap();
    let nowhere = Device::new(root.path(), "never-made");
    let bash = nowhere.ok(&["completions", "bash"]);
    assert!(bash.contains("_revans()"), "{bash}");
    for command in ["catchup", "remind", "completions"] {
        assert!(bash.contains(command), "completes {command}");
    }
    let fish = nowhere.ok(&["completions", "fish"]);
    assert!(fish.contains("complete -c revans"), "{fish}");
    let page = nowhere.ok(&["man"]);
    assert!(page.contains(".TH revans 1"), "{page}");
    assert!(page.contains("Action Learning Set"), "{page}");
    assert!(!nowhere.dir.exists(), "neither made a data directory");
}

#[cfg(unix)]
#[test]
fn a_command_run_as_serve_stops_waits_for_it_to_let_go() {
    let root = tempfile::tempdir().unwrap();
    let ada = Device::new(root.path(), "ada");
    ada.ok(&["profile", "--name", "Ada", "--org", "Engines Ltd"]);
    ada.ok(&["set", "create", "Tuesday set"]);
    let served = ada.serve();
    served.ask_to_stop();
    // At once, while serve may still hold the directory and no longer answers on it.
    let listed = ada.json(&["set", "list"]);
    assert_eq!(listed["sets"][0]["name"], "Tuesday set", "{listed}");
}

/// Behind a corporate proxy: the one the environment names (or `--proxy`) is the one
/// relays are reached through, and `status` says so; a proxy that is not a URL is
/// refused in words.
#[test]
fn status_names_the_proxy_relays_are_reached_through() {
    let root = tempfile::tempdir().unwrap();
    let ada = Device::new(root.path(), "ada");
    ada.ok(&["profile", "--name", "Ada", "--org", "Engines Ltd"]);
    let out = ada
        .cmd()
        .env("HTTPS_PROXY", "http://127.0.0.1:3128")
        .args(["status", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["proxy"], "http://127.0.0.1:3128", "{status}");
    let said = ada
        .cmd()
        .env("HTTPS_PROXY", "http://127.0.0.1:3128")
        .args(["status"])
        .output()
        .unwrap();
    let said = String::from_utf8(said.stdout).unwrap();
    assert!(
        said.contains(
            "Relays are reached through the proxy http://127.0.0.1:3128 (from HTTPS_PROXY)."
        ),
        "{said}"
    );
    let bad = ada.fails(&["status", "--proxy", "proxy at work"]);
    assert!(bad.contains("is not a URL"), "{bad}");
    // The environment's, when it does not read, is left aside, and not named as in use.
    let aside = ada
        .cmd()
        .env("HTTPS_PROXY", "proxy at work")
        .args(["status", "--json"])
        .output()
        .unwrap();
    assert!(aside.status.success());
    let status: serde_json::Value = serde_json::from_slice(&aside.stdout).unwrap();
    assert_eq!(status["proxy"], serde_json::Value::Null, "{status}");
}

/// A machine whose certificate store cannot be read (a minimal install without its
/// certificates) still starts, and `status` says what that means and what to do.
#[test]
fn a_machine_without_a_certificate_store_starts_and_says_so() {
    let root = tempfile::tempdir().unwrap();
    let ada = Device::new(root.path(), "ada");
    let empty = root.path().join("no-certificates.pem");
    std::fs::write(&empty, "").unwrap();
    let status = |args: &[&str]| {
        let out = ada
            .cmd()
            .env("SSL_CERT_FILE", &empty)
            .env("SSL_CERT_DIR", root.path().join("no-such-dir"))
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let said = status(&["status"]);
    assert!(
        said.contains("This computer's certificate store could not be read")
            && said.contains("ca-certificates"),
        "{said}"
    );
    let json: serde_json::Value = serde_json::from_str(&status(&["status", "--json"])).unwrap();
    assert!(json["certificate_store"].is_string(), "{json}");
    // With the system's store there, nothing is said.
    assert_eq!(
        ada.json(&["status"])["certificate_store"],
        serde_json::Value::Null
    );
}

/// A proxy saved on the device (`revans proxy`) comes before the environment's, and
/// after one given for a run; one that is not an HTTP(S) proxy is not saved.
#[test]
fn a_saved_proxy_comes_between_the_run_and_the_environment() {
    let root = tempfile::tempdir().unwrap();
    let ada = Device::new(root.path(), "ada");
    ada.ok(&["profile", "--name", "Ada", "--org", "Engines Ltd"]);
    let refused = ada.fails(&["proxy", "socks5://127.0.0.1:1080"]);
    assert!(
        refused.contains("Not saved: the proxy socks5://127.0.0.1:1080 is not an HTTP(S) proxy"),
        "{refused}"
    );
    assert_eq!(ada.json(&["proxy"])["saved"], serde_json::Value::Null);
    ada.ok(&["proxy", "127.0.0.1:3129"]);
    let status = |extra: &[&str]| -> serde_json::Value {
        let out = ada
            .cmd()
            .env("HTTPS_PROXY", "http://127.0.0.1:3128")
            .args(extra)
            .args(["proxy", "--json"])
            .output()
            .unwrap();
        assert!(out.status.success());
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let saved = status(&[]);
    assert_eq!(
        (&saved["in_use"], &saved["from"]),
        (&"127.0.0.1:3129".into(), &"the settings".into()),
        "{saved}"
    );
    let given = status(&["--proxy", "http://127.0.0.1:3130"]);
    assert_eq!(given["in_use"], "http://127.0.0.1:3130", "{given}");
    assert_eq!(given["saved"], "127.0.0.1:3129", "{given}");
    ada.ok(&["proxy", "--none"]);
    let environment = status(&[]);
    assert_eq!(
        (&environment["in_use"], &environment["from"]),
        (&"http://127.0.0.1:3128".into(), &"HTTPS_PROXY".into()),
        "{environment}"
    );
}

/// At a terminal, a command that waits on the network says how long it has waited, on
/// its own node and when it was handed to the running one (which does the waiting).
#[cfg(unix)]
#[test]
fn a_wait_shows_its_progress_at_a_terminal_when_handed_over_too() {
    let root = tempfile::tempdir().unwrap();
    let ada = Device::new(root.path(), "ada");
    let bo = Device::new(root.path(), "bo");
    ada.ok(&["profile", "--name", "Ada", "--org", "Engines Ltd"]);
    bo.ok(&["profile", "--name", "Bo", "--org", "City Council"]);
    let set = ada.json(&["set", "create", "Tuesday set"])["set"]
        .as_str()
        .unwrap()
        .to_owned();
    let ticket = ada.ok(&["invite", &set, "--for", "Bo", "--expires", "1h"]);
    // Ada's device is not running: Bo's join waits the whole of its timeout.
    let join_at_a_terminal = || {
        let line = [
            env!("CARGO_BIN_EXE_revans"),
            "--data-dir",
            bo.dir.to_str().unwrap(),
        ]
        .into_iter()
        .chain(crate::LOOPBACK.iter().copied())
        .chain(["join", ticket.trim(), "--timeout", "2s"])
        .map(|word| format!("'{word}'"))
        .collect::<Vec<_>>()
        .join(" ");
        let out = std::process::Command::new("script")
            .args(["-qec", &line, "/dev/null"])
            .env_remove("RUST_LOG")
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "Ada's device was not there to admit Bo"
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let alone = join_at_a_terminal();
    assert!(alone.contains("Reaching the set's members… 0 s"), "{alone}");
    let served = bo.serve();
    let handed = join_at_a_terminal();
    served.stop();
    assert!(
        handed.contains("Reaching the set's members… 0 s"),
        "{handed}"
    );
}

/// The Start menu's launcher (`revans-window`, a desktop program on Windows) runs the
/// `revans` installed beside it with the same arguments, and exits as it did.
#[test]
fn the_window_launcher_runs_the_revans_beside_it() {
    let launcher = || std::process::Command::new(env!("CARGO_BIN_EXE_revans-window"));
    let out = launcher().arg("--version").output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("revans {}\n", env!("CARGO_PKG_VERSION"))
    );
    let refused = launcher().arg("--no-such-option").output().unwrap();
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--no-such-option"));
}
