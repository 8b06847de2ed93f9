//! What the app asks of the desktop beyond its window: choosing a folder or a file in
//! the system's own dialog, and opening a folder in the file manager. Behind a trait so
//! the tests answer the dialogs themselves.

use std::path::{Path, PathBuf};

/// The desktop's dialogs and file manager.
pub(crate) trait Desktop {
    /// The folder the person chose, starting at `start`; `None` if they cancelled.
    fn choose_folder(&self, start: &Path) -> Option<PathBuf>;
    /// The backup file (`.revans`) the person chose; `None` if they cancelled.
    fn choose_backup(&self) -> Option<PathBuf>;
    /// Opens `folder` in the file manager.
    ///
    /// # Errors
    /// Why the desktop would not open it, in words.
    fn open_folder(&self, folder: &Path) -> Result<(), String>;
}

/// The system's own: its file dialogs (the desktop portal on Linux) and its file manager.
pub(crate) struct Native;

impl Desktop for Native {
    fn choose_folder(&self, start: &Path) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .set_title("Export to which folder?")
            .set_directory(start)
            .pick_folder()
    }

    fn choose_backup(&self) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .set_title("Restore a set from a backup")
            .add_filter("Revans backup", &["revans"])
            .pick_file()
    }

    fn open_folder(&self, folder: &Path) -> Result<(), String> {
        open::that_detached(folder).map_err(|e| e.to_string())
    }
}
