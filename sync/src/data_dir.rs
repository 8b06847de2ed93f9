//! The data directory: the device's key, the documents, and settings, owned by one
//! process at a time.
//!
//! ```text
//! <data dir>/
//!   lock          held (an OS file lock) by the process that owns the directory
//!   device.key    the iroh secret key: this device's identity (owner-only)
//!   settings.json which documents are this device's sets and journal, its profile
//!   docs/         one folder per document (a set or the journal): its log and snapshot
//!                 (see `log`)
//! ```

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::fsutil::{create_private_dir, write_atomic};

/// What can go wrong with the data directory.
#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    /// No home directory to put the default data directory in.
    #[error("Could not find a data directory for this user; pass --data-dir DIR.")]
    NoDefault,
    /// Another process holds the directory.
    #[error(
        "Another Revans process is using the data directory {0}; close it (or stop `revans serve`) and try again."
    )]
    Busy(PathBuf),
    /// A file could not be read or written.
    #[error("Could not use {path}: {source}. Check the folder exists and is yours.")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// The data directory belongs to another user.
    #[error(
        "The data directory {0} belongs to another user, so Revans will not keep your sets there; choose your own with --data-dir DIR."
    )]
    NotYours(PathBuf),
    /// The device key file is not a key.
    #[error(
        "The device key {0} is damaged (it should be 32 bytes). Restore it from a backup; deleting it gives this device a new identity that no set knows."
    )]
    BadKey(PathBuf),
    /// The settings file does not parse.
    #[error("The settings file {path} is damaged ({reason}); fix or remove it.")]
    BadSettings {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> DataDirError + '_ {
    move |source| DataDirError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Settings kept beside the documents.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The document ids of the sets this device holds.
    pub sets: Vec<String>,
    /// The document id of this device's journal, once it has one.
    pub journal: Option<String>,
    /// The UDP port this device last listened on: keeping it lets members reach the
    /// device at the address it recorded in their sets.
    pub port: Option<u16>,
    /// The name and organisation this device's person gives when they create or join a set.
    pub profile: Option<StoredProfile>,
    /// Per set, the devices of its members as last known: a set whose files are all
    /// damaged is refilled from them.
    pub known_peers: std::collections::BTreeMap<String, Vec<String>>,
    /// Which reminders this device's person wants.
    pub reminders: Reminding,
    /// The reminders already given, by key, so that none is given twice.
    pub reminded: std::collections::BTreeSet<String>,
    /// The HTTP(S) proxy this device's person chose for reaching relays; one given for
    /// a run (`--proxy`) comes first, the environment's after.
    pub proxy: Option<String>,
}

/// Which reminders a member wants on this device; each on unless switched off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Reminding {
    /// The day before a meeting.
    pub day_before: bool,
    /// An hour before a meeting.
    pub hour_before: bool,
    /// The day before an action of theirs is due (at the next meeting).
    pub actions_due: bool,
}

impl Default for Reminding {
    fn default() -> Self {
        Self {
            day_before: true,
            hour_before: true,
            actions_due: true,
        }
    }
}

/// A member's profile as this device remembers it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredProfile {
    /// Their name, as sets will know them.
    pub display_name: String,
    /// Their organisation.
    pub organisation: String,
}

/// An open data directory. Holding it holds the lock; dropping it releases it.
#[derive(Debug)]
pub struct DataDir {
    root: PathBuf,
    _lock: File,
    /// Held while the settings are read, changed and written back.
    settings: std::sync::Mutex<()>,
}

impl DataDir {
    /// The platform's data directory for Revans (for example `~/.local/share/revans`):
    /// the local one, never the roaming one (on Windows, `AppData\Local`, not `Roaming`),
    /// for the device key and the logs are this machine's and confidential, and must not
    /// be copied to an employer's servers or shared by two machines.
    pub fn default_path() -> Result<PathBuf, DataDirError> {
        directories::ProjectDirs::from("", "", "Revans")
            .map(|dirs| dirs.data_local_dir().to_owned())
            .ok_or(DataDirError::NoDefault)
    }

    /// Creates the data directory at `root` if it is not there, owner-only (0700), and
    /// checks one that is: it must be this user's, and one open to others is closed to
    /// them again (whoever made it, such as a window toolkit saving its state first).
    pub fn make_private(root: &Path) -> Result<(), DataDirError> {
        create_private_dir(root).map_err(io_error(root))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
            let meta = fs::metadata(root).map_err(io_error(root))?;
            if meta.uid() != rustix::process::geteuid().as_raw() {
                return Err(DataDirError::NotYours(root.to_owned()));
            }
            let mode = meta.mode() & 0o777;
            if mode & 0o077 != 0 {
                tracing::warn!(path = %root.display(), mode = format!("{mode:o}"), "the data directory was open to others; closing it");
                fs::set_permissions(root, fs::Permissions::from_mode(0o700))
                    .map_err(io_error(root))?;
            }
        }
        Ok(())
    }

    /// Opens (creating if needed) the data directory at `root` and takes its lock.
    pub fn open(root: &Path) -> Result<Self, DataDirError> {
        Self::make_private(root)?;
        let lock_path = root.join("lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_error(&lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => return Err(DataDirError::Busy(root.to_owned())),
            Err(fs::TryLockError::Error(e)) => return Err(io_error(&lock_path)(e)),
        }
        let docs = root.join("docs");
        create_private_dir(&docs).map_err(io_error(&docs))?;
        Ok(Self {
            root: root.to_owned(),
            _lock: lock,
            settings: std::sync::Mutex::new(()),
        })
    }

    /// The directory's path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// Where documents are stored.
    #[must_use]
    pub fn docs(&self) -> PathBuf {
        self.root.join("docs")
    }

    /// The device's 32-byte secret key, created on first use with `fresh`.
    pub fn device_key(&self, fresh: impl FnOnce() -> [u8; 32]) -> Result<[u8; 32], DataDirError> {
        let path = self.root.join("device.key");
        match fs::read(&path) {
            Ok(bytes) => {
                restrict_to_owner(&path).map_err(io_error(&path))?;
                <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| DataDirError::BadKey(path))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let key = fresh();
                write_atomic(&path, &key).map_err(io_error(&path))?;
                Ok(key)
            }
            Err(e) => Err(io_error(&path)(e)),
        }
    }

    /// The settings, or the defaults if there are none yet.
    pub fn settings(&self) -> Result<Settings, DataDirError> {
        let path = self.root.join("settings.json");
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| DataDirError::BadSettings {
                path,
                reason: e.to_string(),
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Settings::default()),
            Err(e) => Err(io_error(&path)(e)),
        }
    }

    /// Reads the settings, changes them with `change`, and saves them durably, with no
    /// other change in between.
    pub fn update_settings(&self, change: impl FnOnce(&mut Settings)) -> Result<(), DataDirError> {
        let _held = self
            .settings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut settings = self.settings()?;
        change(&mut settings);
        self.save_settings(&settings)
    }

    /// Saves the settings durably.
    fn save_settings(&self, settings: &Settings) -> Result<(), DataDirError> {
        let path = self.root.join("settings.json");
        let bytes = serde_json::to_vec_pretty(settings).map_err(|e| DataDirError::BadSettings {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        write_atomic(&path, &bytes).map_err(io_error(&path))
    }
}

/// A key file someone loosened is tightened back: the key is the device's identity.
fn restrict_to_owner(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path)?.permissions().mode() & 0o777;
        if mode != 0o600 {
            tracing::warn!(path = %path.display(), mode = format!("{mode:o}"), "device key was not owner-only; tightening it");
            fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
        }
    }
    // Windows: the key sits in the user's local (never roaming) profile, whose access
    // list is the user's alone, and a file there inherits it.
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_process_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let first = DataDir::open(dir.path()).unwrap();
        let second = DataDir::open(dir.path()).unwrap_err();
        assert!(matches!(second, DataDirError::Busy(_)));
        assert!(
            second.to_string().contains("Another Revans process"),
            "{second}"
        );
        drop(first);
        DataDir::open(dir.path()).unwrap();
    }

    #[test]
    fn the_device_key_is_made_once_and_kept_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::open(dir.path()).unwrap();
        let key = data.device_key(|| [7; 32]).unwrap();
        assert_eq!(data.device_key(|| [9; 32]).unwrap(), key);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let path = dir.path().join("device.key");
            fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
            data.device_key(|| [9; 32]).unwrap();
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        fs::write(dir.path().join("device.key"), b"short").unwrap();
        assert!(matches!(
            data.device_key(|| [9; 32]),
            Err(DataDirError::BadKey(_))
        ));
    }

    #[test]
    fn settings_round_trip_and_damage_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::open(dir.path()).unwrap();
        assert_eq!(data.settings().unwrap(), Settings::default());
        let settings = Settings {
            sets: vec!["abc".into()],
            journal: None,
            port: Some(4433),
            profile: Some(StoredProfile {
                display_name: "Ada".into(),
                organisation: String::new(),
            }),
            known_peers: std::collections::BTreeMap::new(),
            reminders: Reminding {
                hour_before: false,
                ..Reminding::default()
            },
            reminded: ["a-set/a-meeting/day".to_owned()].into(),
            proxy: Some("http://proxy.example:3128".into()),
        };
        data.update_settings(|s| *s = settings.clone()).unwrap();
        assert_eq!(data.settings().unwrap(), settings);
        fs::write(dir.path().join("settings.json"), b"{not json").unwrap();
        assert!(matches!(
            data.settings(),
            Err(DataDirError::BadSettings { .. })
        ));
    }
}
