//! The lab: network namespaces made for one scenario, the links and NAT rules inside
//! them, the processes run in them, and their removal when the lab is dropped (also when
//! a scenario fails). Nothing is made in the machine's own namespace: every link is
//! created straight between two of the lab's namespaces, so removing the namespaces
//! removes every link, address, route and rule with them.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow, bail};

/// The binaries the suite drives.
#[derive(Clone, Debug)]
pub struct Binaries {
    /// The `revans` command line.
    pub revans: PathBuf,
    /// iroh's relay server, `iroh-relay` (the iroh-relay crate's own binary).
    pub relay: PathBuf,
}

/// Runs a command to completion; an error carries what it printed on stderr.
pub fn run(cmd: &mut Command) -> Result<String> {
    let shown = format!("{cmd:?}");
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("could not start {shown}"))?;
    if !out.status.success() {
        bail!(
            "{shown} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Waits for `check` to give a value, asking every 100 ms, for at most `timeout`.
/// `what` names the awaited event in the error.
pub fn wait_for<T>(
    what: &str,
    timeout: Duration,
    mut check: impl FnMut() -> Result<Option<T>>,
) -> Result<T> {
    let start = Instant::now();
    let mut last_error = None;
    loop {
        match check() {
            Ok(Some(value)) => return Ok(value),
            Ok(None) => {}
            Err(e) => last_error = Some(e),
        }
        if start.elapsed() > timeout {
            return Err(match last_error {
                Some(e) => e.context(format!("gave up after {timeout:?} waiting for {what}")),
                None => anyhow!("gave up after {timeout:?} waiting for {what}"),
            });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One scenario's namespaces.
pub struct Lab {
    prefix: String,
    made: Mutex<Vec<String>>,
    /// Where the scenario's devices keep their data and logs.
    pub dir: tempfile::TempDir,
}

impl Lab {
    /// A lab whose namespaces are named `{prefix}-{role}`.
    pub fn new(prefix: &str) -> Result<Self> {
        Ok(Self {
            prefix: prefix.to_owned(),
            made: Mutex::new(Vec::new()),
            dir: tempfile::tempdir()?,
        })
    }

    /// Makes a namespace with its loopback up; returns its name.
    pub fn namespace(&self, role: &str) -> Result<String> {
        let name = format!("{}-{role}", self.prefix);
        run(Command::new("ip").args(["netns", "add", &name]))?;
        self.made
            .lock()
            .map_err(|_| anyhow!("lab lock poisoned"))?
            .push(name.clone());
        ip(&name, &["link", "set", "lo", "up"])?;
        Ok(name)
    }
}

/// `ip -n NS ...`.
pub fn ip(ns: &str, args: &[&str]) -> Result<String> {
    run(Command::new("ip").args(["-n", ns]).args(args))
}

/// A command to run inside a namespace.
#[must_use]
pub fn command(ns: &str, program: &Path) -> Command {
    let mut cmd = Command::new("ip");
    cmd.args(["netns", "exec", ns]).arg(program);
    cmd
}

/// A pair of linked interfaces, `a_if` in `a` and `b_if` in `b`, both up.
pub fn link((a, a_if): (&str, &str), (b, b_if): (&str, &str)) -> Result<()> {
    run(Command::new("ip").args([
        "link", "add", a_if, "netns", a, "type", "veth", "peer", "name", b_if, "netns", b,
    ]))?;
    ip(a, &["link", "set", a_if, "up"])?;
    ip(b, &["link", "set", b_if, "up"])?;
    Ok(())
}

/// A bridge in a namespace: the room's switch, or the simulated internet.
pub fn bridge(ns: &str, name: &str) -> Result<()> {
    ip(ns, &["link", "add", name, "type", "bridge"])?;
    ip(ns, &["link", "set", name, "up"])?;
    Ok(())
}

/// Attaches an interface to a bridge in the same namespace.
pub fn attach(ns: &str, interface: &str, bridge: &str) -> Result<()> {
    ip(ns, &["link", "set", interface, "master", bridge])?;
    Ok(())
}

/// Gives an interface an address (`10.1.0.2/24`).
pub fn address(ns: &str, interface: &str, cidr: &str) -> Result<()> {
    ip(ns, &["addr", "add", cidr, "dev", interface])?;
    Ok(())
}

/// Loads an nftables ruleset into a namespace.
pub fn nft(ns: &str, rules: &str) -> Result<()> {
    let mut child = Command::new("ip")
        .args(["netns", "exec", ns, "nft", "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("could not start nft (install nftables)")?;
    child
        .stdin
        .take()
        .context("nft's stdin")?
        .write_all(rules.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!(
            "nft refused the rules in {ns}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Turns a namespace into a router.
pub fn forward(ns: &str) -> Result<()> {
    run(Command::new("ip").args([
        "netns",
        "exec",
        ns,
        "sysctl",
        "-qw",
        "net.ipv4.ip_forward=1",
    ]))?;
    Ok(())
}

impl Drop for Lab {
    fn drop(&mut self) {
        let made = self.made.lock().map(|m| m.clone()).unwrap_or_default();
        for ns in made.iter().rev() {
            // Whatever still runs inside goes first: a namespace with a process in it
            // outlives its name.
            if let Ok(pids) = run(Command::new("ip").args(["netns", "pids", ns])) {
                for pid in pids.split_whitespace() {
                    let _ = Command::new("kill").args(["-KILL", pid]).status();
                }
            }
            if let Err(e) = run(Command::new("ip").args(["netns", "del", ns])) {
                eprintln!("could not remove namespace {ns}: {e:#}");
            }
        }
    }
}

/// A long-running process in a namespace, stopped (SIGTERM, then SIGKILL) when dropped.
pub struct Process {
    child: Child,
    log: PathBuf,
}

impl Process {
    /// Starts `cmd`, its stdout and stderr going to `log`.
    pub fn spawn(mut cmd: Command, log: PathBuf) -> Result<Self> {
        let file = fs::File::create(&log)?;
        let child = cmd
            .stdin(Stdio::null())
            .stdout(file.try_clone()?)
            .stderr(file)
            .spawn()
            .with_context(|| format!("could not start {cmd:?}"))?;
        Ok(Self { child, log })
    }

    /// What it has logged so far.
    #[must_use]
    pub fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Whether it has exited.
    pub fn exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// Stops it: SIGTERM, then SIGKILL if it has not gone within ten seconds.
    pub fn stop(mut self) -> String {
        self.terminate();
        self.log()
    }

    fn terminate(&mut self) {
        if self.exited() {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let gone = wait_for("the process to stop", Duration::from_secs(10), || {
            Ok(self.exited().then_some(()))
        });
        if gone.is_err() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.terminate();
    }
}
