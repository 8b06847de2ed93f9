//! Benchmarks of what a set's members feel, printed as Markdown for BENCHMARKS.md.
//!
//!   cargo run --release -p revans-tests --bin bench            # the whole suite
//!   cargo run --release -p revans-tests --bin bench -- --quick # under a minute
//!   ... --json FILE    also writes every figure to FILE, under stable keys
//!   ... --only SECTION edit, catchup, open, past, durability or local: that section alone
//!                      (or verify: catchup's checking of every change, without nodes)
//!
//! Every figure is measured in this run, beside its reference measured in the same run:
//! an edit's trip to six other nodes beside a raw iroh echo; catching up beside
//! automerge's own in-memory sync of the same documents; opening sets beside
//! `automerge::load` of the same bytes. Nodes are real, on 127.0.0.1, relays off.
//! One file, over 600 lines, so the whole suite and its references read side by side.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_precision_loss,
    clippy::cast_sign_loss,
    clippy::too_many_lines
)]

use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use automerge::sync::SyncDoc as _;
use chrono::Utc;
use iroh::endpoint::presets;
use iroh::protocol::{AcceptError, ProtocolHandler, Router};
use revans_model::{Command, SetId};
use revans_sync::io_counters;
use revans_sync::protocol::wire_counters;
use revans_tests::TestNode;
use revans_tests::history::{self, History};

const ECHO_ALPN: &[u8] = b"revans/bench-echo/0";

/// Every figure of the run, under the keys `--json` writes.
type Figures = serde_json::Map<String, serde_json::Value>;

fn millis(d: Duration) -> serde_json::Value {
    serde_json::json!(d.as_secs_f64() * 1000.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

struct Sizes {
    edits: usize,
    meetings: u32,
    offline: usize,
    sets: usize,
}

/// Starts `n` nodes and gives them one generated set with `meetings` meetings of
/// history, with every device's address in it so they find each other at once.
async fn set_on(n: usize, meetings: u32, seed: u64) -> Result<(Vec<TestNode>, History)> {
    let mut nodes = Vec::new();
    for _ in 0..n {
        nodes.push(TestNode::start().await?);
    }
    let keys = nodes
        .iter()
        .map(TestNode::key)
        .collect::<Result<Vec<_>>>()?;
    let mut history = history::generate(&keys, meetings, seed, Utc::now())?;
    for (i, t) in nodes.iter().enumerate() {
        let addresses = t
            .node()
            .addr()
            .addrs
            .iter()
            .filter_map(|a| match a {
                iroh::TransportAddr::Ip(ip) => Some(ip.to_string()),
                _ => None,
            })
            .collect();
        history.apply(
            i,
            Utc::now(),
            Command::RecordAddresses {
                device: t.node().device().clone(),
                addresses,
            },
        )?;
    }
    Ok((nodes, history))
}

/// Raw iroh: one bi-stream, 64 bytes there and back, `rounds` times.
async fn echo_round_trips(rounds: usize) -> Result<Vec<Duration>> {
    #[derive(Debug, Clone)]
    struct Echo;
    impl ProtocolHandler for Echo {
        async fn accept(&self, connection: iroh::endpoint::Connection) -> Result<(), AcceptError> {
            let (mut send, mut recv) = connection.accept_bi().await?;
            let mut buf = [0u8; 64];
            while recv.read_exact(&mut buf).await.is_ok() {
                if send.write_all(&buf).await.is_err() {
                    break;
                }
            }
            connection.closed().await;
            Ok(())
        }
    }
    let bind = |ep: iroh::endpoint::Builder| ep.clear_ip_transports().bind_addr("127.0.0.1:0");
    let server = bind(iroh::Endpoint::builder(presets::Minimal))?
        .bind()
        .await?;
    let router = Router::builder(server.clone())
        .accept(ECHO_ALPN, Echo)
        .spawn();
    let client = bind(iroh::Endpoint::builder(presets::Minimal))?
        .bind()
        .await?;
    let connection = client.connect(server.addr(), ECHO_ALPN).await?;
    let (mut send, mut recv) = connection.open_bi().await?;
    let mut times = Vec::with_capacity(rounds);
    let payload = [7u8; 64];
    let mut buf = [0u8; 64];
    for i in 0..rounds + 10 {
        let start = Instant::now();
        send.write_all(&payload).await?;
        recv.read_exact(&mut buf).await?;
        if i >= 10 {
            times.push(start.elapsed());
        }
    }
    connection.close(0u32.into(), b"done");
    router.shutdown().await.ok();
    client.close().await;
    Ok(times)
}

async fn wait_identical(
    nodes: &[TestNode],
    set: &revans_model::SetId,
    limit: Duration,
) -> Result<Duration> {
    let start = Instant::now();
    loop {
        let first = nodes[0].node().heads(set)?;
        let mut same = true;
        for t in &nodes[1..] {
            if t.node().heads(set).map_or(true, |h| h != first) {
                same = false;
                break;
            }
        }
        if same {
            return Ok(start.elapsed());
        }
        if start.elapsed() > limit {
            bail!("the nodes did not converge within {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Seven nodes holding a set with `meetings` of history and a meeting in its turns,
/// all connected and identical.
async fn meeting_on(meetings: u32) -> Result<(Vec<TestNode>, SetId)> {
    let (nodes, mut history) = set_on(7, meetings, 1).await?;
    history::open_a_meeting_in_turns(&mut history, Utc::now())?;
    let bytes = history.backup();
    for t in &nodes {
        t.node().import_set(&bytes).await?;
    }
    let set = history.id.clone();
    // Wait until every node is connected to every other.
    let start = Instant::now();
    loop {
        let mut all = true;
        for t in &nodes {
            let status = t.node().sync_status(&set)?;
            all &= status.iter().all(|(_, ds)| ds.iter().all(|d| d.connected));
        }
        if all {
            break;
        }
        if start.elapsed() > Duration::from_mins(1) {
            bail!("the seven nodes did not all connect");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    wait_identical(&nodes, &set, Duration::from_mins(1)).await?;
    Ok((nodes, set))
}

/// `edits` edits from the nodes in turn, of three kinds in turn: a rule proposed, catch-up
/// news, a question logged in the running turn (a rule instead from its presenter). Each
/// edit's time to commit on its node, and from then until all six others hold it, sorted;
/// and how many whole sets the seven nodes read from their documents per edit.
async fn edits_on(
    nodes: &[TestNode],
    set: &SetId,
    edits: usize,
) -> Result<(Vec<Duration>, Vec<Duration>, f64)> {
    let state = nodes[0].node().set(set)?;
    let reads_before = revans_model::whole_reads();
    let (meeting, presenter) = state
        .meetings
        .iter()
        .find_map(|(id, m)| {
            m.turns
                .iter()
                .find(|(_, t)| t.ended_at.is_none())
                .map(|(presenter, _)| (id.clone(), presenter.clone()))
        })
        .context("no turn running")?;
    let mut commit = Vec::new();
    let mut reach = Vec::new();
    for i in 0..edits {
        let from = i % nodes.len();
        let member = state.member_for_device(nodes[from].node().device());
        let command = match i % 3 {
            1 => Command::CatchUp {
                meeting: meeting.clone(),
                news: format!("News number {i}: a quieter month."),
            },
            2 if member != Some(&presenter) => Command::LogContribution {
                meeting: meeting.clone(),
                kind: revans_model::ContributionKind::Question,
                text: format!("Question {i}: what would you try first?"),
                asker: None,
            },
            _ => Command::ProposeRule {
                text: format!("Rule number {i}: we keep to time."),
            },
        };
        let started = Instant::now();
        nodes[from].node().apply(set, command).await?;
        let committed = Instant::now();
        let head = nodes[from].node().heads(set)?;
        let others: Vec<_> = nodes
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != from)
            .map(|(_, t)| t.node().clone())
            .collect();
        let waits = others.into_iter().map(|node| {
            let set = set.clone();
            let head = head.clone();
            async move {
                let mut events = node.subscribe();
                loop {
                    let heads = node.heads(&set)?;
                    if head.iter().all(|h| heads.contains(h)) {
                        return Ok::<_, anyhow::Error>(());
                    }
                    tokio::time::timeout(Duration::from_millis(50), events.recv())
                        .await
                        .ok();
                }
            }
        });
        tokio::time::timeout(
            Duration::from_secs(30),
            futures::future::try_join_all(waits),
        )
        .await
        .context("an edit never reached every node")??;
        reach.push(committed.elapsed());
        commit.push(committed - started);
    }
    let reads = revans_model::whole_reads() - reads_before;
    commit.sort();
    reach.sort();
    Ok((commit, reach, reads as f64 / edits as f64))
}

/// Section 1: one change on one node until all six others hold it, on a new set and on
/// one with its history, beside a raw iroh echo.
async fn edit_to_the_set(sizes: &Sizes, figures: &mut Figures) -> Result<()> {
    let (nodes, set) = meeting_on(0).await?;
    let (commit, reach, reads) = edits_on(&nodes, &set, sizes.edits).await?;
    for mut t in nodes {
        t.stop().await;
    }
    let (old_nodes, old_set) = meeting_on(sizes.meetings).await?;
    let (old_commit, old_reach, old_reads) = edits_on(&old_nodes, &old_set, sizes.edits).await?;
    for mut t in old_nodes {
        t.stop().await;
    }
    let mut echo = echo_round_trips(sizes.edits).await?;
    echo.sort();
    let (m, p) = (percentile(&reach, 0.5), percentile(&reach, 0.99));
    let (em, ep) = (percentile(&echo, 0.5), percentile(&echo, 0.99));
    figures.insert("echo_rtt_p50_ms".into(), millis(em));
    figures.insert(
        "edit_commit_p50_ms".into(),
        millis(percentile(&commit, 0.5)),
    );
    figures.insert("edit_reach_p50_ms".into(), millis(m));
    figures.insert("edit_reach_p99_ms".into(), millis(p));
    figures.insert(
        "edit_commit_p50_ms_two_year".into(),
        millis(percentile(&old_commit, 0.5)),
    );
    figures.insert(
        "edit_reach_p50_ms_two_year".into(),
        millis(percentile(&old_reach, 0.5)),
    );
    figures.insert("edit_whole_reads_per_edit".into(), reads.into());
    figures.insert(
        "edit_whole_reads_per_edit_two_year".into(),
        old_reads.into(),
    );
    println!(
        "## 1. Edit to the set ({} edits, 7 nodes; a rule, catch-up news and a question in the running turn, in turn)\n",
        sizes.edits
    );
    println!(
        "| | new set, median | p99 | {} meetings of history, median | p99 | history / new, median |\n|---|---|---|---|---|---|",
        sizes.meetings
    );
    for (what, new, old) in [
        (
            "committed on the editing node (change on disk)",
            &commit,
            &old_commit,
        ),
        (
            "from commit until all 6 other nodes hold it",
            &reach,
            &old_reach,
        ),
    ] {
        println!(
            "| {what} | {} | {} | {} | {} | {:.2}x |",
            ms(percentile(new, 0.5)),
            ms(percentile(new, 0.99)),
            ms(percentile(old, 0.5)),
            ms(percentile(old, 0.99)),
            percentile(old, 0.5).as_secs_f64() / percentile(new, 0.5).as_secs_f64()
        );
    }
    println!(
        "| whole sets read from their documents per edit, all 7 nodes (0 once open) | {reads:.2} | | {old_reads:.2} | | |"
    );
    println!(
        "| raw iroh echo round trip, 64 bytes (the limit) | {} | {} | | | |",
        ms(em),
        ms(ep)
    );
    println!(
        "| ratio, edit reach / echo round trip | {:.1}x | {:.1}x | {:.1}x | {:.1}x | |\n",
        m.as_secs_f64() / em.as_secs_f64(),
        p.as_secs_f64() / ep.as_secs_f64(),
        percentile(&old_reach, 0.5).as_secs_f64() / em.as_secs_f64(),
        percentile(&old_reach, 0.99).as_secs_f64() / ep.as_secs_f64()
    );
    against_automerge_repo(sizes, m, p);
    Ok(())
}

/// One sync message from `from` to `to`, if it has one; counts it.
fn send(
    from: &mut automerge::Automerge,
    to: &mut automerge::Automerge,
    sf: &mut automerge::sync::State,
    st: &mut automerge::sync::State,
    counts: &mut (u64, u64),
) -> Result<bool> {
    let Some(message) = from.generate_sync_message(sf) else {
        return Ok(false);
    };
    let encoded = message.encode();
    counts.0 += 1;
    counts.1 += encoded.len() as u64;
    to.receive_sync_message(st, automerge::sync::Message::decode(&encoded)?)?;
    Ok(true)
}

/// Item 2, the same edit through automerge-repo (JavaScript) and its websocket server, run by
/// `bench/js/edit.mjs` in this same run.
fn against_automerge_repo(sizes: &Sizes, ours_median: Duration, ours_p99: Duration) {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench/js/edit.mjs");
    println!("## 2. Against a peer: automerge-repo with its websocket server\n");
    let mut cmd = std::process::Command::new("node");
    cmd.arg(&script);
    if sizes.edits < 100 {
        cmd.arg("--quick");
    }
    let output = match cmd.output() {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            println!(
                "Not measured: {} failed ({}). Install it with `cd bench/js && npm install`.\n",
                script.display(),
                String::from_utf8_lossy(&o.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            );
            return;
        }
        Err(e) => {
            println!("Not measured: Node.js could not run ({e}).\n");
            return;
        }
    };
    let parsed: serde_json::Value = match serde_json::from_slice(&output.stdout) {
        Ok(v) => v,
        Err(e) => {
            println!("Not measured: the script's output did not parse ({e}).\n");
            return;
        }
    };
    let theirs_median = parsed["median_ms"].as_f64().unwrap_or(f64::NAN);
    let theirs_p99 = parsed["p99_ms"].as_f64().unwrap_or(f64::NAN);
    println!("| | median | p99 |\n|---|---|---|");
    println!(
        "| automerge-repo {} (7 repos, one sync server, in memory) | {theirs_median:.2} ms | {theirs_p99:.2} ms |",
        parsed["automerge_repo"].as_str().unwrap_or("?")
    );
    println!(
        "| Revans, from commit until all 6 others hold it | {} | {} |",
        ms(ours_median),
        ms(ours_p99)
    );
    println!(
        "| ratio, ours / theirs | {:.2}x | {:.2}x |\n",
        ours_median.as_secs_f64() * 1000.0 / theirs_median,
        ours_p99.as_secs_f64() * 1000.0 / theirs_p99
    );
}

/// Automerge's own sync of the same documents in memory, the protocol's minimum: every
/// document syncs with the first (a hub) until quiet, then the hub with every document
/// again. Returns (time, messages, bytes).
fn in_memory_sync(mut docs: Vec<automerge::Automerge>) -> Result<(Duration, u64, u64)> {
    fn pair(docs: &mut [automerge::Automerge], j: usize, counts: &mut (u64, u64)) -> Result<()> {
        let (hub, rest) = docs.split_at_mut(1);
        let (a, b) = (&mut hub[0], &mut rest[j - 1]);
        let (mut sa, mut sb) = (automerge::sync::State::new(), automerge::sync::State::new());
        loop {
            let there = send(a, b, &mut sa, &mut sb, counts)?;
            let back = send(b, a, &mut sb, &mut sa, counts)?;
            if !there && !back {
                return Ok(());
            }
        }
    }
    let n = docs.len();
    let mut counts = (0u64, 0u64);
    let start = Instant::now();
    for _ in 0..2 {
        for j in 1..n {
            pair(&mut docs, j, &mut counts)?;
        }
    }
    let elapsed = start.elapsed();
    let first = docs[0].get_heads();
    if docs.iter().any(|d| d.get_heads() != first) {
        bail!("in-memory sync ended without converging");
    }
    Ok((elapsed, counts.0, counts.1))
}

/// What checking every change costs: the set's whole history judged change by change
/// (signature, then the rules from each change's causal past) and applied, beside the
/// same changes applied one by one unchecked, and all at once as loading does.
fn verification(history: &History, figures: &mut Figures) -> Result<()> {
    let changes = history.doc.get_changes(&[]);
    let n = changes.len();
    let time = |f: &mut dyn FnMut() -> Result<()>| -> Result<Duration> {
        let start = Instant::now();
        f()?;
        Ok(start.elapsed())
    };
    let at_once = time(&mut || {
        let mut doc = automerge::Automerge::new();
        doc.apply_changes(changes.iter().cloned())?;
        Ok(())
    })?;
    let one_by_one = time(&mut || {
        let mut doc = automerge::Automerge::new();
        for change in &changes {
            doc.apply_changes([change.clone()])?;
        }
        Ok(())
    })?;
    let signatures = time(&mut || {
        for change in &changes {
            let signature = history
                .signatures
                .get(&change.hash())
                .context("an unsigned change")?;
            revans_sync::signed::verify(change, signature).map_err(anyhow::Error::msg)?;
        }
        Ok(())
    })?;
    let judged = time(&mut || {
        let mut doc = automerge::Automerge::new();
        let mut memo = revans_model::Memo::default();
        for change in &changes {
            revans_model::check_change_with(&doc, &history.id, change, &mut memo)
                .map_err(|r| anyhow::anyhow!("the history breaks a rule: {r}"))?;
            doc.apply_changes([change.clone()])?;
        }
        Ok(())
    })?;
    let per = |d: Duration| d.as_secs_f64() * 1e6 / n as f64;
    let rules = judged.saturating_sub(one_by_one);
    figures.insert("verify_changes".into(), n.into());
    figures.insert("verify_signature_us".into(), per(signatures).into());
    figures.insert("verify_rules_us".into(), per(rules).into());
    figures.insert("apply_one_us".into(), per(one_by_one).into());
    figures.insert("apply_all_us".into(), per(at_once).into());
    println!(
        "## 3a. Checking every change ({n} changes of the two-year set)
"
    );
    println!(
        "| | per change | whole history |
|---|---|---|"
    );
    println!(
        "| applied all at once, unchecked (as loading does) | {:.1} us | {} |",
        per(at_once),
        ms(at_once)
    );
    println!(
        "| applied one by one, unchecked | {:.1} us | {} |",
        per(one_by_one),
        ms(one_by_one)
    );
    println!(
        "| the signature checked (Ed25519) | {:.1} us | {} |",
        per(signatures),
        ms(signatures)
    );
    println!(
        "| the rules checked from the causal past | {:.1} us | {} |",
        per(rules),
        ms(rules)
    );
    println!(
        "| ratio, (one by one + signature + rules) / one by one | {:.2}x | |\n",
        (one_by_one + signatures + rules).as_secs_f64() / one_by_one.as_secs_f64()
    );
    validity(history, figures)
}

/// What working out which changes stand costs on the two-year set: the watch every round
/// pays, and the whole reading when a removal arrives: alone, and with a change the
/// removed member made at the same time (then void, which takes a pass over the history).
fn validity(history: &History, figures: &mut Figures) -> Result<()> {
    use revans_model::authority;
    let repeat = 100_u32;
    let start = Instant::now();
    for _ in 0..repeat {
        std::hint::black_box(authority::watched(&history.doc));
    }
    let counted = start.elapsed() / repeat;
    let heads = history.doc.get_heads();
    let state = revans_model::ActionLearningSet::from_doc(&history.doc)?;
    let device_of = |member: &revans_model::MemberId| {
        state.members[member]
            .devices
            .keys()
            .next()
            .cloned()
            .context("a member with a device")
    };
    let (founder, removed) = (
        &history.members[0],
        &history.members[history.members.len() - 1],
    );
    let on = |member: &revans_model::MemberId, command: Command| -> Result<automerge::Automerge> {
        let mut doc = history.doc.fork_at(&heads)?;
        doc.set_actor(device_of(member)?.actor());
        let author = revans_model::Author {
            member: member.clone(),
            at: Utc::now(),
        };
        revans_model::apply(&mut doc, &author, command)?;
        Ok(doc)
    };
    let removal = || {
        on(
            founder,
            Command::RemoveMember {
                member: removed.clone(),
            },
        )
    };
    let read = |whole: &automerge::Automerge| {
        let start = Instant::now();
        let void = authority::validity(whole).void.len();
        (start.elapsed(), void)
    };
    let mut alone = history.doc.clone();
    alone.merge(&mut removal()?)?;
    let (now, void_now) = read(&alone);
    let mut meanwhile = alone;
    meanwhile.merge(&mut on(
        removed,
        Command::ProposeRule {
            text: "Written while being removed.".into(),
        },
    )?)?;
    let (backdated, void_backdated) = read(&meanwhile);
    figures.insert(
        "validity_count_us".into(),
        (counted.as_secs_f64() * 1e6).into(),
    );
    figures.insert(
        "validity_removal_ms".into(),
        (now.as_secs_f64() * 1e3).into(),
    );
    figures.insert(
        "validity_concurrent_removal_ms".into(),
        (backdated.as_secs_f64() * 1e3).into(),
    );
    figures.insert("validity_concurrent_void".into(), void_backdated.into());
    println!("## 3b. Working out which changes stand (the two-year set)\n");
    println!("| | time | changes void |\n|---|---|---|");
    println!(
        "| watching the endings and departed members' devices (every round) | {:.1} us | |",
        counted.as_secs_f64() * 1e6
    );
    println!(
        "| the whole reading, a removal made now | {} | {void_now} |",
        ms(now)
    );
    println!(
        "| the whole reading, with a change the removed member made meanwhile | {} | {void_backdated} |\n",
        ms(backdated)
    );
    Ok(())
}

/// 3. Seven nodes, each with changes made offline on a set with history, then connected.
async fn catching_up(sizes: &Sizes, figures: &mut Figures) -> Result<()> {
    let (mut nodes, history) = set_on(7, sizes.meetings, 2).await?;
    verification(&history, figures)?;
    let bytes = history.backup();
    let set = history.id.clone();
    for t in &mut nodes {
        t.stop().await;
    }
    // Each node alone: the set, then its changes made offline.
    let mut offline_docs = Vec::new();
    for (i, t) in nodes.iter_mut().enumerate() {
        t.restart().await?;
        t.node().import_set(&bytes).await?;
        for k in 0..sizes.offline {
            t.node()
                .apply(
                    &set,
                    Command::ProposeRule {
                        text: format!("Device {i}'s offline rule {k}"),
                    },
                )
                .await?;
        }
        offline_docs.push(automerge::Automerge::load(&t.node().save(&set).await?)?);
        t.stop().await;
    }
    let before = wire_counters();
    let restarts = futures::future::try_join_all(nodes.iter_mut().map(TestNode::restart));
    restarts.await?;
    let start = Instant::now();
    let converged = wait_identical(&nodes, &set, Duration::from_mins(2)).await?;
    let total = start.elapsed();
    let after = wire_counters();
    let checking = Checking::measure(&offline_docs, &history.doc.get_heads(), &set)?;
    let (reference, ref_messages, ref_bytes) = in_memory_sync(offline_docs)?;
    let (messages, wire_bytes) = (
        after.messages_sent - before.messages_sent,
        after.bytes_sent - before.bytes_sent,
    );
    figures.insert("catchup_ms".into(), millis(converged.max(total)));
    figures.insert("catchup_bytes".into(), wire_bytes.into());
    figures.insert("catchup_messages".into(), messages.into());
    figures.insert("reference_catchup_ms".into(), millis(reference));
    figures.insert("reference_catchup_bytes".into(), ref_bytes.into());
    figures.insert("reference_catchup_messages".into(), ref_messages.into());
    println!(
        "## 3. Catching up ({} meetings of history, {} bytes saved; 7 nodes x {} offline changes)\n",
        sizes.meetings,
        bytes.len(),
        sizes.offline
    );
    println!("| | time | sync messages | bytes |\n|---|---|---|---|");
    println!(
        "| Revans nodes on 127.0.0.1, from all started to identical heads | {} | {} | {} |",
        ms(converged.max(total)),
        messages,
        wire_bytes
    );
    println!(
        "| automerge in-memory sync of the same 7 documents (each with a hub, twice) | {} | {} | {} |\n",
        ms(reference),
        ref_messages,
        ref_bytes
    );
    for mut t in nodes {
        t.stop().await;
    }
    checking.report(converged.max(total), figures)
}

/// What checking costs in a catch-up: each node's work of taking the other six nodes'
/// offline changes, one by one in runs as they arrive, applied unchecked beside judged by
/// the rules and applied (the signature's cost, per change, from section 3a). Measured on
/// one thread; the catch-up itself runs seven nodes on the machine's cores.
struct Checking {
    unchecked: Duration,
    judged: Duration,
    changes: usize,
}

impl Checking {
    fn measure(
        offline_docs: &[automerge::Automerge],
        base: &[automerge::ChangeHash],
        set: &revans_model::SetId,
    ) -> Result<Self> {
        let (mut unchecked, mut judged, mut changes) = (Duration::ZERO, Duration::ZERO, 0usize);
        for (i, own) in offline_docs.iter().enumerate() {
            let theirs: Vec<automerge::Change> = offline_docs
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .flat_map(|(_, doc)| doc.get_changes(base))
                .collect();
            changes += theirs.len();
            let mut doc = own.fork();
            let start = Instant::now();
            for change in &theirs {
                doc.apply_changes([change.clone()])?;
            }
            unchecked += start.elapsed();
            let mut doc = own.fork();
            let mut memo = revans_model::Memo::default();
            let start = Instant::now();
            for change in &theirs {
                revans_model::check_change_with(&doc, set, change, &mut memo)
                    .map_err(|r| anyhow::anyhow!("an offline change breaks a rule: {r}"))?;
                doc.apply_changes([change.clone()])?;
            }
            judged += start.elapsed();
        }
        Ok(Self {
            unchecked,
            judged,
            changes,
        })
    }

    fn report(&self, catchup: Duration, figures: &mut Figures) -> Result<()> {
        let Self {
            unchecked,
            judged,
            changes,
        } = *self;
        let signature_us = figures
            .get("verify_signature_us")
            .and_then(serde_json::Value::as_f64)
            .context("section 3a measures the signature first")?;
        let rules = judged.saturating_sub(unchecked);
        let signatures = Duration::from_secs_f64(signature_us * changes as f64 / 1e6);
        let checking = rules + signatures;
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        // The catch-up is the nodes' work shared over the cores: without checking, it would
        // be shorter by the checking's share of them.
        let without = catchup.saturating_sub(checking / u32::try_from(cores)?);
        let take_ratio = (unchecked + checking).as_secs_f64() / unchecked.as_secs_f64();
        let per = |d: Duration| d.as_secs_f64() * 1e6 / changes as f64;
        figures.insert("catchup_rules_us".into(), per(rules).into());
        figures.insert("catchup_take_unchecked_us".into(), per(unchecked).into());
        figures.insert("catchup_checking_ms".into(), millis(checking));
        figures.insert(
            "catchup_verified_over_unverified".into(),
            (catchup.as_secs_f64() / without.as_secs_f64()).into(),
        );
        figures.insert(
            "catchup_take_verified_over_unverified".into(),
            take_ratio.into(),
        );
        println!(
            "## 3c. What checking adds to the catch-up ({changes} changes taken over 7 nodes)\n"
        );
        println!("| | per change | all nodes |\n|---|---|---|");
        println!(
            "| applied one by one, unchecked, in runs as they arrive | {:.1} us | {} |",
            per(unchecked),
            ms(unchecked)
        );
        println!(
            "| the rules, each run's changes carrying what they read | {:.1} us | {} |",
            per(rules),
            ms(rules)
        );
        println!(
            "| the signature (section 3a) | {signature_us:.1} us | {} |",
            ms(signatures)
        );
        println!("| taking the changes, checked / unchecked | {take_ratio:.2}x | |");
        println!(
            "| the catch-up above / the same less the checking's share of {cores} cores (estimate) | {:.2}x | {} / {} |\n",
            catchup.as_secs_f64() / without.as_secs_f64(),
            ms(catchup),
            ms(without)
        );
        Ok(())
    }
}

/// 4. Opening sets from disk, beside `automerge::load` of the same bytes.
async fn opening(sizes: &Sizes, figures: &mut Figures) -> Result<()> {
    let mut node = TestNode::start().await?;
    // Twenty sets of the same size founded by this device (each set's id is bound to its
    // founding, so no two can share a history).
    let mut keys = vec![node.key()?];
    keys.extend((1..7).map(|_| iroh::SecretKey::generate()));
    let mut saved = Vec::new();
    for seed in 0..sizes.sets {
        let history = history::generate(&keys, sizes.meetings, seed as u64, Utc::now())?;
        node.node().import_set(&history.backup()).await?;
        saved.push(history.doc.save());
    }
    node.stop().await;
    let mut starts = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        node.restart().await?;
        let held = node.node().sets().len();
        starts.push(t.elapsed());
        if held != sizes.sets {
            bail!("the node opened {held} sets, not {}", sizes.sets);
        }
        node.stop().await;
    }
    let mut empty = TestNode::start().await?;
    empty.stop().await;
    let mut bare = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        empty.restart().await?;
        bare.push(t.elapsed());
        empty.stop().await;
    }
    let mut loads = Vec::new();
    let mut hydrations = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let mut docs = Vec::new();
        for bytes in &saved {
            docs.push(automerge::Automerge::load(bytes)?);
        }
        loads.push(t.elapsed());
        // What opening adds to loading: reading each set into the model, as the app
        // needs it to show anything.
        let t = Instant::now();
        for doc in &docs {
            std::hint::black_box(revans_model::ActionLearningSet::from_doc(doc)?);
        }
        hydrations.push(t.elapsed());
    }
    for v in [&mut starts, &mut bare, &mut loads, &mut hydrations] {
        v.sort();
    }
    figures.insert("hydrate_ms".into(), millis(hydrations[2]));
    figures.insert("open_ms".into(), millis(starts[2]));
    figures.insert("open_empty_ms".into(), millis(bare[2]));
    figures.insert("load_ms".into(), millis(loads[2]));
    println!(
        "## 4. Opening {} sets from disk (median of 5)\n",
        sizes.sets
    );
    println!("| | time |\n|---|---|");
    println!(
        "| Node::start holding them (lock, key, endpoint, load, the model kept beside each) | {} |",
        ms(starts[2])
    );
    println!(
        "| Node::start holding none (the endpoint alone) | {} |",
        ms(bare[2])
    );
    println!("| automerge::load of the same bytes | {} |", ms(loads[2]));
    println!(
        "| the model reading the same {} loaded documents (`ActionLearningSet::from_doc`) | {} |",
        sizes.sets,
        ms(hydrations[2])
    );
    println!(
        "| ratio, (start with sets - start with none) / (load + model read) | {:.1}x |",
        starts[2].saturating_sub(bare[2]).as_secs_f64() / (loads[2] + hydrations[2]).as_secs_f64()
    );
    println!(
        "| ratio, (start with sets - start with none) / automerge::load | {:.1}x |\n",
        starts[2].saturating_sub(bare[2]).as_secs_f64() / loads[2].as_secs_f64()
    );
    Ok(())
}

/// 4a. One set of two years read as it stood at its first meeting's close (`set show
/// --at`), beside reading it as it is now: both from its saved bytes.
fn the_set_as_it_stood(sizes: &Sizes, figures: &mut Figures) -> Result<()> {
    let keys: Vec<iroh::SecretKey> = (0..7).map(|_| iroh::SecretKey::generate()).collect();
    let history = history::generate(&keys, sizes.meetings, 3, Utc::now())?;
    let saved = &history.doc.save();
    let doc = automerge::Automerge::load(saved)?;
    let first_closed = revans_model::ActionLearningSet::from_doc(&doc)?
        .meetings_in_order()
        .into_iter()
        .find_map(|(_, m)| m.closed_at)
        .context("the history has a closed meeting")?
        .get();
    let mut now = Vec::new();
    let mut past = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let doc = automerge::Automerge::load(saved)?;
        std::hint::black_box(revans_model::ActionLearningSet::from_doc(&doc)?);
        now.push(t.elapsed());
        let t = Instant::now();
        let doc = automerge::Automerge::load(saved)?;
        let heads = revans_model::heads_at(&doc, first_closed);
        let then = revans_model::set_at(&doc, &heads)?;
        past.push(t.elapsed());
        if then
            .meetings
            .values()
            .filter(|m| m.closed_at.is_some())
            .count()
            != 1
        {
            bail!("the set at its first meeting holds another closed meeting");
        }
    }
    now.sort();
    past.sort();
    // What each hydrate now adds: the values with two versions, looked for beside the
    // model's read of the same loaded document.
    let mut read = Vec::new();
    let mut looked = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        std::hint::black_box(revans_model::ActionLearningSet::from_doc(&doc)?);
        read.push(t.elapsed());
        let t = Instant::now();
        let found = revans_model::conflicts(&doc);
        looked.push(t.elapsed());
        if !found.is_empty() {
            bail!("the generated history holds values with two versions");
        }
    }
    // What each reading kept current starts from: a copy of the set as published last.
    let whole = revans_model::ActionLearningSet::from_doc(&doc)?;
    let mut copied = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        std::hint::black_box(whole.clone());
        copied.push(t.elapsed());
    }
    read.sort();
    looked.sort();
    copied.sort();
    figures.insert("copy_ms".into(), millis(copied[2]));
    figures.insert("read_ms".into(), millis(read[2]));
    figures.insert("conflicts_ms".into(), millis(looked[2]));
    figures.insert("open_now_ms".into(), millis(now[2]));
    figures.insert("open_at_first_meeting_ms".into(), millis(past[2]));
    println!(
        "## 4a. One set of two years, now and as it stood at its first meeting (median of 5)\n"
    );
    println!("| | time |\n|---|---|");
    println!(
        "| now: automerge::load + the model's read | {} |",
        ms(now[2])
    );
    println!(
        "| at its first meeting's close: load + the changes up to then (`heads_at`) + `fork_at` + the model's read | {} |",
        ms(past[2])
    );
    println!(
        "| ratio, at the first meeting / now | {:.2}x |\n",
        past[2].as_secs_f64() / now[2].as_secs_f64()
    );
    println!("## 4b. What each read of the set adds: values with two versions (median of 5)\n");
    println!("| | time |\n|---|---|");
    println!(
        "| the model's read of the loaded set (`from_doc`) | {} |",
        ms(read[2])
    );
    println!(
        "| looking for values with two versions (`conflicts`, none here) | {} |",
        ms(looked[2])
    );
    println!(
        "| ratio, looking / reading | {:.2}x |",
        looked[2].as_secs_f64() / read[2].as_secs_f64()
    );
    println!(
        "| a copy of the read set (what each reading kept current starts from) | {} |\n",
        ms(copied[2])
    );
    Ok(())
}

/// 6. Bytes written and fsyncs per edit as the set grows.
async fn durability(sizes: &Sizes, figures: &mut Figures) -> Result<()> {
    println!("## 6. Durability cost per edit (20 edits each)\n");
    println!(
        "| history | document size | bytes written per edit | fsyncs per edit |\n|---|---|---|---|"
    );
    let (mut per_edit_bytes, mut per_edit_fsyncs, mut histories) =
        (Vec::new(), Vec::new(), Vec::new());
    for meetings in [0, sizes.meetings / 2, sizes.meetings] {
        // Seven members, as in a real set; one device of theirs does the writing.
        let (mut nodes, history) = set_on(7, meetings, 3).await?;
        for t in &mut nodes[1..] {
            t.stop().await;
        }
        let bytes = history.backup();
        let set = history.id.clone();
        nodes[0].node().import_set(&bytes).await?;
        let (b0, f0) = io_counters();
        for k in 0..20 {
            nodes[0]
                .node()
                .apply(
                    &set,
                    Command::ProposeRule {
                        text: format!("Durable rule {k}"),
                    },
                )
                .await?;
        }
        let (b1, f1) = io_counters();
        histories.push(meetings);
        per_edit_bytes.push((b1 - b0) as f64 / 20.0);
        per_edit_fsyncs.push((f1 - f0) as f64 / 20.0);
        println!(
            "| {meetings} meetings | {} bytes | {} | {:.1} |",
            bytes.len(),
            (b1 - b0) / 20,
            (f1 - f0) as f64 / 20.0
        );
        nodes[0].stop().await;
    }
    println!();
    figures.insert("durability_meetings".into(), histories.into());
    figures.insert("bytes_per_edit".into(), per_edit_bytes.into());
    figures.insert("fsyncs_per_edit".into(), per_edit_fsyncs.into());
    Ok(())
}

/// Item 7: a command on a data directory whose set's other members are all offline, the
/// real `revans set list` as a person types it, from process start to exit.
async fn local_command_offline(figures: &mut Figures) -> Result<()> {
    let binary = std::env::current_exe()?
        .parent()
        .context("the bench binary's folder")?
        .join("revans");
    if !binary.exists() {
        bail!(
            "{} is missing: build it first (`cargo build --release -p revans`; bench/run does)",
            binary.display()
        );
    }
    // Three members; the two others' devices stop, leaving their addresses in the set.
    let (mut nodes, history) = set_on(3, 2, 4).await?;
    let bytes = history.backup();
    for t in &nodes {
        t.node().import_set(&bytes).await?;
    }
    let dir = nodes[0].path();
    for t in &mut nodes {
        t.stop().await;
    }
    let mut runs = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        let output = std::process::Command::new(&binary)
            .args(["--data-dir"])
            .arg(&dir)
            .args([
                "--relay",
                "disabled",
                "--bind",
                "127.0.0.1:0",
                "set",
                "list",
            ])
            .output()?;
        runs.push(t.elapsed());
        if !output.status.success() {
            bail!(
                "revans set list failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
    runs.sort();
    println!("## 7. A command with every other member offline (median of 7)\n");
    println!("| | time |\n|---|---|");
    println!(
        "| `revans set list`, process start to exit, two members' devices offline | {} |\n",
        ms(runs[3])
    );
    figures.insert("local_command_offline_ms".into(), millis(runs[3]));
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let only = args
        .iter()
        .position(|a| a == "--only")
        .map(|i| args.get(i + 1).context("--only needs a section"))
        .transpose()?
        .cloned();
    let run = |section: &str| only.as_deref().is_none_or(|o| o == section);
    let json = args
        .iter()
        .position(|a| a == "--json")
        .map(|i| args.get(i + 1).context("--json needs a file name"))
        .transpose()?
        .cloned();
    // `--save-set FILE`: write the two-year set with a turn running, for the drawing
    // benchmark under callgrind, and stop.
    if let Some(path) = args
        .iter()
        .position(|a| a == "--save-set")
        .and_then(|i| args.get(i + 1))
    {
        let keys: Vec<iroh::SecretKey> = (0..7).map(|_| iroh::SecretKey::generate()).collect();
        let now = Utc::now();
        let mut history = history::generate(&keys, 26, 7, now)?;
        history::open_a_meeting_in_turns(&mut history, now)?;
        std::fs::write(path, history.backup())?;
        std::fs::write(format!("{path}.founder-key"), keys[0].to_bytes())?;
        println!("wrote {path} and its founder's key beside it");
        return Ok(());
    }
    let sizes = if quick {
        Sizes {
            edits: 40,
            meetings: 4,
            offline: 10,
            sets: 5,
        }
    } else {
        Sizes {
            edits: 300,
            meetings: 26,
            offline: 50,
            sets: 20,
        }
    };
    let began = Instant::now();
    println!(
        "# Revans benchmarks{}\n",
        if quick { " (quick)" } else { "" }
    );
    let mut figures = Figures::new();
    if run("edit") {
        edit_to_the_set(&sizes, &mut figures).await?;
    }
    if run("catchup") {
        catching_up(&sizes, &mut figures).await?;
    }
    if only.as_deref() == Some("verify") {
        // What the catch-up section checks before it connects anything, alone: for a
        // profile of the rules (`perf record target/release/bench --only verify`).
        let keys: Vec<iroh::SecretKey> = (0..7).map(|_| iroh::SecretKey::generate()).collect();
        let history = history::generate(&keys, sizes.meetings, 7, Utc::now())?;
        verification(&history, &mut figures)?;
    }
    if run("open") {
        opening(&sizes, &mut figures).await?;
    }
    if run("past") {
        the_set_as_it_stood(&sizes, &mut figures)?;
    }
    if run("durability") {
        durability(&sizes, &mut figures).await?;
    }
    if run("local") {
        local_command_offline(&mut figures).await?;
    }
    println!("(the suite took {:.0} s)", began.elapsed().as_secs_f64());
    if let Some(path) = json {
        figures.insert("quick".into(), quick.into());
        std::fs::write(&path, serde_json::to_vec_pretty(&figures)?)?;
        println!("(figures written to {path})");
    }
    Ok(())
}
