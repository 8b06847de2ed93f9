//! The engine's tests: small cases, then a seeded simulation of seven devices on a network
//! that loses, repeats, reorders and partitions, with restarts, crashes in the middle of a
//! write and compactions, every device following the caller's loop.
//! Over 600 lines: each case is small, and they share one set of helpers.

#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(clippy::similar_names, clippy::many_single_char_names)]

use std::collections::{BTreeMap, BTreeSet};

use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ChangeHash, ROOT, ReadDoc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;
use crate::ids::{DocId, PeerId};
use crate::log::{Record, empty_log, encode, encode_snapshot, restore};
use revans_model::DeviceId;

const DOC: DocId = DocId([7; 16]);
/// The journal's id as its devices' consents name it.
const JOURNAL: &str = "07070707070707070707070707070707";
const COALESCE_MS: u64 = 20;

type States = BTreeMap<PeerId, Vec<u8>>;
type Sends = Vec<(PeerId, DocId, Vec<u8>)>;

fn put(doc: &mut Automerge, key: &str, value: i64) {
    let mut tx = doc.transaction();
    tx.put(ROOT, key, value).unwrap();
    tx.commit();
}

/// A device's key in the tests: the same for a number every run.
fn key(n: u8) -> SecretKey {
    SecretKey::from_bytes(&[n; 32])
}

/// The peer id of the test device numbered `n`.
fn peer(n: u8) -> PeerId {
    PeerId(*key(n).public().as_bytes())
}

/// The device id of the test device numbered `n`.
fn device(n: u8) -> DeviceId {
    DeviceId::from_bytes(*key(n).public().as_bytes())
}

/// The saved bytes of a journal founded by device 0xEE, which linked devices 1 to 7 (each
/// with its consent) and wrote one value, every change signed: the history every device
/// starts from. Device 9 is on no list.
fn base_doc() -> (Vec<u8>, Signatures) {
    let founder = key(0xEE);
    let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
    let mut doc = revans_model::create_journal(device(0xEE), now).unwrap();
    let consent = revans_model::admission::journal_consent_message(JOURNAL);
    for n in 1..=7 {
        revans_model::apply_journal(
            &mut doc,
            now,
            revans_model::JournalCommand::LinkDevice {
                device: device(n),
                consent: key(n).sign(&consent).to_bytes(),
            },
        )
        .unwrap();
    }
    put(&mut doc, "k", 1);
    let signatures = doc
        .get_changes(&[])
        .iter()
        .map(|c| (c.hash(), sign(&founder, c)))
        .collect();
    (doc.save(), signatures)
}

fn sorted_heads(doc: &Automerge) -> Vec<ChangeHash> {
    let mut heads = doc.get_heads();
    heads.sort();
    heads
}

/// One device in the small tests: its engine and its log.
struct Node {
    peer: PeerId,
    engine: Engine,
    log: Vec<u8>,
}

impl Node {
    /// Device `n`, sharing the document with device `other`.
    fn new(base: &(Vec<u8>, Signatures), n: u8, other: u8, states: &States) -> Self {
        let doc = Automerge::load(&base.0).unwrap();
        let peer = super::tests::peer(n);
        let mut engine = Engine::new(COALESCE_MS, key(n));
        engine.insert(
            DOC,
            doc,
            base.1.clone(),
            Judge::Journal(JOURNAL.into()),
            states,
            0,
        );
        engine.allow(DOC, BTreeSet::from([super::tests::peer(other)]), 0);
        let log = empty_log();
        Self { peer, engine, log }
    }

    /// Commits the appends so far, then polls: the messages to send.
    fn step(&mut self, now: u64) -> Sends {
        for output in self.engine.drain() {
            if let Output::Append { record, .. } = output {
                encode(&record, &mut self.log);
            }
        }
        self.engine.poll(now);
        let sends = self
            .engine
            .drain()
            .into_iter()
            .filter_map(|output| match output {
                Output::Send { peer, doc, message } => Some((peer, doc, message)),
                _ => None,
            });
        sends.collect()
    }
}

/// Delivers messages both ways until neither engine has anything to say: the bytes sent.
fn pump(a: &mut Node, b: &mut Node, now: &mut u64) -> usize {
    let mut bytes = 0;
    for _ in 0..10_000 {
        let (from_a, from_b) = (a.step(*now), b.step(*now));
        if from_a.is_empty() && from_b.is_empty() {
            let next = [a.engine.next_deadline(), b.engine.next_deadline()];
            let Some(next) = next.into_iter().flatten().min() else {
                return bytes;
            };
            *now = next.max(*now);
        }
        for (peer, doc, message) in from_a.into_iter().chain(from_b) {
            bytes += message.len();
            let (to, from) = if peer == b.peer {
                (&mut *b, a.peer)
            } else {
                (&mut *a, b.peer)
            };
            to.engine.receive(from, doc, &message, *now).unwrap();
        }
    }
    panic!("two engines never went quiet");
}

#[test]
fn two_devices_that_edited_offline_converge_and_log_every_change() {
    let saved = base_doc();
    let (pa, pb) = (peer(1), peer(2));
    let mut a = Node::new(&saved, 1, 2, &States::new());
    let mut b = Node::new(&saved, 2, 1, &States::new());
    for n in 0..5 {
        a.engine.edit(DOC, 0, |d| put(d, &format!("a{n}"), n));
        b.engine.edit(DOC, 0, |d| put(d, &format!("b{n}"), n));
    }
    assert!(a.step(0).is_empty() && b.step(0).is_empty(), "sent offline");
    a.engine.connect(pb, 1);
    b.engine.connect(pa, 1);
    pump(&mut a, &mut b, &mut 1);
    let heads = sorted_heads(a.engine.doc(&DOC).unwrap());
    assert_eq!(heads, sorted_heads(b.engine.doc(&DOC).unwrap()));
    for (node, other) in [(&a, pb), (&b, pa)] {
        let doc = node.engine.doc(&DOC).unwrap();
        for key in ["k", "a0", "a4", "b0", "b4"] {
            assert!(doc.get(ROOT, key).unwrap().is_some(), "{key} is missing");
        }
        let restored = restore(Some(&encode_snapshot(&saved.0, &saved.1)), &node.log);
        assert_eq!(sorted_heads(&restored.doc), heads, "the log lacks a change");
        let statuses = node.engine.status(&DOC);
        assert!(statuses[&other].same_heads, "{statuses:?}");
    }
}

#[test]
fn a_peer_not_allowed_gets_nothing_and_its_messages_are_refused() {
    let saved = base_doc();
    let (pa, pb, stranger) = (peer(1), peer(2), peer(3));
    let mut a = Node::new(&saved, 1, 2, &States::new());
    let mut c = Node::new(&saved, 3, 1, &States::new());
    a.engine.connect(pb, 0);
    a.engine.connect(stranger, 0);
    c.engine.connect(pa, 0);
    a.engine.edit(DOC, 0, |d| put(d, "for b only", 1));
    let sent = a.step(0);
    assert!(sent.iter().any(|(peer, _, _)| *peer == pb), "b got nothing");
    assert!(!sent.iter().any(|(peer, _, _)| *peer == stranger));
    assert!(!a.engine.status(&DOC).contains_key(&stranger));

    let from_stranger = c.step(0);
    assert!(!from_stranger.is_empty());
    for (_, doc, message) in &from_stranger {
        let refused = a.engine.receive(stranger, *doc, message, 1);
        assert_eq!(refused, Err(Refused::NotShared));
        // A document this device does not hold at all is refused the same way.
        let refused = a.engine.receive(pb, DocId([9; 16]), message, 1);
        assert_eq!(refused, Err(Refused::NotShared));
    }
    assert!(a.step(1).is_empty(), "a refused message got a reply");

    // A peer that went away, or is no longer allowed, gets nothing more either.
    a.engine.disconnect(pb);
    let refused = a.engine.receive(pb, DOC, &from_stranger[0].2, 2);
    assert_eq!(refused, Err(Refused::NotShared));
    a.engine.connect(pb, 3);
    a.engine.allow(DOC, BTreeSet::new(), 3);
    a.engine.edit(DOC, 3, |d| put(d, "later", 2));
    assert!(a.step(3).is_empty(), "sent to a peer no longer allowed");
}

#[test]
fn garbage_is_refused_as_malformed() {
    let pb = peer(2);
    let mut a = Node::new(&base_doc(), 1, 2, &States::new());
    a.engine.connect(pb, 0);
    let garbage: [&[u8]; 4] = [&[], &[0xff, 1, 2, 3], &[0x42, 0xff, 0xff], b"hello, world"];
    for bytes in garbage {
        let refused = a.engine.receive(pb, DOC, bytes, 0);
        assert!(matches!(refused, Err(Refused::Malformed(_))), "{refused:?}");
    }
    assert_eq!(a.engine.doc(&DOC).unwrap().get_heads().len(), 1);
}

/// A summary of what the peer has whose filter would make the reply divide by zero (or
/// allocate without bound) is refused before any reply is built; the engine goes on.
#[test]
fn a_summary_of_an_impossible_shape_is_refused_and_nothing_panics() {
    let pb = peer(2);
    let mut a = Node::new(&base_doc(), 1, 2, &States::new());
    a.engine.connect(pb, 0);
    // Entries, bits an entry, probes, then the bits.
    let shapes: [&[u8]; 3] = [&[1, 0, 7], &[1, 10, 0, 0, 0], &[1, 10, 0x7f, 0, 0]];
    for shape in shapes {
        let bloom = automerge::sync::BloomFilter::try_from(shape).unwrap();
        let message = Message {
            heads: Vec::new(),
            need: Vec::new(),
            have: vec![automerge::sync::Have {
                last_sync: Vec::new(),
                bloom,
            }],
            changes: automerge::sync::ChunkList::empty(),
            flags: None,
            version: automerge::sync::MessageVersion::V1,
        };
        let refused = a
            .engine
            .receive(pb, DOC, &envelope(&message.encode(), &[]), 1);
        assert!(matches!(refused, Err(Refused::Malformed(_))), "{refused:?}");
        a.engine.poll(2);
    }
    assert_eq!(a.engine.doc(&DOC).unwrap().get_heads().len(), 1);
}

/// What a user notices: after a restart, catching up costs about the new changes, not
/// the whole history again.
#[test]
fn catching_up_with_saved_states_costs_about_the_new_changes() {
    let saved = base_doc();
    let (pa, pb) = (peer(1), peer(2));
    let mut a = Node::new(&saved, 1, 2, &States::new());
    let mut b = Node::new(&saved, 2, 1, &States::new());
    for n in 0..500 {
        a.engine.edit(DOC, 0, |d| put(d, &format!("k{n}"), n));
    }
    a.engine.connect(pb, 0);
    b.engine.connect(pa, 0);
    pump(&mut a, &mut b, &mut 0);
    a.engine.disconnect(pb);
    b.engine.disconnect(pa);
    let states_a: States = a.engine.encoded_states(&DOC).into_iter().collect();
    let states_b: States = b.engine.encoded_states(&DOC).into_iter().collect();
    assert!(states_a.contains_key(&pb) && states_b.contains_key(&pa));
    let doc_a = (
        a.engine.doc(&DOC).unwrap().save(),
        a.engine.signatures(&DOC).unwrap().clone(),
    );
    let doc_b = (
        b.engine.doc(&DOC).unwrap().save(),
        b.engine.signatures(&DOC).unwrap().clone(),
    );
    let catch_up = |states_a: &States, states_b: &States| {
        let mut a = Node::new(&doc_a, 1, 2, states_a);
        let mut b = Node::new(&doc_b, 2, 1, states_b);
        a.engine.edit(DOC, 0, |d| put(d, "new", 1));
        a.engine.connect(pb, 0);
        b.engine.connect(pa, 0);
        let bytes = pump(&mut a, &mut b, &mut 0);
        let heads = sorted_heads(a.engine.doc(&DOC).unwrap());
        assert_eq!(heads, sorted_heads(b.engine.doc(&DOC).unwrap()));
        bytes
    };
    let warm = catch_up(&states_a, &states_b);
    let cold = catch_up(&States::new(), &States::new());
    assert!(warm * 2 < cold, "{warm} bytes warm, {cold} cold");
}

// The simulation. After every input a device's outputs are drained and its appends
// committed to its in-memory disk; only then is it polled and are its messages sent.

const DEVICES: usize = 7;
/// Of 1000 commits that write something, how many a crash cuts short.
const CRASH_PER_MILLE: u32 = 5;
const LOSS_PERCENT: u32 = 3;
const DUPLICATE_PERCENT: u32 = 3;

fn sim_peer(d: usize) -> PeerId {
    peer(d as u8 + 1)
}

fn link(a: usize, b: usize) -> (usize, usize) {
    (a.min(b), a.max(b))
}

/// An engine holding the document, sharing it with every other device. Each device writes
/// as its key across restarts: a change lost in a crash was never sent (nothing is sent
/// before it is on disk), so its number may be used again without confusing anyone.
fn start(d: usize, doc: Automerge, signatures: Signatures, states: &States, now: u64) -> Engine {
    let mut engine = Engine::new(COALESCE_MS, key(d as u8 + 1));
    engine.insert(
        DOC,
        doc,
        signatures,
        Judge::Journal(JOURNAL.into()),
        states,
        now,
    );
    let others = (0..DEVICES).filter(|x| *x != d).map(sim_peer).collect();
    engine.allow(DOC, others, now);
    engine
}

/// A message on the wire: from, to, the link's epoch, the bytes.
type Packet = (usize, usize, u64, Vec<u8>);

#[derive(Clone, Copy, Default)]
struct Link {
    up: bool,
    /// Counts the sessions: a message sent in an earlier one is dropped.
    epoch: u64,
    blocked_until: u64,
}

struct Device {
    engine: Engine,
    snapshot: Option<Vec<u8>>,
    log: Vec<u8>,
    /// Keys edited since the last commit: acknowledged once it succeeds.
    unacked: Vec<String>,
    edits: u32,
}

struct Sim {
    seed: u64,
    rng: StdRng,
    now: u64,
    chaos: bool,
    devices: Vec<Device>,
    links: BTreeMap<(usize, usize), Link>,
    /// By delivery time, then order sent: (from, to, the link's epoch, the bytes).
    in_flight: BTreeMap<(u64, u64), Packet>,
    sent: u64,
    acked: Vec<(usize, String)>,
}

impl Sim {
    fn new(seed: u64) -> Self {
        let (saved, signatures) = base_doc();
        let device = |d| Device {
            engine: start(
                d,
                Automerge::load(&saved).unwrap(),
                signatures.clone(),
                &States::new(),
                0,
            ),
            snapshot: Some(encode_snapshot(&saved, &signatures)),
            log: empty_log(),
            unacked: Vec::new(),
            edits: 0,
        };
        let links = (0..DEVICES).flat_map(|a| (a + 1..DEVICES).map(move |b| (a, b)));
        let mut sim = Self {
            seed,
            rng: StdRng::seed_from_u64(seed),
            now: 0,
            chaos: true,
            devices: (0..DEVICES).map(device).collect(),
            links: links.map(|key| (key, Link::default())).collect(),
            in_flight: BTreeMap::new(),
            sent: 0,
            acked: Vec::new(),
        };
        for key in sim.link_keys() {
            if sim.rng.random_bool(0.5) {
                sim.set_link(key, true);
            }
        }
        sim
    }

    fn link_keys(&self) -> Vec<(usize, usize)> {
        self.links.keys().copied().collect()
    }

    fn step(&mut self) {
        self.now += self.rng.random_range(1..20u64);
        self.run_due();
        let d = self.rng.random_range(0..DEVICES);
        let key = link(d, (d + self.rng.random_range(1..DEVICES)) % DEVICES);
        match self.rng.random_range(0..100u32) {
            0..20 => self.edit(d),
            20..32 => self.set_link(key, !self.links[&key].up),
            32..34 => {
                for key in self.link_keys() {
                    self.set_link(key, true);
                }
            }
            34..36 => self.partition(),
            36..38 => self.restart(d),
            38..40 => self.compact(d),
            _ => {}
        }
    }

    /// Delivers what has arrived by now (in its own session only), then polls.
    fn run_due(&mut self) {
        while let Some(entry) = self.in_flight.first_entry() {
            if entry.key().0 > self.now {
                break;
            }
            let (from, to, epoch, bytes) = entry.remove();
            let state = self.links[&link(from, to)];
            if state.up && state.epoch == epoch {
                let engine = &mut self.devices[to].engine;
                let received = engine.receive(sim_peer(from), DOC, &bytes, self.now);
                let seed = self.seed;
                assert_eq!(received, Ok(()), "seed {seed}: {from} to {to}");
                self.flush(to);
            }
        }
        // Polling a device with nothing due does nothing.
        for d in 0..DEVICES {
            self.flush(d);
        }
    }

    /// Steps 2 and 3 of the loop: commit the appends (or crash part way), poll, send.
    fn flush(&mut self, d: usize) {
        let seed = self.seed;
        let mut batch = Vec::new();
        for output in self.devices[d].engine.drain() {
            match output {
                Output::Append { doc: DOC, record } => encode(&record, &mut batch),
                Output::Changed(_) | Output::Heard { .. } => {}
                other => panic!("seed {seed}: device {d} gave {other:?} before polling"),
            }
        }
        let crash =
            self.chaos && !batch.is_empty() && self.rng.random_range(0..1000u32) < CRASH_PER_MILLE;
        if crash {
            let written = self.rng.random_range(0..batch.len());
            self.devices[d].log.extend_from_slice(&batch[..written]);
            self.reboot(d);
            return;
        }
        let device = &mut self.devices[d];
        device.log.extend_from_slice(&batch);
        self.acked
            .extend(device.unacked.drain(..).map(|key| (d, key)));
        device.engine.poll(self.now);
        for output in device.engine.drain() {
            match output {
                Output::Send {
                    peer,
                    doc: DOC,
                    message,
                } => self.send(d, peer, &message),
                Output::Changed(_) | Output::Heard { .. } => {}
                other => panic!("seed {seed}: device {d} gave {other:?} when polled"),
            }
        }
    }

    fn send(&mut self, from: usize, peer: PeerId, bytes: &[u8]) {
        let to = (0..DEVICES)
            .find(|d| sim_peer(*d) == peer)
            .expect("a message to one of the devices");
        let Link { up, epoch, .. } = self.links[&link(from, to)];
        assert!(up, "seed {}: {from} sent to {to}, not connected", self.seed);
        let copies = match self.rng.random_range(0..100u32) {
            r if self.chaos && r < LOSS_PERCENT => 0,
            r if self.chaos && r < LOSS_PERCENT + DUPLICATE_PERCENT => 2,
            _ => 1,
        };
        for _ in 0..copies {
            let delay = self.rng.random_range(1..40u64);
            let delay = if self.chaos { delay } else { 1 };
            self.sent += 1;
            let packet = (from, to, epoch, bytes.to_vec());
            self.in_flight.insert((self.now + delay, self.sent), packet);
        }
    }

    fn edit(&mut self, d: usize) {
        let (now, device) = (self.now, &mut self.devices[d]);
        device.edits += 1;
        let key = format!("d{d}-e{}", device.edits);
        let value = i64::from(device.edits);
        device.engine.edit(DOC, now, |doc| put(doc, &key, value));
        device.unacked.push(key);
        self.flush(d);
    }

    /// A link comes up (a new session on both sides) or goes down.
    fn set_link(&mut self, (a, b): (usize, usize), up: bool) {
        let state = self.links.get_mut(&(a, b)).unwrap();
        if state.up == up || (up && state.blocked_until > self.now) {
            return;
        }
        state.up = up;
        state.epoch += 1;
        let now = self.now;
        for (x, y) in [(a, b), (b, a)] {
            let engine = &mut self.devices[x].engine;
            if up {
                engine.connect(sim_peer(y), now);
            } else {
                engine.disconnect(sim_peer(y));
            }
        }
        self.flush(a);
        self.flush(b);
    }

    fn partition(&mut self) {
        let until = self.now + self.rng.random_range(100..1500u64);
        for key in self.link_keys() {
            if self.rng.random_bool(0.3) {
                self.set_link(key, false);
                let state = self.links.get_mut(&key).unwrap();
                state.blocked_until = state.blocked_until.max(until);
            }
        }
    }

    fn restart(&mut self, d: usize) {
        if self.rng.random_bool(0.5) {
            // A clean shutdown saves what each peer holds first.
            self.devices[d].engine.save_states();
            self.flush(d);
        }
        self.reboot(d);
    }

    /// The device starts again from its disk; its sessions end and, on links up, begin
    /// again.
    fn reboot(&mut self, d: usize) {
        let (now, seed) = (self.now, self.seed);
        let device = &mut self.devices[d];
        let restored = restore(device.snapshot.as_deref(), &device.log);
        let problems = &restored.problems;
        let only_cut = problems.iter().all(|p| p.starts_with("the log was cut"));
        assert!(only_cut, "seed {seed}: {d} restored with {problems:?}");
        device.log.truncate(restored.log_good_len);
        device.unacked.clear();
        device.engine = start(d, restored.doc, restored.signatures, &restored.peers, now);
        let up: Vec<usize> = (0..DEVICES)
            .filter(|x| *x != d && self.links[&link(d, *x)].up)
            .collect();
        for x in &up {
            self.links.get_mut(&link(d, *x)).unwrap().epoch += 1;
            let engine = &mut self.devices[*x].engine;
            engine.disconnect(sim_peer(d));
            engine.connect(sim_peer(d), now);
            self.devices[d].engine.connect(sim_peer(*x), now);
        }
        for x in up {
            self.flush(x);
        }
        self.flush(d);
    }

    /// The log folded into a snapshot; the fresh log holds the peers' states.
    fn compact(&mut self, d: usize) {
        let device = &mut self.devices[d];
        let saved = device.engine.doc(&DOC).unwrap().save();
        let mut log = empty_log();
        for (peer, state) in device.engine.encoded_states(&DOC) {
            encode(&Record::PeerState { peer, state }, &mut log);
        }
        device.snapshot = Some(encode_snapshot(
            &saved,
            device.engine.signatures(&DOC).unwrap(),
        ));
        device.log = log;
    }

    /// Every link goes down and up again (new sessions, as after a network change), the
    /// network turns reliable, and the devices run until nothing is in flight or due.
    fn heal(&mut self) {
        self.chaos = false;
        for key in self.link_keys() {
            self.links.get_mut(&key).unwrap().blocked_until = 0;
            self.set_link(key, false);
            self.set_link(key, true);
        }
        for _ in 0..200_000 {
            let next_packet = self.in_flight.first_key_value().map(|(key, _)| key.0);
            let next_due = self.devices.iter().filter_map(|d| d.engine.next_deadline());
            let Some(next) = next_packet.into_iter().chain(next_due).min() else {
                return;
            };
            self.now = self.now.max(next);
            self.run_due();
        }
        panic!("seed {}: the devices did not settle", self.seed);
    }

    fn check(&self) {
        let seed = self.seed;
        assert!(!self.acked.is_empty(), "seed {seed}: nothing acknowledged");
        let heads = sorted_heads(self.devices[0].engine.doc(&DOC).unwrap());
        for (d, device) in self.devices.iter().enumerate() {
            let doc = device.engine.doc(&DOC).unwrap();
            assert_eq!(sorted_heads(doc), heads, "seed {seed}: device {d} differs");
            for (author, key) in &self.acked {
                let held = doc.get(ROOT, key.as_str()).unwrap().is_some();
                assert!(held, "seed {seed}: device {d} lacks {key} (from {author})");
            }
            for (peer, status) in device.engine.status(&DOC) {
                let shown = status.connected && status.same_heads;
                assert!(shown, "seed {seed}: device {d} shows {peer} as {status:?}");
            }
            let disk = restore(device.snapshot.as_deref(), &device.log);
            assert_eq!(sorted_heads(&disk.doc), heads, "seed {seed}: {d}'s disk");
        }
    }
}

fn simulate(seed: u64) {
    let mut sim = Sim::new(seed);
    let steps: u32 = sim.rng.random_range(150..300);
    for _ in 0..steps {
        sim.step();
    }
    sim.heal();
    sim.check();
}

/// `REVANS_SIM_SEEDS` seeds (200 unless set), from 0.
#[test]
fn seeded_simulation() {
    let seeds: usize = std::env::var("REVANS_SIM_SEEDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    for seed in (0..).take(seeds) {
        let run = std::panic::catch_unwind(move || simulate(seed));
        assert!(run.is_ok(), "failed with seed {seed} (see above)");
    }
}

/// A message carrying one change, as a peer's device would send it.
fn carrying(change: &automerge::Change, signature: &Signature) -> Vec<u8> {
    let message = Message {
        heads: vec![change.hash()],
        need: Vec::new(),
        have: Vec::new(),
        changes: ChunkList::from(vec![change.raw_bytes().to_vec()]),
        flags: None,
        version: automerge::sync::MessageVersion::V1,
    };
    envelope(&message.encode(), &[*signature])
}

/// A change on top of the base document, written as `actor`.
fn change_as(base: &[u8], actor: u8, key: &str) -> automerge::Change {
    let mut doc = Automerge::load(base).unwrap();
    doc.set_actor(ActorId::from(
        &super::tests::key(actor).public().as_bytes()[..],
    ));
    put(&mut doc, key, 1);
    doc.get_last_local_change().unwrap().clone()
}

/// Forged, altered and unsigned changes are refused, so is everything built on them, and
/// a peer that keeps sending them is to be disconnected; what a peer signs as itself is
/// taken.
#[test]
fn only_changes_signed_by_the_device_they_name_are_taken() {
    let base = base_doc();
    let (pa, pb) = (peer(1), peer(2));
    let mut a = Node::new(&base, 1, 2, &States::new());
    a.engine.connect(pb, 0);
    a.step(0);
    let refusals = |a: &mut Node| -> Vec<(PeerId, Option<PeerId>, String)> {
        a.engine
            .drain()
            .into_iter()
            .filter_map(|o| match o {
                Output::Refused {
                    from,
                    author,
                    reason,
                    ..
                } => Some((from, author, reason)),
                _ => None,
            })
            .collect()
    };

    // Device 2 claims to be device 1 (a's own key): signed with its own key.
    let claimed = change_as(&base.0, 1, "claimed");
    let forged = sign(&key(2), &claimed);
    a.engine
        .receive(pb, DOC, &carrying(&claimed, &forged), 1)
        .unwrap();
    let refused = refusals(&mut a);
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].0, pb);
    assert_eq!(refused[0].1, Some(pa));
    assert!(
        refused[0].2.contains("signature does not match"),
        "{refused:?}"
    );

    // Its own change with a signature of some other bytes.
    let own = change_as(&base.0, 2, "own");
    let altered = key(2).sign(b"something else").to_bytes();
    a.engine
        .receive(pb, DOC, &carrying(&own, &altered), 2)
        .unwrap();
    assert_eq!(refusals(&mut a).len(), 1);

    // A change of a device not on this journal's list.
    let outsider = change_as(&base.0, 9, "outsider");
    let signed = sign(&key(9), &outsider);
    a.engine
        .receive(pb, DOC, &carrying(&outsider, &signed), 3)
        .unwrap();
    let refused = refusals(&mut a);
    assert!(refused[0].2.contains("not on its list"), "{refused:?}");
    let doc = a.engine.doc(&DOC).unwrap();
    for key in ["claimed", "own", "outsider"] {
        assert!(doc.get(ROOT, key).unwrap().is_none(), "{key} was applied");
    }

    // And its own change, signed as itself, is taken.
    let signed = sign(&key(2), &own);
    a.engine
        .receive(pb, DOC, &carrying(&own, &signed), 4)
        .unwrap();
    assert!(refusals(&mut a).is_empty());
    assert!(
        a.engine
            .doc(&DOC)
            .unwrap()
            .get(ROOT, "own")
            .unwrap()
            .is_some()
    );
}

#[test]
fn a_change_built_on_a_refused_one_is_refused_and_a_persistent_sender_is_an_offender() {
    let base = base_doc();
    let pb = peer(2);
    let mut a = Node::new(&base, 1, 2, &States::new());
    a.engine.connect(pb, 0);
    a.step(0);
    // Device 9 (not on the journal's list) writes; device 2 builds on it and relays both.
    let mut doc = Automerge::load(&base.0).unwrap();
    doc.set_actor(ActorId::from(&key(9).public().as_bytes()[..]));
    put(&mut doc, "first", 1);
    let first = doc.get_last_local_change().unwrap().clone();
    doc.set_actor(ActorId::from(&key(2).public().as_bytes()[..]));
    put(&mut doc, "second", 2);
    let second = doc.get_last_local_change().unwrap().clone();
    let third = {
        put(&mut doc, "third", 3);
        doc.get_last_local_change().unwrap().clone()
    };
    let sign = |n: u8, c: &automerge::Change| sign(&key(n), c);
    // The later ones first: they wait for what they build on, then fall with it.
    a.engine
        .receive(pb, DOC, &carrying(&third, &sign(2, &third)), 1)
        .unwrap();
    a.engine
        .receive(pb, DOC, &carrying(&second, &sign(2, &second)), 1)
        .unwrap();
    a.engine
        .receive(pb, DOC, &carrying(&first, &sign(9, &first)), 1)
        .unwrap();
    let outputs = a.engine.drain();
    let reasons: Vec<&String> = outputs
        .iter()
        .filter_map(|o| match o {
            Output::Refused { reason, .. } => Some(reason),
            _ => None,
        })
        .collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert_eq!(
        reasons
            .iter()
            .filter(|r| r.as_str() == "a change that builds on a refused one")
            .count(),
        2
    );
    assert!(
        outputs.contains(&Output::Offender(pb)),
        "three refusals make the sender an offender"
    );
    let held = a.engine.doc(&DOC).unwrap();
    assert_eq!(held.get_heads().len(), 1, "nothing of it was applied");
    assert!(
        !outputs.iter().any(|o| matches!(o, Output::Append { .. })),
        "nothing of it was stored"
    );
}

/// A peer can make a device hold only so much of what cannot be judged yet: changes
/// whose dependencies never come wait up to a bound, and past it they are refused and the
/// peer struck.
#[test]
fn a_peer_makes_a_device_hold_only_so_many_waiting_bytes() {
    let base = base_doc();
    let pb = peer(2);
    let mut a = Node::new(&base, 1, 2, &States::new());
    a.engine.connect(pb, 0);
    a.step(0);
    // Device 2 writes one change it never sends, then builds a megabyte at a time on it.
    let mut doc = Automerge::load(&base.0).unwrap();
    doc.set_actor(ActorId::from(&key(2).public().as_bytes()[..]));
    put(&mut doc, "withheld", 1);
    // Random bytes: a change is compressed, and these do not shrink.
    let mut rng = StdRng::seed_from_u64(22);
    let mut refused = Vec::new();
    for i in 0..(MAX_WAITING_BYTES >> 20) + 2 {
        let megabyte: Vec<u8> = (0..1 << 20).map(|_| rng.random()).collect();
        let mut tx = doc.transaction();
        tx.put(
            ROOT,
            format!("page{i}"),
            automerge::ScalarValue::Bytes(megabyte),
        )
        .unwrap();
        tx.commit();
        let change = doc.get_last_local_change().unwrap().clone();
        a.engine
            .receive(pb, DOC, &carrying(&change, &sign(&key(2), &change)), 1)
            .unwrap();
        refused.extend(a.engine.drain().into_iter().filter_map(|o| match o {
            Output::Refused { reason, .. } => Some(reason),
            _ => None,
        }));
    }
    assert!(
        refused
            .iter()
            .any(|r| r == "more than 16 MiB of changes waiting for changes they build on"),
        "{refused:?}"
    );
    let held: usize = a
        .engine
        .docs
        .get(&DOC)
        .unwrap()
        .waiting
        .values()
        .map(|(c, _, _)| c.raw_bytes().len())
        .sum();
    assert!(held <= MAX_WAITING_BYTES, "{held} bytes held");
}

/// A peer's strikes outlast its session: reconnecting does not wipe them.
#[test]
fn strikes_are_remembered_across_reconnects() {
    let base = base_doc();
    let pb = peer(2);
    let mut a = Node::new(&base, 1, 2, &States::new());
    let offended = |a: &mut Node| {
        a.engine
            .drain()
            .iter()
            .any(|o| matches!(o, Output::Offender(p) if *p == pb))
    };
    a.engine.connect(pb, 0);
    a.step(0);
    for (i, key_name) in ["one", "two"].into_iter().enumerate() {
        // Changes of device 9, on no list: each refused.
        let outsider = change_as(&base.0, 9, key_name);
        let signed = sign(&key(9), &outsider);
        a.engine
            .receive(pb, DOC, &carrying(&outsider, &signed), i as u64 + 1)
            .unwrap();
        assert!(!offended(&mut a), "not yet an offender");
    }
    a.engine.disconnect(pb);
    a.engine.connect(pb, 20);
    a.step(20);
    let outsider = change_as(&base.0, 9, "three");
    let signed = sign(&key(9), &outsider);
    a.engine
        .receive(pb, DOC, &carrying(&outsider, &signed), 21)
        .unwrap();
    assert!(offended(&mut a), "the third strike counts the first two");
}

/// A long history delivered newest first, one change a message, is all taken once its
/// oldest change arrives.
#[test]
fn changes_in_reverse_order_are_all_taken() {
    let base = base_doc();
    let pb = peer(2);
    let mut a = Node::new(&base, 1, 2, &States::new());
    a.engine.connect(pb, 0);
    a.step(0);
    let mut doc = Automerge::load(&base.0).unwrap();
    doc.set_actor(ActorId::from(&key(2).public().as_bytes()[..]));
    let mut changes = Vec::new();
    for i in 0..300 {
        put(&mut doc, &format!("k{i}"), i);
        changes.push(doc.get_last_local_change().unwrap().clone());
    }
    for change in changes.iter().rev() {
        a.engine
            .receive(pb, DOC, &carrying(change, &sign(&key(2), change)), 1)
            .unwrap();
    }
    let held = a.engine.doc(&DOC).unwrap();
    assert_eq!(held.get_heads(), doc.get_heads());
    assert!(
        !a.engine
            .drain()
            .iter()
            .any(|o| matches!(o, Output::Refused { .. }))
    );
}

/// What Automerge would stop at with a panic is refused first, and counted against the
/// sender: a change that skips its device's previous one, and a second change under one
/// number.
#[test]
fn a_change_out_of_its_devices_line_is_refused_not_applied() {
    let base = base_doc();
    let pb = peer(2);
    let mut a = Node::new(&base, 1, 2, &States::new());
    a.engine.connect(pb, 0);
    a.step(0);
    let before = a.engine.doc(&DOC).unwrap().get_heads();
    // Device 2's first and second changes; the second is sent alone, its past rewritten
    // to leave the first out.
    let mut doc = Automerge::load(&base.0).unwrap();
    doc.set_actor(ActorId::from(&key(2).public().as_bytes()[..]));
    put(&mut doc, "first", 1);
    let first = doc.get_last_local_change().unwrap().clone();
    put(&mut doc, "second", 2);
    let mut skipping = doc.get_last_local_change().unwrap().decode();
    skipping.deps = before.clone();
    skipping.hash = None;
    let skipping = automerge::Change::from(skipping);
    let refusals = |a: &mut Node| -> Vec<String> {
        a.engine
            .drain()
            .into_iter()
            .filter_map(|o| match o {
                Output::Refused { reason, .. } => Some(reason),
                _ => None,
            })
            .collect()
    };
    a.engine
        .receive(pb, DOC, &carrying(&skipping, &sign(&key(2), &skipping)), 1)
        .unwrap();
    assert_eq!(
        refusals(&mut a),
        ["a change that skips its device's previous one"]
    );
    // The first is taken; another change numbered as the first is not.
    a.engine
        .receive(pb, DOC, &carrying(&first, &sign(&key(2), &first)), 2)
        .unwrap();
    assert!(refusals(&mut a).is_empty());
    let mut other = Automerge::load(&base.0).unwrap();
    other.set_actor(ActorId::from(&key(2).public().as_bytes()[..]));
    put(&mut other, "first again", 1);
    let again = other.get_last_local_change().unwrap().clone();
    a.engine
        .receive(pb, DOC, &carrying(&again, &sign(&key(2), &again)), 3)
        .unwrap();
    assert_eq!(
        refusals(&mut a),
        ["a change numbered as one its device had already made"]
    );
    let held = a.engine.doc(&DOC).unwrap();
    assert!(held.get(ROOT, "first").unwrap().is_some());
    for key in ["second", "first again"] {
        assert!(held.get(ROOT, key).unwrap().is_none(), "{key} was applied");
    }
}
