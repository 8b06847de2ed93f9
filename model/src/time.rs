//! Times in a set: UTC, stored on Automerge's own timestamp scalar (milliseconds since the
//! Unix epoch), so any Automerge implementation reads them as times.

use std::fmt;

use autosurgeon::{Hydrate, HydrateError, Reconcile, Reconciler};
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// A moment in UTC, to the millisecond (the precision the document keeps).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// The time, cut to the millisecond so that what is stored reads back equal.
    #[must_use]
    pub fn new(at: DateTime<Utc>) -> Self {
        Self::from_millis(at.timestamp_millis())
    }

    /// The time as a `chrono` value.
    #[must_use]
    pub fn get(self) -> DateTime<Utc> {
        self.0
    }

    /// Milliseconds since the Unix epoch.
    #[must_use]
    pub fn millis(self) -> i64 {
        self.0.timestamp_millis()
    }

    fn from_millis(ms: i64) -> Self {
        // Out-of-range values cannot come from `DateTime<Utc>`; from a peer they clamp.
        Self(DateTime::from_timestamp_millis(ms).unwrap_or(if ms < 0 {
            DateTime::<Utc>::MIN_UTC
        } else {
            DateTime::<Utc>::MAX_UTC
        }))
    }

    /// This time plus a number of minutes, stopping at the end of time: a time written
    /// by a peer may be anything, and a sum past the end must not panic.
    #[must_use]
    pub fn plus_minutes(self, minutes: u32) -> Self {
        self.0
            .checked_add_signed(TimeDelta::minutes(i64::from(minutes)))
            .map_or_else(|| Self::new(DateTime::<Utc>::MAX_UTC), Self)
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(at: DateTime<Utc>) -> Self {
        Self::new(at)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}",
            self.0.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )
    }
}

impl Reconcile for Timestamp {
    type Key<'a> = autosurgeon::reconcile::NoKey;

    fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
        reconciler.timestamp(self.millis())
    }
}

impl Hydrate for Timestamp {
    fn hydrate_timestamp(ms: i64) -> Result<Self, HydrateError> {
        Ok(Self::from_millis(ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::{AutoCommit, ReadDoc, ScalarValue, Value};

    #[test]
    fn minutes_past_the_end_of_time_stop_there() {
        let end = Timestamp::new(DateTime::<Utc>::MAX_UTC);
        assert_eq!(end.plus_minutes(u32::MAX), end);
        let from_a_peer: Timestamp =
            autosurgeon::hydrate_prop(&doc_with_millis(i64::MAX), automerge::ROOT, "at").unwrap();
        assert_eq!(from_a_peer.plus_minutes(180), end);
    }

    fn doc_with_millis(ms: i64) -> AutoCommit {
        use automerge::transaction::Transactable;
        let mut doc = AutoCommit::new();
        doc.put(automerge::ROOT, "at", ScalarValue::Timestamp(ms))
            .unwrap();
        doc
    }

    #[test]
    fn stored_as_an_automerge_timestamp_to_the_millisecond() {
        let at = DateTime::parse_from_rfc3339("2026-11-21T10:15:30.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut doc = AutoCommit::new();
        autosurgeon::reconcile_prop(&mut doc, automerge::ROOT, "at", Timestamp::new(at)).unwrap();
        let (value, _) = doc.get(automerge::ROOT, "at").unwrap().unwrap();
        assert!(matches!(
            value,
            Value::Scalar(s) if *s.as_ref() == ScalarValue::Timestamp(at.timestamp_millis())
        ));
        let back: Timestamp = autosurgeon::hydrate_prop(&doc, automerge::ROOT, "at").unwrap();
        assert_eq!(back, Timestamp::new(at));
        assert_eq!(back.to_string(), "2026-11-21T10:15:30Z");
        assert_eq!(back.millis() % 1000, 123);
    }
}
