//! Writing files so that a crash at any moment leaves either the old file or the new one,
//! never a torn one: write a temporary file beside it, fsync it, rename it over, fsync the
//! folder. Files are created owner-only: they hold a set's confidences or a device's key.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// The suffix of temporary files; a file with it is an interrupted write, never data.
pub const TEMP_MARKER: &str = ".tmp-";

static BYTES_WRITTEN: AtomicU64 = AtomicU64::new(0);
static FSYNCS: AtomicU64 = AtomicU64::new(0);

/// What this process has written durably so far: bytes of file contents, and fsyncs
/// (of files and of folders). For the durability benchmark.
#[must_use]
pub fn io_counters() -> (u64, u64) {
    (
        BYTES_WRITTEN.load(Ordering::Relaxed),
        FSYNCS.load(Ordering::Relaxed),
    )
}

/// Writes `data` to `path` atomically and durably, creating the folder if needed.
pub fn write_atomic(path: &Path, data: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "a file path has a folder"))?;
    create_private_dir(dir)?;
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "a file path has a name"))?;
    let mut temp_name = name.to_os_string();
    temp_name.push(format!("{TEMP_MARKER}{:016x}", rand::random::<u64>()));
    let temp = dir.join(temp_name);
    let result = (|| {
        let mut file = private_options().write(true).create_new(true).open(&temp)?;
        file.write_all(data)?;
        file.sync_all()?;
        BYTES_WRITTEN.fetch_add(data.len() as u64, Ordering::Relaxed);
        FSYNCS.fetch_add(1, Ordering::Relaxed);
        drop(file);
        fs::rename(&temp, path)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Creates a folder (and any missing parents) readable by the owner only, durably: each
/// new folder's parent is synced, so the folder survives a crash.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent()
        && !parent.as_os_str().is_empty()
    {
        create_private_dir(parent)?;
    }
    let mut builder = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    match builder.create(dir) {
        Ok(()) => {}
        // Made meanwhile by someone else: it is there, which is all we want.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => return Ok(()),
        Err(e) => return Err(e),
    }
    if let Some(parent) = dir.parent()
        && !parent.as_os_str().is_empty()
    {
        sync_dir(parent)?;
    }
    Ok(())
}

/// `fdatasync`: the file's data (not its times) on disk. Counted.
pub fn datasync(file: &File) -> io::Result<()> {
    FSYNCS.fetch_add(1, Ordering::Relaxed);
    file.sync_data()
}

/// Counts bytes written to a log.
pub fn count_written(len: usize) {
    BYTES_WRITTEN.fetch_add(len as u64, Ordering::Relaxed);
}

pub(crate) fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// Makes a rename or removal in `dir` durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        FSYNCS.fetch_add(1, Ordering::Relaxed);
        File::open(dir)?.sync_all()
    }
    // Windows: NTFS journals a rename or removal itself, and a directory cannot be
    // opened to be flushed there.
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_replaces_the_file_whole_and_leaves_no_temporary_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/file");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("file")]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "data files are owner-only");
            let mode = fs::metadata(dir.path().join("a"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o700, "data folders are owner-only");
        }
    }
}
