//! How the engine's thread publishes a document's view: its model read anew (or
//! refreshed by what changes touched) with its heads, or its peers' status alone.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use automerge::Automerge;
use revans_model::{ActionLearningSet, Journal};

use super::request::DocKind;
use super::views::{DocView, PeerView};
use super::worker::{HYDRATE_SHARE, Worker};
use crate::ids::DocId;
use crate::log::file::LogFile;
use crate::log::model::{decode_model, encode_model};
use crate::node::event::Event;

impl Worker {
    /// Publishes a document's view: with `hydrate`, its content read anew with its heads
    /// now; without, the content and heads published last (they always go together, so
    /// a reader never sees heads its copy of the set does not hold), with fresh statuses.
    pub(super) fn publish(&mut self, id: DocId, hydrate: bool) {
        if self.engine.doc(&id).is_none() {
            return;
        }
        let kind = self.kinds.get(&id).copied().unwrap_or(DocKind::Set);
        let previous = self.shared.view(&id);
        let (heads, set, journal, conflicts) = if let (Some(view), false) = (&previous, hydrate) {
            // Statuses only (a peer's acknowledgement): the document is not looked at.
            (
                view.heads.clone(),
                view.set.clone(),
                view.journal.clone(),
                view.conflicts.clone(),
            )
        } else {
            let began = Instant::now();
            // Only what the changes since the last reading touched is read again.
            let touched = self.engine.take_touched(&id);
            // What the set shows: the document at the heads of its valid changes.
            let Some(doc) = self.engine.shown(&id) else {
                return;
            };
            let doc: &Automerge = &doc;
            let (set, journal, conflicts, cost) = match kind {
                DocKind::Set => {
                    // A set just opened reads the model kept beside its snapshot, if it
                    // was kept at exactly these heads.
                    let kept = if previous.is_none() && touched.all {
                        self.logs.get(&id).and_then(|log| kept_model(log, doc))
                    } else {
                        None
                    };
                    let (read, conflicts) = if let Some((set, conflicts)) = kept {
                        self.models_kept.insert(id, doc.get_heads());
                        (Ok(Arc::new(set)), conflicts)
                    } else {
                        let read = match previous.as_ref().and_then(|v| v.set.as_ref()) {
                            Some(Ok(before)) if !touched.all => {
                                let mut set = ActionLearningSet::clone(before);
                                set.refresh(doc, &touched).map(|()| Arc::new(set))
                            }
                            _ => ActionLearningSet::from_doc(doc).map(Arc::new),
                        };
                        let conflicts = match &previous {
                            Some(view) if !touched.all => {
                                revans_model::conflicts_since(doc, &view.conflicts, &touched)
                            }
                            _ => revans_model::conflicts(doc),
                        };
                        (read, conflicts)
                    };
                    // A whole reading (the first, or after a rebuild) says nothing of what
                    // the next, kept current by what changes touched, will cost.
                    let cost = if touched.all {
                        Duration::ZERO
                    } else {
                        began.elapsed()
                    };
                    // Every test run checks what is kept current, or was kept beside the
                    // snapshot, against a whole reading.
                    #[cfg(debug_assertions)]
                    {
                        if let Ok(kept) = &read {
                            let whole = ActionLearningSet::from_doc(doc);
                            debug_assert!(
                                whole.as_ref().is_ok_and(|whole| whole == kept.as_ref()),
                                "the set kept differs from the set read whole after {touched:?}"
                            );
                        }
                        debug_assert_eq!(
                            conflicts,
                            revans_model::conflicts(doc),
                            "after {touched:?}"
                        );
                    }
                    (Some(read), None, conflicts, cost)
                }
                DocKind::Journal => {
                    let journal = Arc::new(Journal::from_doc(doc));
                    (None, Some(journal), Vec::new(), began.elapsed())
                }
            };
            // Stamped once read: the next reading is due a share of its cost from now. The
            // cost is smoothed over readings: one that was slow because the thread waited
            // for a core (seven devices share two here) does not hold the next one back.
            let cost = self
                .hydrated
                .get(&id)
                .map_or(cost, |(_, before)| (*before * 3 + cost) / 4);
            self.hydrated.insert(id, (Instant::now(), cost));
            (doc.get_heads(), set, journal, Arc::new(conflicts))
        };
        let peers = self
            .engine
            .status(&id)
            .into_iter()
            .map(|(peer, status)| {
                let last_heard = status.last_heard.map(|ms| self.time_of(ms));
                (peer, PeerView { status, last_heard })
            })
            .collect();
        self.shared.publish(
            id,
            DocView {
                kind,
                heads,
                set,
                journal,
                conflicts,
                peers,
                refused: self.refused.get(&id).cloned().unwrap_or_default(),
            },
        );
    }

    /// Writes each set's model beside its snapshot as last published, with its heads, for
    /// the next opening (see [`crate::log::model`]). A stale one is left to be read whole;
    /// one whose model is kept at its heads already is not written again.
    pub(super) fn keep_models(&mut self) {
        for (id, kind) in &self.kinds {
            if *kind != DocKind::Set || self.stale.contains(id) {
                continue;
            }
            let (Some(log), Some(view)) = (self.logs.get(id), self.shared.view(id)) else {
                continue;
            };
            let Some(Ok(set)) = &view.set else {
                continue;
            };
            if self.models_kept.get(id) == Some(&view.heads) {
                continue;
            }
            let written = encode_model(&view.heads, set, &view.conflicts)
                .ok_or_else(|| "the model could not be laid out".to_owned())
                .and_then(|bytes| log.write_model(&bytes).map_err(|e| e.to_string()));
            match written {
                Ok(()) => {
                    self.models_kept.insert(*id, view.heads.clone());
                }
                // Only a cache: the set opens by reading its document instead.
                Err(reason) => {
                    tracing::warn!(%reason, dir = %log.dir().display(), "the set's model was not kept");
                }
            }
        }
    }

    /// How long until a document may be read into the model again: reading takes at most
    /// one part in [`HYDRATE_SHARE`] of the engine's time. Zero if due now.
    pub(super) fn hydrate_after(&self, id: DocId) -> Duration {
        self.hydrated.get(&id).map_or(Duration::ZERO, |(at, cost)| {
            (*cost * HYDRATE_SHARE).saturating_sub(at.elapsed())
        })
    }

    /// Reads the documents peers changed into the model, for the screens: those due, or
    /// with `all` every one (a command is about to read them).
    pub(super) fn hydrate_stale(&mut self, all: bool) {
        let (stale, waiting): (BTreeSet<DocId>, BTreeSet<DocId>) = std::mem::take(&mut self.stale)
            .into_iter()
            .partition(|id| all || self.hydrate_after(*id).is_zero());
        self.stale = waiting;
        if stale.is_empty() {
            return;
        }
        for id in &stale {
            self.publish(*id, true);
        }
        self.shared.version.send_modify(|v| *v += 1);
        for id in &stale {
            if self.kinds.get(id) == Some(&DocKind::Set) {
                let _ = self.shared.events.send(Event::SetChanged(id.set_id()));
            }
        }
    }
}

/// The model kept beside a set's snapshot, if it was kept at the heads `doc` opens at.
fn kept_model(
    log: &LogFile,
    doc: &Automerge,
) -> Option<(ActionLearningSet, Vec<revans_model::Conflict>)> {
    let bytes = log.read_model().ok()??;
    decode_model(&bytes, &doc.get_heads())
}
