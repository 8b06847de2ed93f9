//! A document's log and snapshot on disk: appends gathered into one write and one
//! `fdatasync` per commit (the group commit), compaction into a snapshot, and recovery on
//! open. Everything here blocks; the engine's thread calls it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use automerge::Automerge;

use super::{Record, Restored, empty_log, encode, encode_snapshot, restore};
use crate::fsutil::{TEMP_MARKER, create_private_dir, datasync, write_atomic};
use crate::ids::PeerId;
use crate::signed::Signatures;

/// A log is folded into a snapshot once it is larger than the snapshot and than this.
const COMPACT_AT_LEAST: u64 = 64 * 1024;

/// One document's files.
#[derive(Debug)]
pub struct LogFile {
    dir: PathBuf,
    file: File,
    /// Bytes of the log on disk (written, whether synced or not).
    len: u64,
    snapshot_len: u64,
    pending: Vec<u8>,
    /// Whether bytes were written since the last `fdatasync`.
    unsynced: bool,
    /// Why the file can no longer be trusted with appends (a failed cut or compaction);
    /// every commit fails until the document is opened again.
    poisoned: Option<String>,
}

impl LogFile {
    /// Creates a document's folder and empty log, durably.
    pub fn create(dir: &Path) -> io::Result<Self> {
        create_private_dir(dir)?;
        let path = dir.join("log");
        write_atomic(&path, &empty_log())?;
        let file = OpenOptions::new().append(true).open(&path)?;
        Ok(Self {
            dir: dir.to_owned(),
            file,
            len: empty_log().len() as u64,
            snapshot_len: 0,
            pending: Vec::new(),
            unsynced: false,
            poisoned: None,
        })
    }

    /// Opens a document's files and rebuilds it. A damaged tail is cut off the log (and
    /// reported in the result's problems); a missing or unreadable log starts afresh.
    pub fn open(dir: &Path) -> io::Result<(Self, Restored)> {
        // A temporary file is an interrupted replacement: never data.
        for entry in fs::read_dir(dir)?.flatten() {
            if entry.file_name().to_string_lossy().contains(TEMP_MARKER) {
                let _ = fs::remove_file(entry.path());
            }
        }
        let restored = read(dir)?;
        let path = dir.join("log");
        let on_disk = fs::metadata(&path).map_or(0, |m| m.len());
        if restored.log_good_len < empty_log().len() {
            // No usable log at all: start a new one (the snapshot, if any, stays).
            write_atomic(&path, &empty_log())?;
        } else if on_disk != restored.log_good_len as u64 {
            let file = OpenOptions::new().write(true).open(&path)?;
            file.set_len(restored.log_good_len as u64)?;
            datasync(&file)?;
        }
        let file = OpenOptions::new().append(true).open(&path)?;
        let len = file.metadata()?.len();
        let snapshot_len = fs::metadata(dir.join("snapshot")).map_or(0, |m| m.len());
        Ok((
            Self {
                dir: dir.to_owned(),
                file,
                len,
                snapshot_len,
                pending: Vec::new(),
                unsynced: false,
                poisoned: None,
            },
            restored,
        ))
    }

    /// Reads what is durable now, without changing anything: the document as a restart
    /// would find it. Used to undo a commit that failed.
    pub fn reread(&self) -> io::Result<Restored> {
        read(&self.dir)
    }

    /// The folder.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Queues a record for the next commit.
    pub fn append(&mut self, record: &Record) {
        encode(record, &mut self.pending);
    }

    /// Whether anything waits to be written, or to be synced.
    #[must_use]
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty() || self.unsynced
    }

    /// Writes what is queued in one write; with `sync`, then one `fdatasync`, which also
    /// covers what earlier commits wrote without one. A local edit is committed with
    /// `sync` (it is acknowledged only once on disk); changes received from peers and
    /// peers' states may wait for the next synced commit (a crash loses only what a peer
    /// still holds and sends again). On failure the log is cut back to where it was, so
    /// nothing of the batch counts.
    pub fn commit(&mut self, sync: bool) -> io::Result<()> {
        if self.pending.is_empty() && !(sync && self.unsynced) {
            return Ok(());
        }
        let bytes = std::mem::take(&mut self.pending);
        if let Some(why) = &self.poisoned {
            return Err(io::Error::other(format!(
                "{why}; restart Revans to open the set again"
            )));
        }
        let result = (|| {
            self.file.write_all(&bytes)?;
            crate::fsutil::count_written(bytes.len());
            if sync {
                datasync(&self.file)?;
            }
            Ok(())
        })();
        match result {
            Ok(()) => {
                self.len += bytes.len() as u64;
                self.unsynced = !sync;
                Ok(())
            }
            Err(e) => {
                // A tail that cannot be cut would sit before every later record and cut
                // them off at the next open: nothing more goes into this file.
                if let Err(cut) = self
                    .file
                    .set_len(self.len)
                    .and_then(|()| datasync(&self.file))
                {
                    self.poisoned = Some(format!("the log could not be cut back ({cut})"));
                }
                Err(e)
            }
        }
    }

    /// Sends later writes to `file` instead: how a test makes the disk refuse a batch.
    #[cfg(test)]
    pub(crate) fn redirect_writes(&mut self, file: File) {
        self.file = file;
    }

    /// The model file's bytes, if there is one.
    pub fn read_model(&self) -> io::Result<Option<Vec<u8>>> {
        read_if_there(&self.dir.join("model"))
    }

    /// Replaces the model file, atomically (see [`super::model`]).
    pub fn write_model(&self, bytes: &[u8]) -> io::Result<()> {
        write_atomic(&self.dir.join("model"), bytes)
    }

    /// Whether the log has outgrown its snapshot.
    #[must_use]
    pub fn should_compact(&self) -> bool {
        self.len > self.snapshot_len.max(COMPACT_AT_LEAST)
    }

    /// Folds the log into a new snapshot of `doc`, keeping the peers' states in a fresh
    /// log. Each file is replaced atomically; a crash between the two leaves the new
    /// snapshot and the old log, which replays harmlessly over it.
    pub fn compact(
        &mut self,
        doc: &Automerge,
        signatures: &Signatures,
        peers: &[(PeerId, Vec<u8>)],
    ) -> io::Result<()> {
        self.commit(true)?;
        let snapshot = encode_snapshot(&doc.save(), signatures);
        write_atomic(&self.dir.join("snapshot"), &snapshot)?;
        let mut log = empty_log();
        for (peer, state) in peers {
            encode(
                &Record::PeerState {
                    peer: *peer,
                    state: state.clone(),
                },
                &mut log,
            );
        }
        let path = self.dir.join("log");
        if let Err(e) = write_atomic(&path, &log) {
            // Whether the rename happened is unknown: the open file may be the old one.
            self.poisoned = Some(format!("the new log could not be written ({e})"));
            return Err(e);
        }
        // The old file may be renamed away by now: appending to it would write nowhere.
        match OpenOptions::new().append(true).open(&path) {
            Ok(file) => {
                self.file = file;
                self.len = log.len() as u64;
                self.snapshot_len = snapshot.len() as u64;
                Ok(())
            }
            Err(e) => {
                self.poisoned = Some(format!("the new log could not be opened ({e})"));
                Err(e)
            }
        }
    }
}

fn read(dir: &Path) -> io::Result<Restored> {
    let snapshot = read_if_there(&dir.join("snapshot"))?;
    let log = read_if_there(&dir.join("log"))?.unwrap_or_default();
    Ok(restore(snapshot.as_deref(), &log))
}

fn read_if_there(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ReadDoc};

    use super::*;

    fn change(doc: &mut AutoCommit, key: &str) -> Record {
        let before = doc.get_heads();
        doc.put(automerge::ROOT, key, 1).unwrap();
        doc.commit();
        let changes = doc.get_changes(&before);
        Record::Change {
            change: changes[0].raw_bytes().to_vec(),
            signature: [0; 64],
        }
    }

    #[test]
    fn commits_survive_a_reopen_and_compaction_keeps_everything() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("doc");
        let mut log = LogFile::create(&folder).unwrap();
        let mut doc = AutoCommit::new();
        for i in 0..50 {
            let record = change(&mut doc, &format!("k{i}"));
            log.append(&record);
            log.commit(true).unwrap();
        }
        drop(log);
        let (mut log, restored) = LogFile::open(&folder).unwrap();
        assert!(restored.problems.is_empty());
        assert_eq!(restored.doc.get_heads(), doc.get_heads());
        log.compact(
            &restored.doc,
            &restored.signatures,
            &[(PeerId([1; 32]), vec![0, 1])],
        )
        .unwrap();
        let record = change(&mut doc, "after");
        log.append(&record);
        log.commit(true).unwrap();
        drop(log);
        let (_, restored) = LogFile::open(&folder).unwrap();
        assert_eq!(restored.doc.get_heads(), doc.get_heads());
        assert_eq!(restored.peers[&PeerId([1; 32])], vec![0, 1]);
        assert!(
            restored
                .doc
                .get(automerge::ROOT, "after")
                .unwrap()
                .is_some()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for name in ["log", "snapshot"] {
                let mode = fs::metadata(folder.join(name))
                    .unwrap()
                    .permissions()
                    .mode();
                assert_eq!(mode & 0o777, 0o600, "{name} is owner-only");
            }
        }
    }

    #[test]
    fn a_torn_tail_is_cut_on_open_and_appends_continue_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("doc");
        let mut log = LogFile::create(&folder).unwrap();
        let mut doc = AutoCommit::new();
        let first = change(&mut doc, "a");
        log.append(&first);
        log.commit(true).unwrap();
        drop(log);
        let mut file = OpenOptions::new()
            .append(true)
            .open(folder.join("log"))
            .unwrap();
        file.write_all(&[7, 0, 0, 0, 1, 2]).unwrap();
        drop(file);
        let (mut log, restored) = LogFile::open(&folder).unwrap();
        assert_eq!(restored.problems.len(), 1, "{:?}", restored.problems);
        let second = change(&mut doc, "b");
        log.append(&second);
        log.commit(true).unwrap();
        drop(log);
        let (_, restored) = LogFile::open(&folder).unwrap();
        assert!(restored.problems.is_empty(), "{:?}", restored.problems);
        assert_eq!(restored.doc.get_heads(), doc.get_heads());
    }
}

/// A storage failure, as reported on the node's event channel.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StorageProblem {
    /// A batch could not be written: its changes are not on disk, were not acknowledged,
    /// and were undone here.
    #[error(
        "Could not save to {path}: {reason}. The change was not saved; free some disk space or check the folder's permissions, then try again."
    )]
    Write {
        /// The file.
        path: PathBuf,
        /// What the system said.
        reason: String,
    },
    /// A document's files could not be read.
    #[error("Could not read {path}: {reason}. Check the folder's permissions.")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the system said.
        reason: String,
    },
    /// Part of a document's files is damaged; what was whole loaded.
    #[error(
        "Part of the saved set in {path} is damaged ({reason}); the rest loaded, and another member's copy fills the gap at the next sync."
    )]
    Damaged {
        /// The folder.
        path: PathBuf,
        /// What was damaged.
        reason: String,
    },
}
