//! Values two members changed at the same time, and keeping one.

use std::fmt::Write as _;

use anyhow::{Result, bail};
use revans_model::Command;
use serde_json::json;

use super::args::{ConflictsArgs, ResolveArgs};
use super::output::Io;
use crate::render::{self};

/// Values two members changed at the same time, each version with who wrote it and
/// when; `revans resolve` keeps one.
pub(super) fn conflicts(io: &mut Io<'_>, ConflictsArgs { set }: ConflictsArgs) -> Result<()> {
    let (id, state) = io.set(&set)?;
    let found = io.node.conflicts(&id)?;
    let mut human = String::new();
    let mut rows = Vec::new();
    for (n, conflict) in found.iter().enumerate() {
        let _ = writeln!(
            human,
            "{}. {}:",
            n + 1,
            render::field(&state, &conflict.field)
        );
        let mut versions = Vec::new();
        for (i, version) in conflict.versions.iter().enumerate() {
            let _ = writeln!(
                human,
                "   {}. {}, by {}{}",
                render::letter(i),
                render::kept(&state, &version.value),
                render::written(&state, version),
                if version.shown { " (shown now)" } else { "" }
            );
            versions.push(json!({
                "version": render::letter(i).to_string(),
                "value": version.value,
                "by": version.by,
                "at": version.at,
                "shown": version.shown,
            }));
        }
        let (record, key) = conflict.field.place();
        rows.push(json!({
            "number": n + 1,
            "what": render::field(&state, &conflict.field),
            "record": record.map(|(_, id)| id),
            "key": key,
            "versions": versions,
        }));
    }
    if found.is_empty() {
        human =
            "Every value in this set has one version: nothing was changed by two members at once."
                .into();
    } else {
        let _ = write!(
            human,
            "Keep one with: revans resolve \"{}\" NUMBER LETTER",
            state.name
        );
    }
    io.emit(&json!({ "conflicts": rows }), &human);
    Ok(())
}

/// Keep one version of a value two members changed at the same time (numbered and
/// lettered as `revans conflicts` lists them); every device takes the one kept.
pub(super) async fn resolve(
    io: &mut Io<'_>,
    ResolveArgs {
        set,
        conflict,
        keep,
    }: ResolveArgs,
) -> Result<()> {
    let (id, state) = io.set(&set)?;
    let found = io.node.conflicts(&id)?;
    if found.is_empty() {
        bail!("Every value in this set has one version now: there is nothing to resolve.");
    }
    let Some(chosen) = conflict.checked_sub(1).and_then(|n| found.get(n)) else {
        bail!(
            "This set has {} value{} with more than one version, so there is no number {conflict}; list them with `revans conflicts \"{}\"`.",
            found.len(),
            if found.len() == 1 { "" } else { "s" },
            state.name
        );
    };
    let wanted = keep.trim().to_lowercase();
    let Some(kept) = chosen
        .versions
        .iter()
        .enumerate()
        .find(|(i, _)| render::letter(*i).to_string() == wanted)
        .map(|(_, v)| v.value.clone())
    else {
        bail!(
            "Conflict {conflict} has versions a to {}; \"{keep}\" is not one of them.",
            render::letter(chosen.versions.len().saturating_sub(1))
        );
    };
    io.apply(
        &id,
        Command::Keep {
            field: chosen.field.clone(),
            value: kept.clone(),
        },
    )
    .await?;
    io.emit(
        &json!({ "kept": kept }),
        &format!(
            "Kept {} for {}; every device will show it.",
            render::kept(&state, &kept),
            render::lowercase_first(&render::field(&state, &chosen.field))
        ),
    );
    Ok(())
}
