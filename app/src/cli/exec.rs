//! Carrying out a command on a running node. The same code runs in a one-shot `revans`
//! process and inside `revans serve` or the app, for a command handed over the local
//! socket; it writes to an [`Output`] rather than to the terminal.

use anyhow::{Result, bail};
use revans_sync::Node;

use super::args::Cmd;
use super::output::Output;
use super::{actions, conflicts, files, invitations, issues, journal, meetings, rules, sets, sync};

/// Carries out one command (not `serve`) with the node.
pub async fn execute(node: &Node, cmd: Cmd, json: bool, out: &mut Output) -> Result<()> {
    // A running node reads a burst from peers into its sets once it pauses; a command
    // answers from everything the node holds.
    node.settle().await?;
    match cmd {
        Cmd::Profile(args) => sets::profile(node, args, json, out),
        Cmd::Set(cmd) => sets::set(node, cmd, json, out).await,
        Cmd::Invite(args) => invitations::invite(node, args, json, out).await,
        Cmd::Join(args) => invitations::join(node, args, json, out).await,
        Cmd::LinkDevice(args) => invitations::link_device(node, args, json, out).await,
        Cmd::Link(args) => invitations::link(node, args, json, out).await,
        Cmd::Member(cmd) => sets::member(node, cmd, json, out).await,
        Cmd::Facilitation(args) => sets::facilitation(node, args, json, out).await,
        Cmd::Rule(cmd) => rules::rule(node, cmd, json, out).await,
        Cmd::Issue(cmd) => issues::issue(node, cmd, json, out).await,
        Cmd::Meeting(cmd) => meetings::meeting(node, cmd, json, out).await,
        Cmd::Catchup(args) => meetings::catchup(node, args, json, out).await,
        Cmd::Bid(args) => meetings::bid(node, args, json, out).await,
        Cmd::Agenda(args) => meetings::agenda(node, args, json, out).await,
        Cmd::Turn(args) => meetings::turn(node, args, json, out).await,
        Cmd::Question(args) => meetings::question(node, args, json, out).await,
        Cmd::Action(cmd) => actions::action(node, cmd, json, out).await,
        Cmd::Review(cmd) => actions::review(node, cmd, json, out).await,
        Cmd::Journal(cmd) => journal::journal(node, cmd, json, out).await,
        Cmd::Sync(args) => sync::sync(node, args, json, out).await,
        Cmd::Serve => bail!(
            "A node is already running on this data directory; stop it before starting `revans serve`."
        ),
        Cmd::Conflicts(args) => conflicts::conflicts(node, args, json, out),
        Cmd::Resolve(args) => conflicts::resolve(node, args, json, out).await,
        Cmd::Status(args) => sync::status(node, args, json, out),
        Cmd::Export(args) => files::export(node, args, json, out).await,
        Cmd::Import(args) => files::import(node, args, json, out).await,
    }
}
