//! The scenarios of shared/DESIGN.md section 1 on real networks: a room with no internet,
//! members behind separate NATs with a self-hosted relay, that relay going away, and
//! members whose workplaces let out only an HTTP proxy. Each returns what it measured,
//! one line each.

use std::fmt::Write as _;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow, ensure};
use serde_json::Value;

use crate::device::{Device, relays_in, without_addresses};
use crate::lab::{
    Binaries, Lab, Process, address, attach, bridge, command, forward, ip, link, nft, run, wait_for,
};

/// The self-hosted relay's address: the one host of the simulated internet's "public"
/// namespace. It serves HTTPS (443) with a certificate the lab's own authority signed,
/// and QUIC address discovery (7842), which tells each device its address as the
/// internet sees it, for hole-punching.
const RELAY_HOST: &str = "198.18.0.1";
const RELAY_URL: &str = "https://198.18.0.1";
/// The workplaces' HTTP proxy, on the same host of the simulated internet.
const PROXY_PORT: u16 = 3128;
const PROXY_URL: &str = "http://198.18.0.1:3128";

fn seconds(since: Instant) -> String {
    format!("{:.1} s", since.elapsed().as_secs_f64())
}

fn tomorrow() -> String {
    (chrono::Utc::now() + chrono::Duration::days(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn id_in(value: &Value, key: &str) -> Result<String> {
    value[key]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("no {key} in {value}"))
}

/// Same room, no internet: three laptops on one switch, relays off, and no address in any
/// ticket or command. Cy joins through Ada's device, which Cy's finds by mDNS; Bo is
/// admitted by Cy's device while Ada's is away; all three bid and every device ends up
/// with the same three bids.
pub fn same_room(lab: &Lab, bins: &Binaries) -> Result<Vec<String>> {
    let mut said = Vec::new();
    // The room's Wi-Fi router: a switch with an address of its own and no uplink. The
    // laptops' default route points at it, as a DHCP lease without internet would.
    let switch = lab.namespace("switch")?;
    bridge(&switch, "br0")?;
    address(&switch, "br0", "10.77.0.254/24")?;
    let mut devices = Vec::new();
    for (i, name) in ["Ada", "Bo", "Cy"].into_iter().enumerate() {
        let ns = lab.namespace(&name.to_lowercase())?;
        let port = format!("to-{}", name.to_lowercase());
        link((&ns, "eth0"), (&switch, &port))?;
        attach(&switch, &port, "br0")?;
        address(&ns, "eth0", &format!("10.77.0.{}/24", i + 1))?;
        ip(&ns, &["route", "add", "default", "via", "10.77.0.254"])?;
        devices.push(Device::new(lab, &bins.revans, name, &ns, "disabled"));
    }
    let [mut ada, mut bo, mut cy] =
        <[Device; 3]>::try_from(devices).map_err(|_| anyhow!("three devices were made"))?;

    ada.run(&["profile", "--name", "Ada", "--org", "Engines Ltd"])?;
    bo.run(&["profile", "--name", "Bo", "--org", "City Council"])?;
    cy.run(&["profile", "--name", "Cy", "--org", "Bridge Trust"])?;
    let set = id_in(&ada.json(&["set", "create", "Room set"])?, "set")?;
    ada.json(&[
        "meeting",
        "plan",
        &set,
        "--at",
        &tomorrow(),
        "--location",
        "Room 4",
    ])?;
    ada.serve()?;

    let invited = ada.json(&["invite", &set, "--for", "Cy", "--expires", "1h"])?;
    let ticket = without_addresses(&id_in(&invited, "ticket")?)?;
    let start = Instant::now();
    let joined = cy.json(&["join", &ticket, "--timeout", "30s"])?;
    ensure!(
        joined["name"] == "Room set",
        "Cy joined something else: {joined}"
    );
    said.push(format!(
        "Cy joined in {}, finding Ada's device by mDNS (no address in the ticket, relays off)",
        seconds(start)
    ));
    cy.serve()?;

    // Bo's invitation is made on Ada's device, which then leaves the room: Bo is
    // admitted by Cy's, once Cy's holds the invitation.
    let invited = ada.json(&["invite", &set, "--for", "Bo", "--expires", "1h"])?;
    let invitation = id_in(&invited, "invitation")?;
    let ticket = without_addresses(&id_in(&invited, "ticket")?)?;
    wait_for(
        "Cy's device to hold Bo's invitation",
        Duration::from_secs(30),
        || {
            let shown = cy.json(&["set", "show", &set])?;
            Ok(shown["invitations"].get(&invitation).map(|_| ()))
        },
    )?;
    ada.stop();
    let start = Instant::now();
    let joined = bo.json(&["join", &ticket, "--timeout", "30s"])?;
    ensure!(
        joined["name"] == "Room set",
        "Bo joined something else: {joined}"
    );
    said.push(format!(
        "Bo was admitted by Cy's device (Ada's was off; the invitation was made on hers) in {}",
        seconds(start)
    ));
    bo.serve()?;
    ada.serve()?;

    let start = Instant::now();
    for (device, minutes) in [(&ada, "20"), (&bo, "30"), (&cy, "25")] {
        device.json(&["bid", &set, "next", "--minutes", minutes])?;
    }
    for device in [&ada, &bo, &cy] {
        wait_for(
            &format!("all three bids on {}'s device", device.name),
            Duration::from_mins(1),
            || {
                let agenda = device.json(&["agenda", &set, "next"])?;
                let mut names: Vec<String> = agenda["slots"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|slot| slot["name"].as_str().map(str::to_owned))
                    .collect();
                names.sort();
                Ok((names == ["Ada", "Bo", "Cy"]).then_some(()))
            },
        )?;
    }
    said.push(format!(
        "three bids, one made on each device, were on every device {} after the first",
        seconds(start)
    ));
    Ok(said)
}

/// What each member's router lets out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Firewall {
    /// Everything, as a home router does.
    Open,
    /// Only TCP to the relay, as a strict organisation's firewall would: no direct path
    /// can exist.
    RelayOnly,
    /// Only TCP to the workplace's HTTP proxy: the relay is reached through it or not at
    /// all.
    ProxyOnly,
}

/// The simulated internet (198.18.0.0/24 on a bridge in a "public" namespace, where the
/// relay and the workplaces' proxy run) and, for each member, a home network
/// (10.N.0.0/24) behind its own router that masquerades. There is no route from one home
/// network to the other; each router lets out what `firewall` says (and what answers it).
fn internet(lab: &Lab, members: &[&str], firewall: Firewall) -> Result<(String, Vec<String>)> {
    let public = lab.namespace("internet")?;
    bridge(&public, "br0")?;
    address(&public, "br0", "198.18.0.1/24")?;
    let mut homes = Vec::new();
    for (i, member) in members.iter().enumerate() {
        let n = i + 1;
        let router = lab.namespace(&format!("nat{n}"))?;
        let uplink = format!("wan{n}");
        link((&router, "wan"), (&public, &uplink))?;
        attach(&public, &uplink, "br0")?;
        address(&router, "wan", &format!("198.18.0.{}/24", 10 + n))?;
        let home = lab.namespace(&member.to_lowercase())?;
        link((&home, "eth0"), (&router, "lan"))?;
        address(&router, "lan", &format!("10.{n}.0.1/24"))?;
        address(&home, "eth0", &format!("10.{n}.0.2/24"))?;
        ip(
            &home,
            &["route", "add", "default", "via", &format!("10.{n}.0.1")],
        )?;
        forward(&router)?;
        // Masquerade outgoing traffic, and drop what arrives unasked, as a home or office
        // router does. Dropped before conntrack confirms it, an early hole-punching probe
        // from the other side leaves no entry behind that would make this router pick
        // another port for the answer.
        let mut rules = String::from(
            "table ip lab {\n  chain post {\n    type nat hook postrouting priority srcnat;\n    oifname \"wan\" masquerade\n  }\n  chain input {\n    type filter hook input priority filter; policy accept;\n    iifname \"wan\" ct state new drop\n  }\n",
        );
        let way_out = match firewall {
            Firewall::Open => None,
            Firewall::RelayOnly => Some(443),
            Firewall::ProxyOnly => Some(PROXY_PORT),
        };
        if let Some(port) = way_out {
            let _ = write!(
                rules,
                "  chain forward {{\n    type filter hook forward priority filter; policy drop;\n    ct state established,related accept\n    iifname \"lan\" oifname \"wan\" ip daddr {RELAY_HOST} tcp dport {port} accept\n  }}\n"
            );
        }
        rules.push_str("}\n");
        nft(&router, &rules)?;
        homes.push(home);
    }
    Ok((public, homes))
}

/// The lab's certificate authority and the relay's certificate it signs (openssl), as an
/// organisation with its own authority would make them. Returns the authority's PEM file,
/// which members' devices are given as `--relay-ca`.
fn relay_certificate(lab: &Lab) -> Result<std::path::PathBuf> {
    let dir = lab.dir.path();
    let extensions = dir.join("relay.ext");
    std::fs::write(
        &extensions,
        format!(
            "subjectAltName=IP:{RELAY_HOST}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
        ),
    )?;
    let openssl = |args: &[&str]| run(Command::new("openssl").current_dir(dir).args(args));
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    openssl(
        &[
            &["req", "-x509"][..],
            &ec,
            &[
                "-days",
                "2",
                "-subj",
                "/CN=Lab relay authority",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
            ],
        ]
        .concat(),
    )?;
    openssl(
        &[
            &["req"][..],
            &ec,
            &[
                "-subj",
                &format!("/CN={RELAY_HOST}"),
                "-keyout",
                "relay.key",
                "-out",
                "relay.csr",
            ],
        ]
        .concat(),
    )?;
    openssl(&[
        "x509",
        "-req",
        "-in",
        "relay.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "relay.ext",
        "-out",
        "relay.crt",
    ])?;
    Ok(dir.join("ca.pem"))
}

/// Starts the self-hosted relay in the public namespace as README's "Running your own
/// relay" says: iroh's `iroh-relay` with a configuration file.
fn start_relay(lab: &Lab, bins: &Binaries, public: &str) -> Result<Process> {
    let dir = lab.dir.path();
    let config = dir.join("relay.toml");
    std::fs::write(
        &config,
        format!(
            "enable_relay = true\n\
             http_bind_addr = \"{RELAY_HOST}:80\"\n\
             enable_quic_addr_discovery = true\n\
             enable_metrics = false\n\
             \n\
             [tls]\n\
             cert_mode = \"Manual\"\n\
             manual_cert_path = \"{cert}\"\n\
             manual_key_path = \"{key}\"\n\
             https_bind_addr = \"{RELAY_HOST}:443\"\n\
             quic_bind_addr = \"{RELAY_HOST}:7842\"\n",
            cert = dir.join("relay.crt").display(),
            key = dir.join("relay.key").display(),
        ),
    )?;
    let mut cmd = command(public, &bins.relay);
    cmd.arg("--config-path").arg(&config);
    let mut relay = Process::spawn(cmd, dir.join("relay.log"))?;
    wait_for("the relay to listen", Duration::from_secs(30), || {
        if relay.exited() {
            return Err(anyhow!("iroh-relay exited: {}", relay.log()));
        }
        let probe = run(Command::new("ip").args([
            "netns",
            "exec",
            public,
            "bash",
            "-c",
            &format!("exec 3<>/dev/tcp/{RELAY_HOST}/443"),
        ]));
        Ok(probe.is_ok().then_some(()))
    })?;
    Ok(relay)
}

/// Ada's and Bo's devices in their home networks, using the lab's relay and trusting the
/// authority that signed its certificate.
fn ada_and_bo(
    lab: &Lab,
    bins: &Binaries,
    homes: &[String],
    authority: &std::path::Path,
) -> (Device, Device) {
    let mut ada = Device::new(lab, &bins.revans, "Ada", &homes[0], RELAY_URL);
    let mut bo = Device::new(lab, &bins.revans, "Bo", &homes[1], RELAY_URL);
    ada.trust(authority);
    bo.trust(authority);
    (ada, bo)
}

/// Whether `device` holds the ground rule `rule` of `set`.
fn holds_rule(device: &Device, set: &str, rule: &str) -> Result<bool> {
    let rules = device.json(&["rule", "list", set])?;
    Ok(rules["rules"]
        .as_array()
        .is_some_and(|all| all.iter().any(|r| r["id"] == rule)))
}

/// Ada founds a set behind her NAT once her device has reached the relay, and invites
/// Bo; Bo joins from behind his. Returns the set and when Bo's device had joined.
fn found_and_join(
    ada: &mut Device,
    bo: &mut Device,
    said: &mut Vec<String>,
) -> Result<(String, Instant)> {
    ada.run(&["profile", "--name", "Ada", "--org", "Engines Ltd"])?;
    bo.run(&["profile", "--name", "Bo", "--org", "City Council"])?;
    let set = id_in(
        &ada.json(&["set", "create", "Across organisations"])?,
        "set",
    )?;
    ada.serve()?;
    wait_for(
        "Ada's device to reach the relay",
        Duration::from_secs(30),
        || {
            let status = ada.json(&["status"])?;
            Ok((status["relays"][0]["connected"] == true).then_some(()))
        },
    )?;
    let invited = ada.json(&["invite", &set, "--for", "Bo", "--expires", "1h"])?;
    let ticket = id_in(&invited, "ticket")?;
    let relays = relays_in(&ticket)?;
    ensure!(
        relays.iter().any(|r| r.trim_end_matches('/') == RELAY_URL),
        "the ticket names no relay ({relays:?}), so Bo could not reach Ada"
    );
    let start = Instant::now();
    let joined = bo.json(&["join", &ticket, "--timeout", "60s"])?;
    ensure!(
        joined["name"] == "Across organisations",
        "Bo joined something else: {joined}"
    );
    said.push(format!(
        "Bo joined from behind his NAT in {} (his device knew only what the ticket says: Ada's addresses and the relay)",
        seconds(start)
    ));
    let joined_at = Instant::now();
    bo.serve()?;
    Ok((set, joined_at))
}

/// Two members behind separate NATs with no route between them, and a relay their
/// organisation runs: they connect through it and sync; whether hole-punching then found
/// a direct path is reported, not required.
pub fn behind_nat(lab: &Lab, bins: &Binaries) -> Result<Vec<String>> {
    let mut said = Vec::new();
    let (public, homes) = internet(lab, &["Ada", "Bo"], Firewall::Open)?;
    let authority = relay_certificate(lab)?;
    let _relay = start_relay(lab, bins, &public)?;
    let (mut ada, mut bo) = ada_and_bo(lab, bins, &homes, &authority);
    let (set, joined_at) = found_and_join(&mut ada, &mut bo, &mut said)?;

    let start = Instant::now();
    let issue = id_in(
        &bo.json(&["issue", "add", &set, "How do I keep two teams talking?"])?,
        "issue",
    )?;
    wait_for("Bo's issue on Ada's device", Duration::from_mins(1), || {
        let issues = ada.json(&["issue", "list", &set])?;
        Ok(issues["issues"]
            .as_array()
            .is_some_and(|all| all.iter().any(|i| i["id"] == issue.as_str()))
            .then_some(()))
    })?;
    said.push(format!(
        "an issue Bo added reached Ada's device in {}",
        seconds(start)
    ));

    // What Ada's device recorded as its addresses: with QUIC address discovery, the
    // router's internet address is among them.
    let shown = bo.json(&["set", "show", &set])?;
    let mut recorded: Vec<String> = shown["members"]
        .as_object()
        .into_iter()
        .flat_map(|members| members.values())
        .filter(|m| m["display_name"] == "Ada")
        .flat_map(|m| {
            m["devices"]
                .as_object()
                .into_iter()
                .flat_map(|d| d.values())
        })
        .flat_map(|d| d["addresses"].as_array().into_iter().flatten())
        .filter_map(|a| a.as_str().map(str::to_owned))
        .collect();
    recorded.sort();
    said.push(format!(
        "Ada's device recorded its addresses as {}",
        recorded.join(", ")
    ));

    // Hole-punching through two masquerading routers may or may not succeed; the route
    // the connection takes is what a member would see in `revans status`.
    let direct = wait_for(
        "a direct path between Ada and Bo",
        Duration::from_secs(20),
        || Ok((ada.sees(&set, "Bo")?.1.as_deref() == Some("direct")).then_some(())),
    );
    said.push(match direct {
        Ok(()) => format!(
            "a direct path (hole-punched through both NATs) was in use {} after Bo joined",
            seconds(joined_at)
        ),
        Err(_) => format!(
            "no direct path within 20 s of this check: the connection stayed on the {} route",
            ada.sees(&set, "Bo")?.1.unwrap_or_else(|| "no".to_owned())
        ),
    });
    Ok(said)
}

/// Behind strict firewalls that let only the relay through, the relay is stopped
/// mid-session: each side's `revans status` says the other is unreachable, an edit waits,
/// and it arrives once the relay is back.
pub fn relay_goes_away(lab: &Lab, bins: &Binaries) -> Result<Vec<String>> {
    let mut said = Vec::new();
    let (public, homes) = internet(lab, &["Ada", "Bo"], Firewall::RelayOnly)?;
    let authority = relay_certificate(lab)?;
    let relay = start_relay(lab, bins, &public)?;
    let (mut ada, mut bo) = ada_and_bo(lab, bins, &homes, &authority);
    let (set, _) = found_and_join(&mut ada, &mut bo, &mut said)?;
    wait_for(
        "Ada's device connected to Bo's through the relay",
        Duration::from_mins(1),
        || Ok((ada.sees(&set, "Bo")? == (true, Some("relay".to_owned()))).then_some(())),
    )?;

    relay.stop();
    let start = Instant::now();
    wait_for(
        "Ada's device to find Bo unreachable",
        Duration::from_secs(90),
        || Ok((!ada.sees(&set, "Bo")?.0).then_some(())),
    )?;
    said.push(format!(
        "relay stopped: Ada's device knew Bo was unreachable {} later",
        seconds(start)
    ));
    let status = ada.run(&["status", &set])?;
    ensure!(
        status.contains("Bo is unreachable"),
        "revans status does not say Bo is unreachable:\n{status}"
    );
    ensure!(
        status.contains(&format!("Relay {RELAY_URL}/: not reachable")),
        "revans status does not say the relay is not reachable:\n{status}"
    );
    said.push(format!(
        "revans status said: {}",
        status
            .lines()
            .find(|l| l.starts_with("Bo is unreachable"))
            .unwrap_or_default()
    ));

    let rule = id_in(
        &ada.json(&["rule", "propose", &set, "Phones face down"])?,
        "rule",
    )?;
    let holds_rule = |device: &Device| holds_rule(device, &set, &rule);
    ensure!(
        !holds_rule(&bo)?,
        "Bo's device holds Ada's rule with the relay down: some other path exists"
    );

    // A connection through the relay outlives a short outage (iroh keeps the relay path
    // open in case it comes straight back); this one lasts until the connection is given
    // up, so its return needs a fresh dial.
    let start = Instant::now();
    wait_for(
        "Ada's device to give up the connection to Bo's",
        Duration::from_mins(2),
        || {
            let status = ada.json(&["status", &set])?;
            let bo_connected = status["sets"][0]["members"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|m| m["name"] == "Bo")
                .flat_map(|m| m["devices"].as_array().into_iter().flatten())
                .any(|d| d["connected"] == true);
            Ok((!bo_connected).then_some(()))
        },
    )?;
    said.push(format!(
        "the connection through the relay was given up {} after the edit",
        seconds(start)
    ));

    let _relay = start_relay(lab, bins, &public)?;
    let start = Instant::now();
    wait_for(
        "Ada's rule, proposed while the relay was down, on Bo's device",
        Duration::from_mins(2),
        || Ok(holds_rule(&bo)?.then_some(())),
    )
    .with_context(|| format!("Ada's log:\n{}", ada.serve_log()))?;
    said.push(format!(
        "relay back: the rule Ada proposed meanwhile reached Bo {} after it restarted",
        seconds(start)
    ));
    Ok(said)
}

/// Starts the workplaces' HTTP proxy in the public namespace (this harness, as `proxy`).
fn start_proxy(lab: &Lab, public: &str) -> Result<Process> {
    let me = std::env::current_exe().context("could not find the harness's own binary")?;
    let mut cmd = command(public, &me);
    cmd.args(["proxy", &format!("{RELAY_HOST}:{PROXY_PORT}")]);
    let mut proxy = Process::spawn(cmd, lab.dir.path().join("proxy.log"))?;
    wait_for("the proxy to listen", Duration::from_secs(10), || {
        if proxy.exited() {
            return Err(anyhow!("the proxy exited: {}", proxy.log()));
        }
        Ok(proxy.log().contains("listening on").then_some(()))
    })?;
    Ok(proxy)
}

/// Members whose workplace networks let out only an HTTP proxy: each saves it on their
/// device (`revans proxy`, as IT would tell them), and their devices reach the relay
/// through it; the set is joined and an edit crosses that way, and the proxy's log shows
/// the tunnels it carried.
pub fn behind_a_proxy(lab: &Lab, bins: &Binaries) -> Result<Vec<String>> {
    let mut said = Vec::new();
    let (public, homes) = internet(lab, &["Ada", "Bo"], Firewall::ProxyOnly)?;
    let authority = relay_certificate(lab)?;
    let _relay = start_relay(lab, bins, &public)?;
    let proxy = start_proxy(lab, &public)?;
    let (mut ada, mut bo) = ada_and_bo(lab, bins, &homes, &authority);
    for device in [&ada, &bo] {
        device.run(&["proxy", PROXY_URL])?;
    }
    let (set, _) = found_and_join(&mut ada, &mut bo, &mut said)?;
    let status = ada.json(&["status"])?;
    ensure!(
        status["proxy"] == PROXY_URL,
        "Ada's status does not name the proxy she saved: {status}"
    );
    wait_for(
        "Ada's device connected to Bo's through the relay",
        Duration::from_mins(1),
        || Ok((ada.sees(&set, "Bo")? == (true, Some("relay".to_owned()))).then_some(())),
    )?;
    let rule = id_in(
        &ada.json(&["rule", "propose", &set, "Phones face down"])?,
        "rule",
    )?;
    let start = Instant::now();
    wait_for(
        "Ada's rule to reach Bo's device",
        Duration::from_mins(1),
        || Ok(holds_rule(&bo, &set, &rule)?.then_some(())),
    )?;
    said.push(format!(
        "Ada's rule reached Bo {} after she proposed it",
        seconds(start)
    ));
    let log = proxy.log();
    let tunnels = log
        .lines()
        .filter(|line| *line == format!("CONNECT {RELAY_HOST}:443"))
        .count();
    ensure!(
        tunnels >= 2,
        "the proxy carried {tunnels} tunnel(s) to the relay, not one from each device:\n{log}"
    );
    said.push(format!(
        "each device saved the proxy ({PROXY_URL}), its network's only way out, and reached the relay through it ({tunnels} tunnels)"
    ));
    Ok(said)
}
