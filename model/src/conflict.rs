//! Values two members wrote at the same time. A single value (a set's name, a rule's
//! wording, a meeting's place) that two devices changed without seeing each other's
//! change holds both versions: Automerge shows one everywhere and keeps the other. This
//! module finds them, so a set sees both with who wrote each and when, and one member
//! keeps one ([`Command::Keep`](crate::Command::Keep)), a change every device merges.
//! Long texts are not here: they merge character by character.

use std::fmt;

use automerge::{Automerge, ObjId, ObjType, ReadDoc, ScalarValue, Value};
use serde::{Deserialize, Serialize};

use crate::ids::{ActionId, DeviceId, IssueId, MeetingId, MemberId, RuleId};
use crate::time::Timestamp;

/// A single value a member can change, named by its record.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "field", content = "of", rename_all = "snake_case")]
pub enum Field {
    /// The set's name.
    SetName,
    /// A ground rule's wording.
    RuleWording(RuleId),
    /// An issue's one-sentence statement.
    IssueStatement(IssueId),
    /// When a meeting starts.
    MeetingTime(MeetingId),
    /// Where a meeting is.
    MeetingLocation(MeetingId),
    /// Who hosts a meeting.
    MeetingHost(MeetingId),
    /// What an action is.
    ActionText(ActionId),
    /// How likely its owner said an action is.
    ActionLikelihood(ActionId),
}

impl Field {
    /// The single values a record of `collection` holds.
    #[must_use]
    pub fn of_record(collection: &str, id: &str) -> Vec<Field> {
        match collection {
            "ground_rules" => vec![Field::RuleWording(RuleId::from(id))],
            "issues" => vec![Field::IssueStatement(IssueId::from(id))],
            "meetings" => {
                let m = MeetingId::from(id);
                vec![
                    Field::MeetingTime(m.clone()),
                    Field::MeetingLocation(m.clone()),
                    Field::MeetingHost(m),
                ]
            }
            "actions" => {
                let a = ActionId::from(id);
                vec![Field::ActionText(a.clone()), Field::ActionLikelihood(a)]
            }
            _ => Vec::new(),
        }
    }

    /// Where the value lives: the record's collection and id (none for the set's own
    /// fields) and its key.
    #[must_use]
    pub fn place(&self) -> (Option<(&'static str, &str)>, &'static str) {
        match self {
            Field::SetName => (None, "name"),
            Field::RuleWording(r) => (Some(("ground_rules", r.as_str())), "text"),
            Field::IssueStatement(i) => (Some(("issues", i.as_str())), "statement"),
            Field::MeetingTime(m) => (Some(("meetings", m.as_str())), "scheduled_at"),
            Field::MeetingLocation(m) => (Some(("meetings", m.as_str())), "location"),
            Field::MeetingHost(m) => (Some(("meetings", m.as_str())), "host"),
            Field::ActionText(a) => (Some(("actions", a.as_str())), "text"),
            Field::ActionLikelihood(a) => (Some(("actions", a.as_str())), "likelihood"),
        }
    }

    /// What the value is, in words ("the place of a meeting").
    #[must_use]
    pub fn what(&self) -> &'static str {
        match self {
            Field::SetName => "the set's name",
            Field::RuleWording(_) => "a ground rule's wording",
            Field::IssueStatement(_) => "an issue's statement",
            Field::MeetingTime(_) => "when a meeting starts",
            Field::MeetingLocation(_) => "where a meeting is",
            Field::MeetingHost(_) => "who hosts a meeting",
            Field::ActionText(_) => "what an action is",
            Field::ActionLikelihood(_) => "how likely an action is",
        }
    }

    /// The value as the document holds it.
    fn read(&self, value: &ScalarValue) -> Option<Version> {
        let value = match (self, value) {
            (Field::MeetingTime(_), ScalarValue::Timestamp(ms)) => Kept::Time(Timestamp::from(
                chrono::DateTime::from_timestamp_millis(*ms)?,
            )),
            (Field::MeetingHost(_), ScalarValue::Null) => Kept::Host(None),
            (Field::MeetingHost(_), ScalarValue::Str(s)) => {
                Kept::Host(Some(MemberId::from(s.as_str())))
            }
            (Field::ActionLikelihood(_), ScalarValue::Uint(n)) => {
                Kept::Likelihood(u8::try_from(*n).ok()?)
            }
            (Field::ActionLikelihood(_), ScalarValue::Int(n)) => {
                Kept::Likelihood(u8::try_from(*n).ok()?)
            }
            (
                Field::SetName
                | Field::RuleWording(_)
                | Field::IssueStatement(_)
                | Field::MeetingLocation(_)
                | Field::ActionText(_),
                ScalarValue::Str(s),
            ) => Kept::Text(s.to_string()),
            _ => return None,
        };
        Some(Version {
            value,
            by: None,
            device: None,
            at: None,
            shown: false,
        })
    }
}

/// One version of a value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Kept {
    /// A text: a name, a wording, a statement, a place.
    Text(String),
    /// A time.
    Time(Timestamp),
    /// A meeting's host, or none.
    Host(Option<MemberId>),
    /// A likelihood, 1 to 10.
    Likelihood(u8),
}

impl Kept {
    /// The value as the document stores it.
    #[must_use]
    pub fn scalar(&self) -> ScalarValue {
        match self {
            Kept::Text(s) => ScalarValue::Str(s.as_str().into()),
            Kept::Time(t) => ScalarValue::Timestamp(t.millis()),
            Kept::Host(None) => ScalarValue::Null,
            Kept::Host(Some(m)) => ScalarValue::Str(m.as_str().into()),
            Kept::Likelihood(n) => ScalarValue::Uint(u64::from(*n)),
        }
    }
}

impl fmt::Display for Kept {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kept::Text(s) => write!(f, "\u{201c}{s}\u{201d}"),
            Kept::Time(t) => write!(f, "{t}"),
            Kept::Host(None) => f.write_str("no host"),
            Kept::Host(Some(m)) => f.write_str(m.short()),
            Kept::Likelihood(n) => write!(f, "{n}/10"),
        }
    }
}

/// A version of a value and who wrote it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    /// The value.
    pub value: Kept,
    /// The member whose device wrote it, if the set knows the device.
    pub by: Option<MemberId>,
    /// The device that wrote it.
    pub device: Option<DeviceId>,
    /// When, by the writer's clock (to the second).
    pub at: Option<Timestamp>,
    /// Whether this is the version the set shows now (the same on every device).
    pub shown: bool,
}

/// A value with more than one version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// Which value.
    #[serde(flatten)]
    pub field: Field,
    /// Its versions: the one shown first, then the others in the order Automerge
    /// keeps them (the same on every device).
    pub versions: Vec<Version>,
}

/// The versions a value holds now, as read by a command: more than one is a conflict.
pub(crate) fn versions<D: ReadDoc>(doc: &D, field: &Field) -> Vec<Kept> {
    let Some(obj) = object(doc, field) else {
        return Vec::new();
    };
    let key = field.place().1;
    doc.get_all(&obj, key)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(value, _)| match value {
            Value::Scalar(s) => field.read(&s).map(|v| v.value),
            Value::Object(_) => None,
        })
        .collect()
}

fn object<D: ReadDoc>(doc: &D, field: &Field) -> Option<ObjId> {
    match field.place().0 {
        None => Some(automerge::ROOT),
        Some((collection, id)) => {
            let Ok(Some((Value::Object(ObjType::Map), all))) = doc.get(automerge::ROOT, collection)
            else {
                return None;
            };
            match doc.get(&all, id) {
                Ok(Some((Value::Object(ObjType::Map), record))) => Some(record),
                _ => None,
            }
        }
    }
}

/// Every value of the set that holds more than one version, in a stable order (by
/// field), each with who wrote each version and when.
#[must_use]
pub fn conflicts(doc: &Automerge) -> Vec<Conflict> {
    let mut fields = vec![Field::SetName];
    for collection in ["ground_rules", "issues", "meetings", "actions"] {
        let ids: Vec<String> = match doc.get(automerge::ROOT, collection) {
            Ok(Some((Value::Object(ObjType::Map), all))) => doc.keys(&all).collect(),
            _ => Vec::new(),
        };
        for id in ids {
            fields.extend(Field::of_record(collection, &id));
        }
    }
    versions_of(doc, fields)
}

/// [`conflicts`], from those found before and what the changes since touched: only the
/// values of touched records are looked at again. Who wrote each version is read from the
/// members, so a change to them (or anything unforeseen) looks at every value again.
#[must_use]
pub fn conflicts_since(
    doc: &Automerge,
    before: &[Conflict],
    touched: &crate::touched::Touched,
) -> Vec<Conflict> {
    let whole = touched.all
        || touched.fields.iter().any(|f| f != "name" && f != "purpose")
        || touched.records.iter().any(|(c, _)| c == "members");
    if whole {
        return conflicts(doc);
    }
    let mut fields = Vec::new();
    if touched.fields.contains("name") {
        fields.push(Field::SetName);
    }
    for (collection, id) in &touched.records {
        fields.extend(Field::of_record(collection, id));
    }
    let looked: std::collections::BTreeSet<&Field> = fields.iter().collect();
    let kept: Vec<Conflict> = before
        .iter()
        .filter(|c| !looked.contains(&c.field))
        .cloned()
        .collect();
    let mut found = versions_of(doc, fields);
    found.extend(kept);
    found.sort_by(|a, b| a.field.cmp(&b.field));
    found
}

/// The values of `fields` that hold more than one version, in order of field.
fn versions_of(doc: &Automerge, fields: Vec<Field>) -> Vec<Conflict> {
    let mut found = Vec::new();
    for field in fields {
        let Some(obj) = object(doc, &field) else {
            continue;
        };
        let key = field.place().1;
        let all = doc.get_all(&obj, key).unwrap_or_default();
        if all.len() < 2 {
            continue;
        }
        let shown = doc.get(&obj, key).ok().flatten().map(|(_, id)| id);
        let mut versions: Vec<Version> = all
            .into_iter()
            .filter_map(|(value, id)| {
                let Value::Scalar(s) = value else {
                    return None;
                };
                let mut version = field.read(&s)?;
                version.shown = shown.as_ref() == Some(&id);
                if let Some(change) = doc
                    .hash_for_opid(&id)
                    .and_then(|hash| doc.get_change_meta_by_hash(&hash))
                {
                    version.at =
                        chrono::DateTime::from_timestamp(change.timestamp, 0).map(Timestamp::from);
                    if let Some((device, _)) = DeviceId::of_actor(&change.actor) {
                        version.by = member_of(doc, &device);
                        version.device = Some(device);
                    }
                }
                Some(version)
            })
            .collect();
        versions.sort_by_key(|v| !v.shown);
        if versions.len() > 1 {
            found.push(Conflict { field, versions });
        }
    }
    found.sort_by(|a, b| a.field.cmp(&b.field));
    found
}

/// The member whose record names a device.
fn member_of(doc: &Automerge, device: &DeviceId) -> Option<MemberId> {
    let Ok(Some((Value::Object(ObjType::Map), members))) = doc.get(automerge::ROOT, "members")
    else {
        return None;
    };
    doc.keys(&members).find_map(|m| {
        let Ok(Some((Value::Object(ObjType::Map), record))) = doc.get(&members, m.as_str()) else {
            return None;
        };
        let Ok(Some((Value::Object(ObjType::Map), devices))) = doc.get(&record, "devices") else {
            return None;
        };
        matches!(doc.get(&devices, device.as_ref()), Ok(Some(_))).then(|| MemberId::from(m))
    })
}
