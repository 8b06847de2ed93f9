//! The local control channel: while `revans serve` or the app holds a data directory, a
//! `revans` command given the same directory is carried out by that running node.
//!
//! One request per connection: a JSON line with the command's arguments; the answer is a
//! JSON line (exit code, standard error, the length of standard output) followed by
//! standard output's bytes, kept open until the caller has read them and hung up. That
//! exchange is the same everywhere; only the channel differs (`transport`):
//! - on Unix, a socket inside the data directory (owner-only, 0700), itself 0600, and the
//!   connecting process must belong to the directory's owner;
//! - on Windows, a named pipe local to the machine (remote callers refused), under a name
//!   drawn at random when the node starts and written in the data directory, in the
//!   user's own profile. Another account may list pipes' names, but a pipe's default
//!   access lets it only read, so it can neither send a request nor add an instance; the
//!   node creates the pipe's first instance or does not listen; and a command is handed
//!   over only while a process holds the data directory, to the name that process wrote.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result};
use revans_sync::Node;
use tokio::io::{
    AsyncBufReadExt as _, AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _, BufReader,
};
use tokio::task::JoinHandle;

use serde::{Deserialize, Serialize};

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

/// What carries out a command handed over the channel, with the running node. The
/// command line supplies it, so the channel knows nothing of commands.
pub type Executor = std::sync::Arc<
    dyn Fn(
            revans_sync::Node,
            Request,
        ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Answer> + Send>>
        + Send
        + Sync,
>;

/// How long a caller has to send its request, and then to read the answer and hang up.
const READ_BY: Duration = Duration::from_secs(30);

/// A node listening for commands; [`Listening::stop`] ends it.
pub struct Listening {
    task: JoinHandle<()>,
    /// The channel's file in the data directory: the socket, or the pipe's name.
    file: PathBuf,
}

impl Listening {
    /// Stops taking commands: the channel closes and its file is removed, so a command
    /// given now waits for the node to let go of the data directory.
    pub fn stop(self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.file);
    }
}

/// Listens on the data directory's channel and has `carry_out` carry out each command
/// with `node`. The caller holds the data directory's lock, so a channel file left by a
/// process that died is stale and replaced.
pub fn listen(node: Node, carry_out: Executor) -> Result<Listening> {
    let dir = node.data_dir().to_owned();
    let mut listener = transport::Listener::bind(&dir)?;
    let task = tokio::spawn(async move {
        loop {
            let stream = match listener.accept().await {
                Ok(stream) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "control channel: a caller was not taken");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let (node, carry_out) = (node.clone(), carry_out.clone());
            tokio::spawn(async move {
                if let Err(e) = answer(node, &carry_out, stream).await {
                    tracing::warn!(error = %e, "control channel: a request failed");
                }
            });
        }
    });
    Ok(Listening {
        task,
        file: transport::file(&dir),
    })
}

/// Reads one request from `stream`, carries it out and writes the answer.
async fn answer<S>(node: Node, carry_out: &Executor, stream: S) -> Result<()>
where
    S: AsyncRead + AsyncWrite + Send,
{
    let (read, mut write) = tokio::io::split(stream);
    let mut reader = BufReader::new(read);
    let mut line = String::new();
    tokio::time::timeout(
        READ_BY,
        (&mut reader).take(MAX_REQUEST).read_line(&mut line),
    )
    .await
    .context("no request came")??;
    let request: Request = serde_json::from_str(&line).context("a malformed request")?;
    let answer = carry_out(node, request).await;
    let header = Header {
        code: answer.code,
        stderr: answer.stderr,
        stdout_len: answer.stdout.len() as u64,
    };
    let mut bytes = serde_json::to_vec(&header)?;
    bytes.push(b'\n');
    write.write_all(&bytes).await?;
    write.write_all(&answer.stdout).await?;
    write.flush().await?;
    // Held open until the caller has read it all and hung up: a pipe closed by its
    // server may drop what its client has not yet read.
    let _ = tokio::time::timeout(
        READ_BY,
        tokio::io::copy(&mut reader, &mut tokio::io::sink()),
    )
    .await;
    Ok(())
}

/// Whether a node running on `data_dir` takes commands there (one that is stopping no
/// longer does, though it still holds the directory).
pub async fn answers(data_dir: &Path) -> bool {
    transport::connect(data_dir).await.is_some()
}

/// Hands a command to the node running on `data_dir`, if one answers there.
pub async fn forward(data_dir: &Path, request: &Request) -> Option<Result<(Header, Vec<u8>)>> {
    let stream = transport::connect(data_dir).await?;
    Some(exchange(stream, request).await)
}

async fn exchange<S>(stream: S, request: &Request) -> Result<(Header, Vec<u8>)>
where
    S: AsyncRead + AsyncWrite,
{
    let (read, mut write) = tokio::io::split(stream);
    let mut bytes = serde_json::to_vec(request)?;
    bytes.push(b'\n');
    write.write_all(&bytes).await?;
    write.flush().await?;
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

/// Removes a channel file a process that died left behind (the caller holds the data
/// directory's lock, so no live process uses it).
fn remove_stale(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("Could not replace {}", path.display())),
    }
}

/// The channel on Unix: a socket in the data directory, for its owner only.
#[cfg(unix)]
mod transport {
    use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
    use std::path::{Path, PathBuf};

    use anyhow::{Context as _, Result};
    use tokio::net::{UnixListener, UnixStream};

    /// The socket's file name inside the data directory.
    const SOCKET: &str = "control.sock";

    /// The channel's file in `data_dir`.
    pub fn file(data_dir: &Path) -> PathBuf {
        data_dir.join(SOCKET)
    }

    pub struct Listener {
        listener: UnixListener,
        /// The data directory's owner, the only user whose commands are taken.
        owner: u32,
    }

    impl Listener {
        pub fn bind(data_dir: &Path) -> Result<Self> {
            let path = file(data_dir);
            super::remove_stale(&path)?;
            let listener = UnixListener::bind(&path)
                .with_context(|| format!("Could not open the control socket {}", path.display()))?;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .with_context(|| format!("Could not restrict {}", path.display()))?;
            let owner = std::fs::metadata(data_dir)
                .with_context(|| format!("Could not read {}", data_dir.display()))?
                .uid();
            Ok(Self { listener, owner })
        }

        /// The next caller, if it is the directory's owner.
        pub async fn accept(&mut self) -> std::io::Result<UnixStream> {
            let (stream, _) = self.listener.accept().await?;
            let uid = stream.peer_cred()?.uid();
            if uid != self.owner {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    format!("refused user {uid}, who does not own the data directory"),
                ));
            }
            Ok(stream)
        }
    }

    /// The node running on `data_dir`, if one answers there.
    pub async fn connect(data_dir: &Path) -> Option<UnixStream> {
        UnixStream::connect(file(data_dir)).await.ok()
    }
}

/// The channel on Windows: a named pipe, local to the machine, under a name drawn at
/// random and written in the data directory. Not built here: there is no Windows
/// machine, and this crate is not checked for a Windows target.
#[cfg(windows)]
mod transport {
    use std::fmt::Write as _;
    use std::path::{Path, PathBuf};
    use std::time::Duration;

    use anyhow::{Context as _, Result};
    use tokio::net::windows::named_pipe::{
        ClientOptions, NamedPipeClient, NamedPipeServer, ServerOptions,
    };

    /// The file inside the data directory that holds the pipe's name.
    const PIPE_NAME: &str = "control.pipe";
    /// Every instance of the pipe is taken (winerror.h).
    const ERROR_PIPE_BUSY: i32 = 231;

    /// The channel's file in `data_dir`.
    pub fn file(data_dir: &Path) -> PathBuf {
        data_dir.join(PIPE_NAME)
    }

    pub struct Listener {
        name: String,
        /// The instance the next caller connects to.
        next: NamedPipeServer,
    }

    fn instance(name: &str, first: bool) -> std::io::Result<NamedPipeServer> {
        ServerOptions::new()
            .first_pipe_instance(first)
            .reject_remote_clients(true)
            .create(name)
    }

    impl Listener {
        pub fn bind(data_dir: &Path) -> Result<Self> {
            // A name left by a process that died goes first: a command is handed over only
            // while a process holds the data directory, and then only to the name that
            // process wrote, never to one another account could have taken since.
            let path = file(data_dir);
            super::remove_stale(&path)?;
            let mut name = String::from(r"\\.\pipe\revans-");
            for byte in rand::random::<[u8; 16]>() {
                let _ = write!(name, "{byte:02x}");
            }
            let next = instance(&name, true)
                .with_context(|| format!("Could not open the control pipe {name}"))?;
            std::fs::write(&path, &name)
                .with_context(|| format!("Could not write {}", path.display()))?;
            Ok(Self { name, next })
        }

        /// The next caller: only the pipe's owner (or an administrator) can write a request
        /// to it, since the default access gives other accounts reading alone.
        pub async fn accept(&mut self) -> std::io::Result<NamedPipeServer> {
            // An instance is let go of only once its successor exists (the assignment
            // makes the new before dropping the old), so the name is never free for
            // another account to take.
            if let Err(e) = self.next.connect().await {
                // The instance may be left broken by a caller that went at once.
                self.next = instance(&self.name, false)?;
                return Err(e);
            }
            let fresh = instance(&self.name, false)?;
            Ok(std::mem::replace(&mut self.next, fresh))
        }
    }

    /// The node running on `data_dir`, if one answers there.
    pub async fn connect(data_dir: &Path) -> Option<NamedPipeClient> {
        let name = std::fs::read_to_string(file(data_dir)).ok()?;
        // A second or so while every instance is busy with another command.
        for _ in 0..40 {
            match ClientOptions::new().open(name.trim()) {
                Ok(client) => return Some(client),
                Err(e) if e.raw_os_error() == Some(ERROR_PIPE_BUSY) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(_) => return None,
            }
        }
        None
    }
}
