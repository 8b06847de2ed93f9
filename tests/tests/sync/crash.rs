//! Crash safety: a process applying edits is killed with SIGKILL at random moments; after
//! every restart each edit it reported done is there and the set loads.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use revans_sync::{Node, NodeConfig};
use revans_tests::TIMEOUT;

const KILLS: usize = 50;

#[test]
fn every_reported_edit_survives_fifty_kills() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let child = env!("CARGO_BIN_EXE_crash_child");
    let mut done: BTreeSet<u64> = BTreeSet::new();
    let mut next = 0u64;
    for round in 0..KILLS {
        let mut process = Command::new(child)
            .arg(dir.path())
            .arg(next.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = process.stdout.take().context("child stdout")?;
        let (lines, received) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        // The set loads, holding at least every edit reported so far.
        let loaded = received
            .recv_timeout(TIMEOUT)
            .context("the child did not start")?;
        let count: usize = loaded
            .strip_prefix("LOADED ")
            .with_context(|| format!("unexpected first line {loaded:?}"))?
            .parse()?;
        if count < done.len() {
            bail!(
                "round {round}: the set holds {count} edits after a kill, but {} were reported done",
                done.len()
            );
        }
        // Let it edit for a random while, then kill it mid-flight.
        let run_for = Duration::from_millis(rand::random_range(5..250));
        let started = Instant::now();
        while started.elapsed() < run_for {
            if let Ok(line) = received.recv_timeout(Duration::from_millis(1))
                && let Some(n) = line.strip_prefix("DONE ")
            {
                done.insert(n.parse()?);
            }
        }
        process.kill()?;
        process.wait()?;
        // Lines already written before the kill count too: the edit had returned.
        while let Ok(line) = received.recv_timeout(Duration::from_millis(50)) {
            if let Some(n) = line.strip_prefix("DONE ") {
                done.insert(n.parse()?);
            }
        }
        // Numbers after a gap: an edit in flight at the kill may or may not have landed,
        // and is never reported, so the next round starts clear of it.
        next = done.last().map_or(next, |last| last + 1).max(next) + 1_000;
    }
    assert!(
        done.len() > KILLS,
        "the child made progress between kills ({} edits)",
        done.len()
    );

    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let node = Node::start(NodeConfig::loopback(dir.path().to_owned())).await?;
        let (_, state) = node.sets().into_iter().next().context("the set is there")?;
        let texts: BTreeSet<String> = state?
            .question_bank
            .values()
            .map(|q| q.text.clone())
            .collect();
        let missing: Vec<u64> = done
            .iter()
            .copied()
            .filter(|n| !texts.contains(&format!("edit {n}")))
            .collect();
        node.shutdown().await;
        if !missing.is_empty() {
            bail!("edits reported done but lost: {missing:?}");
        }
        Ok(())
    })
}
