//! Authority that a backdated change cannot fake (shared/DESIGN.md 4.2): removal wins.
//!
//! The rules ([`crate::rules`]) judge each change from its own causal past, which is what
//! makes every device reach the same verdict, but a member chooses that past. So a
//! second reading runs over the whole set of changes: a change whose author's membership
//! (or, for what only the facilitator may do, facilitation) was ended by a change *not in
//! its causal past* is void, however it was dated, and so is every change built on a void
//! one. Validity is a function of the changes a device holds, not of the order they came
//! in, so every device holding the same changes shows the same set: the document at the
//! heads of its valid changes.
//!
//! What ends authority (an *ending*): a member's departure (removed, or left) ends their
//! membership; a hand-over while the set is facilitated ends the facilitator's
//! facilitation. Endings can void each other (two members removing each other at once);
//! the endings that void one another in a cycle all stand (removal wins: both are out),
//! and the rest are settled from those, in order.
//!
//! This is the semantics of p2panda-auth's group CRDT with its strong-removal resolver,
//! built here over the set's own records rather than adopted: the set's authority
//! already lives in its Automerge document (members, devices, facilitation,
//! invitations), judged by the rules from each change's past, so what remained was the
//! reading over concurrent changes, which needs only the document's causal graph.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use automerge::{Automerge, ChangeHash, ObjId, ObjType, ReadDoc, ScalarValue, Value};

use crate::ids::DeviceId;

/// Which changes of a set stand, and the heads of those that do.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Validity {
    /// Void changes, each with why, in words.
    pub void: BTreeMap<ChangeHash, String>,
    /// The heads of the valid changes: what the set shows.
    pub heads: Vec<ChangeHash>,
}

/// What an ending ends.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Ends {
    /// A member's membership: every change of theirs.
    Membership(String),
    /// A member's facilitation: what they did only as the facilitator.
    Facilitation(String),
}

/// A change that ends someone's authority.
#[derive(Clone, Debug)]
struct Ending {
    change: ChangeHash,
    /// The member who wrote it.
    author: String,
    /// What it ends.
    ends: Ends,
    /// Whether it relied on its author being the facilitator (removing another member, or
    /// handing over, while they facilitated).
    as_facilitator: bool,
}

/// What a device watches after every round: every ending the document holds (each
/// version of one: two written at once under one key are two) and the devices of every
/// member with a departure. While neither changes, what arrives is void only if it builds
/// on a void change; when either does, validity is read again whole. Cheap: a handful of
/// records.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Watched {
    endings: BTreeSet<ChangeHash>,
    suspects: BTreeSet<DeviceId>,
}

impl Watched {
    /// Whether a change by `device` could be void by an ending: it is a departed member's.
    #[must_use]
    pub fn suspect(&self, device: &DeviceId) -> bool {
        self.suspects.contains(device)
    }
}

/// What [`Watched`] says of `doc` now.
#[must_use]
pub fn watched(doc: &Automerge) -> Watched {
    let mut watched = Watched::default();
    for (_, record) in members(doc) {
        let departures = departures(doc, &record);
        if departures.is_empty() {
            continue;
        }
        watched.endings.extend(departures);
        watched.suspects.extend(
            map_keys(doc, &record, "devices")
                .into_iter()
                .map(DeviceId::from),
        );
    }
    for (_, record) in handovers(doc) {
        watched.endings.extend(doc.hash_for_opid(&record));
    }
    watched
}

/// The changes that wrote a member's departures (every version that is a record, not the
/// null of none).
fn departures(doc: &Automerge, record: &ObjId) -> Vec<ChangeHash> {
    doc.get_all(record, "departure").map_or_else(
        |_| Vec::new(),
        |all| {
            all.into_iter()
                .filter(|(value, _)| matches!(value, Value::Object(ObjType::Map)))
                .filter_map(|(_, id)| doc.hash_for_opid(&id))
                .collect()
        },
    )
}

/// Which of a set's changes stand.
#[must_use]
pub fn validity(doc: &Automerge) -> Validity {
    let endings = endings(doc);
    if endings.is_empty() {
        return Validity {
            void: BTreeMap::new(),
            heads: doc.get_heads(),
        };
    }
    let devices = devices_by_member(doc);
    let of_member = |change: &ChangeHash, member: &str| {
        doc.get_change_meta_by_hash(change).is_some_and(|c| {
            DeviceId::of_actor(&c.actor).is_some_and(|(device, _)| {
                devices
                    .get(member)
                    .is_some_and(|owned| owned.contains(&device))
            })
        })
    };
    // What is not in each ending's past (nor the ending itself): its descendants, and
    // what was made at the same time as it.
    let after: Vec<HashSet<ChangeHash>> = endings
        .iter()
        .map(|e| {
            doc.get_changes_meta(&[e.change])
                .iter()
                .map(|c| c.hash)
                .collect()
        })
        .collect();
    // Ending `j` voids ending `i` if neither is in the other's past (they were made at
    // the same time, however dated) and `j` ends what `i` relies on.
    let relies = |i: &Ending, ends: &Ends| match ends {
        Ends::Membership(m) => i.author == *m,
        Ends::Facilitation(f) => i.as_facilitator && i.author == *f,
    };
    let n = endings.len();
    let voids: Vec<Vec<usize>> = (0..n)
        .map(|i| {
            (0..n)
                .filter(|&j| {
                    j != i
                        && after[j].contains(&endings[i].change)
                        && after[i].contains(&endings[j].change)
                        && relies(&endings[i], &endings[j].ends)
                })
                .collect()
        })
        .collect();
    let standing = settle(&voids);
    let mut void = BTreeMap::new();
    for (i, ending) in endings.iter().enumerate() {
        if !standing[i] {
            void.insert(
                ending.change,
                "made by a member whose authority was ended at the same time".to_owned(),
            );
        }
    }
    for (i, ending) in endings.iter().enumerate() {
        if !standing[i] {
            continue;
        }
        let Ends::Membership(member) = &ending.ends else {
            continue;
        };
        // A change of theirs not in the ending's past: made at the same time (one built
        // on the ending was refused by the rules, as its author had left).
        for change in &after[i] {
            // Endings were settled among themselves above.
            let ending = endings.iter().any(|e| e.change == *change);
            if !ending && !void.contains_key(change) && of_member(change, member) {
                void.insert(
                    *change,
                    "made by a member removed (or gone) at the same time".to_owned(),
                );
            }
        }
    }
    if void.is_empty() {
        return Validity {
            void,
            heads: doc.get_heads(),
        };
    }
    // Everything built on a void change is void; the heads are the valid changes no
    // valid change builds on.
    let mut valid = Vec::new();
    let mut built_on = HashSet::new();
    for change in doc.get_changes_meta(&[]) {
        let hash = change.hash;
        if void.contains_key(&hash) {
            continue;
        }
        if change.deps.iter().any(|d| void.contains_key(d)) {
            void.insert(hash, "built on a void change".to_owned());
            continue;
        }
        built_on.extend(change.deps.iter().copied());
        valid.push(hash);
    }
    let mut heads: Vec<ChangeHash> = valid
        .into_iter()
        .filter(|h| !built_on.contains(h))
        .collect();
    heads.sort();
    Validity { void, heads }
}

/// Which endings stand, given for each the endings that would void it: those that void
/// one another in a cycle all stand (removal wins); otherwise an ending stands unless a
/// standing one outside its cycle voids it. The answer does not depend on how the
/// endings are numbered. (A set has a handful of endings: the closure is cheap.)
fn settle(voids: &[Vec<usize>]) -> Vec<bool> {
    let n = voids.len();
    // reach[i][j]: j voids i, directly or through others.
    let mut reach = vec![vec![false; n]; n];
    for (i, voiders) in voids.iter().enumerate() {
        for &j in voiders {
            reach[i][j] = true;
        }
    }
    for k in 0..n {
        let through = reach[k].clone();
        for row in &mut reach {
            if row[k] {
                for (cell, &via) in row.iter_mut().zip(&through) {
                    *cell |= via;
                }
            }
        }
    }
    let mut memo = vec![None; n];
    (0..n)
        .map(|i| stands(i, voids, &reach, &mut memo))
        .collect()
}

/// Whether ending `i` stands: only voiders outside its own cycle count, and they never
/// lead back into it, so the recursion ends.
fn stands(i: usize, voids: &[Vec<usize>], reach: &[Vec<bool>], memo: &mut [Option<bool>]) -> bool {
    if let Some(known) = memo[i] {
        return known;
    }
    let outside: Vec<usize> = voids[i]
        .iter()
        .copied()
        .filter(|&j| !(reach[i][j] && reach[j][i]))
        .collect();
    let standing = !outside.into_iter().any(|j| stands(j, voids, reach, memo));
    memo[i] = Some(standing);
    standing
}

/// Every ending in the document, each with the change that wrote it.
fn endings(doc: &Automerge) -> Vec<Ending> {
    let mut endings = Vec::new();
    for (member, record) in members(doc) {
        let Ok(versions) = doc.get_all(&record, "departure") else {
            continue;
        };
        for (value, departure) in versions {
            if !matches!(value, Value::Object(ObjType::Map)) {
                continue;
            }
            let Some(change) = doc.hash_for_opid(&departure) else {
                continue;
            };
            let author = str_of(doc, &departure, "by").unwrap_or_default();
            let as_facilitator =
                author != member && facilitator_at(doc, change).as_deref() == Some(author.as_str());
            endings.push(Ending {
                change,
                author,
                ends: Ends::Membership(member.clone()),
                as_facilitator,
            });
        }
    }
    for (_, record) in handovers(doc) {
        let Some(change) = doc.hash_for_opid(&record) else {
            continue;
        };
        let author = str_of(doc, &record, "by").unwrap_or_default();
        // Only a hand-over while someone facilitated ends their facilitation.
        let Some(facilitator) = facilitator_at(doc, change) else {
            continue;
        };
        endings.push(Ending {
            change,
            as_facilitator: author == facilitator,
            author,
            ends: Ends::Facilitation(facilitator),
        });
    }
    // One order, whatever order the document lists them in.
    endings.sort_by(|a, b| (a.change, &a.ends).cmp(&(b.change, &b.ends)));
    endings.dedup_by(|a, b| a.change == b.change && a.ends == b.ends);
    endings
}

/// The facilitator at a change's causal past, if the set was facilitated then.
fn facilitator_at(doc: &Automerge, change: ChangeHash) -> Option<String> {
    let deps = doc.get_change_meta_by_hash(&change)?.deps;
    let (Value::Object(ObjType::Map), facilitation) =
        doc.get_at(automerge::ROOT, "facilitation", &deps).ok()??
    else {
        return None;
    };
    let (Value::Object(ObjType::Map), facilitated) =
        doc.get_at(&facilitation, "Facilitated", &deps).ok()??
    else {
        return None;
    };
    match doc.get_at(&facilitated, "facilitator", &deps).ok()?? {
        (Value::Scalar(s), _) => match s.as_ref() {
            ScalarValue::Str(s) => Some(s.to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// Each member's devices (every device ever named, in any version of their record).
fn devices_by_member(doc: &Automerge) -> HashMap<String, BTreeSet<DeviceId>> {
    let mut devices: HashMap<String, BTreeSet<DeviceId>> = HashMap::new();
    for (member, record) in members(doc) {
        devices.entry(member).or_default().extend(
            map_keys(doc, &record, "devices")
                .into_iter()
                .map(DeviceId::from),
        );
    }
    devices
}

/// The members' records, by id: every version of each (two written at once under one
/// id are both read, so a departure in either counts).
fn members(doc: &Automerge) -> Vec<(String, ObjId)> {
    records_of(doc, "members")
}

/// The hand-overs' records, every version of each.
fn handovers(doc: &Automerge) -> Vec<(String, ObjId)> {
    records_of(doc, "handovers")
}

fn records_of(doc: &Automerge, collection: &str) -> Vec<(String, ObjId)> {
    let Ok(Some((Value::Object(ObjType::Map), all))) = doc.get(automerge::ROOT, collection) else {
        return Vec::new();
    };
    let mut records = Vec::new();
    for key in doc.keys(&all) {
        for (value, record) in doc.get_all(&all, key.as_str()).unwrap_or_default() {
            if matches!(value, Value::Object(ObjType::Map)) {
                records.push((key.clone(), record));
            }
        }
    }
    records
}

fn map_keys(doc: &Automerge, obj: &ObjId, key: &str) -> Vec<String> {
    match doc.get(obj, key) {
        Ok(Some((Value::Object(ObjType::Map), map))) => doc.keys(&map).collect(),
        _ => Vec::new(),
    }
}

fn str_of(doc: &Automerge, obj: &ObjId, key: &str) -> Option<String> {
    match doc.get(obj, key).ok()?? {
        (Value::Scalar(s), _) => match s.as_ref() {
            ScalarValue::Str(s) => Some(s.to_string()),
            _ => None,
        },
        _ => None,
    }
}
