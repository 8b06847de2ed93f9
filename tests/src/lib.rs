//! The harness for multi-peer scenarios: nodes on temporary data directories, bound to
//! 127.0.0.1 with relays and discovery off, and waits that give up after [`TIMEOUT`].

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
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
    /// Starts a node on a fresh data directory.
    pub async fn start() -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let node = Node::start(NodeConfig::loopback(dir.path().to_owned())).await?;
        let port = node.addr().ip_addrs().next().map(SocketAddr::port);
        Ok(Self {
            node: Some(node),
            port,
            dir,
        })
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

    /// Starts the node again from its data directory, on the port it had, so the address
    /// it recorded in its sets still reaches it.
    pub async fn restart(&mut self) -> Result<()> {
        self.stop().await;
        let mut config = NodeConfig::loopback(self.path());
        if let Some(port) = self.port {
            config.bind = Some(SocketAddr::from(([127, 0, 0, 1], port)));
        }
        // The old socket may take a moment to be released by the system.
        let node = tokio::time::timeout(TIMEOUT, async {
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
        .await
        .context("timed out restarting on the same port")??;
        self.node = Some(node);
        Ok(())
    }

    /// The data directory.
    #[must_use]
    pub fn path(&self) -> PathBuf {
        self.dir.path().to_owned()
    }
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
