//! The command line's grammar: DESIGN.md section 8. Names, flags and exit codes are a
//! contract scripts rely on; add to them, never rename.
//! Over 600 lines because every command and flag carries the help `revans --help` shows;
//! the meeting's commands are in `meeting`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::export::ExportFormat;

mod meeting;
pub use meeting::*;

/// Revans: one shared record for an Action Learning Set, kept on every member's machine.
///
/// With no command it opens the desktop app. Every command below works headless, on the
/// same data directory; while `revans serve` or the app holds that directory, a command is
/// carried out by the running node.
#[derive(Debug, Parser)]
#[command(name = "revans", version, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    /// With no command: open the app on this area of the last open set.
    #[arg(long, value_name = "AREA")]
    pub show: Option<crate::tab::Tab>,
    /// With no command: open the meeting console in the room view, full screen, for a
    /// shared screen or a projector (Esc or F11 leaves it).
    #[arg(long, conflicts_with = "show")]
    pub room: bool,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

/// Options every command takes.
#[derive(Debug, Args, Clone)]
pub struct Global {
    /// The data directory: this device's key, its sets and settings.
    /// Default: the platform's data directory (on Linux ~/.local/share/revans).
    #[arg(long, global = true, env = "REVANS_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Relays: `disabled`, `default` (iroh's public relays) or the URL of a self-hosted
    /// iroh-relay.
    #[arg(
        long,
        global = true,
        env = "REVANS_RELAY",
        value_name = "disabled|default|URL"
    )]
    pub relay: Option<String>,
    /// A PEM file of the certificate authority that signed a self-hosted relay's
    /// certificate, trusted besides the usual public authorities.
    #[arg(long, global = true, env = "REVANS_RELAY_CA", value_name = "FILE")]
    pub relay_ca: Option<PathBuf>,
    /// An HTTP(S) proxy to reach relays through, for example `http://proxy.example:3128`
    /// (default: the one `HTTPS_PROXY` or `HTTP_PROXY` names, if any).
    #[arg(long, global = true, env = "REVANS_PROXY", value_name = "URL")]
    pub proxy: Option<String>,
    /// The address to listen on, for example 0.0.0.0:7777 or 127.0.0.1:0.
    #[arg(long, global = true, env = "REVANS_BIND", value_name = "ADDR")]
    pub bind: Option<String>,
    /// Find members' devices on the local network (mDNS).
    #[arg(
        long,
        global = true,
        env = "REVANS_MDNS",
        value_name = "on|off",
        default_value = "on"
    )]
    pub mdns: OnOff,
    /// Print one JSON document on stdout instead of text for people.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Show or set this device's member profile, and its endpoint id.
    ///
    /// Example: revans profile --name "Ada Lovelace" --org "Analytical Engines"
    Profile(ProfileArgs),
    /// Create, list and show sets.
    #[command(subcommand)]
    Set(SetCmd),
    /// Invite someone to a set: prints a ticket to give them.
    ///
    /// Example: revans invite "Tuesday set" --for "Bo" --expires 7d
    Invite(InviteArgs),
    /// Join a set with a ticket: any reachable member admits you; prints the set's id.
    ///
    /// Example: revans join revansab3f... --name "Bo" --org "City Council"
    /// With `-`, the ticket is read from standard input (kept out of the process list):
    /// revans join - --name "Bo" < ticket.txt
    Join(JoinArgs),
    /// Join as a second device of a member you already are, with a ticket made by
    /// `revans link SET` on your other device.
    ///
    /// Example: revans link-device revansab3f...  (or `revans link-device - < ticket.txt`)
    LinkDevice(LinkDeviceArgs),
    /// Make a ticket that links another device of yours to your membership.
    ///
    /// Example: revans link "Tuesday set" --expires 1h
    Link(LinkArgs),
    /// Members of a set.
    #[command(subcommand)]
    Member(MemberCmd),
    /// Who facilitates: a named facilitator, rotating, or the set managing itself.
    ///
    /// Example: revans facilitation "Tuesday set" self-managed
    Facilitation(FacilitationArgs),
    /// The set's ground rules.
    #[command(subcommand)]
    Rule(RuleCmd),
    /// The issues members bring.
    #[command(subcommand)]
    Issue(IssueCmd),
    /// Plan meetings and move them through their phases.
    #[command(subcommand)]
    Meeting(MeetingCmd),
    /// Share your news in a meeting's catch-up round.
    ///
    /// Example: revans catchup "Tuesday set" 3f2a "The restructure went ahead."
    Catchup(CatchupArgs),
    /// Say you are coming to a meeting, or send your apologies (with a reason, shown to
    /// the set); a second word replaces your first.
    ///
    /// Example: revans attend "Tuesday set" next --apologies "At a funeral that day"
    Attend(AttendArgs),
    /// Bid for time at a meeting; a second bid replaces your first.
    ///
    /// Example: revans bid "Tuesday set" next --minutes 25 --urgency high
    Bid(BidArgs),
    /// Show the proposed (or locked) batting order with minutes; `--lock` locks it, as
    /// proposed or as `--order` and `--minutes` arrange it.
    ///
    /// Example: revans agenda "Tuesday set" next --lock --order Cy,Ada --minutes Cy=40
    Agenda(AgendaArgs),
    /// Start or end a presenter's turn.
    ///
    /// Example: revans turn start "Tuesday set" next Bo
    Turn(TurnArgs),
    /// Log a question (or with --statement, a statement) in the running turn.
    ///
    /// Example: revans question "Tuesday set" next "What would success look like?"
    Question(QuestionArgs),
    /// Keep what struck the presenter in the running turn (the whole text: it replaces
    /// what was kept).
    ///
    /// Example: revans insights "Tuesday set" next "I have been avoiding the board."
    Insights(InsightsArgs),
    /// Actions: commit to one, report back on one, list them.
    #[command(subcommand)]
    Action(ActionCmd),
    /// Add a question to the set's bank, offered as a prompt in the turn's stage its
    /// kind fits.
    ///
    /// Example: revans question-add "Tuesday set" "What would you regret not trying?" --kind options
    QuestionAdd(QuestionAddArgs),
    /// Celebrate a member's achievement, for the set to see.
    ///
    /// Example: revans celebrate "Tuesday set" Bo "The rota went live on every ward"
    Celebrate(CelebrateArgs),
    /// Your review of a meeting: your say on how it went, and your own learning.
    ///
    /// Example: revans review "Tuesday set" 3f2a --worked-well "Good questions"
    /// revans review "Tuesday set" 3f2a --show
    Review(ReviewArgs),
    /// Your private journal: only your own devices ever hold it.
    #[command(subcommand)]
    Journal(JournalCmd),
    /// Dial the set's members, exchange changes; exit 0 once converged with one of them.
    ///
    /// Example: revans sync "Tuesday set" --timeout 30s
    Sync(SyncArgs),
    /// Run as a headless, always-on peer until interrupted (SIGINT or SIGTERM).
    ///
    /// Example: revans serve --bind 0.0.0.0:7777
    Serve,
    /// Values two members changed at the same time, each version with who wrote it and
    /// when; `revans resolve` keeps one.
    ///
    /// Example: revans conflicts "Tuesday set"
    Conflicts(ConflictsArgs),
    /// Keep one version of a value two members changed at the same time (numbered and
    /// lettered as `revans conflicts` lists them); every device takes the one kept.
    ///
    /// Example: revans resolve "Tuesday set" 1 b
    Resolve(ResolveArgs),
    /// Per member: their devices, whether connected, whether they hold our latest change.
    ///
    /// Example: revans status "Tuesday set"
    Status(StatusArgs),
    /// Export a set: md (a readable record), json, ics (meetings), automerge (the
    /// document, for any Automerge tool) or revans (a backup with every change's
    /// signature, which `revans import` restores).
    ///
    /// Example: revans export "Tuesday set" --format ics -o meetings.ics
    Export(ExportArgs),
    /// Restore a set from a backup (`revans export SET --format revans`): every change in
    /// it is checked, signature and rules, as if a member's device had sent it; a set
    /// held already takes in what it lacks.
    ///
    /// Example: revans import tuesday-set.revans
    Import(ImportArgs),
    /// Show or switch this device's reminders: the day before and an hour before a
    /// meeting, and the day before an action of yours is due (given as desktop
    /// notifications while the app runs).
    ///
    /// Example: revans remind --hour-before off
    Remind(RemindArgs),
    /// Show or save the HTTP(S) proxy this device reaches relays through, from Revans'
    /// next start here. `--proxy` (or `REVANS_PROXY`) comes before it for one run; the
    /// environment's `HTTPS_PROXY` or `HTTP_PROXY` after it.
    ///
    /// Example: revans proxy proxy.example:3128
    Proxy(ProxyArgs),
    /// Print the shell's completion script for `revans` (it needs no data directory).
    ///
    /// Example: revans completions bash > ~/.local/share/bash-completion/completions/revans
    Completions {
        /// The shell: bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page for `revans`, as roff (it needs no data directory).
    ///
    /// Example: revans man > ~/.local/share/man/man1/revans.1
    Man,
}

/// What `revans remind` takes: each left out stays as it is.
#[derive(Debug, Args)]
pub struct RemindArgs {
    /// The day before a meeting.
    #[arg(long, value_name = "on|off")]
    pub day_before: Option<OnOff>,
    /// An hour before a meeting.
    #[arg(long, value_name = "on|off")]
    pub hour_before: Option<OnOff>,
    /// The day before an action of yours is due.
    #[arg(long, value_name = "on|off")]
    pub actions_due: Option<OnOff>,
}

/// What `revans proxy` takes: with neither, it shows the proxy.
#[derive(Debug, Args)]
pub struct ProxyArgs {
    /// The proxy to save, like `http://proxy.example:3128`.
    #[arg(conflicts_with = "none")]
    pub url: Option<String>,
    /// Save no proxy (the environment's, if any, is used).
    #[arg(long)]
    pub none: bool,
}

/// What `revans profile` takes.
#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// Your name, as sets will know you.
    #[arg(long)]
    pub name: Option<String>,
    /// Your organisation.
    #[arg(long)]
    pub org: Option<String>,
}

/// What `revans invite` takes.
#[derive(Debug, Args)]
pub struct InviteArgs {
    /// The set (id, unique id prefix, or name).
    pub set: String,
    /// Who the ticket is for.
    #[arg(long = "for", value_name = "NAME")]
    pub for_name: String,
    /// How long the ticket admits: 30m, 12h, 7d.
    #[arg(long, default_value = "7d", value_name = "DURATION")]
    pub expires: String,
    /// Send a short welcome in the ticket, shown to them before they join: your own words,
    /// or with no words the set's purpose, what action learning is and its ground rules.
    #[arg(long, value_name = "TEXT", num_args = 0..=1, default_missing_value = "")]
    pub welcome: Option<String>,
}

/// What `revans join` takes.
#[derive(Debug, Args)]
pub struct JoinArgs {
    /// The ticket a member gave you, or `-` to read it from standard input.
    pub ticket: String,
    /// Your name (default: your profile's).
    #[arg(long)]
    pub name: Option<String>,
    /// Your organisation (default: your profile's).
    #[arg(long)]
    pub org: Option<String>,
    /// How long to try reaching a member: 30s, 2m.
    #[arg(long, default_value = "30s", value_name = "DURATION")]
    pub timeout: String,
}

/// What `revans link-device` takes.
#[derive(Debug, Args)]
pub struct LinkDeviceArgs {
    /// The ticket made on your other device, or `-` to read it from standard input.
    pub ticket: String,
    /// How long to try reaching a member: 30s, 2m.
    #[arg(long, default_value = "30s", value_name = "DURATION")]
    pub timeout: String,
}

/// What `revans link` takes.
#[derive(Debug, Args)]
pub struct LinkArgs {
    /// The set.
    pub set: String,
    /// How long the ticket works.
    #[arg(long, default_value = "1h", value_name = "DURATION")]
    pub expires: String,
}

/// What `revans facilitation` takes.
#[derive(Debug, Args)]
pub struct FacilitationArgs {
    /// The set.
    pub set: String,
    /// facilitated, rotating or self-managed.
    pub mode: FacilitationMode,
    /// The facilitator, with `facilitated`.
    pub member: Option<String>,
}

/// What `revans sync` takes.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The set (default: every set).
    pub set: Option<String>,
    /// How long to try.
    #[arg(long, default_value = "30s", value_name = "DURATION")]
    pub timeout: String,
}

/// What `revans conflicts` takes.
#[derive(Debug, Args)]
pub struct ConflictsArgs {
    /// The set.
    pub set: String,
}

/// What `revans resolve` takes.
#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// The set.
    pub set: String,
    /// The conflict's number.
    pub conflict: usize,
    /// The version to keep: its letter.
    #[arg(value_name = "LETTER")]
    pub keep: String,
}

/// What `revans status` takes.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The set (default: every set).
    pub set: Option<String>,
}

/// What `revans export` takes.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The set.
    pub set: String,
    /// The format.
    #[arg(long)]
    pub format: ExportFormat,
    /// Write to this file instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// What `revans import` takes.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The backup file.
    pub file: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum SetCmd {
    /// Create a set with you as its founder and facilitator; prints its id.
    ///
    /// Example: revans set create "Tuesday set" --purpose "Leading change in the public sector"
    Create {
        /// The set's name.
        name: String,
        /// What the set is for.
        #[arg(long, default_value = "")]
        purpose: String,
    },
    /// The sets this device holds.
    ///
    /// Example: revans set list
    List,
    /// Rename a set.
    ///
    /// Example: revans set rename "Tuesday set" "Tuesday leaders"
    Rename {
        /// The set.
        set: String,
        /// Its new name.
        name: String,
    },
    /// Close the set once its last meeting is over: its record is kept on every member's
    /// device, read-only (export it with `revans export`); members can still leave it.
    ///
    /// Example: revans set close "Tuesday set"
    Close {
        /// The set.
        set: String,
    },
    /// The whole set (--json: the same shape as `export --format json`).
    ///
    /// Example: revans set show "Tuesday set" --at 2026-12-01
    Show {
        /// The set.
        set: String,
        /// The set as it stood then: a time (2026-12-01T12:00:00Z, or 2026-12-01 12:00
        /// local time, or a day, meaning its end), or a meeting (as it stood when that
        /// meeting closed).
        #[arg(long, value_name = "WHEN")]
        at: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum MemberCmd {
    /// Remove a member: they keep what they already had, and get nothing after.
    ///
    /// Example: revans member remove "Tuesday set" Bo
    Remove {
        /// The set.
        set: String,
        /// The member (name, id or prefix).
        member: String,
    },
    /// The set's members and their organisations.
    ///
    /// Example: revans member list "Tuesday set"
    List {
        /// The set.
        set: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum RuleCmd {
    /// Propose a ground rule.
    ///
    /// Example: revans rule propose "Tuesday set" "What is said here stays here"
    Propose {
        /// The set.
        set: String,
        /// The rule.
        text: String,
    },
    /// Agree to a ground rule.
    ///
    /// Example: revans rule agree "Tuesday set" 8c1e
    Agree {
        /// The set.
        set: String,
        /// The rule (id or prefix).
        rule: String,
    },
    /// New words for a ground rule: everyone is asked to agree to it again (you agree as
    /// you reword it).
    ///
    /// Example: revans rule reword "Tuesday set" 8c1e "What is said here stays here, names included"
    Reword {
        /// The set.
        set: String,
        /// The rule (id or prefix).
        rule: String,
        /// The new words.
        text: String,
    },
    /// Retire a ground rule.
    ///
    /// Example: revans rule retire "Tuesday set" 8c1e
    Retire {
        /// The set.
        set: String,
        /// The rule (id or prefix).
        rule: String,
    },
    /// The ground rules and who agreed them.
    ///
    /// Example: revans rule list "Tuesday set"
    List {
        /// The set.
        set: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum IssueCmd {
    /// Bring an issue, in the practice's problem-statement template.
    ///
    /// Example: revans issue add "Tuesday set" "My team will not adopt the new rota" --why-me "I designed it"
    Add(IssueAddArgs),
    /// Change your issue: its statement or any of the template's answers (others stay
    /// as they are).
    ///
    /// Example: revans issue edit "Tuesday set" 4d2c --statement "My team and I disagree on the rota"
    Edit(IssueEditArgs),
    /// Mark your issue resolved.
    ///
    /// Example: revans issue resolve "Tuesday set" 4d2c
    Resolve(IssueResolveArgs),
    /// Drop your issue.
    ///
    /// Example: revans issue drop "Tuesday set" 4d2c
    Drop(IssueDropArgs),
    /// The set's issues, open ones by priority.
    ///
    /// Example: revans issue list "Tuesday set"
    List(IssueListArgs),
    /// The priorities the set agreed: open issues, first priority first (those left out
    /// have none).
    ///
    /// Example: revans issue prioritise "Tuesday set" 4d2c,9a1b
    Prioritise(IssuePrioritiseArgs),
}

/// What `revans issue prioritise` takes.
#[derive(Debug, Args)]
pub struct IssuePrioritiseArgs {
    /// The set.
    pub set: String,
    /// The open issues (ids or prefixes), first priority first.
    #[arg(value_delimiter = ',', required = true, value_name = "ISSUE,ISSUE")]
    pub order: Vec<String>,
}

/// What `revans issue add` takes.
#[derive(Debug, Args)]
pub struct IssueAddArgs {
    /// The set.
    pub set: String,
    /// The problem, in a sentence.
    pub statement: String,
    /// The template's other answers.
    #[command(flatten)]
    pub answers: Answers,
}

/// What `revans issue edit` takes.
#[derive(Debug, Args)]
pub struct IssueEditArgs {
    /// The set.
    pub set: String,
    /// The issue (id or prefix).
    pub issue: String,
    /// The problem, in a sentence.
    #[arg(long)]
    pub statement: Option<String>,
    /// The template's other answers.
    #[command(flatten)]
    pub answers: Answers,
}

/// What `revans issue resolve` takes.
#[derive(Debug, Args)]
pub struct IssueResolveArgs {
    /// The set.
    pub set: String,
    /// The issue (id or prefix).
    pub issue: String,
}

/// What `revans issue drop` takes.
#[derive(Debug, Args)]
pub struct IssueDropArgs {
    /// The set.
    pub set: String,
    /// The issue (id or prefix).
    pub issue: String,
}

/// What `revans issue list` takes.
#[derive(Debug, Args)]
pub struct IssueListArgs {
    /// The set.
    pub set: String,
}

/// The problem-statement template's answers after its one sentence.
#[derive(Debug, Args)]
pub struct Answers {
    /// Why is it important to me?
    #[arg(long)]
    pub why_me: Option<String>,
    /// Why is it important to my practice or organisation?
    #[arg(long)]
    pub why_practice: Option<String>,
    /// How would I recognise progress?
    #[arg(long)]
    pub progress: Option<String>,
    /// Who else would like to see progress?
    #[arg(long)]
    pub who_else: Option<String>,
    /// What difficulties do I anticipate?
    #[arg(long)]
    pub difficulties: Option<String>,
    /// What benefits would progress bring to me?
    #[arg(long)]
    pub benefits_me: Option<String>,
    /// ... to others?
    #[arg(long)]
    pub benefits_others: Option<String>,
    /// ... to the practice?
    #[arg(long)]
    pub benefits_practice: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum JournalCmd {
    /// Write an entry.
    ///
    /// Example: revans journal add "I notice I rush to fix things."
    /// Without TEXT, the entry is read from standard input (kept out of the process list):
    /// revans journal add < entry.txt
    Add {
        /// The entry; read from standard input when left out.
        text: Option<String>,
    },
    /// Your entries, newest first.
    ///
    /// Example: revans journal list
    List,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FacilitationMode {
    Facilitated,
    Rotating,
    SelfManaged,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum UrgencyArg {
    Low,
    Normal,
    High,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TurnAction {
    Start,
    End,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PhaseArg {
    CatchUp,
    Agenda,
    Turns,
    Review,
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutcomeArg {
    Done,
    Partly,
    Not,
}

impl Cmd {
    /// Fills in what the command takes from standard input (a ticket given as `-`, a
    /// journal entry given no text), read with `read`: such text never shows in the
    /// process list. Returns whether it read anything.
    pub fn fill_from_stdin(
        &mut self,
        read: impl FnOnce() -> anyhow::Result<String>,
    ) -> anyhow::Result<bool> {
        match self {
            Cmd::Join(JoinArgs { ticket, .. }) | Cmd::LinkDevice(LinkDeviceArgs { ticket, .. })
                if ticket == "-" =>
            {
                read()?.trim().clone_into(ticket);
            }
            Cmd::Journal(JournalCmd::Add { text: text @ None }) => {
                *text = Some(read()?.trim_end().to_owned());
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    /// Every command's arguments are well formed (clap checks names, flags and value
    /// names only when a command is first parsed; this parses them all at once).
    #[test]
    fn the_grammar_is_well_formed() {
        Cli::command().debug_assert();
    }
}
