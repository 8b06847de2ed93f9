//! What the node's parts share (the data directory, the endpoint, the engine's handle,
//! the links), and the few things they do with it: look a set up, act as this device's
//! member, keep the journal's device list.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use iroh::protocol::Router;
use iroh::{Endpoint, SecretKey};
use revans_model::{Applied, Author, Command, CommandError, DeviceId, MemberId, SetId};
use revans_model::{JournalCommand, apply_journal};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;

use super::error::NodeError;
use super::event::Event;
use crate::data_dir::DataDir;
use crate::ids::DocId;
use crate::runtime::links::Links;
use crate::runtime::{DocKind, DocView, EngineHandle, Shared};

pub(crate) struct Inner {
    pub(crate) data: Arc<DataDir>,
    /// The sets and journal, as the node and the join protocol act on them.
    pub(crate) sets: Sets,
    pub(crate) endpoint: Endpoint,
    pub(super) router: Router,
    pub(crate) links: Links,
    pub(crate) events: broadcast::Sender<Event>,
    /// This device's key: it signs the device's consent when it joins.
    pub(crate) key: SecretKey,
    pub(super) tasks: Mutex<Vec<JoinHandle<()>>>,
    /// The proxy relays are reached through, and where it was chosen.
    pub(super) proxy: Option<(String, &'static str)>,
    /// Why the system's certificate store could not be read, if it could not.
    pub(super) certificate_store: Option<String>,
}

/// What acting on this device's sets and journal takes: the engine's handle, this
/// device, and the journal's id. All the member's side of the join protocol is given;
/// cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct Sets {
    pub(crate) engine: EngineHandle,
    pub(crate) device: DeviceId,
    /// The private journal's id, once this device has or expects one.
    pub(crate) journal: Arc<Mutex<Option<DocId>>>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("device", &self.sets.device)
            .finish_non_exhaustive()
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere while holding one of these small values leaves it usable.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub(crate) fn doc_id(set: &SetId) -> Result<DocId, NodeError> {
    DocId::of_set(set).map_err(|_| NodeError::UnknownSet(set.to_string()))
}

impl Sets {
    /// Adds `device` to this device's journal, with its consent: a device of this
    /// device's own member being linked (see the join protocol).
    pub(crate) async fn link_journal(
        &self,
        journal: &str,
        device: DeviceId,
        consent: [u8; 64],
    ) -> Result<(), NodeError> {
        let Some(id) = *lock(&self.journal) else {
            return Err(NodeError::UnknownSet(journal.to_owned()));
        };
        if id.to_string() != journal {
            return Err(NodeError::UnknownSet(journal.to_owned()));
        }
        match self
            .engine
            .edit(id, move |document| {
                Ok(apply_journal(
                    document,
                    Utc::now(),
                    JournalCommand::LinkDevice { device, consent },
                )?)
            })
            .await
        {
            Ok(_) | Err(NodeError::Command(CommandError::Unchanged(_))) => Ok(()),
            Err(e) => Err(e),
        }
    }

    pub(crate) fn view(&self, set: &SetId) -> Result<Arc<DocView>, NodeError> {
        self.engine
            .shared
            .view(&doc_id(set)?)
            .filter(|v| v.kind == DocKind::Set)
            .ok_or_else(|| NodeError::UnknownSet(set.to_string()))
    }

    pub(crate) fn me(&self, set: &SetId) -> Result<MemberId, NodeError> {
        let view = self.view(set)?;
        match view.set.as_ref() {
            Some(Ok(state)) => state
                .member_for_device(&self.device)
                .cloned()
                .ok_or(NodeError::NotInSet),
            Some(Err(e)) => Err(e.clone().into()),
            None => Err(NodeError::UnknownSet(set.to_string())),
        }
    }

    /// Applies a command as this device's member, then waits until its change is on disk.
    pub(crate) async fn apply(&self, set: &SetId, command: Command) -> Result<Applied, NodeError> {
        let member = self.me(set)?;
        let author = Author {
            member,
            at: Utc::now(),
        };
        // The set as the node keeps it, if it is the document the edit runs on (the same
        // heads): the command then does not read the whole set again.
        let kept = self.view(set).ok().and_then(|view| match &view.set {
            Some(Ok(state)) => Some((view.heads.clone(), Arc::clone(state))),
            _ => None,
        });
        self.engine
            .edit(doc_id(set)?, move |document| {
                let current = kept.filter(|(heads, _)| {
                    let mut now = document.get_heads();
                    let mut then = heads.clone();
                    now.sort();
                    then.sort();
                    now == then
                });
                Ok(match current {
                    Some((_, state)) => {
                        revans_model::apply_to_kept(document, &author, command, state)?
                    }
                    None => revans_model::apply(document, &author, command)?,
                })
            })
            .await
    }
}

impl Inner {
    pub(crate) fn report_network(&self, message: String) {
        tracing::warn!(%message, "network");
        let _ = self.events.send(Event::Network(message));
    }

    pub(crate) fn remember_set(&self, set: &SetId) -> Result<(), NodeError> {
        self.data.update_settings(|settings| {
            if !settings.sets.iter().any(|s| s == set.as_str()) {
                settings.sets.push(set.to_string());
            }
        })?;
        Ok(())
    }

    /// Waits until `check` holds of the published views; `Err` after `timeout`.
    pub(crate) async fn wait_for(
        &self,
        timeout: Duration,
        check: impl Fn(&Shared) -> bool,
    ) -> Result<(), ()> {
        let mut version = self.sets.engine.shared.version.subscribe();
        tokio::time::timeout(timeout, async {
            loop {
                if check(&self.sets.engine.shared) {
                    return;
                }
                if version.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        })
        .await
        .map_err(|_| ())
    }
}
