//! How the engine's thread publishes a document's view: its model read anew (or
//! refreshed by what changes touched) with its heads, or its peers' status alone.

use std::sync::Arc;
use std::time::Instant;

use automerge::Automerge;
use revans_model::{ActionLearningSet, Journal};

use super::request::DocKind;
use super::views::{DocView, PeerView};
use super::worker::Worker;
use crate::ids::DocId;
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
            // Only what the changes since the last reading touched is read again.
            let touched = self.engine.take_touched(&id);
            // What the set shows: the document at the heads of its valid changes.
            let Some(doc) = self.engine.shown(&id) else {
                return;
            };
            let doc: &Automerge = &doc;
            let (set, journal, conflicts) = match kind {
                DocKind::Set => {
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
                    // Every test run checks what is kept current against a whole reading.
                    #[cfg(debug_assertions)]
                    {
                        if let Ok(kept) = &read {
                            let whole = ActionLearningSet::from_doc(doc);
                            debug_assert!(
                                whole.as_ref().is_ok_and(|whole| whole == kept.as_ref()),
                                "the set kept current differs from the set read whole after {touched:?}"
                            );
                        }
                        debug_assert_eq!(
                            conflicts,
                            revans_model::conflicts(doc),
                            "after {touched:?}"
                        );
                    }
                    (Some(read), None, conflicts)
                }
                DocKind::Journal => (None, Some(Arc::new(Journal::from_doc(doc))), Vec::new()),
            };
            // Stamped once read: a read longer than the pause it waits for must not make
            // the next round's read look due at once.
            self.hydrated_at.insert(id, Instant::now());
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

    /// Reads the documents peers changed into the model, for the screens.
    pub(super) fn hydrate_stale(&mut self) {
        self.stale_since = None;
        let stale = std::mem::take(&mut self.stale);
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
