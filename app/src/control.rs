//! The local control socket: while `revans serve` or the app holds a data directory, a
//! `revans` command given the same directory is carried out by that running node.
//!
//! The socket lives inside the data directory (owner-only, 0700), is itself 0600, and the
//! server also checks the connecting process belongs to the directory's owner. One request
//! per connection: a JSON line with the command's arguments; the answer is a JSON line
//! (exit code, standard error, the length of standard output) followed by standard output's
//! bytes.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The socket's file name inside the data directory.
pub const SOCKET: &str = "control.sock";
/// The longest request accepted: a command line, not a payload.
const MAX_REQUEST: u64 = 1 << 20;

/// A command handed to the running node.
#[derive(Debug, Serialize, Deserialize)]
pub struct Request {
    /// The arguments after the program's name.
    pub argv: Vec<String>,
    /// The directory it was run in.
    pub cwd: PathBuf,
    /// Whether the caller's standard output is a terminal.
    pub stdout_is_terminal: bool,
    /// What the caller read from its standard input for the command (a ticket given as
    /// `-`, a journal entry given no text).
    #[serde(default)]
    pub stdin: Option<String>,
}

/// What the running node answers, before standard output's bytes.
#[derive(Debug, Serialize, Deserialize)]
pub struct Header {
    /// The exit status.
    pub code: u8,
    /// Standard error's text.
    pub stderr: String,
    /// How many bytes of standard output follow.
    pub stdout_len: u64,
}

/// What a running node answers a command with: its exit status, and what it printed.
#[derive(Debug, Default)]
pub struct Answer {
    /// The exit status.
    pub code: u8,
    /// Standard error's text.
    pub stderr: String,
    /// Standard output's bytes.
    pub stdout: Vec<u8>,
}

/// What carries out a command handed over the socket, with the running node. The
/// command line supplies it, so the socket knows nothing of commands.
pub type Executor = std::sync::Arc<
    dyn Fn(
            revans_sync::Node,
            Request,
        ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Answer> + Send>>
        + Send
        + Sync,
>;

/// The socket's path for a data directory.
pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join(SOCKET)
}

#[cfg(unix)]
mod unix {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::path::Path;

    use anyhow::{Context as _, Result, bail};
    use revans_sync::Node;
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    use tokio::net::{UnixListener, UnixStream};
    use tokio::task::JoinHandle;

    use super::{Executor, Header, MAX_REQUEST, Request, socket_path};

    /// Listens on the data directory's socket and has `carry_out` carry out each command
    /// with `node`. The caller holds the data directory's lock, so a socket file left by a
    /// process that died is stale and replaced.
    pub fn listen(node: Node, carry_out: Executor) -> Result<JoinHandle<()>> {
        let dir = node.data_dir().to_owned();
        let path = socket_path(&dir);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e).with_context(|| format!("Could not replace {}", path.display()));
            }
        }
        let listener = UnixListener::bind(&path)
            .with_context(|| format!("Could not open the control socket {}", path.display()))?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("Could not restrict {}", path.display()))?;
        let owner = std::fs::metadata(&dir)
            .with_context(|| format!("Could not read {}", dir.display()))?
            .uid();
        Ok(tokio::spawn(async move {
            loop {
                let stream = match listener.accept().await {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        tracing::warn!(error = %e, "control socket: accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let (node, carry_out) = (node.clone(), carry_out.clone());
                tokio::spawn(async move {
                    if let Err(e) = answer(&node, &carry_out, stream, owner).await {
                        tracing::warn!(error = %e, "control socket: a request failed");
                    }
                });
            }
        }))
    }

    async fn answer(
        node: &Node,
        carry_out: &Executor,
        stream: UnixStream,
        owner: u32,
    ) -> Result<()> {
        let uid = stream.peer_cred()?.uid();
        if uid != owner {
            bail!("refused a command from user {uid}, who does not own the data directory");
        }
        let (read, mut write) = stream.into_split();
        let mut line = String::new();
        BufReader::new(read.take(MAX_REQUEST))
            .read_line(&mut line)
            .await?;
        let request: Request = serde_json::from_str(&line).context("a malformed request")?;
        let answer = carry_out(node.clone(), request).await;
        let header = Header {
            code: answer.code,
            stderr: answer.stderr,
            stdout_len: answer.stdout.len() as u64,
        };
        let mut bytes = serde_json::to_vec(&header)?;
        bytes.push(b'\n');
        write.write_all(&bytes).await?;
        write.write_all(&answer.stdout).await?;
        write.shutdown().await?;
        Ok(())
    }

    /// Whether a node running on `data_dir` takes commands there (one that is stopping no
    /// longer does, though it still holds the directory).
    pub async fn answers(data_dir: &Path) -> bool {
        UnixStream::connect(socket_path(data_dir)).await.is_ok()
    }

    /// Hands a command to the node running on `data_dir`, if one answers there.
    pub async fn forward(data_dir: &Path, request: &Request) -> Option<Result<(Header, Vec<u8>)>> {
        let stream = UnixStream::connect(socket_path(data_dir)).await.ok()?;
        Some(exchange(stream, request).await)
    }

    async fn exchange(stream: UnixStream, request: &Request) -> Result<(Header, Vec<u8>)> {
        let (read, mut write) = stream.into_split();
        let mut bytes = serde_json::to_vec(request)?;
        bytes.push(b'\n');
        write.write_all(&bytes).await?;
        let mut reader = BufReader::new(read);
        let mut line = String::new();
        reader.read_line(&mut line).await?;
        let header: Header = serde_json::from_str(&line)
            .context("The running Revans gave an answer this version cannot read")?;
        let mut stdout = Vec::new();
        reader
            .take(header.stdout_len)
            .read_to_end(&mut stdout)
            .await?;
        Ok((header, stdout))
    }
}

#[cfg(unix)]
pub use unix::{answers, forward, listen};

/// Without Unix sockets, whether a running node takes commands cannot be told: taken as
/// yes, so a command does not wait for it to stop.
#[cfg(not(unix))]
pub async fn answers(_data_dir: &Path) -> bool {
    true
}

/// Without Unix sockets, commands cannot be handed to a running node.
#[cfg(not(unix))]
pub async fn forward(
    _data_dir: &Path,
    _request: &Request,
) -> Option<anyhow::Result<(Header, Vec<u8>)>> {
    None
}

/// Without Unix sockets there is no control socket to listen on.
#[cfg(not(unix))]
pub fn listen(
    _node: revans_sync::Node,
    _carry_out: Executor,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    Ok(tokio::spawn(async {}))
}
