//! The `revans` binary as a script would use it: real processes, temporary data
//! directories, real iroh endpoints on 127.0.0.1 with relays and discovery off.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::missing_panics_doc,
    clippy::must_use_candidate,
    clippy::too_many_lines
)]

mod bad_input;
mod conventions;
mod json_shapes;
#[cfg(unix)]
mod private;
mod two_peers;

use std::path::{Path, PathBuf};
use std::process::{Child, Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

/// What keeps every device on 127.0.0.1: no relays, no local-network discovery.
const LOOPBACK: [&str; 6] = [
    "--relay",
    "disabled",
    "--bind",
    "127.0.0.1:0",
    "--mdns",
    "off",
];

/// The longest any wait in these tests may take.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// One device: a data directory and the options that keep it on loopback.
pub struct Device {
    /// Its data directory.
    pub dir: PathBuf,
}

impl Device {
    /// A device whose data directory will be `root/name`.
    pub fn new(root: &Path, name: &str) -> Self {
        Self {
            dir: root.join(name),
        }
    }

    /// `revans` with this device's data directory and loopback options.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_revans"));
        cmd.env_remove("RUST_LOG")
            .arg("--data-dir")
            .arg(&self.dir)
            .args(LOOPBACK)
            .timeout(TIMEOUT * 2);
        cmd
    }

    /// Runs a command that must succeed; returns its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "revans {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            self.serve_logs()
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// Runs a command with `--json` that must succeed; returns the document.
    pub fn json(&self, args: &[&str]) -> Value {
        let out = self.ok(&[args, &["--json"]].concat());
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?} printed {out:?}: {e}"))
    }

    /// Runs a command that must fail with exit 1; returns its standard error.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "revans {args:?} should fail with 1; stdout {:?} stderr {:?}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "a failure prints nothing on stdout");
        String::from_utf8(out.stderr).unwrap()
    }

    /// What every `serve` beside this device logged, to explain a failure.
    fn serve_logs(&self) -> String {
        let mut logs = String::new();
        let Some(root) = self.dir.parent() else {
            return logs;
        };
        for entry in std::fs::read_dir(root).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "log") {
                logs.push_str("--- ");
                logs.push_str(&path.display().to_string());
                logs.push('\n');
                logs.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
            }
        }
        logs
    }

    /// Starts `revans serve` on this device and waits until it answers commands.
    pub fn serve(&self) -> Served {
        let child = StdCommand::new(env!("CARGO_BIN_EXE_revans"))
            .env_remove("RUST_LOG")
            .arg("--data-dir")
            .arg(&self.dir)
            .args(LOOPBACK)
            .arg("serve")
            .env("RUST_LOG", "info,revans_sync=debug,iroh=warn")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(self.dir.with_extension("log")).unwrap())
            .spawn()
            .unwrap();
        let socket = self.dir.join("control.sock");
        let start = Instant::now();
        while !socket.exists() {
            assert!(start.elapsed() < TIMEOUT, "serve never opened its socket");
            std::thread::sleep(Duration::from_millis(20));
        }
        Served {
            child,
            log: self.dir.with_extension("log"),
        }
    }
}

/// A running `revans serve`.
pub struct Served {
    child: Child,
    log: PathBuf,
}

impl Served {
    /// Asks it to stop with SIGTERM, and goes on at once.
    pub fn ask_to_stop(&self) {
        StdCommand::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
    }

    /// Stops it with SIGTERM; returns its exit status and what it logged.
    pub fn stop(mut self) -> (std::process::ExitStatus, String) {
        let pid = self.child.id().to_string();
        StdCommand::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, std::fs::read_to_string(&self.log).unwrap());
            }
            assert!(start.elapsed() < TIMEOUT, "serve did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
