//! `revans`: the desktop app for an Action Learning Set, and the command line that drives
//! the same node headless. With no command it opens the app.

// A screen or a command's dispatch reads best as one function, top to bottom.

mod cli;
mod control;
mod export;
mod gui;
mod history;
mod reminders;
mod render;
mod tab;

use std::io::{IsTerminal as _, Write as _};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Parser as _;
use revans_sync::data_dir::{DataDir, DataDirError};
use revans_sync::{Event, Node, NodeConfig, NodeError, RelayChoice};

use crate::cli::args::{Cli, Cmd, Global, OnOff};
use crate::cli::exec::execute;
use crate::cli::output::Output;

fn main() -> ExitCode {
    let cli = Cli::parse_from(arguments());
    let serving = matches!(cli.command, Some(Cmd::Serve));
    // A headless peer logs who connects and what changes; a command only what fails.
    // iroh says its relay's channel closed, as an error, whenever a node stops.
    init_logging(if serving {
        "info,iroh=warn,swarm_discovery=warn"
    } else {
        "error,iroh::socket::transports::relay=off"
    });
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("Could not start: {e}.");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Some(Cmd::Completions { shell }) => {
            // Written whole into memory (which cannot fail), then to standard output.
            let mut script = Vec::new();
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "revans",
                &mut script,
            );
            print_all(&script)
        }
        Some(Cmd::Man) => {
            let mut page = Vec::new();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
                .render(&mut page)
                .map_err(|e| anyhow::anyhow!("Could not write the manual page: {e}"))
                .and_then(|()| print_all(&page))
        }
        None => {
            // The window's own event loop runs here; the node has its own runtime.
            drop(runtime);
            node_config(&cli.global)
                .and_then(|config| gui::run(config, cli.show, cli.room, cli::exec::handed_over()))
                .map(|()| ExitCode::SUCCESS)
        }
        Some(Cmd::Serve) => runtime
            .block_on(serve(&cli.global))
            .map(|()| ExitCode::SUCCESS),
        Some(cmd) => runtime.block_on(one_shot(&cli.global, cmd)),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}", one_line(&e));
            ExitCode::FAILURE
        }
    }
}

/// The command line as written ([`cli::input::read_as_written`]). On macOS, a first
/// launch from the Finder may add a process serial number (`-psn_0_…`), which is
/// the system's, not the person's.
fn arguments() -> impl Iterator<Item = String> {
    crate::cli::input::read_as_written(
        std::env::args().filter(|arg| !(cfg!(target_os = "macos") && arg.starts_with("-psn_"))),
    )
}

/// Writes `bytes` to standard output; a reader that stopped reading (`| head`) is not
/// an error.
fn print_all(bytes: &[u8]) -> Result<ExitCode> {
    use std::io::Write as _;
    match std::io::stdout().lock().write_all(bytes) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::anyhow!("Could not write to standard output: {e}"))
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}

fn init_logging(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour only for a person at a terminal who has not asked for none (no-color.org).
        .with_ansi(
            std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        )
        .try_init();
}

/// Standard input, whole: a ticket or a journal entry (at most a megabyte).
fn read_stdin() -> Result<String> {
    use std::io::Read as _;
    let mut text = String::new();
    std::io::stdin()
        .take(1 << 20)
        .read_to_string(&mut text)
        .context("Could not read standard input as text")?;
    if text.trim().is_empty() {
        anyhow::bail!(
            "Nothing came on standard input; give the text there (for example `revans join - < ticket.txt`), or as an argument."
        );
    }
    Ok(text)
}

/// An error and its causes on one line, for standard error.
#[must_use]
pub fn one_line(e: &anyhow::Error) -> String {
    format!("{e:#}").replace('\n', " ")
}

/// The node's configuration from the global options.
pub fn node_config(global: &Global) -> Result<NodeConfig> {
    let data_dir = match &global.data_dir {
        Some(dir) => dir.clone(),
        None => DataDir::default_path()?,
    };
    let mut config = NodeConfig::app(data_dir);
    if let Some(relay) = &global.relay {
        config.relay = RelayChoice::parse(relay).map_err(anyhow::Error::msg)?;
    }
    config.relay_ca.clone_from(&global.relay_ca);
    config.proxy.clone_from(&global.proxy);
    if let Some(bind) = &global.bind {
        config.bind = Some(bind.trim().parse().map_err(|_| {
            anyhow::anyhow!(
                "\"{bind}\" is not an address to listen on; write one like 0.0.0.0:7777 or 127.0.0.1:0."
            )
        })?);
    }
    config.local_discovery = global.mdns == OnOff::On;
    Ok(config)
}

/// Runs one command: on its own node, or handed to the node already running on the data
/// directory.
async fn one_shot(global: &Global, mut cmd: Cmd) -> Result<ExitCode> {
    let mut config = node_config(global)?;
    let mut stdin = None;
    cmd.fill_from_stdin(|| {
        let text = read_stdin()?;
        stdin = Some(text.clone());
        Ok(text)
    })?;
    // Only the commands that meet other devices dial them; the rest work on this
    // device's copy and return at once (`sync` sends what they changed).
    config.dial = matches!(cmd, Cmd::Join(_) | Cmd::LinkDevice(_) | Cmd::Sync(_));
    let waiting = match cmd {
        Cmd::Join(_) | Cmd::LinkDevice(_) => Some("Reaching the set's members"),
        Cmd::Sync(_) => Some("Syncing with members' devices"),
        _ => None,
    };
    let data_dir = config.data_dir.clone();
    let cwd = std::env::current_dir().context("Could not read the current directory")?;
    let stdout_is_terminal = std::io::stdout().is_terminal();
    let mut started = Node::start(config.clone()).await;
    // A process that is stopping still holds the data directory for a moment, and no
    // longer answers on it: wait a few seconds for it to let go.
    for _ in 0..10 {
        match &started {
            Err(NodeError::DataDir(DataDirError::Busy(dir))) if !control::answers(dir).await => {
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                started = Node::start(config.clone()).await;
            }
            _ => break,
        }
    }
    match started {
        Ok(node) => {
            let mut out = Output {
                stdout_is_terminal,
                cwd,
                ..Output::default()
            };
            let progress = waiting.and_then(progress);
            let result = execute(&node, cmd, global.json, &mut out).await;
            end_progress(progress);
            node.shutdown().await;
            write_out(&out.stdout, &out.stderr)?;
            result.map(|()| ExitCode::SUCCESS)
        }
        Err(NodeError::DataDir(DataDirError::Busy(dir))) => {
            let request = control::Request {
                argv: arguments().skip(1).collect(),
                cwd,
                stdout_is_terminal,
                stdin,
            };
            // The running node does the waiting; this process shows it.
            let progress = waiting.and_then(progress);
            let answer = control::forward(&dir, &request).await;
            end_progress(progress);
            match answer {
                Some(Ok((header, stdout))) => {
                    write_out(&stdout, &header.stderr)?;
                    Ok(ExitCode::from(header.code))
                }
                Some(Err(e)) => Err(e.context(format!(
                    "The Revans running on {} did not answer",
                    dir.display()
                ))),
                None => Err(NodeError::DataDir(DataDirError::Busy(dir)).into()),
            }
        }
        Err(e) => Err(e).with_context(|| format!("Could not open {}", data_dir.display())),
    }
}

/// Stops the progress line, and clears it.
fn end_progress(progress: Option<tokio::task::JoinHandle<()>>) {
    if let Some(progress) = progress {
        progress.abort();
        eprint!("\r\x1b[2K");
    }
}

/// While a command waits on the network, on this process's node or on the running one
/// it was handed to: a line on standard error, rewritten each second, when a person is
/// watching it at a terminal; nothing otherwise.
fn progress(what: &'static str) -> Option<tokio::task::JoinHandle<()>> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    Some(tokio::spawn(async move {
        let began = std::time::Instant::now();
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        loop {
            tick.tick().await;
            eprint!("\r\x1b[2K{what}… {} s", began.elapsed().as_secs());
        }
    }))
}

fn write_out(stdout: &[u8], stderr: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(stdout)?;
    out.flush()?;
    if !stderr.is_empty() {
        eprint!("{stderr}");
    }
    Ok(())
}

/// `revans serve`: a headless peer that holds the data directory until SIGINT or SIGTERM.
async fn serve(global: &Global) -> Result<()> {
    let config = node_config(global)?;
    let node = Node::start(config).await?;
    let control = control::listen(node.clone(), cli::exec::handed_over())?;
    let addrs = node.addresses();
    tracing::info!(
        device = %node.device(),
        sets = node.sets().len(),
        addresses = %addrs.join(", "),
        data_dir = %node.data_dir().display(),
        "serving; stop with Ctrl-C or SIGTERM"
    );
    let mut events = node.subscribe();
    let mut logged = std::collections::HashMap::new();
    let stop = stop_signal();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            event = events.recv() => match event {
                Ok(event) => log_event(&node, &event, &mut logged),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "events came faster than they could be logged");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            },
        }
    }
    tracing::info!("stopping");
    control.stop();
    node.shutdown().await;
    tracing::info!("stopped; everything is on disk");
    Ok(())
}

async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    // Windows: Ctrl+C, Ctrl+Break, the console closing, the user logging off or the
    // machine shutting down.
    #[cfg(windows)]
    {
        use tokio::signal::windows;
        let (Ok(mut brk), Ok(mut close), Ok(mut logoff), Ok(mut shutdown)) = (
            windows::ctrl_break(),
            windows::ctrl_close(),
            windows::ctrl_logoff(),
            windows::ctrl_shutdown(),
        ) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = brk.recv() => {}
            _ = close.recv() => {}
            _ = logoff.recv() => {}
            _ = shutdown.recv() => {}
        }
    }
    #[cfg(not(any(unix, windows)))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Who a device belongs to, in the first set that knows it.
fn device_name(node: &Node, device: &revans_model::DeviceId) -> String {
    for (_, set) in node.sets() {
        let Ok(set) = set else { continue };
        if let Some(member) = set
            .members
            .values()
            .find(|m| m.devices.contains_key(device))
        {
            return format!("{} (device {})", member.display_name, device.short());
        }
    }
    format!("device {}", device.short())
}

/// Logs an event; a set's change is logged once per new state (`logged` keeps the last).
fn log_event(
    node: &Node,
    event: &Event,
    logged: &mut std::collections::HashMap<revans_model::SetId, String>,
) {
    match event {
        Event::SetChanged(set) => {
            let name = node.set(set).map(|s| s.name.clone()).unwrap_or_default();
            let heads = node
                .heads(set)
                .map(|h| {
                    h.iter()
                        .map(|c| c.to_string().chars().take(8).collect::<String>())
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            if logged.get(set) == Some(&heads) {
                return;
            }
            tracing::info!(set = %name, %heads, "set changed");
            logged.insert(set.clone(), heads);
        }
        Event::PeerConnected(device) => {
            tracing::info!(peer = %device_name(node, device), "connected");
        }
        Event::Refused { set, change } => {
            let name = node.set(set).map(|s| s.name.clone()).unwrap_or_default();
            tracing::warn!(
                set = %name,
                from = %device_name(node, &change.from),
                author = %change
                    .author
                    .as_ref()
                    .map_or_else(|| "no device".into(), |a| device_name(node, a)),
                reason = %change.reason,
                "refused a change"
            );
        }
        Event::PeerGone { device, reason } => {
            tracing::info!(peer = %device_name(node, device), %reason, "disconnected");
        }
        Event::PeerAcknowledged {
            set, device, heads, ..
        } => {
            let name = node.set(set).map(|s| s.name.clone()).unwrap_or_default();
            tracing::info!(
                set = %name,
                peer = %device_name(node, device),
                heads = heads.len(),
                "peer holds our changes"
            );
        }
        Event::Storage(problem) => tracing::error!(%problem, "storage"),
        Event::Network(problem) => tracing::warn!(%problem, "network"),
    }
}
