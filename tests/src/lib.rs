//! The harness for multi-peer scenarios: nodes on temporary data directories, bound to
//! 127.0.0.1 with relays and discovery off, and waits that give up after [`TIMEOUT`].

pub mod history;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use revans_model::Profile;
use revans_sync::{Node, NodeConfig, NodeError};

/// The longest any wait in a scenario may take before the scenario fails.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Logs to the test's output when `RUST_LOG` is set.
pub fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

/// A node on its own temporary data directory.
pub struct TestNode {
    /// The running node (`None` while stopped).
    pub node: Option<Node>,
    /// The port it listens on, kept across restarts.
    port: Option<u16>,
    /// Its data directory, kept for restarts.
    pub dir: tempfile::TempDir,
}

impl TestNode {
    /// Starts a node on a fresh data directory, on a port of its own.
    ///
    /// Ports come from a range below the system's ephemeral ports, one per node, so a
    /// node restarted on its port cannot find it taken by a node of another scenario.
    pub async fn start() -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let (node, port) = Self::start_in(dir.path()).await?;
        Ok(Self {
            node: Some(node),
            port,
            dir,
        })
    }

    async fn start_in(dir: &std::path::Path) -> Result<(Node, Option<u16>)> {
        for _ in 0..64 {
            let port = next_port();
            let mut config = NodeConfig::loopback(dir.to_owned());
            config.bind = Some(SocketAddr::from(([127, 0, 0, 1], port)));
            match Node::start(config).await {
                Ok(node) => return Ok((node, Some(port))),
                Err(NodeError::Network(e)) => {
                    tracing::info!(port, %e, "port taken; trying the next");
                }
                Err(e) => return Err(e.into()),
            }
        }
        bail!("no free port for a test node")
    }

    /// The running node.
    ///
    /// # Panics
    /// If the scenario stopped it and did not restart it: a mistake in the scenario.
    #[must_use]
    pub fn node(&self) -> &Node {
        self.node
            .as_ref()
            .unwrap_or_else(|| panic!("the node is stopped"))
    }

    /// Stops the node, keeping its data directory.
    pub async fn stop(&mut self) {
        if let Some(node) = self.node.take() {
            node.shutdown().await;
        }
    }

    /// Starts the node again from its data directory, on the port it had if the system
    /// frees it within a few seconds (so the address it recorded in its sets still
    /// reaches it), else on a new one, as a real device whose port was taken would.
    pub async fn restart(&mut self) -> Result<()> {
        self.stop().await;
        let mut config = NodeConfig::loopback(self.path());
        if let Some(port) = self.port {
            config.bind = Some(SocketAddr::from(([127, 0, 0, 1], port)));
            let same_port = tokio::time::timeout(Duration::from_secs(3), async {
                loop {
                    match Node::start(config.clone()).await {
                        Err(NodeError::Network(e)) => {
                            tracing::debug!(%e, "port not free yet");
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                        other => return other,
                    }
                }
            })
            .await;
            if let Ok(started) = same_port {
                self.node = Some(started?);
                return Ok(());
            }
        }
        let fresh = Self::start_in(self.dir.path()).await?;
        self.port = fresh.1;
        self.node = Some(fresh.0);
        Ok(())
    }

    /// The data directory.
    #[must_use]
    pub fn path(&self) -> PathBuf {
        self.dir.path().to_owned()
    }

    /// The device's secret key, read from its data directory: what a scenario needs to
    /// write as this device (a generated history, a hostile change).
    pub fn key(&self) -> Result<iroh::SecretKey> {
        let bytes = std::fs::read(self.dir.path().join("device.key"))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| anyhow::anyhow!("the device key is not 32 bytes"))?;
        Ok(iroh::SecretKey::from_bytes(&bytes))
    }
}

/// The next port for a test node: a block per test process, below the ephemeral range.
fn next_port() -> u16 {
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let base = 20_000 + (std::process::id() % 40) as u16 * 250;
    base + NEXT.fetch_add(1, Ordering::Relaxed) % 250
}

/// The opening most scenarios share: Ada creates a set called "Set", invites Bo, and Bo
/// joins with the ticket. Returns the set's id.
pub async fn ada_admits_bo(ada: &TestNode, bo: &TestNode) -> Result<revans_model::SetId> {
    let set = ada.node().create_set("Set", "", profile("Ada")).await?;
    let ticket = ada
        .node()
        .invite(&set, "Bo", Duration::from_hours(1), None)
        .await?;
    bo.node()
        .join(&ticket.to_string(), profile("Bo"), TIMEOUT)
        .await?;
    Ok(set)
}

/// A member's profile.
#[must_use]
pub fn profile(name: &str) -> Profile {
    Profile {
        display_name: name.into(),
        organisation: format!("{name}'s organisation"),
    }
}

/// Waits until `check` holds, polling; fails with `what` after [`TIMEOUT`].
pub async fn eventually<F, Fut>(what: &str, mut check: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    tokio::time::timeout(TIMEOUT, async {
        loop {
            if check().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .with_context(|| format!("timed out waiting until {what}"))
}

/// Fails unless `condition` holds.
pub fn ensure(condition: bool, what: &str) -> Result<()> {
    if !condition {
        bail!("expected {what}");
    }
    Ok(())
}
