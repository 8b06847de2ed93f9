//! The grammar of the meeting's commands: the catch-up, bids and the agenda, turns and
//! questions, coming or apologies, actions and the review, and planning meetings (each
//! with `--for` where the room's scribe may enter it for another member).

use clap::{Args, Subcommand};

use super::{OutcomeArg, PhaseArg, TurnAction, UrgencyArg};

/// Whose words a command records: by default yours.
#[derive(Debug, Args)]
pub struct Scribe {
    /// Enter it for another member at a running meeting, as the room's scribe (name, id
    /// or prefix): marked as entered by you until they confirm or change it.
    #[arg(long = "for", value_name = "MEMBER")]
    pub member: Option<String>,
}

/// What `revans catchup` takes.
#[derive(Debug, Args)]
pub struct CatchupArgs {
    /// The set.
    pub set: String,
    /// The meeting (id or prefix, or `next`).
    pub meeting: String,
    /// Your news.
    pub text: String,
    /// As the room's scribe: whose words these are.
    #[command(flatten)]
    pub scribe: Scribe,
}

/// What `revans bid` takes.
#[derive(Debug, Args)]
pub struct BidArgs {
    /// The set.
    pub set: String,
    /// The meeting (id or prefix, or `next`).
    pub meeting: String,
    /// Minutes you want (default: an equal share).
    #[arg(long)]
    pub minutes: Option<u32>,
    /// How urgent.
    #[arg(long, default_value = "normal")]
    pub urgency: UrgencyArg,
    /// The issue to work on (id or prefix).
    #[arg(long)]
    pub issue: Option<String>,
    /// A note for the set: what you want from it today.
    #[arg(long, default_value = "")]
    pub note: String,
    /// Pass this time: you are here, but ask for no turn.
    #[arg(long, conflicts_with_all = ["minutes", "issue", "note"])]
    pub pass: bool,
    /// As the room's scribe: whose words these are.
    #[command(flatten)]
    pub scribe: Scribe,
}

/// What `revans agenda` takes.
#[derive(Debug, Args)]
pub struct AgendaArgs {
    /// The set.
    pub set: String,
    /// The meeting (id or prefix, or `next`).
    pub meeting: String,
    /// Lock the order: the proposed one, or the one `--order` and `--minutes` arrange.
    #[arg(long)]
    pub lock: bool,
    /// The order the set agreed, by name: those who bid and are left out pass this time
    /// (needs --lock).
    #[arg(long, value_delimiter = ',', value_name = "A,B,C", requires = "lock")]
    pub order: Vec<String>,
    /// A presenter's minutes, as NAME=MINUTES; repeat or separate with commas (needs
    /// --lock).
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "NAME=MINUTES",
        requires = "lock"
    )]
    pub minutes: Vec<String>,
}

/// What `revans turn` takes.
#[derive(Debug, Args)]
pub struct TurnArgs {
    /// start or end.
    pub action: TurnAction,
    /// The set.
    pub set: String,
    /// The meeting (id or prefix, or `next`).
    pub meeting: String,
    /// Who presents (default: the next on the agenda).
    pub member: Option<String>,
}

/// What `revans question` takes.
#[derive(Debug, Args)]
pub struct QuestionArgs {
    /// The set.
    pub set: String,
    /// The meeting (id or prefix, or `next`).
    pub meeting: String,
    /// The words.
    pub text: String,
    /// It was a statement, not a question.
    #[arg(long)]
    pub statement: bool,
    /// Who asked it (name, id or prefix); by default you.
    #[arg(long, value_name = "MEMBER")]
    pub by: Option<String>,
}

/// What `revans attend` takes.
#[derive(Debug, Args)]
pub struct AttendArgs {
    /// The set.
    pub set: String,
    /// The meeting (id or prefix, or `next`).
    pub meeting: String,
    /// You are coming.
    #[arg(
        long,
        conflicts_with = "apologies",
        required_unless_present = "apologies"
    )]
    pub coming: bool,
    /// You cannot come: your apologies, with the reason if you give one.
    #[arg(long, value_name = "REASON", num_args = 0..=1, default_missing_value = "")]
    pub apologies: Option<String>,
    /// As the room's scribe: whose words these are.
    #[command(flatten)]
    pub scribe: Scribe,
}

/// What `revans insights` takes.
#[derive(Debug, Args)]
pub struct InsightsArgs {
    /// The set.
    pub set: String,
    /// The meeting (id or prefix, or `next`).
    pub meeting: String,
    /// What struck the presenter.
    pub text: String,
}

/// What `revans question-add` takes.
#[derive(Debug, Args)]
pub struct QuestionAddArgs {
    /// The set.
    pub set: String,
    /// The question.
    pub text: String,
    /// When in a turn it helps: opening, exploring, feelings, options, commitment or
    /// process.
    #[arg(long, default_value = "exploring", value_parser = kind)]
    pub kind: revans_model::QuestionCategory,
}

/// A kind of question by the name the model gives it.
fn kind(given: &str) -> Result<revans_model::QuestionCategory, String> {
    revans_model::QuestionCategory::ALL
        .into_iter()
        .find(|k| k.name() == given.trim().to_lowercase())
        .ok_or_else(|| {
            "one of opening, exploring, feelings, options, commitment or process".to_owned()
        })
}

/// What `revans celebrate` takes.
#[derive(Debug, Args)]
pub struct CelebrateArgs {
    /// The set.
    pub set: String,
    /// Whose achievement (name, id or prefix).
    pub member: String,
    /// What they achieved.
    pub text: String,
}

#[derive(Debug, Subcommand)]
pub enum MeetingCmd {
    /// Plan a meeting (the first defaults to 180 minutes, later ones to 120).
    ///
    /// Example: revans meeting plan "Tuesday set" --at 2026-12-01T09:30:00Z --location "Room 4"
    Plan(MeetingPlanArgs),
    /// Move a planned meeting: another time, place or host.
    ///
    /// Example: revans meeting move "Tuesday set" next --at 2026-12-08T09:30:00Z --host Bo
    Move(MeetingMoveArgs),
    /// Move a meeting to a phase: catch-up, agenda, turns, review, closed.
    ///
    /// Example: revans meeting phase "Tuesday set" next catch-up
    Phase(MeetingPhaseArgs),
    /// The set's meetings.
    ///
    /// Example: revans meeting list "Tuesday set"
    List(MeetingListArgs),
}

/// What `revans meeting plan` takes.
#[derive(Debug, Args)]
pub struct MeetingPlanArgs {
    /// The set.
    pub set: String,
    /// When it starts, RFC 3339 (2026-12-01T09:30:00Z or with an offset).
    #[arg(long, value_name = "RFC3339")]
    pub at: String,
    /// How long, in minutes.
    #[arg(long)]
    pub minutes: Option<u32>,
    /// Where.
    #[arg(long, default_value = "")]
    pub location: String,
    /// The member whose workplace hosts it.
    #[arg(long)]
    pub host: Option<String>,
    /// The set's last meeting: its review looks back over the set's life, and once it
    /// closes the set can be closed (`revans set close`).
    #[arg(long)]
    pub closing: bool,
}

/// What `revans meeting move` takes.
#[derive(Debug, Args)]
pub struct MeetingMoveArgs {
    /// The set.
    pub set: String,
    /// The meeting (id or prefix, or `next`).
    pub meeting: String,
    /// When it starts now, RFC 3339 (2026-12-08T09:30:00Z or with an offset).
    #[arg(long, value_name = "RFC3339")]
    pub at: Option<String>,
    /// Where it is now.
    #[arg(long)]
    pub location: Option<String>,
    /// The member whose workplace hosts it now, or `none`.
    #[arg(long)]
    pub host: Option<String>,
}

/// What `revans meeting phase` takes.
#[derive(Debug, Args)]
pub struct MeetingPhaseArgs {
    /// The set.
    pub set: String,
    /// The meeting (id or prefix, or `next`).
    pub meeting: String,
    /// The phase.
    pub phase: PhaseArg,
}

/// What `revans meeting list` takes.
#[derive(Debug, Args)]
pub struct MeetingListArgs {
    /// The set.
    pub set: String,
}

#[derive(Debug, Subcommand)]
pub enum ActionCmd {
    /// Commit to an action, with how likely you are to do it (1-10).
    ///
    /// Example: revans action add "Tuesday set" "Talk to the rota team" --likelihood 8
    Add(ActionAddArgs),
    /// Change your action before you report on it.
    ///
    /// Example: revans action edit "Tuesday set" 9a0b --text "Talk to the rota team and HR" --likelihood 6
    Edit(ActionEditArgs),
    /// Report back on your action: done, partly or not, and what happened.
    ///
    /// Example: revans action report "Tuesday set" 9a0b --status partly "Met them once" --learned "Ask earlier"
    Report(ActionReportArgs),
    /// Actions: yours first, then everyone's.
    ///
    /// Example: revans action list "Tuesday set"
    List(ActionListArgs),
}

/// What `revans action add` takes.
#[derive(Debug, Args)]
pub struct ActionAddArgs {
    /// The set.
    pub set: String,
    /// What you will do.
    pub text: String,
    /// How likely you are to do it, 1 to 10.
    #[arg(long)]
    pub likelihood: u8,
    /// The issue it serves (id or prefix).
    #[arg(long)]
    pub issue: Option<String>,
    /// The meeting it is committed at (id or prefix, or `next`).
    #[arg(long)]
    pub meeting: Option<String>,
    /// As the room's scribe: whose words these are.
    #[command(flatten)]
    pub scribe: Scribe,
}

/// What `revans action edit` takes.
#[derive(Debug, Args)]
pub struct ActionEditArgs {
    /// The set.
    pub set: String,
    /// The action (id or prefix).
    pub action: String,
    /// What you will do.
    #[arg(long)]
    pub text: Option<String>,
    /// How likely you are to do it, 1 to 10.
    #[arg(long)]
    pub likelihood: Option<u8>,
    /// As the room's scribe: whose words these are.
    #[command(flatten)]
    pub scribe: Scribe,
}

/// What `revans action report` takes.
#[derive(Debug, Args)]
pub struct ActionReportArgs {
    /// The set.
    pub set: String,
    /// The action (id or prefix).
    pub action: String,
    /// done, partly or not.
    #[arg(long)]
    pub status: OutcomeArg,
    /// What happened.
    pub text: String,
    /// What you learned.
    #[arg(long, default_value = "")]
    pub learned: String,
    /// As the room's scribe: whose words these are.
    #[command(flatten)]
    pub scribe: Scribe,
}

/// What `revans action list` takes.
#[derive(Debug, Args)]
pub struct ActionListArgs {
    /// The set.
    pub set: String,
}

/// The review of a meeting: the set's three questions, and your own five.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The set.
    pub set: String,
    /// The meeting (id or prefix, or `next`).
    pub meeting: String,
    /// What worked well?
    #[arg(long)]
    pub worked_well: Option<String>,
    /// What was difficult?
    #[arg(long)]
    pub difficult: Option<String>,
    /// How could we be more effective?
    #[arg(long)]
    pub more_effective: Option<String>,
    /// The three key things I have learned about my problem today.
    #[arg(long)]
    pub my_problem: Option<String>,
    /// The one thing I've learned about myself today.
    #[arg(long)]
    pub myself: Option<String>,
    /// My action steps before the next meeting.
    #[arg(long)]
    pub my_action_steps: Option<String>,
    /// The most interesting thing I learned about the other members' problems.
    #[arg(long)]
    pub other_members: Option<String>,
    /// What stands out about the working of this set.
    #[arg(long)]
    pub the_set: Option<String>,
    /// Show the review in the round: every member's answers, yours among them.
    #[arg(
        long,
        conflicts_with_all = [
            "worked_well", "difficult", "more_effective", "my_problem", "myself",
            "my_action_steps", "other_members", "the_set",
        ]
    )]
    pub show: bool,
    /// As the room's scribe: whose words these are.
    #[command(flatten)]
    pub scribe: Scribe,
}
