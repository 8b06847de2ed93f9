//! A member's device in the lab: a data directory, the namespace its network lives in,
//! and the real `revans` binary, run one command at a time or as `revans serve`.

use std::path::PathBuf;
use std::process::Command;
use std::str::FromStr as _;
use std::time::Duration;

use anyhow::{Context as _, Result, anyhow};
use serde_json::Value;

use crate::lab::{Lab, Process, command, run, wait_for};

/// A member's device.
pub struct Device {
    /// Whose device it is, for messages.
    pub name: String,
    ns: String,
    dir: PathBuf,
    revans: PathBuf,
    relay: String,
    relay_ca: Option<PathBuf>,
    serving: Option<Process>,
    logs: PathBuf,
}

impl Device {
    /// A device in namespace `ns` using `relay` (`disabled` or a relay's URL).
    pub fn new(lab: &Lab, revans: &std::path::Path, name: &str, ns: &str, relay: &str) -> Self {
        Self {
            name: name.to_owned(),
            ns: ns.to_owned(),
            dir: lab.dir.path().join(name),
            revans: revans.to_owned(),
            relay: relay.to_owned(),
            relay_ca: None,
            serving: None,
            logs: lab.dir.path().to_owned(),
        }
    }

    /// Trusts the certificate authority that signed the relay's certificate
    /// (`--relay-ca`).
    pub fn trust(&mut self, authority: &std::path::Path) {
        self.relay_ca = Some(authority.to_owned());
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = command(&self.ns, &self.revans);
        cmd.env("REVANS_DATA_DIR", &self.dir)
            .env("REVANS_RELAY", &self.relay)
            .env_remove("REVANS_RELAY_CA")
            .env_remove("REVANS_BIND")
            .env_remove("REVANS_MDNS");
        if let Some(authority) = &self.relay_ca {
            cmd.env("REVANS_RELAY_CA", authority);
        }
        cmd.args(args);
        cmd
    }

    /// Runs `revans ARGS` on this device; its stdout.
    pub fn run(&self, args: &[&str]) -> Result<String> {
        run(&mut self.command(args)).with_context(|| format!("on {}'s device", self.name))
    }

    /// Runs `revans --json ARGS` on this device; what it printed.
    pub fn json(&self, args: &[&str]) -> Result<Value> {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.run(&all)?;
        serde_json::from_str(&out).with_context(|| format!("revans {args:?} printed {out}"))
    }

    /// Starts `revans serve` and waits until it answers commands.
    pub fn serve(&mut self) -> Result<()> {
        let log = self.logs.join(format!("{}-serve.log", self.name));
        let process = Process::spawn(self.command(&["serve"]), log)?;
        let socket = self.dir.join("control.sock");
        let process = self.serving.insert(process);
        wait_for(
            &format!("{}'s revans serve to start", self.name),
            Duration::from_secs(30),
            || {
                if process.exited() {
                    return Err(anyhow!("revans serve exited: {}", process.log()));
                }
                Ok(socket.exists().then_some(()))
            },
        )
    }

    /// Stops `revans serve` (SIGTERM); what it logged.
    pub fn stop(&mut self) -> String {
        self.serving.take().map(Process::stop).unwrap_or_default()
    }

    /// What `revans serve` has logged so far.
    #[must_use]
    pub fn serve_log(&self) -> String {
        self.serving.as_ref().map(Process::log).unwrap_or_default()
    }

    /// The member's status line for another member's devices in `set`: `(reachable,
    /// route of the first connected device)`.
    pub fn sees(&self, set: &str, member_name: &str) -> Result<(bool, Option<String>)> {
        let status = self.json(&["status", set])?;
        let members = status["sets"][0]["members"]
            .as_array()
            .ok_or_else(|| anyhow!("status printed no members: {status}"))?;
        let member = members
            .iter()
            .find(|m| m["name"] == member_name)
            .ok_or_else(|| anyhow!("{} does not know {member_name} yet", self.name))?;
        let route = member["devices"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|d| d["connected"] == true)
            .and_then(|d| d["route"].as_str())
            .map(str::to_owned);
        Ok((member["reachable"] == true, route))
    }
}

/// The same ticket naming the same devices, with every address taken out: a device that
/// uses it can only find them some other way.
pub fn without_addresses(ticket: &str) -> Result<String> {
    let mut ticket = revans_sync::ticket::InviteTicket::from_str(ticket.trim())?;
    for peer in &mut ticket.peers {
        *peer = iroh::EndpointAddr::new(peer.id);
    }
    Ok(ticket.to_string())
}

/// The relay URLs a ticket carries.
pub fn relays_in(ticket: &str) -> Result<Vec<String>> {
    let ticket = revans_sync::ticket::InviteTicket::from_str(ticket.trim())?;
    Ok(ticket
        .peers
        .iter()
        .flat_map(|peer| peer.relay_urls().map(ToString::to_string))
        .collect())
}
