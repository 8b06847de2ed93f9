//! Carrying out a command on a running node. The same code runs in a one-shot `revans`
//! process and inside `revans serve` or the app, for a command handed over the local
//! socket; it writes to an [`Output`] rather than to the terminal.

use std::sync::Arc;

use anyhow::{Result, bail};
use clap::{CommandFactory as _, FromArgMatches as _};
use revans_sync::Node;

use super::args::{Cli, Cmd};
use super::output::{Io, Output};
use super::{
    actions, conflicts, device, files, invitations, issues, journal, meetings, rules, sets, sync,
};
use crate::control::{Answer, Executor, Request};

/// Carries out one command (not `serve`) with the node.
pub async fn execute(node: &Node, cmd: Cmd, json: bool, out: &mut Output) -> Result<()> {
    // A running node reads a burst from peers into its sets once it pauses; a command
    // answers from everything the node holds.
    node.settle().await?;
    let io = &mut Io { node, json, out };
    match cmd {
        Cmd::Profile(args) => sets::profile(io, args),
        Cmd::Set(cmd) => sets::set(io, cmd).await,
        Cmd::Invite(args) => invitations::invite(io, args).await,
        Cmd::Join(args) => invitations::join(io, args).await,
        Cmd::LinkDevice(args) => invitations::link_device(io, args).await,
        Cmd::Link(args) => invitations::link(io, args).await,
        Cmd::Member(cmd) => sets::member(io, cmd).await,
        Cmd::Facilitation(args) => sets::facilitation(io, args).await,
        Cmd::Rule(cmd) => rules::rule(io, cmd).await,
        Cmd::Issue(cmd) => issues::issue(io, cmd).await,
        Cmd::Meeting(cmd) => meetings::meeting(io, cmd).await,
        Cmd::Catchup(args) => meetings::catchup(io, args).await,
        Cmd::Bid(args) => meetings::bid(io, args).await,
        Cmd::Agenda(args) => meetings::agenda(io, args).await,
        Cmd::Turn(args) => meetings::turn(io, args).await,
        Cmd::Question(args) => meetings::question(io, args).await,
        Cmd::Insights(args) => meetings::insights(io, args).await,
        Cmd::Attend(args) => meetings::attend(io, args).await,
        Cmd::QuestionAdd(args) => meetings::question_add(io, args).await,
        Cmd::Celebrate(args) => actions::celebrate(io, args).await,
        Cmd::Action(cmd) => actions::action(io, cmd).await,
        Cmd::Review(cmd) => actions::review(io, cmd).await,
        Cmd::Journal(cmd) => journal::journal(io, cmd).await,
        Cmd::Sync(args) => sync::sync(io, args).await,
        Cmd::Serve => bail!(
            "A node is already running on this data directory; stop it before starting `revans serve`."
        ),
        Cmd::Conflicts(args) => conflicts::conflicts(io, args),
        Cmd::Resolve(args) => conflicts::resolve(io, args).await,
        Cmd::Status(args) => sync::status(io, args),
        Cmd::Export(args) => files::export(io, args).await,
        Cmd::Import(args) => files::import(io, args).await,
        Cmd::Remind(args) => device::remind(io, &args),
        Cmd::Proxy(args) => device::proxy(io, &args),
        Cmd::Completions { .. } | Cmd::Man => {
            bail!(
                "`revans completions` and `revans man` print without a data directory; run them on their own."
            )
        }
    }
}

/// What the control channel carries out commands with: the command line, read from the
/// request's arguments as a one-shot `revans` reads its own.
pub fn handed_over() -> Executor {
    Arc::new(|node, request| Box::pin(async move { carry_out(&node, request).await }))
}

async fn carry_out(node: &Node, request: Request) -> Answer {
    let mut out = Output {
        stdout_is_terminal: request.stdout_is_terminal,
        cwd: request.cwd,
        ..Output::default()
    };
    let args =
        super::input::read_as_written(std::iter::once("revans".to_owned()).chain(request.argv));
    // The command's name only: its arguments may be what the set says.
    let parsed = Cli::command()
        .try_get_matches_from(args)
        .and_then(|matches| {
            let named = matches.subcommand().map(|(name, sub)| {
                sub.subcommand_name()
                    .map_or_else(|| name.to_owned(), |s| format!("{name} {s}"))
            });
            Cli::from_arg_matches(&matches).map(|cli| (cli, named))
        });
    let code = match parsed {
        Err(e) => {
            out.stderr.push_str(&e.render().to_string());
            u8::from(e.use_stderr()) * 2
        }
        Ok((Cli { command: None, .. }, _)) => {
            out.stderr
                .push_str("The app is already open on this data directory.\n");
            1
        }
        Ok((
            Cli {
                command: Some(mut cmd),
                global,
                ..
            },
            named,
        )) => {
            let stdin = request.stdin;
            // The caller read its standard input; what it read came with the request.
            let _ = cmd.fill_from_stdin(|| {
                stdin.ok_or_else(|| anyhow::anyhow!("nothing came on standard input"))
            });
            tracing::debug!(
                command = named.as_deref().unwrap_or_default(),
                "carrying out a command from the control channel"
            );
            match execute(node, cmd, global.json, &mut out).await {
                Ok(()) => 0,
                Err(e) => {
                    out.stderr.push_str(&crate::one_line(&e));
                    out.stderr.push('\n');
                    1
                }
            }
        }
    };
    Answer {
        code,
        stderr: out.stderr,
        stdout: out.stdout,
    }
}
