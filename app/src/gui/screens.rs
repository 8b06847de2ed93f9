//! The areas of a set other than the meeting console.

use chrono::{DateTime, Local, NaiveDateTime, TimeZone as _, Utc};
use egui::RichText;
use revans_model::{
    ActionLearningSet, Command, DeviceId, Facilitation, IssueStatus, JournalCommand, MeetingPlan,
    Outcome as ActionOutcome, Phase, ProblemStatement, SetId, follow_through,
};

use super::{Outcome, RevansApp};
use crate::cli::refs::name_of;
use crate::export;
use crate::render::{ago, local};

/// Reads a local date and time as people write it: `2026-12-01 09:30`.
pub(super) fn parse_local(text: &str) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M").ok()?;
    Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

impl RevansApp {
    pub(super) fn overview(&mut self, ui: &mut egui::Ui) {
        let Some(set) = self.set().cloned() else {
            return;
        };
        let me = self.me();
        ui.heading(&set.name);
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
                self.apply(
                    "facilitation",
                    "Handing over…",
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
                self.apply(
                    "facilitation",
                    "Handing over…",
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
                self.apply(
                    "facilitation",
                    "Handing over…",
                    Command::ChangeFacilitation {
                        to: Facilitation::Facilitated { facilitator: me },
                    },
                );
            }
        });
        self.status(ui, "facilitation");
        ui.add_space(8.0);

        ui.label(RichText::new("Ground rules").strong());
        for (id, rule) in set.ground_rules.iter().filter(|(_, r)| r.retired.is_none()) {
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
            });
        }
        self.text(ui, "New ground rule", "rules.text");
        if ui.button("Propose rule").clicked() {
            let text = self.value("rules.text");
            self.apply("rules", "Proposing…", Command::ProposeRule { text });
        }
        self.status(ui, "rules");
    }

    pub(super) fn issues(&mut self, ui: &mut egui::Ui) {
        let Some(set) = self.set().cloned() else {
            return;
        };
        let me = self.me();
        ui.heading("Issues");
        ui.label("Each member brings a real problem: \"a situation in which I am part of the problem and the problem is part of me\".");
        let mut issues: Vec<_> = set.issues.iter().collect();
        issues
            .sort_by_key(|(id, i)| (i.status != IssueStatus::Open, i.priority, i.created_at, *id));
        for (id, issue) in issues {
            ui.group(|ui| {
                ui.label(RichText::new(&issue.statement).strong());
                ui.label(format!(
                    "{} · {}",
                    name_of(&set, &issue.owner),
                    issue.status.name()
                ));
                for (label, text) in [
                    ("Why it is important to me", &issue.important_to_me),
                    (
                        "How I would recognise progress",
                        &issue.recognising_progress,
                    ),
                    ("Difficulties I anticipate", &issue.anticipated_difficulties),
                ] {
                    if !text.is_blank() {
                        ui.label(format!("{label}: {}", text.as_str()));
                    }
                }
                if Some(&issue.owner) == me.as_ref() && issue.status == IssueStatus::Open {
                    ui.horizontal(|ui| {
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
        ui.add_space(8.0);
        ui.label(RichText::new("Bring an issue").strong());
        self.text(
            ui,
            "Describe your problem in one sentence",
            "issue.statement",
        );
        self.prose(ui, "Why is it important to me?", "issue.why_me");
        self.prose(ui, "How would I recognise progress?", "issue.progress");
        self.prose(
            ui,
            "What difficulties do I anticipate?",
            "issue.difficulties",
        );
        if ui.button("Add issue").clicked() {
            let mut problem = ProblemStatement::new(&self.value("issue.statement"));
            problem.important_to_me = self.value("issue.why_me");
            problem.recognising_progress = self.value("issue.progress");
            problem.anticipated_difficulties = self.value("issue.difficulties");
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
        egui::Grid::new("meetings").striped(true).show(ui, |ui| {
            for (_, m) in set.meetings_in_order() {
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
                ui.end_row();
            }
        });
        ui.add_space(8.0);
        ui.label(RichText::new("Plan a meeting").strong());
        ui.label("The first meeting is three hours by default, later ones two; meet at members' workplaces in turn.");
        self.text(ui, "When (YYYY-MM-DD HH:MM, local time)", "plan.when");
        self.text(ui, "Minutes (blank for the default)", "plan.minutes");
        self.text(ui, "Where", "plan.where");
        if ui.button("Plan meeting").clicked() {
            let when = parse_local(&self.value("plan.when"));
            let minutes = self.value("plan.minutes");
            let minutes = if minutes.trim().is_empty() {
                Ok(None)
            } else {
                minutes.trim().parse::<u32>().map(Some)
            };
            match (when, minutes) {
                (None, _) => self.error(
                    "plan",
                    "Write when the meeting starts as a date and time, like 2026-12-01 09:30.",
                ),
                (_, Err(_)) => self.error(
                    "plan",
                    "Write the length as a number of minutes, or leave it blank.",
                ),
                (Some(scheduled_at), Ok(minutes)) => {
                    let location = self.value("plan.where");
                    self.apply(
                        "plan",
                        "Planning…",
                        Command::PlanMeeting(MeetingPlan {
                            scheduled_at,
                            minutes,
                            location,
                            host: None,
                        }),
                    );
                }
            }
        }
        self.status(ui, "plan");
        ui.add_space(8.0);
        ui.label(RichText::new("Calendar").strong());
        ui.label("Export the meetings to a calendar file (times and places only; nothing said in the set).");
        if self.value("ics.path.keep").is_empty() {
            let default = directories::UserDirs::new()
                .map(|d| {
                    d.home_dir()
                        .join(format!("{}.ics", set.name.replace('/', "-")))
                })
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            *self.field("ics.path.keep") = default;
        }
        self.text(ui, "Calendar file", "ics.path.keep");
        if ui.button("Export calendar").clicked() {
            let path = std::path::PathBuf::from(self.value("ics.path.keep").trim());
            let ics = export::ics(&set);
            self.run("ics", "Writing…", move |_| async move {
                std::fs::write(&path, ics)
                    .map(|()| Outcome::Written(format!("Wrote {}.", path.display())))
                    .map_err(|e| {
                        format!(
                            "Could not write {}: {e}. Choose another file.",
                            path.display()
                        )
                    })
            });
        }
        if let Some(done) = self.notices.get("ics") {
            ui.label(done);
        }
        self.status(ui, "ics");
    }

    pub(super) fn actions(&mut self, ui: &mut egui::Ui) {
        let Some(set) = self.set().cloned() else {
            return;
        };
        let me = self.me();
        ui.heading("Actions");
        let mut actions: Vec<_> = set.actions.iter().collect();
        actions.sort_by_key(|(id, a)| (Some(&a.owner) != me.as_ref(), a.created_at, *id));
        egui::Grid::new("actions").striped(true).show(ui, |ui| {
            for (_, a) in actions {
                ui.label(name_of(&set, &a.owner));
                ui.label(&a.text);
                ui.label(format!("{}/10 likely", a.likelihood));
                ui.label(a.report_back.as_ref().map_or("open", |r| r.outcome.name()));
                ui.end_row();
            }
        });
        ui.add_space(8.0);
        ui.label(RichText::new("Follow-through").strong());
        for (member, f) in follow_through(&set) {
            let calibration = f.calibration.map_or_else(String::new, |c| {
                format!(
                    "; said {:.0}% likely on average, did {:.0}%",
                    c.mean_likelihood * 10.0,
                    c.follow_through * 100.0
                )
            });
            ui.label(format!(
                "{}: {} done, {} partly, {} not, {} open{calibration}",
                name_of(&set, &member),
                f.done,
                f.partly,
                f.not,
                f.open
            ));
        }
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
        let mut events: Vec<(DateTime<Utc>, String)> = Vec::new();
        for (_, m) in set.meetings_in_order() {
            if m.phase == Phase::Closed {
                let turns = m.turns.len();
                events.push((
                    m.closed_at
                        .map_or(m.scheduled_at.get(), revans_model::Timestamp::get),
                    format!("Meeting held at {}: {turns} turns", m.location),
                ));
            }
        }
        for a in set.actions.values() {
            if let Some(r) = &a.report_back {
                let word = match r.outcome {
                    ActionOutcome::Done => "did",
                    ActionOutcome::Partly => "partly did",
                    ActionOutcome::Not => "did not",
                };
                let learned = if r.learned.is_blank() {
                    String::new()
                } else {
                    format!(", and learned: {}", r.learned.as_str())
                };
                events.push((
                    r.reported_at.get(),
                    format!("{} {word} \"{}\"{learned}", name_of(&set, &a.owner), a.text),
                ));
            }
        }
        for c in set.celebrations.values() {
            events.push((
                c.at.get(),
                format!("Celebrated {}: {}", name_of(&set, &c.member), c.text),
            ));
        }
        for h in set.handovers.values() {
            events.push((
                h.at.get(),
                format!("Facilitation changed by {}", name_of(&set, &h.by)),
            ));
        }
        events.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
        if events.is_empty() {
            ui.label("Nothing has happened yet: held meetings, reported actions and celebrations appear here.");
        }
        for (at, what) in events {
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new(local(at)).weak());
                ui.label(what);
            });
        }
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
        ui.group(|ui| {
            ui.colored_label(
                RevansApp::warn_color(ui),
                RichText::new("Changes refused").strong(),
            );
            ui.label(
                "Every member's device checks every change against the set's rules; these were not applied, kept or passed on.",
            );
            for change in refused.iter().rev() {
                let author = change
                    .author
                    .as_ref()
                    .map_or_else(|| "its author".to_owned(), &member_of);
                ui.label(format!(
                    "{} sent a change {author} may not make: {} ({})",
                    device_of(&change.from),
                    change.reason,
                    ago(change.at, now)
                ));
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
        ui.heading("People and sync");
        let status = self.sync.get(&id).cloned().unwrap_or_default();
        for (member, devices) in &status {
            ui.group(|ui| {
                ui.horizontal(|ui| {
                    ui.label(RichText::new(name_of(&set, member)).strong());
                    if let Some(m) = set.members.get(member) {
                        ui.label(&m.organisation);
                    }
                    if Some(member) != me.as_ref()
                        && ui
                            .button(format!("Remove {}", name_of(&set, member)))
                            .clicked()
                    {
                        self.confirm_remove = Some(member.clone());
                    }
                });
                for d in devices {
                    let state = if d.this_device {
                        "this device".to_owned()
                    } else if d.up_to_date {
                        format!(
                            "has our latest change{}",
                            d.last_heard
                                .map_or_else(String::new, |t| format!(" (heard {})", ago(t, now)))
                        )
                    } else if d.connected {
                        "connected, catching up".to_owned()
                    } else {
                        format!(
                            "offline; last heard {}",
                            d.last_heard
                                .map_or_else(|| "never".to_owned(), |t| ago(t, now))
                        )
                    };
                    let how = match d.route {
                        Some(revans_sync::Route::Direct) if d.connected => "; direct connection",
                        Some(revans_sync::Route::Relay) if d.connected => "; through a relay",
                        _ => "",
                    };
                    ui.label(format!("Device {}: {state}{how}", d.device.short()));
                }
            });
        }
        self.refused_changes(ui, &set, &id, now);
        if let Some(member) = self.confirm_remove.clone() {
            let who = name_of(&set, &member);
            ui.group(|ui| {
                ui.colored_label(
                    RevansApp::warn_color(ui),
                    format!("Remove {who}? They keep everything their devices already hold; they receive nothing from now on, and their devices are refused."),
                );
                ui.horizontal(|ui| {
                    if ui.button("Yes, remove").clicked() {
                        self.confirm_remove = None;
                        self.apply("remove", "Removing…", Command::RemoveMember { member });
                    }
                    if ui.button("Cancel").clicked() {
                        self.confirm_remove = None;
                    }
                });
            });
        }
        self.status(ui, "remove");
        ui.add_space(8.0);

        ui.label(RichText::new("Invite someone").strong());
        self.text(ui, "Who is it for", "invite.for");
        if ui.button("Make invitation ticket").clicked() {
            let for_name = self.value("invite.for").trim().to_owned();
            let set_id = id.clone();
            self.run("invite", "Making a ticket…", move |node| async move {
                node.invite(
                    &set_id,
                    &for_name,
                    std::time::Duration::from_hours(7 * 24),
                    None,
                )
                .await
                .map(|t| Outcome::Ticket(t.to_string()))
            });
        }
        self.status(ui, "invite");
        self.ticket(
            ui,
            "invite",
            "It admits one device, once, for seven days. Send it by a private channel.",
        );

        ui.add_space(8.0);
        ui.label(RichText::new("Link another of your devices").strong());
        if ui.button("Make link ticket").clicked()
            && let Some(me) = me.clone()
        {
            let set_id = id.clone();
            self.run("link", "Making a ticket…", move |node| async move {
                node.invite(
                    &set_id,
                    "another device",
                    std::time::Duration::from_hours(1),
                    Some(me),
                )
                .await
                .map(|t| Outcome::Ticket(t.to_string()))
            });
        }
        self.status(ui, "link");
        self.ticket(
            ui,
            "link",
            "On your other device, choose \"Join with a ticket\" and paste this within the hour.",
        );
    }

    /// A ticket to copy, once made.
    fn ticket(&mut self, ui: &mut egui::Ui, place: &'static str, advice: &str) {
        let Some(ticket) = self.notices.get(place).cloned() else {
            return;
        };
        let mut shown = ticket.clone();
        let label = ui.label("Ticket");
        ui.add(
            egui::TextEdit::multiline(&mut shown)
                .desired_rows(3)
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
        ui.horizontal(|ui| {
            if ui.button("Copy ticket").clicked() {
                ui.ctx().copy_text(ticket);
            }
            ui.label(advice);
        });
    }
}
