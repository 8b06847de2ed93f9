//! This device's own settings: its reminders, and the proxy it reaches relays through.

use anyhow::Result;
use serde_json::json;

use super::args::{OnOff, ProxyArgs, RemindArgs};
use super::output::Io;

/// Shows this device's reminders, after switching those named.
pub(super) fn remind(io: &mut Io<'_>, args: &RemindArgs) -> Result<()> {
    let (mut wanted, _) = io.node.reminders()?;
    let asked_for = [
        (args.day_before, &mut wanted.day_before),
        (args.hour_before, &mut wanted.hour_before),
        (args.actions_due, &mut wanted.actions_due),
    ];
    let mut changed = false;
    for (asked, setting) in asked_for {
        if let Some(asked) = asked {
            *setting = asked == OnOff::On;
            changed = true;
        }
    }
    if changed {
        io.node.set_reminders(wanted)?;
    }
    let word = |on: bool| if on { "on" } else { "off" };
    let human = format!(
        "Reminders on this device (desktop notifications while the app runs):\n  the day before a meeting: {}\n  an hour before a meeting: {}\n  the day before an action of yours is due: {}",
        word(wanted.day_before),
        word(wanted.hour_before),
        word(wanted.actions_due)
    );
    io.emit(
        &json!({
            "day_before": wanted.day_before,
            "hour_before": wanted.hour_before,
            "actions_due": wanted.actions_due,
        }),
        &human,
    );
    Ok(())
}

/// Shows the proxy saved on this device and the one in use, after saving one if asked.
pub(super) fn proxy(io: &mut Io<'_>, args: &ProxyArgs) -> Result<()> {
    let mut human = Vec::new();
    if args.none {
        io.node.save_proxy(None)?;
        human.push("No proxy is saved now; from Revans' next start here, relays are reached without one unless the environment names one.".to_owned());
    } else if let Some(url) = &args.url {
        io.node.save_proxy(Some(url))?;
        human.push(format!(
            "Saved. From Revans' next start on this device, relays are reached through {}; restart the app or `revans serve` if one is running.",
            url.trim()
        ));
    }
    let saved = io.node.saved_proxy()?;
    let in_use = io.node.proxy();
    human.push(match &saved {
        Some(saved) => format!("Saved proxy: {saved}"),
        None => "Saved proxy: none".to_owned(),
    });
    human.push(match &in_use {
        Some((url, from)) => format!("In use now: {url} (from {from})"),
        None => "In use now: none; relays are reached directly".to_owned(),
    });
    io.emit(
        &json!({
            "saved": saved,
            "in_use": in_use.as_ref().map(|(url, _)| url),
            "from": in_use.as_ref().map(|(_, from)| from),
        }),
        &human.join("\n"),
    );
    Ok(())
}
