//! One document as the engine holds it ([`DocSync`]): what arrives is judged, applied
//! and logged here, and which of its changes stand is kept current.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::panic::AssertUnwindSafe;

use automerge::sync::State;
use automerge::{Automerge, Change, ChangeHash};
use revans_model::authority::Validity;
use revans_model::{DeviceId, Touched};

use super::{Judge, MAX_WAITING, MAX_WAITING_BYTES, Output};
use crate::ids::{DocId, PeerId};
use crate::log::Record;
use crate::signed::{Signature, Signatures, author_of, verify};

/// One peer's view of one document.
#[derive(Debug)]
pub(super) struct PeerSync {
    pub(super) state: State,
    /// The shared heads last written to the log.
    pub(super) saved: Vec<ChangeHash>,
    /// When a message to this peer is due, if one is.
    pub(super) due: Option<u64>,
    /// The heads we last sent this peer in this session. Automerge stays silent when a
    /// peer's message shows heads equal to its own, which leaves that peer not knowing the
    /// two are in step; the engine then says its heads once, so both sides know.
    pub(super) told: Vec<ChangeHash>,
    /// Changes relayed from another peer are announced, not pushed: the next message
    /// says our heads without the changes, and the peer asks for what it still lacks
    /// (most often nothing: in a full mesh it had them from their author already).
    pub(super) announce: bool,
    pub(super) last_heard: Option<u64>,
}

impl PeerSync {
    pub(super) fn new(state: State) -> Self {
        let saved = state.shared_heads.clone();
        Self {
            state,
            saved,
            due: None,
            told: Vec::new(),
            announce: false,
            last_heard: None,
        }
    }

    /// A new session: what the peer is known to hold stays, in-flight bookkeeping goes.
    pub(super) fn restart(&mut self) {
        self.state = State::decode(&self.state.encode()).unwrap_or_default();
        self.told.clear();
    }
}

/// One document and the peers it is shared with.
#[derive(Debug)]
pub(super) struct DocSync {
    pub(super) doc: Automerge,
    pub(super) judge: Judge,
    pub(super) signatures: Signatures,
    /// Changes that arrived before their dependencies, with their signatures and who
    /// sent them: judged when the dependencies arrive.
    pub(super) waiting: HashMap<ChangeHash, (Change, Signature, PeerId)>,
    /// Changes refused here: whatever depends on them is refused without a second look.
    pub(super) refused: HashSet<ChangeHash>,
    /// What the rules keep between checks: where objects live, what the last change read.
    pub(super) memo: revans_model::Memo,
    pub(super) allowed: BTreeSet<PeerId>,
    pub(super) peers: BTreeMap<PeerId, PeerSync>,
    /// Which changes stand (sets only): a change made by a member whose authority was
    /// ended at the same time is held and synced, but never shown or built on.
    pub(super) validity: Validity,
    /// The endings (departures, hand-overs) and departed members' devices the document
    /// held when validity was last read whole; `None` before the first reading.
    pub(super) watched: Option<revans_model::authority::Watched>,
    /// How many changes of each actor the document holds: Automerge numbers an actor's
    /// changes in one line, and takes a change only as the next in its line.
    pub(super) seqs: HashMap<automerge::ActorId, u64>,
    /// What the changes taken since [`Engine::take_touched`] last asked touched (all of it
    /// when the document is new here, or when a reading of validity changed what stands).
    pub(super) touched: Touched,
}

impl DocSync {
    /// Reads validity again whole if what arrived could change it: the endings or the
    /// departed members' devices changed ([`revans_model::authority::Watched`]), or a
    /// departed member's device wrote. Otherwise what arrived is void only if it builds
    /// on a void change, and the valid heads move past the rest (the document's heads
    /// while nothing is void). Returns the changes newly void, with why.
    pub(super) fn revalidate(&mut self, applied: &[Change]) -> Vec<(ChangeHash, String)> {
        if !matches!(self.judge, Judge::Set(_)) {
            self.validity.heads = self.doc.get_heads();
            return Vec::new();
        }
        let watched = revans_model::authority::watched(&self.doc);
        let moved = self.watched.as_ref() != Some(&watched);
        let suspect = applied.iter().any(|c| {
            DeviceId::of_actor(c.actor_id()).is_some_and(|(device, _)| watched.suspect(&device))
        });
        self.watched = Some(watched);
        if !moved && !suspect {
            if self.validity.void.is_empty() {
                self.validity.heads = self.doc.get_heads();
                return Vec::new();
            }
            return self.extend_validity(applied);
        }
        let before = std::mem::take(&mut self.validity.void);
        self.validity = revans_model::authority::validity(&self.doc);
        if self.validity.void.keys().ne(before.keys()) {
            // Changes long taken may stand now, or no longer: what they touched is not
            // known here, so the set is read again whole.
            self.touched = Touched::everything();
        }
        self.validity
            .void
            .iter()
            .filter(|(h, _)| !before.contains_key(*h))
            .map(|(h, why)| (*h, why.clone()))
            .collect()
    }
}

impl DocSync {
    /// Whether the document holds a change: its metadata answers, without rebuilding the
    /// change from Automerge's columns.
    pub(super) fn holds(&self, hash: &ChangeHash) -> bool {
        self.doc.get_change_meta_by_hash(hash).is_some()
    }

    /// Validity carried past `applied` (in the order they were applied, each after what it
    /// builds on) when none of them is an ending or a change by a member an ending
    /// concerns: each is void if it builds on a void change, and otherwise a valid head
    /// in place of what it builds on. The cost is what arrived, not the history.
    pub(super) fn extend_validity(&mut self, applied: &[Change]) -> Vec<(ChangeHash, String)> {
        let mut newly = Vec::new();
        let mut heads: BTreeSet<ChangeHash> = self.validity.heads.iter().copied().collect();
        for change in applied {
            let hash = &change.hash();
            if change
                .deps()
                .iter()
                .any(|d| self.validity.void.contains_key(d))
            {
                let why = "built on a void change".to_owned();
                self.validity.void.insert(*hash, why.clone());
                newly.push((*hash, why));
            } else {
                for dep in change.deps() {
                    heads.remove(dep);
                }
                heads.insert(*hash);
            }
        }
        self.validity.heads = heads.into_iter().collect();
        newly
    }
}

/// What this device lacks of a peer's heads: walking through changes that wait here,
/// to the dependencies they wait for; refused changes are not asked for again.
pub(super) fn missing(
    doc: &Automerge,
    waiting: &HashMap<ChangeHash, (Change, Signature, PeerId)>,
    refused: &HashSet<ChangeHash>,
    their_heads: Option<&[ChangeHash]>,
) -> Vec<ChangeHash> {
    let mut missing = BTreeSet::new();
    let mut seen = HashSet::new();
    let mut stack: Vec<ChangeHash> = their_heads.unwrap_or_default().to_vec();
    while let Some(hash) = stack.pop() {
        if doc.get_change_meta_by_hash(&hash).is_some()
            || refused.contains(&hash)
            || !seen.insert(hash)
        {
            continue;
        }
        match waiting.get(&hash) {
            Some((change, _, _)) => stack.extend(change.deps().iter().copied()),
            None => {
                missing.insert(hash);
            }
        }
    }
    missing.into_iter().collect()
}

/// Appends to the log each of `changes`, from its own bytes, with its signature.
pub(super) fn log_changes<'c>(
    out: &mut Vec<Output>,
    id: DocId,
    doc: &DocSync,
    changes: impl IntoIterator<Item = &'c Change>,
) {
    for change in changes {
        if let Some(signature) = doc.signatures.get(&change.hash()) {
            out.push(Output::Append {
                doc: id,
                record: Record::Change {
                    change: change.raw_bytes().to_vec(),
                    signature: *signature,
                },
            });
        }
    }
}

/// Changes newly void, told (nobody is struck for relaying them: they were allowed
/// where they were made).
pub(super) fn report_void(
    out: &mut Vec<Output>,
    id: DocId,
    doc: &Automerge,
    void: Vec<(ChangeHash, String)>,
) {
    for (hash, reason) in void {
        let author = doc
            .get_change_meta_by_hash(&hash)
            .and_then(|c| author_of(&c.actor));
        if let Some(author) = author {
            out.push(Output::Void {
                doc: id,
                author,
                reason,
            });
        }
    }
}

/// What became of changes a peer sent.
#[derive(Default)]
pub(super) struct Taken {
    /// Applied, in the order they were: each after what it builds on.
    pub(super) applied: Vec<Change>,
    pub(super) refused: Vec<(PeerId, Option<PeerId>, String)>,
    pub(super) broke: bool,
}

impl DocSync {
    /// Judges a signed change by the rules, from its causal past; what an allowed one
    /// touches (a journal is read whole: it touches everything).
    pub(super) fn judge(&mut self, change: &Change) -> Result<Touched, String> {
        match &self.judge {
            Judge::Set(set) => {
                let (doc, memo) = (&self.doc, &mut self.memo);
                std::panic::catch_unwind(AssertUnwindSafe(|| {
                    revans_model::check_change_with(doc, set, change, memo)
                }))
                .map_err(|_| "a change the rules could not read".to_owned())?
                .map_err(|refusal| refusal.reason)
            }
            Judge::Journal(journal) => {
                let doc = &self.doc;
                std::panic::catch_unwind(AssertUnwindSafe(|| {
                    revans_model::check_journal_change(doc, journal, change)
                }))
                .map_err(|_| "a change the rules could not read".to_owned())?
                .map(|()| Touched::everything())
            }
        }
    }

    /// Takes changes a peer sent: each is judged once its dependencies are here, in
    /// causal order, and applied only if allowed; one refused takes its dependents with
    /// it; one whose dependencies have not arrived waits for them. Each change is looked
    /// at once whatever order they come in: a change is judged when the last of its
    /// dependencies is settled, not by scanning the rest again.
    pub(super) fn take(&mut self, incoming: Vec<(Change, Signature)>, from: PeerId) -> Taken {
        let mut taken = Taken::default();
        let mut pending: HashMap<ChangeHash, (Change, Signature, PeerId)> =
            self.waiting.drain().collect();
        for (change, signature) in incoming {
            pending
                .entry(change.hash())
                .or_insert((change, signature, from));
        }
        // For each pending change, how many of its dependencies are pending too; and for
        // each of those, who waits on it.
        let mut unsettled: HashMap<ChangeHash, usize> = HashMap::new();
        let mut dependents: HashMap<ChangeHash, Vec<ChangeHash>> = HashMap::new();
        let mut ready = Vec::new();
        let mut left = Vec::new();
        for (hash, (change, _, _)) in &pending {
            let mut count = 0;
            let mut absent = false;
            for dep in change.deps() {
                if pending.contains_key(dep) {
                    count += 1;
                    dependents.entry(*dep).or_default().push(*hash);
                } else if !self.holds(dep) && !self.refused.contains(dep) {
                    absent = true;
                }
            }
            if absent {
                // Waits for a change that has not arrived; it is never ready this time.
                unsettled.insert(*hash, usize::MAX);
            } else if count == 0 {
                ready.push(*hash);
            } else {
                unsettled.insert(*hash, count);
            }
        }
        while let Some(hash) = ready.pop() {
            let Some((change, signature, sender)) = pending.remove(&hash) else {
                continue;
            };
            for dependent in dependents.remove(&hash).unwrap_or_default() {
                if let Some(count) = unsettled.get_mut(&dependent)
                    && *count != usize::MAX
                {
                    *count -= 1;
                    if *count == 0 {
                        unsettled.remove(&dependent);
                        ready.push(dependent);
                    }
                }
            }
            if self.holds(&hash) || self.refused.contains(&hash) {
                continue;
            }
            // A dependency dropped for its signature: this waits for it to come again.
            if !change
                .deps()
                .iter()
                .all(|d| self.holds(d) || self.refused.contains(d))
            {
                left.push((change, signature, sender));
                continue;
            }
            if self.settle(change, signature, sender, &mut taken) {
                return taken;
            }
        }
        let mut queue: Vec<(Change, Signature, PeerId)> = pending.into_values().collect();
        queue.extend(left);
        // What waits is held in memory: each peer may make this device hold only so much.
        let mut held: HashMap<PeerId, usize> = HashMap::new();
        let mut over: HashSet<PeerId> = HashSet::new();
        for (change, signature, sender) in queue.into_iter().take(MAX_WAITING) {
            let bytes = held.entry(sender).or_default();
            *bytes += change.raw_bytes().len();
            if *bytes > MAX_WAITING_BYTES {
                if over.insert(sender) {
                    let author = author_of(change.actor_id());
                    taken.refused.push((
                        sender,
                        author,
                        format!(
                            "more than {} MiB of changes waiting for changes they build on",
                            MAX_WAITING_BYTES >> 20
                        ),
                    ));
                }
                continue;
            }
            self.waiting
                .insert(change.hash(), (change, signature, sender));
        }
        taken
    }

    /// Judges one change whose dependencies are all settled, and applies it if allowed.
    /// Returns whether Automerge broke on it (the document must be reloaded).
    pub(super) fn settle(
        &mut self,
        change: Change,
        signature: Signature,
        sender: PeerId,
        taken: &mut Taken,
    ) -> bool {
        let hash = change.hash();
        let author = author_of(change.actor_id());
        if change.deps().iter().any(|d| self.refused.contains(d)) {
            self.refused.insert(hash);
            taken.refused.push((
                sender,
                author,
                "a change that builds on a refused one".into(),
            ));
            return false;
        }
        // A bad signature says nothing of the change itself (the same change may come
        // again, rightly signed): it is dropped, not remembered as refused.
        if let Err(reason) = verify(&change, &signature) {
            taken.refused.push((sender, author, reason));
            return false;
        }
        // What Automerge would stop at with a panic: a change out of its actor's line (an
        // honest change always builds on its actor's previous one), or naming an author.
        let held = self.seqs.get(change.actor_id()).copied().unwrap_or(0);
        let out_of_line = if change.seq() <= held {
            Some("a change numbered as one its device had already made")
        } else if change.seq() > held + 1 {
            Some("a change that skips its device's previous one")
        } else if change.author().is_some() {
            Some("a change naming an Automerge author")
        } else {
            None
        };
        if let Some(reason) = out_of_line {
            self.refused.insert(hash);
            taken.refused.push((sender, author, reason.into()));
            return false;
        }
        let touched = match self.judge(&change) {
            Ok(touched) => touched,
            Err(reason) => {
                self.refused.insert(hash);
                taken.refused.push((sender, author, reason));
                return false;
            }
        };
        let doc = &mut self.doc;
        let applying = change.clone();
        let applied = std::panic::catch_unwind(AssertUnwindSafe(|| doc.apply_changes([applying])));
        match applied {
            Ok(Ok(())) => {
                self.signatures.insert(hash, signature);
                self.seqs.insert(change.actor_id().clone(), change.seq());
                self.touched.add(touched);
                taken.applied.push(change);
                false
            }
            Ok(Err(e)) => {
                self.refused.insert(hash);
                taken.refused.push((
                    sender,
                    author,
                    format!("a change that does not apply ({e})"),
                ));
                false
            }
            Err(_) => {
                taken.broke = true;
                true
            }
        }
    }
}
