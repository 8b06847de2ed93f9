//! The child process of the crash-safety scenario: starts a node on the data directory it
//! is given, says how many edits the set holds, then applies numbered edits for ever,
//! printing each number once its command has returned (so once it is on disk). The
//! scenario kills it with SIGKILL at random moments.

use std::io::Write;

use anyhow::{Context, Result};
use revans_model::{Command, QuestionCategory};
use revans_sync::{Node, NodeConfig};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .context("usage: crash_child DATA_DIR FIRST_EDIT")?;
    let first: u64 = args
        .next()
        .context("usage: crash_child DATA_DIR FIRST_EDIT")?
        .parse()?;
    let node = Node::start(NodeConfig::loopback(dir.into())).await?;
    let set = if let Some((id, state)) = node.sets().into_iter().next() {
        let edits = state?
            .question_bank
            .values()
            .filter(|q| q.text.starts_with("edit "))
            .count();
        println!("LOADED {edits}");
        id
    } else {
        let id = node
            .create_set("Crash", "", revans_tests::profile("Ada"))
            .await?;
        println!("LOADED 0");
        id
    };
    std::io::stdout().flush()?;
    for i in first.. {
        node.apply(
            &set,
            Command::AddQuestion {
                text: format!("edit {i}"),
                category: QuestionCategory::Process,
            },
        )
        .await?;
        println!("DONE {i}");
        std::io::stdout().flush()?;
    }
    Ok(())
}
