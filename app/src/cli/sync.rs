//! `revans sync`: dial the set's members, exchange changes, and finish once converged with
//! at least one of their devices; or say, after the timeout, whom it tried and how. And
//! `revans status`: how each member's devices stand.

use std::fmt::Write as _;
use std::time::Duration;

use anyhow::{Result, bail};
use chrono::Utc;
use revans_model::{DepartureKind, DeviceId, MemberId, SetId};
use revans_sync::{DeviceSync, Node, RelayState, Route};
use serde_json::json;
use tokio::time::Instant;

use super::args::{StatusArgs, SyncArgs};
use super::input::parse_duration;
use super::output::Io;
use super::refs;
use crate::render::{Table, ago, name_of};

/// Waits until every set asked for has converged with at least one other device.
pub(super) async fn sync(io: &mut Io<'_>, SyncArgs { set, timeout }: SyncArgs) -> Result<()> {
    let node = io.node;
    let timeout = parse_duration(&timeout)?;
    let set = set.as_deref();
    let ids = sets_to_sync(io, set)?;
    let mut events = node.subscribe();
    node.sync_now();
    let deadline = Instant::now() + timeout;
    loop {
        let (converged, waiting) = in_step(node, &ids);
        // The journal too, with one of the member's other devices (if they have one): a
        // member who syncs before closing a laptop expects their entries to be across.
        let journal = node.journal_in_step();
        if waiting.is_empty() && journal != Some(false) {
            report_in_step(io, &converged, journal)?;
            return Ok(());
        }
        let now = Instant::now();
        if now >= deadline {
            if waiting.is_empty() {
                bail!(
                    "Every set is in step, but your journal has not reached another of your devices within {}s; keep one of them running and online, and sync again.",
                    timeout.as_secs()
                );
            }
            bail!("{}", unreachable_report(node, &waiting, timeout));
        }
        tokio::select! {
            _ = events.recv() => {}
            () = tokio::time::sleep((deadline - now).min(Duration::from_millis(250))) => {}
        }
    }
}

/// The sets `revans sync` waits for: the one named, or every set; leaving out (and
/// saying so) those this device's member has left, and refusing when none has another
/// member's device to sync with.
fn sets_to_sync(io: &mut Io<'_>, set: Option<&str>) -> Result<Vec<SetId>> {
    let node = io.node;
    let mut ids: Vec<SetId> = match set {
        Some(given) => vec![refs::set_id(node, given)?],
        None => node.sets().into_iter().map(|(id, _)| id).collect(),
    };
    // A set whose only device is this one has no one to sync with. A set whose saved
    // files are damaged is refilled from the members its device last knew.
    let mut alone = Vec::new();
    ids.retain(|id| {
        let others = node.set(id).map_or(true, |s| {
            s.current_devices().into_iter().any(|d| d != node.device())
        });
        if !others {
            alone.push(id.clone());
        }
        others
    });
    if ids.is_empty() {
        match set {
            Some(given) => bail!(
                "No other device is in \"{given}\" yet, so there is no one to sync with; invite someone with `revans invite`."
            ),
            None => bail!(
                "No set on this device has another member's device to sync with; invite someone with `revans invite`."
            ),
        }
    }
    // A member who has left or been removed is no longer served the set: say so rather
    // than wait for devices that will not answer.
    let mut gone = Vec::new();
    ids.retain(|id| match departure(node, id) {
        Some(why) => {
            gone.push(why);
            false
        }
        None => true,
    });
    if ids.is_empty()
        && let Some(why) = gone.first()
    {
        bail!("{why}");
    }
    for why in &gone {
        let _ = writeln!(io.out.stderr, "{why}");
    }
    Ok(ids)
}

/// A set in step, and the members' devices it is in step with.
type Converged = (SetId, Vec<(MemberId, DeviceId)>);

/// Of `ids`, the sets in step with another member's device (and with whom), and those
/// still waiting.
fn in_step(node: &Node, ids: &[SetId]) -> (Vec<Converged>, Vec<SetId>) {
    let mut converged = Vec::new();
    let mut waiting = Vec::new();
    for id in ids {
        // A damaged set has no status until a member's device refills it.
        let with: Vec<_> = node
            .sync_status(id)
            .unwrap_or_default()
            .into_iter()
            .flat_map(|(member, devices)| {
                devices
                    .into_iter()
                    .filter(|d| !d.this_device && d.same_heads)
                    .map(move |d| (member.clone(), d.device))
            })
            .collect();
        if with.is_empty() {
            waiting.push(id.clone());
        } else {
            converged.push((id.clone(), with));
        }
    }
    (converged, waiting)
}

/// Prints the sets in step, with whom, and the journal.
fn report_in_step(io: &mut Io<'_>, converged: &[Converged], journal: Option<bool>) -> Result<()> {
    let node = io.node;
    let mut human = String::new();
    let mut sets = Vec::new();
    for (id, with) in converged {
        let state = node.set(id)?;
        let names: Vec<String> = with.iter().map(|(m, _)| name_of(&state, m)).collect();
        let _ = writeln!(human, "{}: in step with {}.", state.name, names.join(", "));
        sets.push(json!({
            "set": id,
            "name": state.name,
            "converged_with": with.iter().map(|(m, d)| json!({ "member": m, "device": d })).collect::<Vec<_>>(),
            "heads": node.heads(id)?.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }));
    }
    if journal == Some(true) {
        human.push_str("Your journal: in step with another of your devices.\n");
    }
    io.emit(
        &json!({ "sets": sets, "journal_in_step": journal }),
        human.trim_end(),
    );
    Ok(())
}

/// If this device's member has left the set or been removed from it (as far as this
/// device knows), what to tell them.
fn departure(node: &Node, id: &SetId) -> Option<String> {
    let state = node.set(id).ok()?;
    let member = state
        .members
        .values()
        .find(|m| m.devices.contains_key(node.device()))?;
    let departure = member.departure.as_ref()?;
    let when = crate::render::local(departure.at.get());
    Some(match departure.kind {
        DepartureKind::Removed => format!(
            "{} removed you from {} on {when}: its members' devices no longer sync with this one. What this device already holds stays readable here.",
            name_of(&state, &departure.by),
            state.name
        ),
        DepartureKind::Left => format!(
            "You left {} on {when}: its members' devices no longer sync with this one. What this device already holds stays readable here.",
            state.name
        ),
    })
}

/// One line: the sets that did not converge, whom it tried, and at which addresses.
fn unreachable_report(node: &Node, waiting: &[SetId], timeout: Duration) -> String {
    let mut parts = Vec::new();
    for id in waiting {
        let Ok(state) = node.set(id) else {
            parts.push(format!(
                "{id}: its saved files are damaged, and none of the members' devices it last knew answered"
            ));
            continue;
        };
        let refusing: Vec<String> = node
            .sync_status(id)
            .unwrap_or_default()
            .into_iter()
            .filter(|(_, devices)| devices.iter().any(|d| d.refuses_us))
            .map(|(member, _)| name_of(&state, &member))
            .collect();
        if !refusing.is_empty() {
            parts.push(format!(
                "{}: {}'s device refused this one as not a member's device: you may have been removed from the set (ask a member), or your admission has not reached them yet",
                state.name,
                refusing.join(" and ")
            ));
            continue;
        }
        let mut tried = Vec::new();
        for (_, member) in state.current_members() {
            for (device, record) in &member.devices {
                if device == node.device() {
                    continue;
                }
                let how = if record.addresses.is_empty() {
                    "no recorded address, local discovery only".to_owned()
                } else {
                    record.addresses.join(", ")
                };
                tried.push(format!(
                    "{} (device {} at {how})",
                    member.display_name,
                    device.short()
                ));
            }
        }
        parts.push(format!("{}: tried {}", state.name, tried.join("; ")));
    }
    format!(
        "No member's device answered within {}s. {}. Ask a member to start Revans or `revans serve`, then try again.",
        timeout.as_secs(),
        parts.join(". ")
    )
}

/// What stands between this device and the relays, said: the proxy they are reached
/// through, and a certificate store that could not be read. Returns both, for `--json`.
fn say_the_way_out(
    node: &revans_sync::Node,
    human: &mut String,
) -> (Option<String>, Option<String>) {
    let proxy = node.proxy();
    if let Some((url, from)) = &proxy {
        let _ = writeln!(
            human,
            "Relays are reached through the proxy {url} (from {from})."
        );
    }
    let store = node.certificate_store_problem().map(str::to_owned);
    if let Some(why) = &store {
        let _ = writeln!(human, "{}", crate::render::unread_certificate_store(why));
    }
    (proxy.map(|(url, _)| url), store)
}

/// Per member: their devices, whether connected, whether they hold our latest change.
pub(super) fn status(io: &mut Io<'_>, StatusArgs { set }: StatusArgs) -> Result<()> {
    let node = io.node;
    let set = set.as_deref();
    let ids: Vec<SetId> = match set {
        Some(given) => vec![io.set(given)?.0],
        None => node.sets().into_iter().map(|(id, _)| id).collect(),
    };
    let now = Utc::now();
    // A one-shot command's node keeps no connections: it can only say what was last heard.
    let running = node.dialling();
    let mut human = String::new();
    if !running {
        human.push_str(
            "Revans is not running on this data directory, so no device is connected now: \
             start the app or `revans serve` to reach members' devices.\n",
        );
    }
    let relays = node.relays();
    let (proxy, store) = say_the_way_out(node, &mut human);
    say_relays(&relays, running, &mut human);
    // A connection through a relay that is down carries nothing, though it stays open
    // a while in case the relay comes straight back.
    let relay_up = relays.iter().any(|r| r.connected);
    let reachable_now = |d: &DeviceSync| d.connected && (d.route != Some(Route::Relay) || relay_up);
    let mut sets = Vec::new();
    for id in ids {
        let state = node.set(&id)?;
        let mut table = Table::new(&["MEMBER", "DEVICE", "ONLINE", "HAS OUR LATEST", "LAST HEARD"]);
        let mut members = Vec::new();
        let mut unreachable = Vec::new();
        for (member, devices) in node.sync_status(&id)? {
            let mut ds = Vec::new();
            for d in &devices {
                table.row(vec![
                    name_of(&state, &member),
                    if d.this_device {
                        format!("{} (this one)", d.device.short())
                    } else {
                        d.device.short().to_owned()
                    },
                    online(d, relay_up).to_owned(),
                    if d.up_to_date { "yes" } else { "not yet" }.to_owned(),
                    d.last_heard
                        .map_or_else(|| "never".to_owned(), |at| ago(at, now)),
                ]);
                ds.push(json!({
                    "device": d.device, "this_device": d.this_device, "connected": d.connected,
                    "route": d.route.map(Route::as_str),
                    "up_to_date": d.up_to_date, "last_heard": d.last_heard,
                    "other_version": d.other_version,
                }));
            }
            // A member whose Revans cannot sync with this one's: who needs to update.
            if let Some(theirs) = devices.iter().find_map(|d| d.other_version) {
                unreachable.push(crate::render::version_gap(
                    &name_of(&state, &member),
                    theirs,
                ));
            }
            let mine = devices.iter().any(|d| d.this_device);
            let reachable = devices.iter().any(&reachable_now);
            if running && !mine && !reachable {
                let heard = devices.iter().filter_map(|d| d.last_heard).max();
                unreachable.push(format!(
                    "{} is unreachable: none of their devices is connected now (last heard {}). \
                     What changes here waits and reaches them when one is.",
                    name_of(&state, &member),
                    heard.map_or_else(|| "never".to_owned(), |at| ago(at, now)),
                ));
            }
            members.push(json!({
                "member": member, "name": name_of(&state, &member),
                "reachable": mine || reachable, "devices": ds,
            }));
        }
        let _ = writeln!(human, "{}\n{}", state.name, table.render());
        for line in unreachable {
            let _ = writeln!(human, "{line}");
        }
        sets.push(json!({ "set": id, "name": state.name, "members": members }));
    }
    if sets.is_empty() {
        human.push_str("This device holds no sets yet.");
    }
    let relays: Vec<_> = relays
        .iter()
        .map(|r| json!({ "url": r.url, "connected": r.connected, "error": r.error }))
        .collect();
    io.emit(
        &json!({
            "running": running,
            "relays": relays,
            "proxy": proxy,
            "certificate_store": store,
            "sets": sets,
        }),
        human.trim_end(),
    );
    Ok(())
}

/// Each relay, as `revans status` says it: connected, or (while running) not reachable
/// and why.
fn say_relays(relays: &[RelayState], running: bool, human: &mut String) {
    for relay in relays {
        if relay.connected {
            let _ = writeln!(human, "Relay {}: connected.", relay.url);
        } else if running
            && relay
                .error
                .as_deref()
                .is_some_and(|e| e.contains("certificate") || e.contains("UnknownIssuer"))
        {
            // What stood in the way: a network that inspects TLS puts its own certificate
            // in front of the relay's.
            let _ = writeln!(
                human,
                "Relay {}: its certificate is not trusted here ({}). If your organisation's network inspects secure connections, ask IT for its certificate authority and add it to this computer's certificate store, or pass it with --relay-ca FILE.",
                relay.url,
                relay.error.as_deref().unwrap_or_default()
            );
        } else if running {
            let _ = writeln!(
                human,
                "Relay {}: not reachable{}. Members' devices outside this network cannot be \
                 reached through it until it is.",
                relay.url,
                relay
                    .error
                    .as_deref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            );
        }
    }
}

/// Whether a device is online, and how, for the status table.
fn online(d: &DeviceSync, relay_up: bool) -> &'static str {
    match (d.connected, d.route) {
        (false, _) => "no",
        (true, Some(Route::Relay)) if !relay_up => "no (its relay is down)",
        (true, Some(Route::Relay)) => "yes, via relay",
        (true, Some(Route::Direct)) => "yes, direct",
        (true, None) => "yes",
    }
}
