//! The app's channel to the node: work sent to it on the app's runtime, what comes
//! back (results, the node's events), and the sets re-read from what it publishes.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use revans_model::{ActionLearningSet, Command, MemberId, SetId};
use revans_sync::{Event, Node, NodeConfig, NodeError};

use crate::tab::Tab;

use super::{Msg, NodeSlot, Outcome, Shell, acknowledgement};

impl Shell {
    /// Stops the node, everything on disk, and starts it again: for a setting its
    /// endpoint reads only as it starts. The stop (a few seconds at most, while work in
    /// hand finishes) happens on the node's runtime, so the window goes on drawing and
    /// shows that the sets are being opened.
    pub(super) fn restart_node(&mut self) {
        let running = self.let_go_of_node();
        self.start_node(running, self.config.clone());
    }

    /// Starts the node on `config`, once `running` (the node it replaces) has stopped
    /// and let go of the data directory.
    pub(super) fn start_node(&self, running: Option<Node>, config: NodeConfig) {
        let tx = self.tx.clone();
        let ctx = self.ctx.clone();
        self.runtime.spawn(async move {
            if let Some(node) = running {
                node.shutdown().await;
            }
            let result = Node::start(config).await.map_err(|e| match e {
                NodeError::DataDir(revans_sync::data_dir::DataDirError::Busy(dir)) => format!(
                    "Another Revans is using {}: close it (or stop `revans serve`) and open the app again.",
                    dir.display()
                ),
                e => e.to_string(),
            });
            if let Ok(node) = &result {
                let mut events = node.subscribe();
                let tx = tx.clone();
                let ctx = ctx.clone();
                tokio::spawn(async move {
                    loop {
                        match events.recv().await {
                            Ok(event) => {
                                if tx.send(Msg::Event(event)).is_err() {
                                    break;
                                }
                                ctx.request_repaint();
                            }
                            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                            Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                        }
                    }
                });
            }
            let _ = tx.send(Msg::Started(result));
            ctx.request_repaint();
        });
    }

    /// The node, once it runs.
    pub(super) fn node(&self) -> Option<&Node> {
        match &self.slot {
            NodeSlot::Ready(node) => Some(node),
            _ => None,
        }
    }

    /// Runs `work` on the node in the background; `place` shows its progress and result.
    pub(super) fn run<F, E>(
        &mut self,
        place: &'static str,
        doing: &str,
        work: impl FnOnce(Node) -> F,
    ) where
        F: Future<Output = Result<Outcome, E>> + Send + 'static,
        E: std::fmt::Display,
    {
        let Some(node) = self.node().cloned() else {
            return;
        };
        self.errors.remove(place);
        self.tickets.remove(place);
        self.pending.insert(place, doing.to_owned());
        let tx = self.tx.clone();
        let ctx = self.ctx.clone();
        let future = work(node);
        self.runtime.spawn(async move {
            let result = future.await.map_err(|e| e.to_string());
            let _ = tx.send(Msg::Done { place, result });
            ctx.request_repaint();
        });
    }

    /// Applies a command to the selected set, in the background.
    pub(super) fn apply(&mut self, place: &'static str, doing: &str, command: Command) {
        let Some(set) = self.selected.clone() else {
            return;
        };
        if self.past.is_some() {
            self.error(
                place,
                "You are looking at the set as it was: go back to now to change it.",
            );
            return;
        }
        self.run(place, doing, move |node| async move {
            node.apply(&set, command).await.map(|_| Outcome::Done)
        });
    }

    /// Takes in what came back since the last frame; returns the places whose work
    /// finished well, for the areas whose forms they were.
    pub(super) fn drain(&mut self) -> Vec<&'static str> {
        let mut finished = Vec::new();
        // A node event re-reads only what it touched; the person's own work, or the node
        // starting, re-reads everything (their profile among it).
        let mut changed = false;
        let mut changed_sets = std::collections::HashSet::new();
        let mut peers_changed = false;
        while let Ok(msg) = self.rx.try_recv() {
            match msg {
                Msg::Started(Ok(node)) => {
                    let _guard = self.runtime.enter();
                    match crate::control::listen(node.clone(), self.commands.clone()) {
                        Ok(handle) => self.control = Some(handle),
                        Err(e) => {
                            self.errors.insert(
                                "app",
                                format!("Commands from `revans` cannot reach this window: {e:#}."),
                            );
                        }
                    }
                    self.slot = NodeSlot::Ready(node);
                    changed = true;
                }
                Msg::Started(Err(e)) => self.slot = NodeSlot::Failed(e),
                Msg::Event(event) => match &event {
                    Event::Storage(problem) => {
                        self.errors.insert(
                            "app",
                            format!("Something could not be saved or read: {problem}"),
                        );
                    }
                    Event::SetChanged(set) => {
                        changed_sets.insert(set.clone());
                    }
                    Event::PeerConnected(_)
                    | Event::PeerGone { .. }
                    | Event::PeerAcknowledged { .. }
                    | Event::Refused { .. } => peers_changed = true,
                    Event::Network(_) => {}
                },
                Msg::Done { place, result } => {
                    self.pending.remove(place);
                    match result {
                        Ok(outcome) => {
                            self.errors.remove(place);
                            self.finished(place, outcome);
                            finished.push(place);
                        }
                        Err(e) => {
                            self.errors.insert(place, e);
                        }
                    }
                    changed = true;
                }
            }
        }
        if changed {
            self.refresh();
        } else if !changed_sets.is_empty() || peers_changed {
            self.refresh_after_events(&changed_sets);
        }
        finished
    }

    /// Re-reads the sets that changed, every set's sync status, and the journal (whose
    /// changes from the person's other devices come with no event of their own).
    pub(super) fn refresh_after_events(&mut self, changed: &std::collections::HashSet<SetId>) {
        let Some(node) = self.node().cloned() else {
            return;
        };
        for id in changed {
            let state = node.set(id).map_err(|e| e.to_string());
            match self.sets.iter_mut().find(|(s, _)| s == id) {
                Some(entry) => entry.1 = state,
                None => self.sets.push((id.clone(), state)),
            }
        }
        if !changed.is_empty() {
            self.reminders.look_again();
        }
        self.sort_sets();
        for (id, _) in &self.sets {
            if let Ok(status) = node.sync_status(id) {
                self.sync.insert(id.clone(), status);
            }
            if let Ok(refused) = node.refused(id) {
                self.refused.insert(id.clone(), refused);
            }
            if let Ok(found) = node.conflicts(id) {
                self.conflicts.insert(id.clone(), found);
            }
        }
        self.journal = node.journal().ok().flatten();
        self.keep_a_set_selected();
    }

    /// The sidebar's order: by name (damaged sets, which have none, last), then id; it
    /// never moves under the person's pointer.
    pub(super) fn sort_sets(&mut self) {
        self.sets.sort_by_cached_key(|(id, set)| {
            (
                set.as_ref()
                    .map_or_else(|_| (1, String::new()), |s| (0, s.name.to_lowercase())),
                id.clone(),
            )
        });
    }

    pub(super) fn keep_a_set_selected(&mut self) {
        let known = self
            .selected
            .as_ref()
            .is_some_and(|s| self.sets.iter().any(|(id, _)| id == s));
        if !known && !self.adding {
            self.selected = self.sets.first().map(|(id, _)| id.clone());
        }
    }

    /// What to do once work succeeded: clear its form, say it is done, show what it made.
    pub(super) fn finished(&mut self, place: &'static str, outcome: Outcome) {
        if let Some(done) = acknowledgement(place) {
            self.toast(done);
        }
        match outcome {
            Outcome::Ticket(ticket) => {
                self.tickets.insert(place, ticket);
            }
            Outcome::Past(past) => {
                self.past = Some(past);
            }
            Outcome::Exported(path) => {
                self.toast(format!("Wrote {}", path.display()));
                self.last_export = Some(path);
            }
            Outcome::Set(id) => {
                self.selected = Some(id);
                self.adding = false;
                self.tab = Tab::Overview;
            }
            Outcome::Done => {}
        }
        if place == "edit" {
            self.editing = None;
        }
        // A form that did its work empties, ready for the next.
        let prefix = format!("{place}.");
        for (name, value) in &mut self.fields {
            if name.starts_with(&prefix)
                && name.rsplit('.').next().is_none_or(|last| last != "keep")
            {
                value.clear();
            }
        }
    }

    /// Reads the sets, the journal and sync status again from the node (in memory).
    pub(super) fn refresh(&mut self) {
        let Some(node) = self.node() else { return };
        let sets: Vec<_> = node
            .sets()
            .into_iter()
            .map(|(id, s)| (id, s.map_err(|e| e.to_string())))
            .collect();
        let profile = node.profile().ok().flatten();
        let journal = node.journal().ok().flatten();
        let mut sync = HashMap::new();
        let mut refused = HashMap::new();
        let mut conflicts = HashMap::new();
        for (id, _) in &sets {
            if let Ok(status) = node.sync_status(id) {
                sync.insert(id.clone(), status);
            }
            if let Ok(changes) = node.refused(id) {
                refused.insert(id.clone(), changes);
            }
            if let Ok(found) = node.conflicts(id) {
                conflicts.insert(id.clone(), found);
            }
        }
        self.sets = sets;
        // What is to come may have moved: the reminders look again.
        self.reminders.look_again();
        self.sort_sets();
        self.profile = profile;
        self.journal = journal;
        self.sync = sync;
        self.refused = refused;
        self.conflicts = conflicts;
        self.keep_a_set_selected();
    }

    /// The set the screens show: as it is now, or as it stood at the moment chosen on the
    /// History tab's timeline.
    pub(super) fn set(&self) -> Option<&Arc<ActionLearningSet>> {
        let id = self.selected.as_ref()?;
        if let Some(past) = self.past.as_ref().filter(|p| &p.set == id) {
            return Some(&past.state);
        }
        self.sets
            .iter()
            .find(|(s, _)| s == id)
            .and_then(|(_, s)| s.as_ref().ok())
    }

    /// Restores a set from a backup file (a `.revans` file chosen or dropped on the window):
    /// every change in it checked as if a member's device had sent it.
    pub(super) fn restore(&mut self, path: std::path::PathBuf) {
        self.run("restore", "Restoring the set…", move |node| async move {
            let bytes = tokio::fs::read(&path)
                .await
                .map_err(|e| format!("Could not read {}: {e}.", path.display()))?;
            let imported = node.import_set(&bytes).await.map_err(|e| e.to_string())?;
            if !imported.refused.is_empty() {
                tracing::warn!(refused = ?imported.refused, "changes in the backup were refused");
            }
            Ok::<_, String>(Outcome::Set(imported.set))
        });
    }

    /// Files dropped on the window: a backup is restored; anything else is refused in
    /// words.
    pub(super) fn dropped(&mut self, ctx: &egui::Context) {
        let dropped: Vec<_> = ctx.input(|i| i.raw.dropped_files.clone());
        for file in dropped {
            let path = file.path().to_owned();
            if path.extension().is_some_and(|e| e == "revans") {
                self.restore(path);
            } else {
                self.error(
                    "restore",
                    format!(
                        "{} is not a Revans backup: drop a .revans file made by Export (Signed backup).",
                        path.display()
                    ),
                );
            }
        }
    }

    /// Gives the reminders whose time has come, and wakes the app when the next is due.
    pub(super) fn remind(&mut self, ctx: &egui::Context) {
        let Some(node) = self.node().cloned() else {
            return;
        };
        let sets: Vec<_> = self
            .sets
            .iter()
            .filter_map(|(id, s)| s.as_ref().ok().map(|s| (id.clone(), s.clone())))
            .collect();
        let now = self.now();
        if let Some(next) = self.reminders.tick(&node, &sets, now) {
            ctx.request_repaint_after(next);
        }
    }

    pub(super) fn me(&self) -> Option<MemberId> {
        let node = self.node()?;
        self.set()?.member_for_device(node.device()).cloned()
    }
}
