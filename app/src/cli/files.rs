//! A set in and out of files: exports and backups.

use anyhow::{Context as _, Result, bail};
use chrono::Utc;
use serde_json::json;

use super::args::{ExportArgs, ImportArgs};
use super::output::Io;
use crate::export::{self, ExportFormat};

/// Export a set: md (a readable record), json, ics (meetings), automerge (the
/// document, for any Automerge tool) or revans (a backup with every change's
/// signature, which `revans import` restores).
pub(super) async fn export(
    io: &mut Io<'_>,
    ExportArgs {
        set,
        format,
        output,
    }: ExportArgs,
) -> Result<()> {
    let (id, state) = io.set(&set)?;
    let bytes = match format {
        ExportFormat::Md => export::markdown(&state, Utc::now()).into_bytes(),
        ExportFormat::Json => export::json(&state)?.into_bytes(),
        ExportFormat::Ics => export::ics(&state).into_bytes(),
        ExportFormat::Automerge => io.node.save(&id).await?,
        ExportFormat::Revans => io.node.backup(&id).await?,
    };
    if let Some(path) = output {
        let path = io.out.cwd.join(path);
        export::write_private(&path, &bytes).with_context(|| {
            format!(
                "Could not write {}; check the folder exists and you may write there",
                path.display()
            )
        })?;
        io.emit(
            &json!({ "written": path, "bytes": bytes.len() }),
            &format!("Wrote {} ({} bytes).", path.display(), bytes.len()),
        );
    } else {
        if matches!(format, ExportFormat::Automerge | ExportFormat::Revans)
            && io.out.stdout_is_terminal
        {
            bail!(
                "This export is binary; write it to a file with -o FILE (or redirect the output)."
            );
        }
        io.out.stdout.extend_from_slice(&bytes);
    }
    Ok(())
}

/// Restore a set from a backup (`revans export SET --format revans`): every change in
/// it is checked, signature and rules, as if a member's device had sent it; a set
/// held already takes in what it lacks.
pub(super) async fn import(io: &mut Io<'_>, ImportArgs { file }: ImportArgs) -> Result<()> {
    let path = io.out.cwd.join(file);
    let bytes = std::fs::read(&path).with_context(|| {
        format!(
            "Could not read {}; check the name and that you may read it",
            path.display()
        )
    })?;
    let imported = io.node.import_set(&bytes).await?;
    let name = io
        .node
        .set(&imported.set)
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let mut text = format!("Restored \"{name}\": {} changes taken in.", imported.taken);
    if !imported.refused.is_empty() {
        use std::fmt::Write as _;
        let _ = write!(
            text,
            " {} refused, as every member's device would refuse them:",
            imported.refused.len()
        );
        for reason in &imported.refused {
            let _ = write!(text, "\n  - {reason}");
        }
    }
    io.emit(
        &json!({
            "set": imported.set,
            "name": name,
            "taken": imported.taken,
            "refused": imported.refused,
        }),
        &text,
    );
    Ok(())
}
