//! The document as it stood at a change's dependencies: what every rule reads, so every
//! device judges a change from the same past whatever else it holds.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use automerge::legacy::{ObjectId, OpId};
use automerge::{Automerge, ChangeHash, ObjId, ObjType, ReadDoc, ScalarValue, Value};

use crate::ids::{DeviceId, MemberId};

/// A value read, with the id of the operation that wrote it.
type Read = (Value<'static>, ObjId);

/// Values read of one place, by object and key.
type Reads = HashMap<(ObjId, String), Option<Read>>;

/// The most places a memo carries from change to change: far more than a run of honest
/// changes reads, so a run built to read everything costs memory only up to here.
const MOST_CARRIED: usize = 4096;

/// What was read of a change's past, less what the change itself wrote: so, what the
/// past of a change whose only dependency is that change holds at those places.
/// Content-addressed (a change's past never changes), so it holds in any document that
/// holds the change.
#[derive(Debug)]
pub(super) struct Carried {
    after: ChangeHash,
    read: Reads,
    listed: HashMap<ObjId, Vec<String>>,
    candidates: Candidates,
}

/// By device, the members whose record names it in the document as it was when a change
/// of this run was checked: a superset of those naming it in the past of every later
/// change of the run, as long as no change of the run adds a device to a record (a
/// device is never taken out of one).
type Candidates = HashMap<String, Vec<String>>;

/// The document as it stood at a change's dependencies: everything the change's author
/// had seen, and nothing else, so every device reads the same.
pub(super) struct Past<'a> {
    pub(super) doc: &'a Automerge,
    deps: Vec<ChangeHash>,
    /// The document holds exactly the dependencies (the usual case for a change arriving
    /// live): reading it as it is reads the past, without computing a clock per read.
    pub(super) now: bool,
    /// Otherwise every read of the past works out the past's clock from the change graph
    /// (Automerge keeps it to itself): what has been read once is remembered, as the
    /// rules read the same places (members, a device's record, a path's first keys)
    /// again and again for one change.
    /// (Begun from what the previous change carried, when this one builds on it alone.)
    read: RefCell<Reads>,
    listed: RefCell<HashMap<ObjId, Vec<String>>>,
    candidates: RefCell<Candidates>,
}

impl<'a> Past<'a> {
    pub(super) fn new(doc: &'a Automerge, deps: &[ChangeHash], carried: Option<Carried>) -> Self {
        let mut heads = doc.get_heads();
        heads.sort();
        let mut deps = deps.to_vec();
        deps.sort();
        let (read, listed, candidates) = match carried {
            Some(c) if deps == [c.after] => (c.read, c.listed, c.candidates),
            _ => Default::default(),
        };
        Self {
            doc,
            now: heads == deps,
            deps,
            read: RefCell::new(read),
            listed: RefCell::new(listed),
            candidates: RefCell::new(candidates),
        }
    }

    /// What this past read, for the change that builds on `change` alone: the places in
    /// the objects `change` writes into are forgotten (read again when asked for), and so
    /// is which members name which device if `change` adds a device to a record.
    pub(super) fn carry(
        self,
        change: ChangeHash,
        written: &HashSet<ObjId>,
        adds_devices: bool,
    ) -> Option<Carried> {
        let mut read = self.read.into_inner();
        let mut listed = self.listed.into_inner();
        let mut candidates = self.candidates.into_inner();
        read.retain(|(obj, _), _| !written.contains(obj));
        listed.retain(|obj, _| !written.contains(obj));
        if adds_devices {
            candidates.clear();
        }
        (read.len() + listed.len() + candidates.len() <= MOST_CARRIED).then_some(Carried {
            after: change,
            read,
            listed,
            candidates,
        })
    }

    pub(super) fn get(&self, obj: &ObjId, key: &str) -> Option<(Value<'_>, ObjId)> {
        if self.now {
            return self.doc.get(obj, key).ok().flatten();
        }
        let place = (obj.clone(), key.to_owned());
        if let Some(known) = self.read.borrow().get(&place) {
            debug_assert_eq!(
                known,
                &self.read_at(obj, key),
                "a remembered read of {place:?}"
            );
            return known.clone();
        }
        let value = self.read_at(obj, key);
        self.read.borrow_mut().insert(place, value.clone());
        value
    }

    fn read_at(&self, obj: &ObjId, key: &str) -> Option<Read> {
        self.doc
            .get_at(obj, key, &self.deps)
            .ok()
            .flatten()
            .map(|(value, id)| (value.into_owned(), id))
    }

    pub(super) fn keys(&self, obj: &ObjId) -> Vec<String> {
        if self.now {
            return self.doc.keys(obj).collect();
        }
        let keys = self
            .listed
            .borrow_mut()
            .entry(obj.clone())
            .or_insert_with(|| self.doc.keys_at(obj, &self.deps).collect())
            .clone();
        debug_assert_eq!(
            keys,
            self.doc.keys_at(obj, &self.deps).collect::<Vec<_>>(),
            "a remembered listing of {obj:?}"
        );
        keys
    }

    /// The member the signing device belongs to, at the change's causal past.
    pub(super) fn member_of_device(&self, device: &DeviceId) -> Result<MemberId, String> {
        let Some(members) = self.map_at(&automerge::ROOT, "members") else {
            return Err("a change to a set that has no members".into());
        };
        // Devices are never taken out of a member's record, so the members whose record
        // names the device in the past are among those that name it now: look those up
        // as they are (cheap), then read only them as they were.
        // The list is carried along a run of changes (see `Candidates`).
        let known = self.candidates.borrow().get(device.as_ref()).cloned();
        let candidates = known.unwrap_or_else(|| {
            let named = self.naming_now(&members, device);
            self.candidates
                .borrow_mut()
                .insert(device.as_ref().to_owned(), named.clone());
            named
        });
        debug_assert!(
            self.naming_now(&members, device)
                .iter()
                .filter(|m| self
                    .map_at(&members, m)
                    .and_then(|r| self.map_at(&r, "devices"))
                    .is_some_and(|d| self.map_at(&d, device.as_ref()).is_some()))
                .all(|m| candidates.contains(m)),
            "members remembered as naming {device:?} miss one that names it in the past"
        );
        // Of the members whose record names the device and whose admission stands, the
        // one it joined first (as the set's read has it: see `drop_lost_admissions`).
        let mut lost = false;
        let mut standing = Vec::new();
        for member in candidates {
            let Some(record) = self.map_at(&members, &member) else {
                continue;
            };
            let Some(devices) = self.map_at(&record, "devices") else {
                continue;
            };
            let Some(record_of_device) = self.map_at(&devices, device.as_ref()) else {
                continue;
            };
            let member = MemberId::from(member);
            if !self.admission_stands(&record, &member, None)
                || !self.admission_stands(&record_of_device, &member, Some(device))
            {
                lost = true;
                continue;
            }
            let linked = match self.get(&record_of_device, "linked_at") {
                Some((Value::Scalar(s), _)) => match s.as_ref() {
                    ScalarValue::Timestamp(ms) => *ms,
                    _ => i64::MAX,
                },
                _ => i64::MAX,
            };
            standing.push((linked, member, record));
        }
        standing.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        let Some((_, member, record)) = standing.into_iter().next() else {
            return Err(if lost {
                "a change from a device whose admission another one won".into()
            } else {
                "a change from a device that is no member's".into()
            });
        };
        if !self.is_null(&record, "departure") {
            return Err(format!(
                "a change from a device of a member who is no longer in the set ({})",
                member.short()
            ));
        }
        Ok(member)
    }

    /// The members whose record names a device in the document as it is now.
    fn naming_now(&self, members: &ObjId, device: &DeviceId) -> Vec<String> {
        self.doc
            .keys(members)
            .filter(|m| {
                let Ok(Some((Value::Object(ObjType::Map), record))) =
                    self.doc.get(members, m.as_str())
                else {
                    return false;
                };
                match self.doc.get(&record, "devices") {
                    Ok(Some((Value::Object(ObjType::Map), devices))) => {
                        matches!(self.doc.get(&devices, device.as_ref()), Ok(Some(_)))
                    }
                    _ => false,
                }
            })
            .collect()
    }

    /// Whether someone was a member, not departed, at the change's causal past.
    pub(super) fn is_member(&self, member: &str) -> bool {
        self.map_at(&automerge::ROOT, "members")
            .and_then(|members| self.map_at(&members, member))
            .is_some_and(|record| self.is_null(&record, "departure"))
    }

    /// Whether a member had left or been removed, at the change's causal past.
    pub(super) fn departed(&self, member: &str) -> bool {
        self.map_at(&automerge::ROOT, "members")
            .and_then(|members| self.map_at(&members, member))
            .is_some_and(|record| !self.is_null(&record, "departure"))
    }

    /// A member or device admitted by an invitation stands unless the invitation's use
    /// (of two written at once, the one every device reads) admitted the same device as
    /// someone else: one device joins as one member, the same everywhere. Two uses at
    /// once for different devices (only the ticket's holder can sign one) both stand, so
    /// a use written against an old past can add someone but never evict a member.
    pub(super) fn admission_stands(
        &self,
        record: &ObjId,
        member: &MemberId,
        device: Option<&DeviceId>,
    ) -> bool {
        let Some(invitation) = self.str_at(record, "invitation") else {
            return true;
        };
        let Some(used) = self
            .map_at(&automerge::ROOT, "invitations")
            .and_then(|all| self.map_at(&all, &invitation))
            .and_then(|i| self.map_at(&i, "used"))
        else {
            return false;
        };
        if self.str_at(&used, "member").as_deref() == Some(member.as_str()) {
            return true;
        }
        let admitted = match device {
            Some(d) => Some(d.as_ref().to_owned()),
            // A member's own admission brought the device their record names with it.
            None => self.map_at(record, "devices").and_then(|devices| {
                self.keys(&devices).into_iter().find(|d| {
                    self.map_at(&devices, d)
                        .and_then(|r| self.str_at(&r, "invitation"))
                        .as_deref()
                        == Some(invitation.as_str())
                })
            }),
        };
        admitted.is_some_and(|d| self.str_at(&used, "device").as_deref() != Some(d.as_str()))
    }

    pub(super) fn map_at(&self, obj: &ObjId, key: &str) -> Option<ObjId> {
        match self.get(obj, key) {
            Some((Value::Object(ObjType::Map), id)) => Some(id),
            _ => None,
        }
    }

    pub(super) fn str_at(&self, obj: &ObjId, key: &str) -> Option<String> {
        match self.get(obj, key) {
            Some((Value::Scalar(s), _)) => match s.as_ref() {
                ScalarValue::Str(s) => Some(s.to_string()),
                _ => None,
            },
            _ => None,
        }
    }

    pub(super) fn is_null(&self, obj: &ObjId, key: &str) -> bool {
        match self.get(obj, key) {
            None => true,
            Some((Value::Scalar(s), _)) => s.is_null(),
            _ => false,
        }
    }

    /// A value at a path, at the change's causal past.
    pub(super) fn value_at(&self, path: &[&str]) -> Option<(Value<'_>, ObjId)> {
        let mut obj = automerge::ROOT;
        let (last, inner) = path.split_last()?;
        for key in inner {
            obj = self.map_at(&obj, key)?;
        }
        self.get(&obj, last)
    }

    /// The length of a text (in characters) or a list (in entries) at the change's
    /// causal past: nothing for one this change makes.
    pub(super) fn length_of(&self, obj: &ObjectId) -> usize {
        let ObjectId::Id(OpId(counter, actor)) = obj else {
            return 0;
        };
        let Ok(exid) = self
            .doc
            .import_obj(&format!("{counter}@{}", actor.to_hex_string()))
        else {
            return 0;
        };
        // A text's length is counted in characters (Automerge's unit for text here).
        match self.doc.object_type(&exid) {
            Ok(_) if self.now => self.doc.length(&exid),
            Ok(_) => self.doc.length_at(&exid, &self.deps),
            Err(_) => 0,
        }
    }

    /// How many versions of the value at a path stand, at the change's causal past.
    pub(super) fn versions(&self, path: &[String]) -> usize {
        let Some((last, inner)) = path.split_last() else {
            return 0;
        };
        let mut obj = automerge::ROOT;
        for key in inner {
            let Some(next) = self.map_at(&obj, key) else {
                return 0;
            };
            obj = next;
        }
        let all = if self.now {
            self.doc.get_all(&obj, last.as_str())
        } else {
            self.doc.get_all_at(&obj, last.as_str(), &self.deps)
        };
        all.map_or(0, |v| v.len())
    }

    pub(super) fn str_at_path(&self, path: &[&str]) -> Option<String> {
        match self.value_at(path)? {
            (Value::Scalar(s), _) => match s.as_ref() {
                ScalarValue::Str(s) => Some(s.to_string()),
                _ => None,
            },
            _ => None,
        }
    }

    pub(super) fn exists_at_path(&self, path: &[&str]) -> bool {
        self.value_at(path).is_some()
    }

    /// Whether an action's owner had reported on it.
    pub(super) fn reported(&self, action: &str) -> bool {
        matches!(
            self.value_at(&["actions", action, "report_back"]),
            Some((Value::Object(_), _))
        )
    }

    pub(super) fn device_taken(&self, device: &str) -> bool {
        let Some(members) = self.map_at(&automerge::ROOT, "members") else {
            return false;
        };
        self.keys(&members).into_iter().any(|m| {
            self.map_at(&members, &m)
                .and_then(|r| self.map_at(&r, "devices"))
                .is_some_and(|d| self.map_at(&d, device).is_some())
        })
    }
}
