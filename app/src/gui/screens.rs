//! The areas of a set other than the meeting console.

use chrono::{DateTime, Datelike as _, Local, NaiveDateTime, TimeZone as _, Utc};
use egui::RichText;
use revans_model::{
    ActionLearningSet, Command, DeviceId, Facilitation, Field, InvitationState, IssueStatus,
    JournalCommand, MeetingPlan, ProblemStatement, SetId, follow_through,
};

use super::editing::Editing;
use super::room::{in_joining_order, member_colour};
use super::{ActionFilter, Outcome, RevansApp, Ticket, charts, look};
use crate::cli::args::ExportFormat;
use crate::cli::refs::name_of;
use crate::export;
use crate::render::{ago, local};

/// The date the plan-a-meeting form starts at: four weeks after the set's last meeting,
/// or a week from today if that is past (sets meet every few weeks).
fn next_meeting_date(set: &ActionLearningSet, today: chrono::NaiveDate) -> jiff::civil::Date {
    let last = set
        .meetings
        .values()
        .map(|m| m.scheduled_at.get().with_timezone(&Local).date_naive())
        .max();
    let date = last
        .map(|d| d + chrono::Days::new(28))
        .filter(|d| *d > today)
        .unwrap_or(today + chrono::Days::new(7));
    jiff::civil::date(
        i16::try_from(date.year()).unwrap_or(2026),
        i8::try_from(date.month()).unwrap_or(1),
        i8::try_from(date.day()).unwrap_or(1),
    )
}

/// Reads a local date and time as people write it: `2026-12-01 09:30`.
pub(super) fn parse_local(text: &str) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M").ok()?;
    Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// What the app exports, in the order offered.
const EXPORTS: [(ExportFormat, &str); 5] = [
    (ExportFormat::Md, "Record (Markdown)"),
    (ExportFormat::Json, "Whole set (JSON)"),
    (ExportFormat::Ics, "Calendar"),
    (ExportFormat::Automerge, "Automerge document"),
    (ExportFormat::Revans, "Backup"),
];

fn export_note(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::Md => {
            "Everything the set holds, to read or print: what stays in the room, so keep it to the set."
        }
        ExportFormat::Json => {
            "The whole set as data, for other tools: what stays in the room, so keep it to the set."
        }
        ExportFormat::Ics => {
            "The meetings, for a calendar: times and places only, nothing said in the set."
        }
        ExportFormat::Automerge => "The set's document, loadable by any Automerge tool.",
        ExportFormat::Revans => {
            "A signed backup that `revans import` restores, every change checked."
        }
    }
}

fn extension(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::Md => "md",
        ExportFormat::Json => "json",
        ExportFormat::Ics => "ics",
        ExportFormat::Automerge => "automerge",
        ExportFormat::Revans => "revans",
    }
}

/// The issue template's questions after its one sentence, in the practice's words, and
/// the fields that hold the answers.
pub(super) const ISSUE_TEMPLATE: [(&str, &str); 8] = [
    ("Why is this important to you?", "issue.why_me"),
    (
        "Why is this important to your practice?",
        "issue.why_practice",
    ),
    (
        "How will you recognise progress on this problem?",
        "issue.progress",
    ),
    (
        "Who else would like to see progress on this problem?",
        "issue.who_else",
    ),
    ("What difficulties do you anticipate?", "issue.difficulties"),
    (
        "What are the benefits if this problem is reduced or resolved? To me?",
        "issue.benefits_me",
    ),
    ("... To other people?", "issue.benefits_others"),
    ("... To the practice?", "issue.benefits_practice"),
];

/// A member's device as People and sync says it: online (and how) or not, whether it
/// holds this device's latest change, and when it was last heard from.
fn device_state(
    set: &ActionLearningSet,
    member: &revans_model::MemberId,
    d: &revans_sync::DeviceSync,
    now: DateTime<Utc>,
) -> String {
    if d.this_device {
        return "this device".to_owned();
    }
    let online = match (d.connected, d.route) {
        (false, _) => "offline",
        (true, Some(revans_sync::Route::Direct)) => "online (direct connection)",
        (true, Some(revans_sync::Route::Relay)) => "online (through a relay)",
        (true, None) => "online",
    };
    let holds = if d.up_to_date {
        "has our latest change"
    } else if d.connected {
        "catching up"
    } else {
        "does not have our latest change yet"
    };
    // A device admitted or linked here was heard from then, before any sync message.
    let linked = set
        .members
        .get(member)
        .and_then(|m| m.devices.get(&d.device))
        .map(|record| record.linked_at.get());
    let heard = match (d.last_heard, linked) {
        (Some(heard), _) => format!("last heard {}", ago(heard, now)),
        (None, Some(linked)) => format!("last heard when it joined, {}", ago(linked, now)),
        (None, None) => "never heard from".to_owned(),
    };
    format!("{online}; {holds}; {heard}")
}

/// "Sync now": dials every member's device at once and waits, for at most 30 seconds,
/// until one holds exactly what this device holds.
async fn sync_now(node: &revans_sync::Node, set: &SetId) -> Result<Outcome, String> {
    const WAIT: std::time::Duration = std::time::Duration::from_secs(30);
    let mut events = node.subscribe();
    node.sync_now();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let status = node.sync_status(set).map_err(|e| e.to_string())?;
        let others = status
            .iter()
            .flat_map(|(_, devices)| devices)
            .filter(|d| !d.this_device)
            .count();
        if others == 0 {
            return Err("No other member's device is in the set yet: invite someone first.".into());
        }
        if status
            .iter()
            .flat_map(|(_, devices)| devices)
            .any(|d| !d.this_device && d.same_heads)
        {
            return Ok(Outcome::Done);
        }
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return Err(format!(
                "No member's device answered within {} seconds: they may all be offline. Revans keeps trying in the background while it is open.",
                WAIT.as_secs()
            ));
        }
        tokio::select! {
            _ = events.recv() => {}
            () = tokio::time::sleep((deadline - now).min(std::time::Duration::from_millis(250))) => {}
        }
    }
}

impl RevansApp {
    pub(super) fn overview(&mut self, ui: &mut egui::Ui) {
        let Some(set) = self.set().cloned() else {
            return;
        };
        let me = self.me();
        ui.horizontal_wrapped(|ui| {
            ui.heading(&set.name);
            if !self.editing(&Editing::Set) && ui.button("Edit name and purpose").clicked() {
                self.edit(&set, Editing::Set);
            }
        });
        self.versions(ui, &set, &Field::SetName);
        if self.editing(&Editing::Set) {
            self.edit_form(ui, &set);
        }
        if !set.purpose.is_blank() {
            ui.label(set.purpose.as_str());
        }
        ui.label(format!("The set is {}.", export::facilitation(&set)));
        ui.add_space(8.0);

        ui.label(RichText::new("Members").strong());
        egui::Grid::new("members").striped(true).show(ui, |ui| {
            for (id, member) in set.current_members() {
                ui.label(&member.display_name);
                ui.label(&member.organisation);
                ui.label(match set.role_of(id) {
                    revans_model::Role::Facilitator => "facilitator",
                    revans_model::Role::Member => "",
                });
                ui.end_row();
            }
        });
        ui.add_space(8.0);

        ui.label(RichText::new("Facilitation").strong());
        ui.label(
            "A facilitator runs the first meetings and steps back until the set manages itself.",
        );
        ui.horizontal(|ui| {
            if !matches!(set.facilitation, Facilitation::SelfManaged)
                && ui.button("Step back: the set manages itself").clicked()
            {
                self.ask(
                    "Step back? From now on no one facilitates: the set manages itself, and any member can take up facilitation again.",
                    "Yes, step back",
                    ("facilitation", "Handing over…"),
                    Command::ChangeFacilitation {
                        to: Facilitation::SelfManaged,
                    },
                );
            }
            if !matches!(set.facilitation, Facilitation::Rotating { .. })
                && ui.button("Rotate facilitation").clicked()
            {
                let order = set
                    .current_members()
                    .into_iter()
                    .map(|(id, _)| id.clone())
                    .collect();
                self.ask(
                    "Rotate facilitation? Each meeting is then facilitated by the next member in turn, starting with the first.",
                    "Yes, rotate",
                    ("facilitation", "Handing over…"),
                    Command::ChangeFacilitation {
                        to: Facilitation::Rotating { order },
                    },
                );
            }
            if let Some(me) = me.clone()
                && set.facilitation
                    != (Facilitation::Facilitated {
                        facilitator: me.clone(),
                    })
                && ui.button("I will facilitate").clicked()
            {
                self.ask(
                    "Facilitate the set? You run its meetings until you step back or hand over.",
                    "Yes, I will facilitate",
                    ("facilitation", "Handing over…"),
                    Command::ChangeFacilitation {
                        to: Facilitation::Facilitated { facilitator: me },
                    },
                );
            }
        });
        self.status(ui, "facilitation");
        ui.add_space(8.0);

        ui.label(RichText::new("Ground rules").strong());
        // In the order proposed: a rule proposed elsewhere lands at the end, not mid-list.
        let mut rules: Vec<_> = set
            .ground_rules
            .iter()
            .filter(|(_, r)| r.retired.is_none())
            .collect();
        rules.sort_by_key(|(id, r)| (r.proposed_at, *id));
        for (id, rule) in rules {
            ui.horizontal_wrapped(|ui| {
                let agreed: Vec<String> = rule.agreed_by.keys().map(|m| name_of(&set, m)).collect();
                ui.label(&rule.text);
                if agreed.is_empty() {
                    ui.label(RichText::new("not yet agreed").weak());
                } else {
                    ui.label(RichText::new(format!("agreed by {}", agreed.join(", "))).weak());
                }
                let mine = me.as_ref().is_some_and(|m| rule.agreed_by.contains_key(m));
                if !mine
                    && ui
                        .button("Agree")
                        .on_hover_text(format!("Agree to: {}", rule.text))
                        .clicked()
                {
                    self.apply(
                        "rules",
                        "Agreeing…",
                        Command::AgreeRule { rule: id.clone() },
                    );
                }
                let editing = Editing::Rule(id.clone());
                if !self.editing(&editing)
                    && ui
                        .button("Reword")
                        .on_hover_text(format!("New words for: {}", rule.text))
                        .clicked()
                {
                    self.edit(&set, editing);
                }
            });
            self.versions(ui, &set, &Field::RuleWording(id.clone()));
            if self.editing(&Editing::Rule(id.clone())) {
                self.edit_form(ui, &set);
            }
        }
        let entered = self.text(ui, "New ground rule", "rules.text");
        if ui.button("Propose rule").clicked() || entered {
            let text = self.value("rules.text");
            self.apply("rules", "Proposing…", Command::ProposeRule { text });
        }
        self.status(ui, "rules");
        ui.add_space(8.0);
        self.export(ui, &set);
    }

    /// Exports the record to a file: where it went, and a way to open its folder.
    fn export(&mut self, ui: &mut egui::Ui, set: &ActionLearningSet) {
        ui.label(RichText::new("Export the record").strong());
        ui.horizontal_wrapped(|ui| {
            for (format, label) in EXPORTS {
                ui.selectable_value(&mut self.export_format, format, label);
            }
        });
        ui.label(RichText::new(export_note(self.export_format)).weak());
        if self.value("export.dir.keep").is_empty() {
            let folder = directories::UserDirs::new()
                .map(|d| {
                    d.document_dir()
                        .unwrap_or_else(|| d.home_dir())
                        .display()
                        .to_string()
                })
                .unwrap_or_default();
            *self.field("export.dir.keep") = folder;
        }
        let entered = self.text(ui, "Folder", "export.dir.keep");
        if ui.button("Export").clicked() || entered {
            let folder = std::path::PathBuf::from(self.value("export.dir.keep").trim());
            let format = self.export_format;
            let stem: String = set
                .name
                .chars()
                .map(|c| {
                    if c.is_alphanumeric() || " -_".contains(c) {
                        c
                    } else {
                        '-'
                    }
                })
                .collect();
            let path = folder.join(format!("{}.{}", stem.trim(), extension(format)));
            let set = set.clone();
            let Some(id) = self.selected.clone() else {
                return;
            };
            self.run("export", "Writing…", move |node| async move {
                let bytes = match format {
                    ExportFormat::Md => Ok(export::markdown(&set, Utc::now()).into_bytes()),
                    ExportFormat::Json => export::json(&set)
                        .map(String::into_bytes)
                        .map_err(|e| e.to_string()),
                    ExportFormat::Ics => Ok(export::ics(&set).into_bytes()),
                    ExportFormat::Automerge => node.save(&id).await.map_err(|e| e.to_string()),
                    ExportFormat::Revans => node.backup(&id).await.map_err(|e| e.to_string()),
                }?;
                export::write_private(&path, &bytes)
                    .map(|()| Outcome::Exported(path.clone()))
                    .map_err(|e| {
                        format!(
                            "Could not write {}: {e}. Choose a folder that exists and you may write to.",
                            path.display()
                        )
                    })
            });
        }
        self.status(ui, "export");
        if let Some(path) = self.last_export.clone() {
            ui.horizontal_wrapped(|ui| {
                ui.label(format!("Exported to {}", path.display()));
                if let Some(folder) = path.parent()
                    && ui.button("Open folder").clicked()
                {
                    ui.ctx().open_url(egui::OpenUrl::new_tab(format!(
                        "file://{}",
                        folder.display()
                    )));
                }
            });
        }
    }

    pub(super) fn issues(&mut self, ui: &mut egui::Ui) {
        let Some(set) = self.set().cloned() else {
            return;
        };
        let me = self.me();
        ui.heading("Issues");
        ui.label("Each member brings a real problem: \"a situation in which I am part of the problem and the problem is part of me\".");
        if set.issues.is_empty() {
            look::empty(
                ui,
                "No issues yet: bring the problem you want the set's help with, below. Only the one sentence is needed to start.",
            );
        }
        let mut issues: Vec<_> = set.issues.iter().collect();
        issues
            .sort_by_key(|(id, i)| (i.status != IssueStatus::Open, i.priority, i.created_at, *id));
        for (id, issue) in issues {
            look::card(ui, Some(member_colour(&set, &issue.owner)), |ui| {
                ui.label(RichText::new(&issue.statement).strong());
                ui.label(format!(
                    "{} · {}",
                    name_of(&set, &issue.owner),
                    issue.status.name()
                ));
                for (label, text) in [
                    ("Why it is important to me", &issue.important_to_me),
                    (
                        "Why it is important to my practice",
                        &issue.important_to_my_practice,
                    ),
                    ("How I will recognise progress", &issue.recognising_progress),
                    (
                        "Who else would like to see progress",
                        &issue.who_else_wants_progress,
                    ),
                    ("Difficulties I anticipate", &issue.anticipated_difficulties),
                    ("Benefits to me", &issue.benefits_to_me),
                    ("Benefits to other people", &issue.benefits_to_others),
                    ("Benefits to the practice", &issue.benefits_to_the_practice),
                ] {
                    if !text.is_blank() {
                        ui.label(format!("{label}: {}", text.as_str()));
                    }
                }
                self.versions(ui, &set, &Field::IssueStatement(id.clone()));
                let editing = Editing::Issue(id.clone());
                if self.editing(&editing) {
                    self.edit_form(ui, &set);
                } else if Some(&issue.owner) == me.as_ref() && issue.status == IssueStatus::Open {
                    ui.horizontal(|ui| {
                        if ui.button("Edit issue").clicked() {
                            self.edit(&set, editing);
                        }
                        if ui.button("Mark resolved").clicked() {
                            self.apply(
                                "issues",
                                "Saving…",
                                Command::ResolveIssue { issue: id.clone() },
                            );
                        }
                        if ui.button("Drop issue").clicked() {
                            self.apply(
                                "issues",
                                "Saving…",
                                Command::DropIssue { issue: id.clone() },
                            );
                        }
                    });
                }
            });
        }
        if matches!(self.editing, Some(Editing::Issue(_))) {
            // One form at a time: the issue being changed has the template's fields.
            self.status(ui, "issues");
            return;
        }
        ui.add_space(8.0);
        ui.label(RichText::new("Bring an issue").strong());
        self.text(
            ui,
            "Describe your problem in one sentence",
            "issue.statement",
        );
        ui.label("The rest of the template is optional; answer what helps.");
        for (label, name) in ISSUE_TEMPLATE {
            self.prose(ui, label, name);
        }
        if ui.button("Add issue").clicked() {
            let mut problem = ProblemStatement::new(&self.value("issue.statement"));
            problem.important_to_me = self.value("issue.why_me");
            problem.important_to_my_practice = self.value("issue.why_practice");
            problem.recognising_progress = self.value("issue.progress");
            problem.who_else_wants_progress = self.value("issue.who_else");
            problem.anticipated_difficulties = self.value("issue.difficulties");
            problem.benefits_to_me = self.value("issue.benefits_me");
            problem.benefits_to_others = self.value("issue.benefits_others");
            problem.benefits_to_the_practice = self.value("issue.benefits_practice");
            self.apply("issue", "Adding…", Command::AddIssue { problem });
        }
        self.status(ui, "issue");
        self.status(ui, "issues");
    }

    pub(super) fn meetings(&mut self, ui: &mut egui::Ui) {
        let Some(set) = self.set().cloned() else {
            return;
        };
        ui.heading("Meetings");
        if set.meetings.is_empty() {
            look::empty(
                ui,
                "No meeting yet: plan the first one below. A set's first meeting is three hours, later ones two.",
            );
        }
        egui::Grid::new("meetings").striped(true).show(ui, |ui| {
            for (id, m) in set.meetings_in_order() {
                ui.label(local(m.scheduled_at.get()));
                ui.label(format!("{} min", m.minutes));
                ui.label(&m.location);
                ui.label(
                    m.host
                        .as_ref()
                        .map(|h| format!("hosted by {}", name_of(&set, h)))
                        .unwrap_or_default(),
                );
                ui.label(m.phase.name());
                let marked = [
                    Field::MeetingTime(id.clone()),
                    Field::MeetingLocation(id.clone()),
                    Field::MeetingHost(id.clone()),
                ]
                .iter()
                .any(|f| self.in_conflict(f));
                if marked {
                    ui.colored_label(ui.visuals().warn_fg_color, "two versions");
                }
                if m.phase == revans_model::Phase::Planned
                    && self.editing.is_none()
                    && ui
                        .button("Move")
                        .on_hover_text("Another time, place or host")
                        .clicked()
                {
                    self.edit(
                        &set,
                        Editing::Meeting {
                            meeting: id.clone(),
                            host: m.host.clone(),
                        },
                    );
                }
                ui.end_row();
            }
        });
        for (id, _) in set.meetings_in_order() {
            for field in [
                Field::MeetingTime(id.clone()),
                Field::MeetingLocation(id.clone()),
                Field::MeetingHost(id.clone()),
            ] {
                self.versions(ui, &set, &field);
            }
        }
        if matches!(self.editing, Some(Editing::Meeting { .. })) {
            self.edit_form(ui, &set);
            return;
        }
        ui.add_space(8.0);
        ui.label(RichText::new("Plan a meeting").strong());
        ui.label("The first meeting is three hours by default, later ones two; meet at members' workplaces in turn.");
        let today = Local::now().date_naive();
        let date = self
            .plan_date
            .get_or_insert_with(|| next_meeting_date(&set, today));
        ui.horizontal(|ui| {
            ui.label("Date");
            ui.add(
                egui_extras::DatePickerButton::new(date)
                    .id_salt("plan.date")
                    .calendar_week(false)
                    .show_icon(false),
            );
        });
        if self.value("plan.time.keep").is_empty() {
            "09:30".clone_into(self.field("plan.time.keep"));
        }
        let entered = self.text(ui, "Start time (HH:MM, local time)", "plan.time.keep")
            | self.text(ui, "Minutes (blank for the default)", "plan.minutes");
        // Meetings rotate around members' workplaces: the host's organisation is the
        // place unless the person writes another.
        let before = self.plan_host.clone();
        let chosen = self
            .plan_host
            .as_ref()
            .map_or_else(|| "No host".to_owned(), |h| name_of(&set, h));
        egui::ComboBox::from_label("Host")
            .selected_text(chosen)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut self.plan_host, None, "No host");
                for (id, member) in set.current_members() {
                    ui.selectable_value(
                        &mut self.plan_host,
                        Some(id.clone()),
                        &member.display_name,
                    );
                }
            });
        if self.plan_host != before
            && let Some(organisation) = self
                .plan_host
                .as_ref()
                .and_then(|h| set.members.get(h))
                .map(|m| m.organisation.clone())
            && self.value("plan.where").trim().is_empty()
        {
            *self.field("plan.where") = organisation;
        }
        let entered = entered | self.text(ui, "Where", "plan.where");
        if ui.button("Plan meeting").clicked() || entered {
            let date = self
                .plan_date
                .unwrap_or_else(|| next_meeting_date(&set, today));
            let when = parse_local(&format!("{date} {}", self.value("plan.time.keep")));
            let minutes = self.value("plan.minutes");
            let minutes = if minutes.trim().is_empty() {
                Ok(None)
            } else {
                minutes.trim().parse::<u32>().map(Some)
            };
            match (when, minutes) {
                (None, _) => self.error(
                    "plan",
                    "Write the start time as hours and minutes, like 09:30.",
                ),
                (_, Err(_)) => self.error(
                    "plan",
                    "Write the length as a number of minutes, or leave it blank.",
                ),
                (Some(scheduled_at), Ok(minutes)) => {
                    let location = self.value("plan.where");
                    let host = self.plan_host.clone();
                    self.apply(
                        "plan",
                        "Planning…",
                        Command::PlanMeeting(MeetingPlan {
                            scheduled_at,
                            minutes,
                            location,
                            host,
                        }),
                    );
                }
            }
        }
        self.status(ui, "plan");
    }

    pub(super) fn actions(&mut self, ui: &mut egui::Ui) {
        let Some(set) = self.set().cloned() else {
            return;
        };
        let me = self.me();
        ui.heading("Actions");
        ui.horizontal(|ui| {
            ui.label("Show");
            for (filter, label) in [
                (ActionFilter::Mine, "Mine"),
                (ActionFilter::Open, "Open"),
                (ActionFilter::All, "All"),
            ] {
                if ui
                    .selectable_label(self.action_filter == filter, label)
                    .clicked()
                {
                    self.action_filter = filter;
                }
            }
        });
        let mut actions: Vec<_> = set
            .actions
            .iter()
            .filter(|(_, a)| match self.action_filter {
                ActionFilter::Mine => Some(&a.owner) == me.as_ref(),
                ActionFilter::Open => a.report_back.is_none(),
                ActionFilter::All => true,
            })
            .collect();
        actions.sort_by_key(|(id, a)| (Some(&a.owner) != me.as_ref(), a.created_at, *id));
        if actions.is_empty() {
            look::empty(
                ui,
                match self.action_filter {
                    ActionFilter::Mine => {
                        "You have no actions yet: commit to one at the end of your turn."
                    }
                    ActionFilter::Open => "No action is waiting for its account.",
                    ActionFilter::All => {
                        "No actions yet: each presenter commits to theirs at the end of their turn."
                    }
                },
            );
        }
        for (id, a) in &actions {
            ui.horizontal_wrapped(|ui| {
                ui.label(
                    RichText::new(name_of(&set, &a.owner))
                        .strong()
                        .color(member_colour(&set, &a.owner)),
                );
                ui.label(&a.text);
                look::chip(
                    ui,
                    &format!("{}/10 likely", a.likelihood),
                    ui.visuals().weak_text_color(),
                );
                let outcome = a.report_back.as_ref().map(|r| r.outcome);
                look::chip(
                    ui,
                    outcome.map_or("open", revans_model::Outcome::name),
                    look::outcome_colour(outcome),
                );
                let marked = self.in_conflict(&Field::ActionText((*id).clone()))
                    || self.in_conflict(&Field::ActionLikelihood((*id).clone()));
                if marked {
                    ui.colored_label(ui.visuals().warn_fg_color, "two versions");
                }
                if Some(&a.owner) == me.as_ref()
                    && a.report_back.is_none()
                    && self.editing.is_none()
                    && ui
                        .button("Edit")
                        .on_hover_text(format!("Change: {}", a.text))
                        .clicked()
                {
                    self.edit(
                        &set,
                        Editing::Action {
                            action: (*id).clone(),
                            likelihood: a.likelihood,
                        },
                    );
                }
            });
            self.versions(ui, &set, &Field::ActionText((*id).clone()));
            self.versions(ui, &set, &Field::ActionLikelihood((*id).clone()));
            if self.editing(&Editing::Action {
                action: (*id).clone(),
                likelihood: a.likelihood,
            }) {
                self.edit_form(ui, &set);
            }
        }
        look::section(ui, "Follow-through");
        let by_member = follow_through(&set);
        for (member, f) in in_joining_order(&set, &by_member) {
            let calibration = f.calibration.as_ref().map_or_else(String::new, |c| {
                format!(
                    "; said {:.0}% likely on average, did {:.0}%",
                    c.mean_likelihood * 10.0,
                    c.follow_through * 100.0
                )
            });
            ui.label(format!(
                "{}: {} done, {} partly, {} not, {} open{calibration}",
                name_of(&set, member),
                f.done,
                f.partly,
                f.not,
                f.open
            ));
        }
        charts::charts(ui, &set, self.now());
    }

    pub(super) fn journal_view(&mut self, ui: &mut egui::Ui) {
        ui.heading("Journal");
        ui.label("Private: only your own devices ever hold it.");
        self.prose(ui, "New entry", "journal.text");
        if ui.button("Write entry").clicked() {
            let text = self.value("journal.text");
            let set = self.selected.clone();
            self.run("journal", "Writing…", move |node| async move {
                node.journal_apply(JournalCommand::Write {
                    text,
                    set,
                    meeting: None,
                })
                .await
                .map(|_| Outcome::Done)
            });
        }
        self.status(ui, "journal");
        if let Some(journal) = &self.journal {
            for (_, entry) in journal.newest_first() {
                ui.separator();
                ui.label(RichText::new(local(entry.written_at.get())).weak());
                ui.label(entry.text.as_str());
            }
        }
    }

    pub(super) fn history(&mut self, ui: &mut egui::Ui) {
        let Some(set) = self.set().cloned() else {
            return;
        };
        ui.heading("History");
        self.timeline(ui, &set);
        // Newest first, day by day: the day once, then each event at its time.
        let mut day = None;
        for (at, what) in crate::history::events(&set) {
            let at = at.with_timezone(&Local);
            if day != Some(at.date_naive()) {
                day = Some(at.date_naive());
                look::section(ui, &at.format("%A %e %B %Y").to_string());
            }
            ui.horizontal_wrapped(|ui| {
                ui.label(
                    RichText::new(at.format("%H:%M").to_string())
                        .weak()
                        .monospace(),
                );
                ui.label(what);
            });
        }
    }

    /// The moments to see the set as it stood: each meeting's close, and each day
    /// something happened, newest first.
    fn timeline(&mut self, ui: &mut egui::Ui, set: &ActionLearningSet) {
        let Some(id) = self.selected.clone() else {
            return;
        };
        let mut moments: Vec<(DateTime<Utc>, String, String)> = set
            .meetings_in_order()
            .into_iter()
            .filter_map(|(_, m)| {
                let closed = m.closed_at?.get();
                let when = local(m.scheduled_at.get());
                Some((
                    closed,
                    format!("Meeting of {when}"),
                    format!("when the meeting of {when} closed"),
                ))
            })
            .collect();
        let mut days: Vec<chrono::NaiveDate> = crate::history::events(set)
            .iter()
            .map(|(at, _)| at.with_timezone(&Local).date_naive())
            .collect();
        days.dedup();
        for day in days.into_iter().take(30) {
            let Some(end) = day
                .and_hms_opt(23, 59, 59)
                .and_then(|t| Local.from_local_datetime(&t).latest())
            else {
                continue;
            };
            let label = day.format("%a %e %b %Y").to_string();
            moments.push((
                end.with_timezone(&Utc),
                label.clone(),
                format!("at the end of {label}"),
            ));
        }
        moments.sort_by_key(|(at, _, _)| std::cmp::Reverse(*at));
        ui.label(RichText::new("The set as it stood").strong());
        ui.horizontal_wrapped(|ui| {
            for (at, label, moment) in moments {
                if ui
                    .button(label)
                    .on_hover_text(format!("See the whole set as it stood {moment}"))
                    .clicked()
                {
                    let set_id = id.clone();
                    self.run(
                        "timeline",
                        "Reading the set's history…",
                        move |node| async move {
                            node.set_at(&set_id, at).await.map(|(state, _)| {
                                Outcome::Past(super::Past {
                                    set: set_id,
                                    moment,
                                    state: std::sync::Arc::new(state),
                                })
                            })
                        },
                    );
                }
            }
        });
        self.status(ui, "timeline");
        ui.separator();
    }

    /// Changes members' devices sent that this device refused, newest first: who sent
    /// each, whose device signed it, and why. The rest of the set goes on syncing.
    fn refused_changes(
        &self,
        ui: &mut egui::Ui,
        set: &ActionLearningSet,
        id: &SetId,
        now: DateTime<Utc>,
    ) {
        let Some(refused) = self.refused.get(id).filter(|r| !r.is_empty()) else {
            return;
        };
        let device_of = |device: &DeviceId| {
            set.members
                .iter()
                .find(|(_, m)| m.devices.contains_key(device))
                .map_or_else(
                    || format!("an unknown device ({})", device.short()),
                    |(_, m)| format!("{}'s device", m.display_name),
                )
        };
        let member_of = |device: &DeviceId| {
            set.members
                .values()
                .find(|m| m.devices.contains_key(device))
                .map_or_else(|| "its author".to_owned(), |m| m.display_name.clone())
        };
        look::card(ui, Some(RevansApp::warn_color(ui)), |ui| {
            ui.colored_label(
                RevansApp::warn_color(ui),
                RichText::new("Changes refused").strong(),
            );
            ui.label(
                "Every member's device checks every change against the set's rules; refused ones were not applied, kept or passed on. A change that does not stand was allowed where it was made, but its author's place in the set was ended at the same time: it is kept, so every device reads the same, but not shown.",
            );
            for change in refused.iter().rev() {
                let author = change
                    .author
                    .as_ref()
                    .map_or_else(|| "its author".to_owned(), &member_of);
                ui.label(if change.void {
                    format!(
                        "A change by {author} does not stand: {} ({})",
                        change.reason,
                        ago(change.at, now)
                    )
                } else {
                    format!(
                        "{} sent a change {author} may not make: {} ({})",
                        device_of(&change.from),
                        change.reason,
                        ago(change.at, now)
                    )
                });
            }
        });
    }

    pub(super) fn people(&mut self, ui: &mut egui::Ui) {
        let Some(set) = self.set().cloned() else {
            return;
        };
        let Some(id) = self.selected.clone() else {
            return;
        };
        let me = self.me();
        let now = Utc::now();
        ui.horizontal(|ui| {
            ui.heading("People and sync");
            if ui
                .add_enabled(!self.busy("sync"), egui::Button::new("Sync now"))
                .on_hover_text("Dial every member's device now and wait until in step with one")
                .clicked()
            {
                let set_id = id.clone();
                self.run(
                    "sync",
                    "Reaching members' devices…",
                    move |node| async move { sync_now(&node, &set_id).await },
                );
            }
        });
        self.status(ui, "sync");
        let status = self.sync.get(&id).cloned().unwrap_or_default();
        for (member, devices) in &status {
            let colour = member_colour(&set, member);
            look::card(ui, Some(colour), |ui| {
                ui.horizontal(|ui| {
                    ui.label(RichText::new(name_of(&set, member)).strong().color(colour));
                    if let Some(m) = set.members.get(member) {
                        ui.label(RichText::new(&m.organisation).weak());
                    }
                    if Some(member) != me.as_ref()
                        && ui
                            .button(format!("Remove {}", name_of(&set, member)))
                            .clicked()
                    {
                        let who = name_of(&set, member);
                        self.ask(
                            format!("Remove {who}? They keep everything their devices already hold; they receive nothing from now on, and their devices are refused. This cannot be undone."),
                            "Yes, remove",
                            ("remove", "Removing…"),
                            Command::RemoveMember {
                                member: member.clone(),
                            },
                        );
                    }
                });
                for d in devices {
                    ui.label(format!(
                        "Device {}: {}",
                        d.device.short(),
                        device_state(&set, member, d, now)
                    ));
                }
            });
        }
        self.refused_changes(ui, &set, &id, now);
        self.status(ui, "remove");
        ui.add_space(8.0);

        self.pending_invitations(ui, &set, now);

        ui.label(RichText::new("Invite someone").strong());
        let entered = self.text(ui, "Who is it for", "invite.for");
        if ui.button("Make invitation ticket").clicked() || entered {
            let for_name = self.value("invite.for").trim().to_owned();
            let set_id = id.clone();
            let valid = std::time::Duration::from_hours(7 * 24);
            let about = format!(
                "For {for_name}: it admits one device, once, until {}. Send it by a private channel.",
                local(Utc::now() + chrono::Duration::from_std(valid).unwrap_or_default())
            );
            self.run("invite", "Making a ticket…", move |node| async move {
                node.invite(&set_id, &for_name, valid, None).await.map(|t| {
                    Outcome::Ticket(Ticket {
                        text: t.to_string(),
                        about,
                    })
                })
            });
        }
        self.status(ui, "invite");
        self.ticket(ui, "invite");

        ui.add_space(8.0);
        ui.label(RichText::new("Link another of your devices").strong());
        if ui.button("Make link ticket").clicked()
            && let Some(me) = me.clone()
        {
            let set_id = id.clone();
            let valid = std::time::Duration::from_hours(1);
            let about = format!(
                "For another of your devices: on it, choose \"Join with a ticket\" and paste this before {}.",
                local(Utc::now() + chrono::Duration::from_std(valid).unwrap_or_default())
            );
            self.run("link", "Making a ticket…", move |node| async move {
                node.invite(&set_id, "another device", valid, Some(me))
                    .await
                    .map(|t| {
                        Outcome::Ticket(Ticket {
                            text: t.to_string(),
                            about,
                        })
                    })
            });
        }
        self.status(ui, "link");
        self.ticket(ui, "link");
    }

    /// Invitations no one has used yet, with whom each is for and until when, and a way to
    /// withdraw each.
    fn pending_invitations(
        &mut self,
        ui: &mut egui::Ui,
        set: &ActionLearningSet,
        now: DateTime<Utc>,
    ) {
        let mut open: Vec<_> = set
            .invitations
            .iter()
            .filter(|(_, i)| i.state(now.into()) == InvitationState::Open)
            .collect();
        if open.is_empty() {
            return;
        }
        open.sort_by_key(|(id, i)| (i.created_at, *id));
        ui.label(RichText::new("Invitations not yet used").strong());
        for (id, invitation) in open {
            ui.horizontal_wrapped(|ui| {
                let whom = match &invitation.link_to {
                    Some(member) => format!("another device of {}", name_of(set, member)),
                    None => invitation.for_name.clone(),
                };
                ui.label(format!(
                    "For {whom}, made by {}; valid until {}",
                    name_of(set, &invitation.created_by),
                    local(invitation.expires_at.get())
                ));
                if ui
                    .button("Withdraw")
                    .on_hover_text(format!("Withdraw the invitation for {whom}"))
                    .clicked()
                {
                    self.apply(
                        "withdraw",
                        "Withdrawing…",
                        Command::RevokeInvitation {
                            invitation: id.clone(),
                        },
                    );
                }
            });
        }
        self.status(ui, "withdraw");
        ui.add_space(8.0);
    }

    /// A ticket to copy, once made, with whom it is for and until when.
    fn ticket(&mut self, ui: &mut egui::Ui, place: &'static str) {
        let Some(ticket) = self.tickets.get(place).cloned() else {
            return;
        };
        let mut shown = ticket.text.clone();
        let label = ui.label("Ticket");
        ui.add(
            egui::TextEdit::multiline(&mut shown)
                .desired_rows(3)
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
        ui.horizontal(|ui| {
            if ui.button("Copy ticket").clicked() {
                ui.ctx().copy_text(ticket.text);
                self.toast("Ticket copied to the clipboard");
            }
            ui.label(ticket.about);
        });
    }
}
