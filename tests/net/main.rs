//! `revans-net`: the network-namespace suite (`bash tests/net/run`). Drives the real
//! `revans` binary, and iroh's own `iroh-relay`, inside network namespaces it makes and
//! removes: a room without internet found by mDNS, members behind separate NATs meeting
//! through a self-hosted relay, that relay going away, and members whose networks let
//! out only their workplace's HTTP proxy. Needs root (`ip netns`).
//!
//! Nothing leaves the namespaces: they have no link to the machine's own network, every
//! address in them is the suite's (198.18.0.0/24 for the simulated internet, 10.N.0.0/24
//! behind each NAT, 10.77.0.0/24 for the room), and the only relay is the one the suite
//! starts.
//!
//! Usage: `revans-net [same-room|behind-nat|relay-goes-away|behind-a-proxy]...` with `REVANS_BIN` and
//! `IROH_RELAY_BIN` naming the binaries; `RVNET_PREFIX` starts every namespace's name;
//! with `RVNET_LOGS` set, the ends of the processes' logs are printed after a scenario
//! passes too (they always are after one fails), and with `RVNET_LOGS=all` the whole logs.

mod device;
mod lab;
mod proxy;
mod scenarios;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context as _, Result};

use crate::lab::{Binaries, Lab};

type Scenario = fn(&Lab, &Binaries) -> Result<Vec<String>>;

const SCENARIOS: [(&str, Scenario); 4] = [
    ("same-room", scenarios::same_room),
    ("behind-nat", scenarios::behind_nat),
    ("relay-goes-away", scenarios::relay_goes_away),
    ("behind-a-proxy", scenarios::behind_a_proxy),
];

fn binary(var: &str) -> Result<PathBuf> {
    let path = PathBuf::from(std::env::var_os(var).with_context(|| format!("{var} is not set"))?);
    anyhow::ensure!(path.is_file(), "{var}={} is not a file", path.display());
    Ok(path)
}

fn main() -> ExitCode {
    // The suite runs its workplace proxy as itself, inside a namespace.
    if std::env::args().nth(1).as_deref() == Some("proxy") {
        let address = std::env::args().nth(2).unwrap_or_default();
        return match proxy::serve(&address) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{e:#}");
                ExitCode::FAILURE
            }
        };
    }
    let bins = match binary("REVANS_BIN").and_then(|revans| {
        Ok(Binaries {
            revans,
            relay: binary("IROH_RELAY_BIN")?,
        })
    }) {
        Ok(bins) => bins,
        Err(e) => {
            eprintln!("{e:#}");
            return ExitCode::from(2);
        }
    };
    let prefix =
        std::env::var("RVNET_PREFIX").unwrap_or_else(|_| format!("rvn{}", std::process::id()));
    let asked: Vec<String> = std::env::args().skip(1).collect();
    if let Some(unknown) = asked
        .iter()
        .find(|a| !SCENARIOS.iter().any(|(name, _)| name == a))
    {
        let names: Vec<&str> = SCENARIOS.iter().map(|(name, _)| *name).collect();
        eprintln!(
            "No scenario {unknown:?}: the scenarios are {}.",
            names.join(", ")
        );
        return ExitCode::from(2);
    }
    let mut failed = 0;
    for (i, (name, scenario)) in SCENARIOS.iter().enumerate() {
        if !asked.is_empty() && !asked.iter().any(|a| a == name) {
            continue;
        }
        println!("== {name}");
        let start = Instant::now();
        let lab = match Lab::new(&format!("{prefix}-{i}")) {
            Ok(lab) => lab,
            Err(e) => {
                eprintln!("could not make a lab: {e:#}");
                return ExitCode::FAILURE;
            }
        };
        match scenario(&lab, &bins) {
            Ok(said) => {
                for line in said {
                    println!("   {line}");
                }
                println!("   ok in {:.1} s", start.elapsed().as_secs_f64());
                if std::env::var_os("RVNET_LOGS").is_some() {
                    print_logs(&lab);
                }
            }
            Err(e) => {
                failed += 1;
                println!(
                    "   FAILED after {:.1} s: {e:#}",
                    start.elapsed().as_secs_f64()
                );
                print_logs(&lab);
            }
        }
    }
    if failed > 0 {
        println!("{failed} scenario(s) failed");
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The end of every log the failed scenario's processes wrote.
fn print_logs(lab: &Lab) {
    let Ok(entries) = std::fs::read_dir(lab.dir.path()) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "log") {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let shown = if std::env::var_os("RVNET_LOGS").is_some_and(|v| v == "all") {
                lines.len()
            } else {
                60
            };
            println!("   --- {} (last {shown} lines)", path.display());
            for line in &lines[lines.len().saturating_sub(shown)..] {
                println!("   {line}");
            }
        }
    }
}
