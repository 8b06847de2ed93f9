//! The one printer: what a command prints, as text for people or as JSON, to standard
//! output's bytes and standard error's text (so a command handed over the control channel
//! prints where its caller reads).

use revans_model::{ActionLearningSet, Applied, Command, SetId};
use revans_sync::Node;
use serde_json::Value;

/// What a command printed: bytes for standard output (an export can be binary) and text
/// for standard error.
#[derive(Debug, Default)]
pub struct Output {
    /// For standard output.
    pub stdout: Vec<u8>,
    /// For standard error (progress and notes; the failure itself is the error).
    pub stderr: String,
    /// Whether stdout is a terminal, where binary output would be garbage.
    pub stdout_is_terminal: bool,
    /// The directory the person ran the command in, for relative file names (a running
    /// node carrying out a handed-over command has its own).
    pub cwd: std::path::PathBuf,
}

impl Output {
    pub fn print(&mut self, text: &str) {
        self.stdout.extend_from_slice(text.as_bytes());
        if !text.ends_with('\n') {
            self.stdout.push(b'\n');
        }
    }

    /// One result, as JSON or for people.
    pub fn emit(&mut self, json: bool, value: &Value, human: &str) {
        if json {
            let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "{}".to_owned());
            self.print(&text);
        } else if !human.is_empty() {
            self.print(human);
        }
    }
}

/// What a command works with: the node it runs on, and the one printer it answers
/// through, as JSON or for people.
pub struct Io<'a> {
    pub node: &'a Node,
    pub json: bool,
    pub out: &'a mut Output,
}

impl Io<'_> {
    /// One result, as JSON or for people.
    pub fn emit(&mut self, value: &Value, human: &str) {
        self.out.emit(self.json, value, human);
    }

    /// Applies `command` to the set `id` on the node: what a command that changes a set
    /// does, whichever face asked.
    pub async fn apply(&self, id: &SetId, command: Command) -> anyhow::Result<Applied> {
        Ok(self.node.apply(id, command).await?)
    }

    /// The set `given` names, with its id.
    pub fn set(&self, given: &str) -> anyhow::Result<(SetId, std::sync::Arc<ActionLearningSet>)> {
        super::refs::set(self.node, given)
    }
}

pub(super) fn applied_id(applied: &Applied) -> Option<String> {
    match applied {
        Applied::Done => None,
        Applied::Member(id) => Some(id.to_string()),
        Applied::Rule(id) => Some(id.to_string()),
        Applied::Issue(id) => Some(id.to_string()),
        Applied::Meeting(id) => Some(id.to_string()),
        Applied::Contribution(id) => Some(id.to_string()),
        Applied::Action(id) => Some(id.to_string()),
        Applied::Celebration(id) => Some(id.to_string()),
        Applied::Question(id) => Some(id.to_string()),
    }
}
