//! How to start a node: its data directory, relays and addresses, and the endpoint they
//! make.

use std::net::SocketAddr;
use std::path::PathBuf;

use iroh::address_lookup::MemoryLookup;
use iroh::endpoint::presets;
use iroh::tls::CaTlsConfig;
use iroh::{Endpoint, RelayMode, RelayUrl, SecretKey};
use tokio::sync::watch;

use super::error::NodeError;
use crate::access::{Access, Gate};

/// Which relays the node uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RelayChoice {
    /// None: direct connections only (tests, one room's Wi-Fi).
    Disabled,
    /// iroh's public relays.
    Default,
    /// Self-hosted `iroh-relay` servers.
    Custom(Vec<RelayUrl>),
    /// Only through iroh's in-process test relay: no direct paths, its self-signed
    /// certificate accepted. For tests; never in a release build.
    #[cfg(feature = "test-relay")]
    TestRelayOnly(iroh::RelayMap),
}

impl RelayChoice {
    /// Reads `disabled`, `default`, or the URL of a self-hosted `iroh-relay`.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim() {
            "disabled" | "off" | "none" => Ok(Self::Disabled),
            "default" => Ok(Self::Default),
            url => url.parse::<RelayUrl>().map(|u| Self::Custom(vec![u])).map_err(|_| {
                format!(
                    "\"{url}\" is not a relay: give disabled, default, or a relay's URL such as https://relay.example.org"
                )
            }),
        }
    }
}

/// How to start a node.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// The data directory.
    pub data_dir: PathBuf,
    /// Relays.
    pub relay: RelayChoice,
    /// A PEM file of certificate authorities to trust for relays besides the usual public
    /// ones: for an organisation's relay whose certificate its own authority signed.
    pub relay_ca: Option<PathBuf>,
    /// The address to bind; `None` binds every interface on a random port.
    pub bind: Option<SocketAddr>,
    /// Find members' devices on the local network (mDNS).
    pub local_discovery: bool,
    /// Dial members' devices and keep connections to them. A one-shot command that only
    /// reads or changes the set here leaves it off: it returns at once, and its change
    /// goes out at the next sync (a dial in flight would hold up the exit by seconds).
    /// Devices that dial this one are served either way.
    pub dial: bool,
    /// An HTTP(S) proxy for reaching relays, given for this run (`--proxy`); else the
    /// one saved in the settings; else the one the environment names (`HTTPS_PROXY`,
    /// `HTTP_PROXY`), if any.
    pub proxy: Option<String>,
}

/// Where a proxy saved in the settings is said to come from.
pub const FROM_SETTINGS: &str = "the settings";

/// The proxy named for reaching relays, and where: given for this run, else saved in
/// the settings, else the environment's. `None` when there is none.
fn proxy_named(config: &NodeConfig, saved: Option<&str>) -> Option<(String, &'static str)> {
    if let Some(proxy) = config.proxy.as_ref().filter(|p| !p.trim().is_empty()) {
        return Some((proxy.trim().to_owned(), "--proxy"));
    }
    if let Some(proxy) = saved.filter(|p| !p.trim().is_empty()) {
        return Some((proxy.trim().to_owned(), FROM_SETTINGS));
    }
    ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"]
        .into_iter()
        .find_map(|name| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.trim().is_empty())
                .map(|v| (v.trim().to_owned(), name))
        })
}

/// A proxy as written, read as a URL: one written without its scheme
/// (proxy.example:3128, as environments often have it) is read as http. What does not
/// read is refused in words that say how to write it.
pub fn read_proxy(written: &str) -> Result<url::Url, String> {
    let written = written.trim();
    let url = if written.contains("://") {
        written.to_owned()
    } else {
        format!("http://{written}")
    };
    match url::Url::parse(&url) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(url),
        Ok(url) => Err(format!(
            "the proxy {written} is not an HTTP(S) proxy ({} is not one); write it like http://proxy.example:3128",
            url.scheme()
        )),
        Err(e) => Err(format!(
            "the proxy {written} is not a URL ({e}); write it like http://proxy.example:3128"
        )),
    }
}

impl NodeConfig {
    /// What the app uses: iroh's relays and local-network discovery.
    #[must_use]
    pub fn app(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            relay: RelayChoice::Default,
            relay_ca: None,
            bind: None,
            local_discovery: true,
            dial: true,
            proxy: None,
        }
    }

    /// Loopback only, no relays, no discovery: what tests use.
    #[must_use]
    pub fn loopback(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            relay: RelayChoice::Disabled,
            relay_ca: None,
            bind: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            local_discovery: false,
            dial: true,
            proxy: None,
        }
    }
}

/// The proxy relays are reached through: as written, where it was named, and read as a
/// URL ([`read_proxy`]). One given for this run that does not read is refused in words;
/// a saved or an environment's one is left aside, rather than stop every command (the
/// settings take only one that reads, but the file can be edited by hand).
pub(super) fn proxy(config: &NodeConfig, saved: Option<&str>) -> Result<Option<Proxy>, NodeError> {
    let Some((written, from)) = proxy_named(config, saved) else {
        return Ok(None);
    };
    match read_proxy(&written) {
        Ok(url) => Ok(Some(Proxy { written, from, url })),
        Err(e) if from == "--proxy" => Err(NodeError::Network(e)),
        Err(e) => {
            tracing::warn!(proxy = %written, from, %e, "a proxy that is not a URL, left aside");
            Ok(None)
        }
    }
}

/// A proxy in use: as the person or the environment wrote it, where, and as a URL.
#[derive(Clone, Debug)]
pub(super) struct Proxy {
    pub(super) written: String,
    pub(super) from: &'static str,
    pub(super) url: url::Url,
}

/// What relays' certificates are checked against: the system's own store (which holds
/// what an organisation adds, such as the authority of a network that inspects TLS), and
/// the authority a self-hosted relay's owner gives. Where the system's store cannot be
/// read (a minimal machine without its certificates), the authorities Revans carries
/// stand in for it, and why is kept for `status` to say: the node starts either way.
pub(super) fn relay_trust(config: &NodeConfig) -> Result<(CaTlsConfig, Option<String>), NodeError> {
    let extra = match &config.relay_ca {
        Some(path) => relay_authorities(path)?,
        None => Vec::new(),
    };
    let system = CaTlsConfig::system().with_extra_roots(extra.clone());
    match system.server_cert_verifier(iroh::tls::default_provider()) {
        // The store is read once, here (about half of a one-shot command's time), and
        // the endpoint is given the verifier built from it.
        Ok(verifier) => Ok((
            CaTlsConfig::custom_server_cert_verifier(std::sync::Arc::new(
                move |_: std::sync::Arc<rustls::crypto::CryptoProvider>| Ok(verifier.clone()),
            )),
            None,
        )),
        Err(e) => {
            tracing::warn!(error = %e, "the system's certificate store could not be read; relays are checked against the authorities Revans carries");
            Ok((
                CaTlsConfig::embedded().with_extra_roots(extra),
                Some(e.to_string()),
            ))
        }
    }
}

/// Binds the endpoint: no relay, no discovery service and no internet are waited for.
pub(super) async fn bind_endpoint(
    config: &NodeConfig,
    key: &SecretKey,
    bind: Option<SocketAddr>,
    lookup: &MemoryLookup,
    access: &watch::Receiver<Access>,
    proxy: Option<&url::Url>,
    trust: &CaTlsConfig,
) -> Result<Endpoint, NodeError> {
    let relay_mode = match &config.relay {
        RelayChoice::Disabled => RelayMode::Disabled,
        RelayChoice::Default => RelayMode::Default,
        RelayChoice::Custom(urls) => RelayMode::custom(urls.clone()),
        #[cfg(feature = "test-relay")]
        RelayChoice::TestRelayOnly(map) => RelayMode::Custom(map.clone()),
    };
    let mut builder = Endpoint::builder(presets::Minimal)
        .secret_key(key.clone())
        .relay_mode(relay_mode)
        .address_lookup(lookup.clone())
        .hooks(Gate {
            access: access.clone(),
        });
    if let Some(bind) = bind {
        builder = builder
            .clear_ip_transports()
            .bind_addr(bind)
            .map_err(|e| NodeError::Network(e.to_string()))?;
        if bind.ip().is_loopback() {
            builder = builder.portmapper_config(iroh::endpoint::PortmapperConfig::Disabled);
        }
    }
    if config.local_discovery {
        builder = builder.address_lookup(iroh_mdns_address_lookup::MdnsAddressLookup::builder());
    }
    builder = builder.ca_tls_config(trust.clone());
    // Relays are reached through the proxy the person or the environment names.
    if let Some(proxy) = proxy {
        builder = builder.proxy_url(proxy.clone());
    }
    #[cfg(feature = "test-relay")]
    if matches!(config.relay, RelayChoice::TestRelayOnly(_)) {
        builder = builder
            .ca_tls_config(CaTlsConfig::insecure_skip_verify())
            .clear_ip_transports()
            .portmapper_config(iroh::endpoint::PortmapperConfig::Disabled);
    }
    builder
        .bind()
        .await
        .map_err(|e| NodeError::Network(e.to_string()))
}

/// The certificates in a relay's certificate authority file (PEM).
fn relay_authorities(
    path: &std::path::Path,
) -> Result<Vec<rustls_pki_types::CertificateDer<'static>>, NodeError> {
    use rustls_pki_types::pem::PemObject as _;
    let problem = |reason: String| NodeError::RelayCa {
        path: path.display().to_string(),
        reason,
    };
    let certificates = rustls_pki_types::CertificateDer::pem_file_iter(path)
        .map_err(|e| problem(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| problem(e.to_string()))?;
    if certificates.is_empty() {
        return Err(problem("it holds no certificate".to_owned()));
    }
    Ok(certificates)
}
