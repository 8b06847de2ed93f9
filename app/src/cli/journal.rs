//! The member's private journal.

use std::fmt::Write as _;

use anyhow::Result;
use revans_model::JournalCommand;
use serde_json::json;

use super::args::JournalCmd;
use super::output::Io;
use crate::render::local;

/// Your private journal: only your own devices ever hold it.
pub(super) async fn journal(io: &mut Io<'_>, cmd: JournalCmd) -> Result<()> {
    match cmd {
        JournalCmd::Add { text } => {
            let entry = io
                .node
                .journal_apply(JournalCommand::Write {
                    text: text.unwrap_or_default(),
                    set: None,
                    meeting: None,
                })
                .await?;
            io.emit(
                &json!({ "entry": entry }),
                "Written in your journal; only your own devices hold it.",
            );
        }
        JournalCmd::List => {
            let journal = io.node.journal()?;
            let mut entries = Vec::new();
            let mut human = String::new();
            if let Some(journal) = &journal {
                for (id, e) in journal.newest_first() {
                    entries.push(json!({
                        "id": id, "written_at": e.written_at, "text": e.text,
                        "set": e.set, "meeting": e.meeting,
                    }));
                    let _ = writeln!(
                        human,
                        "{}\n{}\n",
                        local(e.written_at.get()),
                        e.text.as_str().trim()
                    );
                }
            }
            if human.is_empty() {
                "Your journal is empty: write with `revans journal add TEXT`."
                    .clone_into(&mut human);
            }
            io.emit(&json!({ "entries": entries }), human.trim_end());
        }
    }
    Ok(())
}
