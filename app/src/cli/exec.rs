//! Carrying out a command on a running node. The same code runs in a one-shot `revans`
//! process and inside `revans serve` or the app, for a command handed over the local
//! socket; it writes to an [`Output`] rather than to the terminal.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use anyhow::{Context as _, Result, anyhow, bail};
use chrono::{DateTime, Utc};
use revans_model::{
    ActionLearningSet, Applied, Command, ContributionKind, Facilitation, Host, JournalCommand,
    MeetingPlan, MemberReviewAnswers, Outcome, Phase, ProblemStatement, Profile, SetId, TurnState,
    Urgency, batting_order, follow_through, turn_schedule,
};
use revans_sync::{Node, Route};
use serde_json::{Value, json};

use super::args::{
    ActionCmd, Answers, Cmd, FacilitationMode, IssueCmd, JournalCmd, MeetingCmd, MemberCmd,
    OutcomeArg, PhaseArg, ReviewArgs, RuleCmd, SetCmd, TurnAction, UrgencyArg,
};
use super::refs::{self, name_of};
use crate::export::{self, ExportFormat};
use crate::render::{self, Table, ago, line, local, minutes};

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

/// Parses a duration such as `90s`, `30m`, `12h` or `7d`.
pub fn parse_duration(text: &str) -> Result<Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().map_err(|_| {
        anyhow!(
            "\"{text}\" is not a duration; write a number and a unit, such as 30s, 10m, 12h or 7d."
        )
    })?;
    let seconds = match unit {
        "s" | "" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        "d" => n.saturating_mul(86_400),
        _ => bail!("\"{text}\" has an unknown unit; use s, m, h or d (for example 7d)."),
    };
    if seconds == 0 {
        bail!("A duration of zero is too short; give at least 1s.");
    }
    if seconds > 365 * 86_400 {
        bail!("\"{text}\" is more than a year; give a shorter duration.");
    }
    Ok(Duration::from_secs(seconds))
}

fn profile_or(node: &Node, name: Option<String>, org: Option<String>) -> Result<Profile> {
    let stored = node.profile()?.unwrap_or_default();
    let display_name = name.unwrap_or(stored.display_name);
    if display_name.trim().is_empty() {
        bail!(
            "Revans does not know your name yet; give it with --name, or once with `revans profile --name \"Your Name\"`."
        );
    }
    Ok(Profile {
        display_name,
        organisation: org.unwrap_or(stored.organisation),
    })
}

fn applied_id(applied: &Applied) -> Option<String> {
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

/// Carries out one command (not `serve`) with the node.
pub async fn execute(node: &Node, cmd: Cmd, json: bool, out: &mut Output) -> Result<()> {
    match cmd {
        Cmd::Profile { name, org } => {
            if name.is_some() || org.is_some() {
                let mut profile = node.profile()?.unwrap_or_default();
                if let Some(name) = name {
                    if name.trim().is_empty() || name.chars().count() > revans_model::NAME_MAX {
                        bail!(
                            "A name is 1 to {} characters; give another.",
                            revans_model::NAME_MAX
                        );
                    }
                    name.trim().clone_into(&mut profile.display_name);
                }
                if let Some(org) = org {
                    org.trim().clone_into(&mut profile.organisation);
                }
                node.set_profile(&profile)?;
            }
            let profile = node.profile()?.unwrap_or_default();
            let device = node.device().to_string();
            out.emit(
                json,
                &json!({
                    "name": profile.display_name,
                    "organisation": profile.organisation,
                    "device": device,
                    "data_dir": node.data_dir(),
                }),
                &format!(
                    "Name:          {}\nOrganisation:  {}\nDevice:        {device}\nData:          {}",
                    if profile.display_name.is_empty() {
                        "(not set: revans profile --name \"Your Name\")"
                    } else {
                        &profile.display_name
                    },
                    profile.organisation,
                    node.data_dir().display()
                ),
            );
        }
        Cmd::Set(SetCmd::Create { name, purpose }) => {
            let profile = profile_or(node, None, None)?;
            let id = node.create_set(&name, &purpose, profile).await?;
            out.emit(json, &json!({ "set": id, "name": name }), id.as_str());
        }
        Cmd::Set(SetCmd::List) => {
            let mut rows = Vec::new();
            let mut table = Table::new(&["SET", "NAME", "MEMBERS", "NEXT MEETING"]);
            for (id, loaded) in node.sets() {
                match loaded {
                    Ok(set) => {
                        let next = set
                            .meetings_in_order()
                            .into_iter()
                            .find(|(_, m)| m.closed_at.is_none())
                            .map(|(_, m)| m.scheduled_at.get());
                        table.row(vec![
                            id.as_str().chars().take(10).collect(),
                            set.name.clone(),
                            set.current_members().len().to_string(),
                            next.map_or_else(|| "none planned".to_owned(), local),
                        ]);
                        rows.push(json!({
                            "id": id,
                            "name": set.name,
                            "members": set.current_members().len(),
                            "next_meeting": next,
                        }));
                    }
                    Err(e) => {
                        table.row(vec![
                            id.as_str().chars().take(10).collect(),
                            format!("(does not load: {e})"),
                            String::new(),
                            String::new(),
                        ]);
                        rows.push(json!({ "id": id, "error": e.to_string() }));
                    }
                }
            }
            let human = if table.is_empty() {
                "This device holds no sets yet: create one with `revans set create NAME`, or join with `revans join TICKET`.".to_owned()
            } else {
                table.render()
            };
            out.emit(json, &json!({ "sets": rows }), &human);
        }
        Cmd::Set(SetCmd::Rename { set, name }) => {
            let (id, _) = refs::set(node, &set)?;
            node.apply(
                &id,
                Command::EditSet {
                    name: Some(name),
                    purpose: None,
                },
            )
            .await?;
            let name = node.set(&id)?.name.clone();
            out.emit(
                json,
                &json!({ "set": id, "name": name }),
                &format!("The set is now called {name}."),
            );
        }
        Cmd::Set(SetCmd::Show { set, at }) => {
            let (id, mut state) = refs::set(node, &set)?;
            let mut now = Utc::now();
            if let Some(at) = at {
                let when = moment(&state, &at)?;
                state = std::sync::Arc::new(node.set_at(&id, when).await?.0);
                now = when;
            }
            if json {
                out.print(&export::json(&state)?);
            } else {
                out.print(&export::markdown(&state, now));
            }
        }
        Cmd::Invite {
            set,
            for_name,
            expires,
        } => {
            let (id, _) = refs::set(node, &set)?;
            let valid = parse_duration(&expires)?;
            let ticket = node.invite(&id, &for_name, valid, None).await?;
            let expires_at = Utc::now() + chrono::Duration::from_std(valid).unwrap_or_default();
            out.emit(
                json,
                &json!({
                    "ticket": ticket.to_string(),
                    "invitation": ticket.invitation,
                    "for": for_name,
                    "expires_at": expires_at,
                }),
                &ticket.to_string(),
            );
            let _ = writeln!(
                out.stderr,
                "Give this ticket to {for_name} by a private channel; it admits one device until {}.",
                local(expires_at)
            );
        }
        Cmd::Link { set, expires } => {
            let (id, _) = refs::set(node, &set)?;
            let me = node.me(&id)?;
            let valid = parse_duration(&expires)?;
            let ticket = node
                .invite(&id, "another device", valid, Some(me.clone()))
                .await?;
            let expires_at = Utc::now() + chrono::Duration::from_std(valid).unwrap_or_default();
            let state = node.set(&id)?;
            out.emit(
                json,
                &json!({
                    "ticket": ticket.to_string(),
                    "invitation": ticket.invitation,
                    "for": name_of(&state, &me),
                    "expires_at": expires_at,
                }),
                &ticket.to_string(),
            );
            out.stderr
                .push_str("On your other device, run: revans link-device TICKET\n");
        }
        Cmd::Join {
            ticket,
            name,
            org,
            timeout,
        } => {
            let profile = profile_or(node, name, org)?;
            let timeout = parse_duration(&timeout)?;
            let id = node.join(&ticket, profile, timeout).await?;
            let state = node.set(&id)?;
            let member = node.me(&id)?;
            out.emit(
                json,
                &json!({ "set": id, "name": state.name, "member": member }),
                id.as_str(),
            );
            let _ = writeln!(out.stderr, "You are now a member of {}.", state.name);
        }
        Cmd::LinkDevice { ticket, timeout } => {
            let timeout = parse_duration(&timeout)?;
            let id = node.link_device(&ticket, timeout).await?;
            let state = node.set(&id)?;
            let member = node.me(&id)?;
            out.emit(
                json,
                &json!({ "set": id, "name": state.name, "member": member }),
                id.as_str(),
            );
            let _ = writeln!(
                out.stderr,
                "This device now acts for {} in {}.",
                name_of(&state, &member),
                state.name
            );
        }
        Cmd::Member(MemberCmd::Remove { set, member }) => {
            let (id, state) = refs::set(node, &set)?;
            let who = refs::member(&state, &member)?;
            node.apply(
                &id,
                Command::RemoveMember {
                    member: who.clone(),
                },
            )
            .await?;
            let who_name = name_of(&state, &who);
            out.emit(
                json,
                &json!({ "removed": who, "name": who_name }),
                &format!(
                    "{who_name} is no longer a member. They keep what their devices already hold, and receive nothing from now on."
                ),
            );
        }
        Cmd::Member(MemberCmd::List { set }) => {
            let (_, state) = refs::set(node, &set)?;
            let mut table = Table::new(&["MEMBER", "NAME", "ORGANISATION", "ROLE", "DEVICES"]);
            let mut rows = Vec::new();
            for (id, m) in state.current_members() {
                let role = match state.role_of(id) {
                    revans_model::Role::Facilitator => "facilitator",
                    revans_model::Role::Member => "member",
                };
                table.row(vec![
                    id.short().to_owned(),
                    m.display_name.clone(),
                    m.organisation.clone(),
                    role.to_owned(),
                    m.devices.len().to_string(),
                ]);
                rows.push(json!({
                    "id": id, "name": m.display_name, "organisation": m.organisation,
                    "role": role, "devices": m.devices.keys().collect::<Vec<_>>(),
                }));
            }
            out.emit(json, &json!({ "members": rows }), &table.render());
        }
        Cmd::Facilitation { set, mode, member } => {
            let (id, state) = refs::set(node, &set)?;
            let to = match mode {
                FacilitationMode::Facilitated => {
                    let Some(member) = member else {
                        bail!("Name the facilitator: revans facilitation SET facilitated MEMBER.");
                    };
                    Facilitation::Facilitated {
                        facilitator: refs::member(&state, &member)?,
                    }
                }
                FacilitationMode::Rotating => Facilitation::Rotating {
                    order: state
                        .current_members()
                        .into_iter()
                        .map(|(id, _)| id.clone())
                        .collect(),
                },
                FacilitationMode::SelfManaged => Facilitation::SelfManaged,
            };
            node.apply(&id, Command::ChangeFacilitation { to }).await?;
            let state = node.set(&id)?;
            let words = export::facilitation(&state);
            out.emit(
                json,
                &json!({ "facilitation": state.facilitation }),
                &format!("{} is now {words}.", state.name),
            );
        }
        Cmd::Rule(rule) => execute_rule(node, rule, json, out).await?,
        Cmd::Issue(issue) => execute_issue(node, issue, json, out).await?,
        Cmd::Meeting(meeting) => execute_meeting(node, meeting, json, out).await?,
        Cmd::Catchup { set, meeting, text } => {
            let (id, state) = refs::set(node, &set)?;
            let meeting = refs::meeting(&state, &meeting)?;
            node.apply(
                &id,
                Command::CatchUp {
                    meeting: meeting.clone(),
                    news: text,
                },
            )
            .await?;
            out.emit(json, &json!({ "meeting": meeting }), "Your news is shared.");
        }
        Cmd::Bid {
            set,
            meeting,
            minutes: wanted,
            urgency,
            issue,
            note,
        } => {
            let (id, state) = refs::set(node, &set)?;
            let meeting = refs::meeting(&state, &meeting)?;
            let issue = issue.map(|i| refs::issue(&state, &i)).transpose()?;
            let urgency = match urgency {
                UrgencyArg::Low => Urgency::Low,
                UrgencyArg::Normal => Urgency::Normal,
                UrgencyArg::High => Urgency::High,
            };
            node.apply(
                &id,
                Command::BidForTime {
                    meeting: meeting.clone(),
                    minutes: wanted,
                    urgency,
                    issue,
                    note,
                },
            )
            .await?;
            let human = match wanted {
                Some(m) => format!("You bid for {} ({} urgency).", minutes(m), urgency.name()),
                None => format!("You bid for an equal share ({} urgency).", urgency.name()),
            };
            out.emit(
                json,
                &json!({ "meeting": meeting, "minutes": wanted, "urgency": urgency }),
                &human,
            );
        }
        Cmd::Agenda { set, meeting, lock } => {
            let (id, state) = refs::set(node, &set)?;
            let meeting_id = refs::meeting(&state, &meeting)?;
            let state = if lock {
                node.apply(
                    &id,
                    Command::LockAgenda {
                        meeting: meeting_id.clone(),
                        slots: None,
                    },
                )
                .await?;
                node.set(&id)?
            } else {
                state
            };
            agenda(&state, &meeting_id, json, out)?;
        }
        Cmd::Turn {
            action,
            set,
            meeting,
            member,
        } => {
            let (id, state) = refs::set(node, &set)?;
            let meeting_id = refs::meeting(&state, &meeting)?;
            let m = state
                .meetings
                .get(&meeting_id)
                .ok_or_else(|| anyhow!("The meeting is gone."))?;
            match action {
                TurnAction::Start => {
                    let presenter = match member {
                        Some(member) => refs::member(&state, &member)?,
                        None => turn_schedule(&state, m, Utc::now())
                            .into_iter()
                            .find(|t| t.state == TurnState::Waiting)
                            .map(|t| t.member)
                            .ok_or_else(|| {
                                anyhow!(
                                    "No one on the agenda is waiting for a turn; name the presenter, or lock the agenda first."
                                )
                            })?,
                    };
                    node.apply(
                        &id,
                        Command::StartTurn {
                            meeting: meeting_id.clone(),
                            presenter: presenter.clone(),
                        },
                    )
                    .await?;
                    let state = node.set(&id)?;
                    let allocated = state
                        .meetings
                        .get(&meeting_id)
                        .and_then(|m| m.turns.get(&presenter))
                        .map_or(0, |t| t.allocated_minutes);
                    let who = name_of(&state, &presenter);
                    out.emit(
                        json,
                        &json!({ "meeting": meeting_id, "presenter": presenter, "minutes": allocated }),
                        &format!("{who}'s turn has started: {}.", minutes(allocated)),
                    );
                }
                TurnAction::End => {
                    let presenter = m.running_turn().map(|(p, _)| p.clone());
                    node.apply(
                        &id,
                        Command::EndTurn {
                            meeting: meeting_id.clone(),
                        },
                    )
                    .await?;
                    let who = presenter
                        .as_ref()
                        .map_or_else(String::new, |p| name_of(&state, p));
                    out.emit(
                        json,
                        &json!({ "meeting": meeting_id, "presenter": presenter }),
                        &format!("{who}'s turn has ended."),
                    );
                }
            }
        }
        Cmd::Question {
            set,
            meeting,
            text,
            statement,
            by,
        } => {
            let (id, state) = refs::set(node, &set)?;
            let meeting = refs::meeting(&state, &meeting)?;
            let asker = by.map(|m| refs::member(&state, &m)).transpose()?;
            let kind = if statement {
                ContributionKind::Statement
            } else {
                ContributionKind::Question
            };
            let applied = node
                .apply(
                    &id,
                    Command::LogContribution {
                        meeting: meeting.clone(),
                        kind,
                        text,
                        asker,
                    },
                )
                .await?;
            out.emit(
                json,
                &json!({ "contribution": applied_id(&applied), "kind": kind }),
                if statement {
                    "Statement logged."
                } else {
                    "Question logged."
                },
            );
        }
        Cmd::Action(action) => execute_action(node, action, json, out).await?,
        Cmd::Review(review) => execute_review(node, review, json, out).await?,
        Cmd::Journal(JournalCmd::Add { text }) => {
            let entry = node
                .journal_apply(JournalCommand::Write {
                    text: text.unwrap_or_default(),
                    set: None,
                    meeting: None,
                })
                .await?;
            out.emit(
                json,
                &json!({ "entry": entry }),
                "Written in your journal; only your own devices hold it.",
            );
        }
        Cmd::Journal(JournalCmd::List) => {
            let journal = node.journal()?;
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
            out.emit(json, &json!({ "entries": entries }), human.trim_end());
        }
        Cmd::Sync { set, timeout } => {
            let timeout = parse_duration(&timeout)?;
            super::sync::sync(node, set.as_deref(), timeout, json, out).await?;
        }
        Cmd::Status { set } => status(node, set.as_deref(), json, out)?,
        Cmd::Conflicts { set } => {
            let (id, state) = refs::set(node, &set)?;
            let found = node.conflicts(&id)?;
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
                human = "Every value in this set has one version: nothing was changed by two members at once.".into();
            } else {
                let _ = write!(
                    human,
                    "Keep one with: revans resolve \"{}\" NUMBER LETTER",
                    state.name
                );
            }
            out.emit(json, &json!({ "conflicts": rows }), &human);
        }
        Cmd::Resolve {
            set,
            conflict,
            keep,
        } => {
            let (id, state) = refs::set(node, &set)?;
            let found = node.conflicts(&id)?;
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
            node.apply(
                &id,
                Command::Keep {
                    field: chosen.field.clone(),
                    value: kept.clone(),
                },
            )
            .await?;
            out.emit(
                json,
                &json!({ "kept": kept }),
                &format!(
                    "Kept {} for {}; every device will show it.",
                    render::kept(&state, &kept),
                    lowercase_first(&render::field(&state, &chosen.field))
                ),
            );
        }
        Cmd::Export {
            set,
            format,
            output,
        } => {
            let (id, state) = refs::set(node, &set)?;
            let bytes = match format {
                ExportFormat::Md => export::markdown(&state, Utc::now()).into_bytes(),
                ExportFormat::Json => export::json(&state)?.into_bytes(),
                ExportFormat::Ics => export::ics(&state).into_bytes(),
                ExportFormat::Automerge => node.save(&id).await?,
                ExportFormat::Revans => node.backup(&id).await?,
            };
            if let Some(path) = output {
                let path = out.cwd.join(path);
                export::write_private(&path, &bytes).with_context(|| {
                    format!(
                        "Could not write {}; check the folder exists and you may write there",
                        path.display()
                    )
                })?;
                out.emit(
                    json,
                    &json!({ "written": path, "bytes": bytes.len() }),
                    &format!("Wrote {} ({} bytes).", path.display(), bytes.len()),
                );
            } else {
                if matches!(format, ExportFormat::Automerge | ExportFormat::Revans)
                    && out.stdout_is_terminal
                {
                    bail!(
                        "This export is binary; write it to a file with -o FILE (or redirect the output)."
                    );
                }
                out.stdout.extend_from_slice(&bytes);
            }
        }
        Cmd::Import { file } => {
            let path = out.cwd.join(file);
            let bytes = std::fs::read(&path).with_context(|| {
                format!(
                    "Could not read {}; check the name and that you may read it",
                    path.display()
                )
            })?;
            let imported = node.import_set(&bytes).await?;
            let name = node
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
            out.emit(
                json,
                &json!({
                    "set": imported.set,
                    "name": name,
                    "taken": imported.taken,
                    "refused": imported.refused,
                }),
                &text,
            );
        }
        Cmd::Serve => bail!(
            "A node is already running on this data directory; stop it before starting `revans serve`."
        ),
    }
    Ok(())
}

async fn execute_rule(node: &Node, cmd: RuleCmd, json: bool, out: &mut Output) -> Result<()> {
    match cmd {
        RuleCmd::Propose { set, text } => {
            let (id, _) = refs::set(node, &set)?;
            let applied = node.apply(&id, Command::ProposeRule { text }).await?;
            let rule = applied_id(&applied).unwrap_or_default();
            out.emit(json, &json!({ "rule": rule }), &rule);
        }
        RuleCmd::Agree { set, rule } => {
            let (id, state) = refs::set(node, &set)?;
            let rule = refs::rule(&state, &rule)?;
            node.apply(&id, Command::AgreeRule { rule: rule.clone() })
                .await?;
            out.emit(
                json,
                &json!({ "rule": rule, "agreed": true }),
                "You have agreed to the rule.",
            );
        }
        RuleCmd::Reword { set, rule, text } => {
            let (id, state) = refs::set(node, &set)?;
            let rule = refs::rule(&state, &rule)?;
            node.apply(
                &id,
                Command::RewordRule {
                    rule: rule.clone(),
                    text: text.clone(),
                },
            )
            .await?;
            out.emit(
                json,
                &json!({ "rule": rule, "text": text }),
                "The rule has its new words; everyone is asked to agree to it again.",
            );
        }
        RuleCmd::Retire { set, rule } => {
            let (id, state) = refs::set(node, &set)?;
            let rule = refs::rule(&state, &rule)?;
            node.apply(&id, Command::RetireRule { rule: rule.clone() })
                .await?;
            out.emit(
                json,
                &json!({ "rule": rule, "retired": true }),
                "The rule is retired.",
            );
        }
        RuleCmd::List { set } => {
            let (_, state) = refs::set(node, &set)?;
            let mut table = Table::new(&["RULE", "TEXT", "AGREED BY"]);
            let mut rows = Vec::new();
            for (id, rule) in state
                .ground_rules
                .iter()
                .filter(|(_, r)| r.retired.is_none())
            {
                let agreed: Vec<String> =
                    rule.agreed_by.keys().map(|m| name_of(&state, m)).collect();
                table.row(vec![
                    id.short().to_owned(),
                    line(&rule.text, 60),
                    agreed.join(", "),
                ]);
                rows.push(json!({ "id": id, "text": rule.text, "agreed_by": rule.agreed_by.keys().collect::<Vec<_>>() }));
            }
            out.emit(json, &json!({ "rules": rows }), &table.render());
        }
    }
    Ok(())
}

async fn execute_issue(node: &Node, cmd: IssueCmd, json: bool, out: &mut Output) -> Result<()> {
    match cmd {
        IssueCmd::Add {
            set,
            statement,
            answers,
        } => {
            let (id, _) = refs::set(node, &set)?;
            let mut problem = ProblemStatement::new(&statement);
            answered(&mut problem, answers);
            let applied = node.apply(&id, Command::AddIssue { problem }).await?;
            let issue = applied_id(&applied).unwrap_or_default();
            out.emit(json, &json!({ "issue": issue }), &issue);
        }
        IssueCmd::Edit {
            set,
            issue,
            statement,
            answers,
        } => {
            let (id, state) = refs::set(node, &set)?;
            let issue = refs::issue(&state, &issue)?;
            let written = &state.issues[&issue];
            let mut problem = ProblemStatement {
                statement: statement.unwrap_or_else(|| written.statement.clone()),
                important_to_me: written.important_to_me.to_string(),
                important_to_my_practice: written.important_to_my_practice.to_string(),
                recognising_progress: written.recognising_progress.to_string(),
                who_else_wants_progress: written.who_else_wants_progress.to_string(),
                anticipated_difficulties: written.anticipated_difficulties.to_string(),
                benefits_to_me: written.benefits_to_me.to_string(),
                benefits_to_others: written.benefits_to_others.to_string(),
                benefits_to_the_practice: written.benefits_to_the_practice.to_string(),
            };
            let before = problem.clone();
            answered(&mut problem, answers);
            if problem == before {
                bail!(
                    "Say what changes: --statement TEXT or an answer such as --why-me TEXT (see revans issue edit --help)."
                );
            }
            node.apply(
                &id,
                Command::EditIssue {
                    issue: issue.clone(),
                    problem,
                },
            )
            .await?;
            out.emit(json, &json!({ "issue": issue }), "Your issue is changed.");
        }
        IssueCmd::Resolve { set, issue } => {
            let (id, state) = refs::set(node, &set)?;
            let issue = refs::issue(&state, &issue)?;
            node.apply(
                &id,
                Command::ResolveIssue {
                    issue: issue.clone(),
                },
            )
            .await?;
            out.emit(
                json,
                &json!({ "issue": issue, "status": "resolved" }),
                "The issue is resolved.",
            );
        }
        IssueCmd::Drop { set, issue } => {
            let (id, state) = refs::set(node, &set)?;
            let issue = refs::issue(&state, &issue)?;
            node.apply(
                &id,
                Command::DropIssue {
                    issue: issue.clone(),
                },
            )
            .await?;
            out.emit(
                json,
                &json!({ "issue": issue, "status": "dropped" }),
                "The issue is dropped.",
            );
        }
        IssueCmd::List { set } => {
            let (_, state) = refs::set(node, &set)?;
            let mut table = Table::new(&["ISSUE", "OWNER", "STATUS", "STATEMENT"]);
            let mut rows = Vec::new();
            let mut issues: Vec<_> = state.issues.iter().collect();
            issues.sort_by_key(|(id, i)| (i.status.name(), i.priority, i.created_at, *id));
            for (id, issue) in issues {
                table.row(vec![
                    id.short().to_owned(),
                    name_of(&state, &issue.owner),
                    issue.status.name().to_owned(),
                    line(&issue.statement, 60),
                ]);
                rows.push(json!({
                    "id": id, "owner": issue.owner, "status": issue.status,
                    "statement": issue.statement, "priority": issue.priority,
                }));
            }
            out.emit(json, &json!({ "issues": rows }), &table.render());
        }
    }
    Ok(())
}

/// The template's answers given on the command line, over those already written.
fn answered(problem: &mut ProblemStatement, answers: Answers) {
    let Answers {
        why_me,
        why_practice,
        progress,
        who_else,
        difficulties,
        benefits_me,
        benefits_others,
        benefits_practice,
    } = answers;
    for (given, answer) in [
        (why_me, &mut problem.important_to_me),
        (why_practice, &mut problem.important_to_my_practice),
        (progress, &mut problem.recognising_progress),
        (who_else, &mut problem.who_else_wants_progress),
        (difficulties, &mut problem.anticipated_difficulties),
        (benefits_me, &mut problem.benefits_to_me),
        (benefits_others, &mut problem.benefits_to_others),
        (benefits_practice, &mut problem.benefits_to_the_practice),
    ] {
        if let Some(given) = given {
            *answer = given;
        }
    }
}

/// A sentence's start, made to sit inside another sentence.
fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_lowercase().chain(chars).collect()
    })
}

/// A time given in RFC 3339.
fn rfc3339(at: &str) -> Result<DateTime<Utc>> {
    Ok(DateTime::parse_from_rfc3339(at.trim())
        .map_err(|_| {
            anyhow!(
                "\"{at}\" is not a date and time in RFC 3339; write it like 2026-12-01T09:30:00Z or 2026-12-01T09:30:00+01:00."
            )
        })?
        .with_timezone(&Utc))
}

async fn execute_meeting(node: &Node, cmd: MeetingCmd, json: bool, out: &mut Output) -> Result<()> {
    match cmd {
        MeetingCmd::Plan {
            set,
            at,
            minutes: length,
            location,
            host,
        } => {
            let (id, state) = refs::set(node, &set)?;
            let scheduled_at = rfc3339(&at)?;
            let host = host.map(|h| refs::member(&state, &h)).transpose()?;
            // Sets meet at members' workplaces in turn: the host's organisation is the
            // place unless one is given.
            let location = match (location.trim(), &host) {
                ("", Some(host)) => state
                    .members
                    .get(host)
                    .map(|m| m.organisation.trim().to_owned())
                    .filter(|o| !o.is_empty())
                    .ok_or_else(|| anyhow!("Say where the meeting is with --location PLACE."))?,
                ("", None) => bail!(
                    "Say where the meeting is with --location PLACE (or --host MEMBER to meet at their organisation)."
                ),
                _ => location,
            };
            let applied = node
                .apply(
                    &id,
                    Command::PlanMeeting(MeetingPlan {
                        scheduled_at,
                        minutes: length,
                        location,
                        host,
                    }),
                )
                .await?;
            let meeting = applied_id(&applied).unwrap_or_default();
            let state = node.set(&id)?;
            let planned = state
                .meetings
                .iter()
                .find(|(m, _)| m.as_str() == meeting)
                .map_or(0, |(_, m)| m.minutes);
            out.emit(
                json,
                &json!({ "meeting": meeting, "scheduled_at": scheduled_at, "minutes": planned }),
                &meeting,
            );
            let _ = writeln!(
                out.stderr,
                "Planned for {}, {}.",
                local(scheduled_at),
                minutes(planned)
            );
        }
        MeetingCmd::Move {
            set,
            meeting,
            at,
            location,
            host,
        } => {
            let (id, state) = refs::set(node, &set)?;
            let meeting = refs::meeting(&state, &meeting)?;
            let scheduled_at = at.as_deref().map(rfc3339).transpose()?;
            let host = match host.as_deref().map(str::trim) {
                None => None,
                Some("none") => Some(Host::NoOne),
                Some(h) => Some(Host::Member(refs::member(&state, h)?)),
            };
            if scheduled_at.is_none() && location.is_none() && host.is_none() {
                bail!("Say what changes: --at TIME, --location PLACE or --host MEMBER (or none).");
            }
            node.apply(
                &id,
                Command::MoveMeeting {
                    meeting: meeting.clone(),
                    scheduled_at,
                    location,
                    host,
                },
            )
            .await?;
            let moved = &node.set(&id)?.meetings[&meeting];
            out.emit(
                json,
                &json!({
                    "meeting": meeting, "scheduled_at": moved.scheduled_at,
                    "location": moved.location, "host": moved.host,
                }),
                &format!(
                    "The meeting is now {}, at {}.",
                    local(moved.scheduled_at.get()),
                    moved.location
                ),
            );
        }
        MeetingCmd::Phase {
            set,
            meeting,
            phase,
        } => {
            let (id, state) = refs::set(node, &set)?;
            let meeting = refs::meeting(&state, &meeting)?;
            let to = match phase {
                PhaseArg::CatchUp => Phase::CatchUp,
                PhaseArg::Agenda => Phase::Agenda,
                PhaseArg::Turns => Phase::Turns,
                PhaseArg::Review => Phase::Review,
                PhaseArg::Closed => Phase::Closed,
            };
            node.apply(
                &id,
                Command::MovePhase {
                    meeting: meeting.clone(),
                    to,
                },
            )
            .await?;
            out.emit(
                json,
                &json!({ "meeting": meeting, "phase": to }),
                &format!("The meeting is in its {} phase.", to.name()),
            );
        }
        MeetingCmd::List { set } => {
            let (_, state) = refs::set(node, &set)?;
            let mut table = Table::new(&["MEETING", "WHEN", "LENGTH", "WHERE", "PHASE"]);
            let mut rows = Vec::new();
            for (id, m) in state.meetings_in_order() {
                table.row(vec![
                    id.short().to_owned(),
                    local(m.scheduled_at.get()),
                    minutes(m.minutes),
                    m.location.clone(),
                    m.phase.name().to_owned(),
                ]);
                rows.push(json!({
                    "id": id, "scheduled_at": m.scheduled_at, "minutes": m.minutes,
                    "location": m.location, "phase": m.phase, "host": m.host,
                }));
            }
            out.emit(json, &json!({ "meetings": rows }), &table.render());
        }
    }
    Ok(())
}

async fn execute_action(node: &Node, cmd: ActionCmd, json: bool, out: &mut Output) -> Result<()> {
    match cmd {
        ActionCmd::Add {
            set,
            text,
            likelihood,
            issue,
            meeting,
        } => {
            let (id, state) = refs::set(node, &set)?;
            let issue = issue.map(|i| refs::issue(&state, &i)).transpose()?;
            let meeting = meeting.map(|m| refs::meeting(&state, &m)).transpose()?;
            let applied = node
                .apply(
                    &id,
                    Command::AddAction {
                        text,
                        likelihood,
                        issue,
                        meeting,
                    },
                )
                .await?;
            let action = applied_id(&applied).unwrap_or_default();
            out.emit(
                json,
                &json!({ "action": action, "likelihood": likelihood }),
                &action,
            );
        }
        ActionCmd::Edit {
            set,
            action,
            text,
            likelihood,
        } => {
            let (id, state) = refs::set(node, &set)?;
            let action = refs::action(&state, &action)?;
            if text.is_none() && likelihood.is_none() {
                bail!("Say what changes: --text TEXT or --likelihood N (1 to 10).");
            }
            node.apply(
                &id,
                Command::EditAction {
                    action: action.clone(),
                    text,
                    likelihood,
                },
            )
            .await?;
            let edited = &node.set(&id)?.actions[&action];
            out.emit(
                json,
                &json!({ "action": action, "text": edited.text, "likelihood": edited.likelihood }),
                "Your action is changed.",
            );
        }
        ActionCmd::Report {
            set,
            action,
            status,
            text,
            learned,
        } => {
            let (id, state) = refs::set(node, &set)?;
            let action = refs::action(&state, &action)?;
            let outcome = match status {
                OutcomeArg::Done => Outcome::Done,
                OutcomeArg::Partly => Outcome::Partly,
                OutcomeArg::Not => Outcome::Not,
            };
            node.apply(
                &id,
                Command::ReportBack {
                    action: action.clone(),
                    outcome,
                    what_happened: text,
                    learned,
                },
            )
            .await?;
            out.emit(
                json,
                &json!({ "action": action, "status": outcome }),
                &format!("Reported back: {}.", outcome.name()),
            );
        }
        ActionCmd::List { set } => {
            let (id, state) = refs::set(node, &set)?;
            let me = node.me(&id).ok();
            let mut actions: Vec<_> = state.actions.iter().collect();
            actions.sort_by_key(|(aid, a)| (Some(&a.owner) != me.as_ref(), a.created_at, *aid));
            let mut table = Table::new(&["ACTION", "OWNER", "LIKELY", "STATUS", "TEXT"]);
            let mut rows = Vec::new();
            for (aid, a) in actions {
                let status = a.report_back.as_ref().map_or("open", |r| r.outcome.name());
                table.row(vec![
                    aid.short().to_owned(),
                    name_of(&state, &a.owner),
                    format!("{}/10", a.likelihood),
                    status.to_owned(),
                    line(&a.text, 60),
                ]);
                rows.push(json!({
                    "id": aid, "owner": a.owner, "text": a.text, "likelihood": a.likelihood,
                    "status": status, "meeting": a.meeting, "issue": a.issue,
                }));
            }
            let figures: BTreeMap<_, _> = follow_through(&state)
                .into_iter()
                .map(|(m, f)| {
                    (
                        m.to_string(),
                        json!({ "done": f.done, "partly": f.partly, "not": f.not, "open": f.open,
                                "calibration": f.calibration.map(|c| json!({
                                    "reported": c.reported, "mean_likelihood": c.mean_likelihood,
                                    "follow_through": c.follow_through, "brier": c.brier })) }),
                    )
                })
                .collect();
            out.emit(
                json,
                &json!({ "actions": rows, "follow_through": figures }),
                &table.render(),
            );
        }
    }
    Ok(())
}

async fn execute_review(node: &Node, r: ReviewArgs, json: bool, out: &mut Output) -> Result<()> {
    let (id, state) = refs::set(node, &r.set)?;
    let meeting = refs::meeting(&state, &r.meeting)?;
    let process = r.worked_well.is_some() || r.difficult.is_some() || r.more_effective.is_some();
    let own = MemberReviewAnswers {
        my_problem: r.my_problem,
        myself: r.myself,
        my_action_steps: r.my_action_steps,
        other_members: r.other_members,
        the_set: r.the_set,
    };
    let personal = own != MemberReviewAnswers::default();
    if !process && !personal {
        bail!(
            "Give at least one answer, such as --worked-well, --difficult, --more-effective or --my-problem."
        );
    }
    if process {
        node.apply(
            &id,
            Command::ReviewProcess {
                meeting: meeting.clone(),
                worked_well: r.worked_well,
                was_difficult: r.difficult,
                more_effective: r.more_effective,
            },
        )
        .await?;
    }
    if personal {
        node.apply(
            &id,
            Command::ReviewMeeting {
                meeting: meeting.clone(),
                answers: own,
            },
        )
        .await?;
    }
    out.emit(json, &json!({ "meeting": meeting }), "Review recorded.");
    Ok(())
}

fn agenda(
    state: &ActionLearningSet,
    meeting: &revans_model::MeetingId,
    json: bool,
    out: &mut Output,
) -> Result<()> {
    let m = state
        .meetings
        .get(meeting)
        .ok_or_else(|| anyhow!("The meeting is gone."))?;
    let order = batting_order(state, m);
    let mut table = Table::new(&["#", "MEMBER", "MINUTES", "ISSUE"]);
    let mut slots = Vec::new();
    for (i, slot) in order.slots.iter().enumerate() {
        let issue = slot
            .issue
            .as_ref()
            .and_then(|i| state.issues.get(i))
            .map(|i| line(&i.statement, 50))
            .unwrap_or_default();
        table.row(vec![
            (i + 1).to_string(),
            name_of(state, &slot.member),
            minutes(slot.minutes),
            issue,
        ]);
        slots.push(json!({
            "member": slot.member, "name": name_of(state, &slot.member),
            "minutes": slot.minutes, "issue": slot.issue,
        }));
    }
    let human = if order.slots.is_empty() {
        "No one has bid for time yet.".to_owned()
    } else {
        format!(
            "{} batting order ({} of {} for turns):\n{}",
            if order.locked { "Locked" } else { "Proposed" },
            minutes(order.allocated()),
            minutes(order.minutes_for_turns),
            table.render()
        )
    };
    out.emit(
        json,
        &json!({
            "meeting": meeting, "locked": order.locked,
            "minutes_for_turns": order.minutes_for_turns, "spare": order.spare(),
            "slots": slots,
        }),
        &human,
    );
    Ok(())
}

/// A moment in the set's past, as `set show --at` takes it: a time in RFC 3339, a local
/// date and time, a local day (its end), or a meeting (when it closed).
fn moment(state: &revans_model::ActionLearningSet, given: &str) -> Result<DateTime<Utc>> {
    use chrono::{Local, NaiveDate, NaiveDateTime, TimeZone as _};
    let given = given.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(given) {
        return Ok(at.with_timezone(&Utc));
    }
    let here = |naive: NaiveDateTime| {
        Local
            .from_local_datetime(&naive)
            .latest()
            .map(|t| t.with_timezone(&Utc))
    };
    if let Ok(naive) = NaiveDateTime::parse_from_str(given, "%Y-%m-%d %H:%M")
        && let Some(at) = here(naive)
    {
        return Ok(at);
    }
    if let Ok(day) = NaiveDate::parse_from_str(given, "%Y-%m-%d")
        && let Some(at) = day.and_hms_opt(23, 59, 59).and_then(here)
    {
        return Ok(at);
    }
    let meeting = refs::meeting(state, given).map_err(|_| {
        anyhow!(
            "\"{given}\" is neither a time nor a meeting: give a time like 2026-12-01T12:00:00Z or 2026-12-01 12:00, a day like 2026-12-01, or a meeting's id"
        )
    })?;
    let Some(m) = state.meetings.get(&meeting) else {
        bail!("No meeting {given} in this set.");
    };
    m.closed_at
        .map(revans_model::Timestamp::get)
        .ok_or_else(|| {
            anyhow!(
                "The meeting of {} has not closed yet; give a time instead.",
                local(m.scheduled_at.get())
            )
        })
}

fn status(node: &Node, set: Option<&str>, json: bool, out: &mut Output) -> Result<()> {
    let ids: Vec<SetId> = match set {
        Some(given) => vec![refs::set(node, given)?.0],
        None => node.sets().into_iter().map(|(id, _)| id).collect(),
    };
    let now = Utc::now();
    // A one-shot command's node keeps no connections: it can only say what was last heard.
    let running = node.dialling();
    let mut human = String::new();
    if !running {
        human.push_str(
            "Revans is not running on this data directory, so no device is connected now: \
             start the app or `revans serve` to reach members' devices.\n",
        );
    }
    let relays = node.relays();
    for relay in &relays {
        if relay.connected {
            let _ = writeln!(human, "Relay {}: connected.", relay.url);
        } else if running {
            let _ = writeln!(
                human,
                "Relay {}: not reachable{}. Members' devices outside this network cannot be \
                 reached through it until it is.",
                relay.url,
                relay
                    .error
                    .as_deref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            );
        }
    }
    // A connection through a relay that is down carries nothing, though it stays open
    // a while in case the relay comes straight back.
    let relay_up = relays.iter().any(|r| r.connected);
    let reachable_now =
        |d: &revans_sync::DeviceSync| d.connected && (d.route != Some(Route::Relay) || relay_up);
    let mut sets = Vec::new();
    for id in ids {
        let state = node.set(&id)?;
        let mut table = Table::new(&["MEMBER", "DEVICE", "ONLINE", "HAS OUR LATEST", "LAST HEARD"]);
        let mut members = Vec::new();
        let mut unreachable = Vec::new();
        for (member, devices) in node.sync_status(&id)? {
            let mut ds = Vec::new();
            for d in &devices {
                table.row(vec![
                    name_of(&state, &member),
                    if d.this_device {
                        format!("{} (this one)", d.device.short())
                    } else {
                        d.device.short().to_owned()
                    },
                    match (d.connected, d.route) {
                        (false, _) => "no".to_owned(),
                        (true, Some(Route::Relay)) if !relay_up => {
                            "no (its relay is down)".to_owned()
                        }
                        (true, Some(Route::Relay)) => "yes, via relay".to_owned(),
                        (true, Some(Route::Direct)) => "yes, direct".to_owned(),
                        (true, None) => "yes".to_owned(),
                    },
                    if d.up_to_date { "yes" } else { "not yet" }.to_owned(),
                    d.last_heard
                        .map_or_else(|| "never".to_owned(), |at| ago(at, now)),
                ]);
                ds.push(json!({
                    "device": d.device, "this_device": d.this_device, "connected": d.connected,
                    "route": d.route.map(Route::as_str),
                    "up_to_date": d.up_to_date, "last_heard": d.last_heard,
                }));
            }
            let mine = devices.iter().any(|d| d.this_device);
            let reachable = devices.iter().any(&reachable_now);
            if running && !mine && !reachable {
                let heard = devices.iter().filter_map(|d| d.last_heard).max();
                unreachable.push(format!(
                    "{} is unreachable: none of their devices is connected now (last heard {}). \
                     What changes here waits and reaches them when one is.",
                    name_of(&state, &member),
                    heard.map_or_else(|| "never".to_owned(), |at| ago(at, now)),
                ));
            }
            members.push(json!({
                "member": member, "name": name_of(&state, &member),
                "reachable": mine || reachable, "devices": ds,
            }));
        }
        let _ = writeln!(human, "{}\n{}", state.name, table.render());
        for line in unreachable {
            let _ = writeln!(human, "{line}");
        }
        sets.push(json!({ "set": id, "name": state.name, "members": members }));
    }
    if sets.is_empty() {
        human.push_str("This device holds no sets yet.");
    }
    let relays: Vec<_> = relays
        .iter()
        .map(|r| json!({ "url": r.url, "connected": r.connected, "error": r.error }))
        .collect();
    out.emit(
        json,
        &json!({ "running": running, "relays": relays, "sets": sets }),
        human.trim_end(),
    );
    Ok(())
}
