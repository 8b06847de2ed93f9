//! This device's reminders, switched on or off.

use anyhow::Result;
use serde_json::json;

use super::args::{OnOff, RemindArgs};
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
