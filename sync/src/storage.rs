//! Crash-safe storage for samod: each chunk is its own file, written with
//! [`write_atomic`](crate::fsutil::write_atomic) (temporary file, fsync, rename, fsync the
//! folder). samod's `put` returns nothing, so every failure is reported on the node's
//! event channel and in the log here, once, where it happens. A chunk that does not load
//! as Automerge data is reported and left out, so the rest of the set still loads.
//!
//! Keys map to paths as samod's own filesystem storage maps them (the first component
//! splayed by its first two characters), so a directory can be inspected with the same
//! tools.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use samod::storage::{Storage, StorageKey};

use crate::fsutil::{TEMP_MARKER, remove_durably, write_atomic};

/// A storage failure, as reported on the node's event channel.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StorageProblem {
    /// A chunk could not be written: the change it holds is not on disk.
    #[error(
        "Could not save to {path}: {reason}. Free some disk space or check the folder's permissions; Revans will keep trying with each change."
    )]
    Write {
        /// The file.
        path: PathBuf,
        /// What the system said.
        reason: String,
    },
    /// A chunk could not be read.
    #[error("Could not read {path}: {reason}.")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        reason: String,
    },
    /// A chunk is damaged; it was left out and the rest loaded.
    #[error(
        "The saved chunk {path} is damaged ({reason}); it was skipped and the rest of the set loaded. Another member's copy will fill the gap when you sync."
    )]
    Damaged {
        /// The file.
        path: PathBuf,
        /// Why it does not load.
        reason: String,
    },
    /// A chunk could not be deleted (after compaction); harmless but reported.
    #[error("Could not remove the old chunk {path}: {reason}.")]
    Delete {
        /// The file.
        path: PathBuf,
        /// What the system said.
        reason: String,
    },
}

/// Where storage problems go.
pub type Reporter = Arc<dyn Fn(StorageProblem) + Send + Sync>;

/// samod storage in a folder, crash-safe.
#[derive(Clone)]
pub struct FsStorage {
    root: PathBuf,
    report: Reporter,
}

impl std::fmt::Debug for FsStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FsStorage")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

impl FsStorage {
    /// Storage in `root`, reporting problems to `report`.
    #[must_use]
    pub fn new(root: PathBuf, report: Reporter) -> Self {
        Self { root, report }
    }

    fn path_of(&self, key: &StorageKey) -> PathBuf {
        let mut path = self.root.clone();
        for (index, component) in key.into_iter().enumerate() {
            if index == 0 {
                let split = component
                    .char_indices()
                    .nth(2)
                    .map_or(component.len(), |(i, _)| i);
                path.push(&component[..split]);
                path.push(&component[split..]);
            } else {
                path.push(component);
            }
        }
        path
    }

    /// Writes a chunk now and returns once it is on disk: the barrier a command waits on
    /// before it returns. The same key samod uses, so samod's own later write of it (or
    /// its compaction) changes nothing.
    pub async fn write_now(&self, key: &StorageKey, data: Vec<u8>) -> Result<(), StorageProblem> {
        let path = self.path_of(key);
        let written = path.clone();
        let result = tokio::task::spawn_blocking(move || write_atomic(&written, &data))
            .await
            .unwrap_or_else(|e| Err(io::Error::other(e)));
        result.map_err(|e| {
            let problem = StorageProblem::Write {
                path,
                reason: e.to_string(),
            };
            self.problem(problem.clone());
            problem
        })
    }

    fn problem(&self, problem: StorageProblem) {
        tracing::error!(%problem, "storage");
        (self.report)(problem);
    }

    /// Reads a chunk; a missing one is `None`, a damaged or unreadable one is reported.
    fn read_chunk(&self, key: &StorageKey, path: &Path) -> Option<Vec<u8>> {
        let data = match std::fs::read(path) {
            Ok(data) => data,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
            Err(e) => {
                self.problem(StorageProblem::Read {
                    path: path.to_owned(),
                    reason: e.to_string(),
                });
                return None;
            }
        };
        // samod writes two kinds of chunk: a saved document (a snapshot) and one change
        // (an incremental, which alone lacks its dependencies, so it is parsed, not
        // applied). Both carry checksums, so a torn or altered chunk fails here. Other
        // keys (samod's storage id) are not Automerge data.
        let check = match key.into_iter().nth(1).map(String::as_str) {
            Some("snapshot") => automerge::Automerge::load(&data)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Some("incremental") => automerge::Change::from_bytes(data.clone())
                .map(|_| ())
                .map_err(|e| e.to_string()),
            _ => Ok(()),
        };
        match check {
            Ok(()) => Some(data),
            Err(reason) => {
                self.problem(StorageProblem::Damaged {
                    path: path.to_owned(),
                    reason,
                });
                None
            }
        }
    }

    fn walk(&self, dir: &Path, prefix: &StorageKey, out: &mut HashMap<StorageKey, Vec<u8>>) {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return,
            Err(e) => {
                self.problem(StorageProblem::Read {
                    path: dir.to_owned(),
                    reason: e.to_string(),
                });
                return;
            }
        };
        for entry in entries.flatten() {
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            let path = entry.path();
            if name.contains(TEMP_MARKER) {
                // An interrupted write: the rename never happened, so it holds nothing
                // that was acknowledged.
                let _ = std::fs::remove_file(&path);
                continue;
            }
            let Ok(key) = prefix.with_component(name) else {
                continue;
            };
            if path.is_dir() {
                self.walk(&path, &key, out);
            } else if let Some(data) = self.read_chunk(&key, &path) {
                out.insert(key, data);
            }
        }
    }
}

impl Storage for FsStorage {
    fn load(&self, key: StorageKey) -> impl Future<Output = Option<Vec<u8>>> + Send {
        let this = self.clone();
        async move {
            let path = this.path_of(&key);
            tokio::task::spawn_blocking(move || this.read_chunk(&key, &path))
                .await
                .ok()
                .flatten()
        }
    }

    fn load_range(
        &self,
        prefix: StorageKey,
    ) -> impl Future<Output = HashMap<StorageKey, Vec<u8>>> + Send {
        let this = self.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                let mut out = HashMap::new();
                let dir = this.path_of(&prefix);
                this.walk(&dir, &prefix, &mut out);
                out
            })
            .await
            .unwrap_or_default()
        }
    }

    fn put(&self, key: StorageKey, data: Vec<u8>) -> impl Future<Output = ()> + Send {
        let this = self.clone();
        async move {
            let path = this.path_of(&key);
            let result = tokio::task::spawn_blocking(move || {
                let result = write_atomic(&path, &data);
                (path, result)
            })
            .await;
            match result {
                Ok((_, Ok(()))) => {}
                Ok((path, Err(e))) => this.problem(StorageProblem::Write {
                    path,
                    reason: e.to_string(),
                }),
                Err(e) => this.problem(StorageProblem::Write {
                    path: this.root.clone(),
                    reason: e.to_string(),
                }),
            }
        }
    }

    fn delete(&self, key: StorageKey) -> impl Future<Output = ()> + Send {
        let this = self.clone();
        async move {
            let path = this.path_of(&key);
            let result = tokio::task::spawn_blocking(move || {
                let result = remove_durably(&path);
                (path, result)
            })
            .await;
            if let Ok((path, Err(e))) = result {
                this.problem(StorageProblem::Delete {
                    path,
                    reason: e.to_string(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use automerge::transaction::Transactable;

    use super::*;

    fn storage(dir: &Path) -> (FsStorage, Arc<Mutex<Vec<StorageProblem>>>) {
        let problems = Arc::new(Mutex::new(Vec::new()));
        let sink = problems.clone();
        let report: Reporter = Arc::new(move |p| sink.lock().unwrap().push(p));
        (FsStorage::new(dir.to_owned(), report), problems)
    }

    fn key(parts: &[&str]) -> StorageKey {
        StorageKey::from_parts(parts).unwrap()
    }

    /// A document with two changes: the second one's chunk depends on the first.
    fn chunks() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
        let mut doc = automerge::AutoCommit::new();
        doc.put(automerge::ROOT, "a", 1).unwrap();
        doc.commit();
        doc.put(automerge::ROOT, "b", 2).unwrap();
        doc.commit();
        let changes: Vec<Vec<u8>> = doc
            .get_changes(&[])
            .into_iter()
            .map(|c| c.raw_bytes().to_vec())
            .collect();
        (doc.save(), changes[0].clone(), changes[1].clone())
    }

    #[tokio::test]
    async fn chunks_round_trip_and_ranges_return_full_keys() {
        let dir = tempfile::tempdir().unwrap();
        let (store, problems) = storage(dir.path());
        let (snapshot, first, second) = chunks();
        let doc = "3xyzDocumentId";
        store
            .put(key(&[doc, "snapshot", "aa"]), snapshot.clone())
            .await;
        store
            .put(key(&[doc, "incremental", "bb"]), first.clone())
            .await;
        store
            .put(key(&[doc, "incremental", "cc"]), second.clone())
            .await;
        assert_eq!(
            store.load(key(&[doc, "snapshot", "aa"])).await,
            Some(snapshot)
        );
        assert!(
            dir.path().join("3x/yzDocumentId/snapshot/aa").is_file(),
            "samod's layout"
        );
        let range = store.load_range(key(&[doc, "incremental"])).await;
        assert_eq!(range.len(), 2);
        assert_eq!(range[&key(&[doc, "incremental", "cc"])], second);
        assert_eq!(store.load_range(key(&[doc])).await.len(), 3);
        store.delete(key(&[doc, "incremental", "bb"])).await;
        store.delete(key(&[doc, "incremental", "bb"])).await;
        assert_eq!(store.load(key(&[doc, "incremental", "bb"])).await, None);
        assert!(problems.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_damaged_chunk_is_reported_and_the_rest_loads() {
        let dir = tempfile::tempdir().unwrap();
        let (store, problems) = storage(dir.path());
        let (snapshot, first, _) = chunks();
        let doc = "4DamagedDoc";
        store.put(key(&[doc, "snapshot", "aa"]), snapshot).await;
        let mut torn = first.clone();
        torn.truncate(first.len() / 2);
        store.put(key(&[doc, "incremental", "bb"]), torn).await;
        // An interrupted write leaves a temporary file: it is never data.
        std::fs::write(
            dir.path().join("4D/amagedDoc/incremental/cc.tmp-0123"),
            b"half",
        )
        .unwrap();

        let range = store.load_range(key(&[doc])).await;
        assert_eq!(
            range.keys().collect::<Vec<_>>(),
            vec![&key(&[doc, "snapshot", "aa"])]
        );
        let problems = problems.lock().unwrap();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            matches!(&problems[0], StorageProblem::Damaged { path, .. } if path.ends_with("incremental/bb"))
        );
        assert!(
            !dir.path()
                .join("4D/amagedDoc/incremental/cc.tmp-0123")
                .exists()
        );
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_failed_write_is_reported() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let (store, problems) = storage(dir.path());
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o500)).unwrap();
        if std::fs::write(dir.path().join("probe"), b"x").is_ok() {
            // Running as a user who ignores permissions (root): nothing to observe.
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
            let (snapshot, _, _) = chunks();
            std::fs::write(dir.path().join("5F"), b"a file where a folder must go").unwrap();
            store
                .put(key(&["5Failed", "snapshot", "aa"]), snapshot)
                .await;
        } else {
            store
                .put(key(&["5Failed", "snapshot", "aa"]), vec![1, 2, 3])
                .await;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        }
        let problems = problems.lock().unwrap();
        assert!(
            matches!(problems.as_slice(), [StorageProblem::Write { .. }]),
            "{problems:?}"
        );
        assert!(problems[0].to_string().starts_with("Could not save"));
    }
}
