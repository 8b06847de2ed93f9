//! This device's own settings, as the app and the command line read and change them:
//! the person's profile, the reminders they want and those given, and the proxy relays
//! are reached through (saved for the next start, and the one in use now), with how
//! relays' certificates are trusted.

use std::collections::BTreeSet;

use revans_model::Profile;

use super::{Node, NodeError, config};
use crate::data_dir::{Reminding, StoredProfile};

impl Node {
    /// The profile this device's person gave, if they have.
    pub fn profile(&self) -> Result<Option<Profile>, NodeError> {
        Ok(self.inner.data.settings()?.profile.map(|p| Profile {
            display_name: p.display_name,
            organisation: p.organisation,
        }))
    }

    /// Remembers this device's person's name and organisation, for the sets they create
    /// or join from now on.
    pub fn set_profile(&self, profile: &Profile) -> Result<(), NodeError> {
        self.inner.data.update_settings(|settings| {
            settings.profile = Some(StoredProfile {
                display_name: profile.display_name.clone(),
                organisation: profile.organisation.clone(),
            });
        })?;
        Ok(())
    }

    /// Which reminders this device's person wants, and which were given already.
    pub fn reminders(&self) -> Result<(Reminding, BTreeSet<String>), NodeError> {
        let settings = self.inner.data.settings()?;
        Ok((settings.reminders, settings.reminded))
    }

    /// Switches reminders on or off.
    pub fn set_reminders(&self, reminding: Reminding) -> Result<(), NodeError> {
        self.inner
            .data
            .update_settings(|settings| settings.reminders = reminding)?;
        Ok(())
    }

    /// Remembers that the reminders `keys` were given.
    pub fn reminded(&self, keys: &[String]) -> Result<(), NodeError> {
        self.inner.data.update_settings(|settings| {
            settings.reminded.extend(keys.iter().cloned());
        })?;
        Ok(())
    }

    /// The proxy saved in this device's settings, used from the node's next start.
    pub fn saved_proxy(&self) -> Result<Option<String>, NodeError> {
        Ok(self.inner.data.settings()?.proxy)
    }

    /// Saves the proxy for reaching relays, or none: read first, and refused in words if
    /// it is not an HTTP(S) proxy. The endpoint takes it when the node next starts.
    pub fn save_proxy(&self, proxy: Option<&str>) -> Result<(), NodeError> {
        let proxy = proxy.map(str::trim).filter(|p| !p.is_empty());
        if let Some(proxy) = proxy {
            config::read_proxy(proxy).map_err(NodeError::Proxy)?;
        }
        self.inner
            .data
            .update_settings(|settings| settings.proxy = proxy.map(str::to_owned))?;
        Ok(())
    }

    /// Why the system's certificate store could not be read, if it could not: relays'
    /// certificates are then checked against the authorities Revans carries alone.
    #[must_use]
    pub fn certificate_store_problem(&self) -> Option<&str> {
        self.inner.certificate_store.as_deref()
    }

    /// The HTTP(S) proxy relays are reached through, and where it was chosen
    /// (`--proxy`, [`crate::FROM_SETTINGS`], or the environment variable that names it).
    #[must_use]
    pub fn proxy(&self) -> Option<(String, &'static str)> {
        self.inner.proxy.clone()
    }
}
