//! The meeting console: the phase stepper and each phase's work, live for every member.
//!
//! Shortcuts: F5 logs a question, F6 a statement, F7 starts the next turn or ends the
//! running one, F8 moves the meeting to its next phase.

use chrono::TimeDelta;
use egui::RichText;
use revans_model::{
    ActionLearningSet, Command, ContributionKind, Meeting, MeetingId, MemberReviewAnswers,
    Outcome as ActionOutcome, Phase, TurnState, Urgency, batting_order, meeting_time_left,
    turn_schedule, turn_time_left,
};

use crate::cli::refs::name_of;
use crate::gui::areas::room::{batting_bar, clock, elapsed, said_in, summary, time_colour, words};
use crate::gui::look::member_colour;
use crate::gui::{RevansApp, look};
use crate::render::local;

/// A member's own review at the end of a meeting, in the practice's words.
const OWN_REVIEW: [(&str, &str); 5] = [
    (
        "The three key things I have learned about my problem today are:",
        "mine.problem",
    ),
    (
        "The one thing I've learned about myself today is:",
        "mine.myself",
    ),
    ("My action steps before the next meeting are:", "mine.steps"),
    (
        "The most interesting thing I have learned today about the problems facing each of the other set members is:",
        "mine.others",
    ),
    (
        "The thing that stands out for me today in terms of the working of this set is:",
        "mine.set",
    ),
];

const PHASES: [Phase; 5] = [
    Phase::CatchUp,
    Phase::Agenda,
    Phase::Turns,
    Phase::Review,
    Phase::Closed,
];

fn phase_title(phase: Phase) -> &'static str {
    match phase {
        Phase::Planned => "Planned",
        Phase::CatchUp => "Catch-up",
        Phase::Agenda => "Agenda",
        Phase::Turns => "Turns",
        Phase::Review => "Review",
        Phase::Closed => "Closed",
    }
}

impl RevansApp {
    /// The meeting the console shows: the one chosen, else the first not yet closed.
    fn console_meeting(&self, set: &ActionLearningSet) -> Option<MeetingId> {
        self.console_meeting
            .clone()
            .filter(|m| set.meetings.contains_key(m))
            .or_else(|| {
                set.meetings_in_order()
                    .into_iter()
                    .find(|(_, m)| m.closed_at.is_none())
                    .map(|(id, _)| id.clone())
            })
            .or_else(|| {
                set.meetings_in_order()
                    .into_iter()
                    .last()
                    .map(|(id, _)| id.clone())
            })
    }

    pub(crate) fn console(&mut self, ui: &mut egui::Ui) {
        let Some(set) = self.set().cloned() else {
            return;
        };
        let Some(meeting_id) = self.console_meeting(&set) else {
            ui.heading("Meeting console");
            ui.label("No meeting is planned yet: plan one under Meetings.");
            return;
        };
        let Some(meeting) = set.meetings.get(&meeting_id).cloned() else {
            return;
        };
        let now = self.now();
        let f11 = ui.input(|i| i.key_pressed(egui::Key::F11));
        if f11 {
            self.set_room(ui.ctx(), !self.room);
        }
        if self.room {
            self.room_view(ui, &set, &meeting_id, &meeting);
            return;
        }
        ui.horizontal(|ui| {
            ui.heading("Meeting console");
            if ui
                .button("Room view")
                .on_hover_text("F11: full screen, for a shared screen or a projector")
                .clicked()
            {
                self.set_room(ui.ctx(), true);
            }
            egui::ComboBox::from_label("Meeting")
                .selected_text(local(meeting.scheduled_at.get()))
                .show_ui(ui, |ui| {
                    for (id, m) in set.meetings_in_order() {
                        let text =
                            format!("{} · {}", local(m.scheduled_at.get()), phase_title(m.phase));
                        if ui.selectable_label(*id == meeting_id, text).clicked() {
                            self.console_meeting = Some(id.clone());
                        }
                    }
                });
        });
        if let Some(left) = meeting_time_left(&meeting, now) {
            let left = if left < TimeDelta::zero() {
                format!("{} min over time", -left.num_minutes())
            } else {
                format!("{} min left in the meeting", left.num_minutes())
            };
            ui.label(format!(
                "{} · {} minutes · {left}",
                meeting.location, meeting.minutes
            ));
        }

        self.stepper(ui, &meeting_id, &meeting);
        ui.separator();
        match meeting.phase {
            Phase::Planned => {
                ui.label("The meeting opens with a catch-up round: move on to Catch-up when the set has gathered.");
            }
            Phase::CatchUp => self.catch_up(ui, &set, &meeting_id, &meeting),
            Phase::Agenda => self.agenda(ui, &set, &meeting_id, &meeting),
            Phase::Turns => self.turns(ui, &set, &meeting_id, &meeting),
            Phase::Review => self.review(ui, &meeting_id, &meeting),
            Phase::Closed => summary(ui, &set, &meeting_id, self.now()),
        }
    }

    fn stepper(&mut self, ui: &mut egui::Ui, meeting_id: &MeetingId, meeting: &Meeting) {
        ui.horizontal(|ui| {
            for phase in PHASES {
                let text = RichText::new(phase_title(phase));
                let text = if phase == meeting.phase {
                    text.strong().underline()
                } else {
                    text.weak()
                };
                ui.label(text);
                if phase != Phase::Closed {
                    ui.label(">");
                }
            }
        });
        ui.horizontal(|ui| {
            if let Some(previous) = meeting.phase.previous()
                && previous != Phase::Planned
                && meeting.phase != Phase::Closed
                && ui
                    .button(format!("Back to {}", phase_title(previous)))
                    .clicked()
            {
                self.apply(
                    "phase",
                    "Moving…",
                    Command::MovePhase {
                        meeting: meeting_id.clone(),
                        to: previous,
                    },
                );
            }
            if let Some(next) = meeting.phase.next() {
                let label = if next == Phase::Closed {
                    "Close the meeting".to_owned()
                } else {
                    format!("Move on to {}", phase_title(next))
                };
                let pressed = ui.input(|i| i.key_pressed(egui::Key::F8));
                if ui.button(label).on_hover_text("F8").clicked() || pressed {
                    let command = Command::MovePhase {
                        meeting: meeting_id.clone(),
                        to: next,
                    };
                    let early = meeting.scheduled_at.get() - self.now();
                    if next == Phase::Closed {
                        self.ask(
                            "Close the meeting? Its record is kept, and it cannot be reopened.",
                            "Yes, close it",
                            ("phase", "Closing…"),
                            command,
                        );
                    } else if next == Phase::CatchUp && early > TimeDelta::hours(12) {
                        self.ask(
                            format!(
                                "This meeting is planned for {}, {} from now. Start it now?",
                                local(meeting.scheduled_at.get()),
                                crate::render::span(early)
                            ),
                            "Yes, start it now",
                            ("phase", "Moving…"),
                            command,
                        );
                    } else {
                        self.apply("phase", "Moving…", command);
                    }
                }
            }
        });
        self.status(ui, "phase");
    }

    fn catch_up(
        &mut self,
        ui: &mut egui::Ui,
        set: &ActionLearningSet,
        meeting_id: &MeetingId,
        meeting: &Meeting,
    ) {
        ui.label(RichText::new("Catching up").strong());
        ui.label("A round which allows each person to share immediate news.");
        for (member, news) in &meeting.catch_up {
            ui.label(format!("{}: {}", name_of(set, member), news.news.as_str()));
        }
        self.prose(ui, "Your news", "news.text");
        if ui.button("Share news").clicked() {
            let news = self.value("news.text");
            self.apply(
                "news",
                "Sharing…",
                Command::CatchUp {
                    meeting: meeting_id.clone(),
                    news,
                },
            );
        }
        self.status(ui, "news");

        let me = self.me();
        // Every member's open actions, theirs to report on; accounts as they are given.
        let others: Vec<_> = set
            .current_members()
            .into_iter()
            .filter(|(id, _)| Some(*id) != me.as_ref())
            .flat_map(|(id, _)| set.open_actions_of(id))
            .collect();
        let began = meeting
            .started_at
            .map_or(i64::MAX, revans_model::Timestamp::millis);
        let mut accounts: Vec<_> = set
            .actions
            .values()
            .filter_map(|a| a.report_back.as_ref().map(|r| (a, r)))
            .filter(|(_, r)| r.reported_at.millis() >= began)
            .collect();
        accounts.sort_by_key(|(_, r)| r.reported_at);
        if !accounts.is_empty() {
            ui.add_space(8.0);
            ui.label(RichText::new("Accounts given").strong());
            for (action, report) in accounts {
                look::card(ui, Some(member_colour(set, &action.owner)), |ui| {
                    ui.label(
                        RichText::new(format!(
                            "{}: {} ({}/10 likely): {}",
                            name_of(set, &action.owner),
                            action.text,
                            action.likelihood,
                            report.outcome.name()
                        ))
                        .color(member_colour(set, &action.owner)),
                    );
                    for (label, text) in [
                        ("What happened", &report.what_happened),
                        ("What they learned", &report.learned),
                    ] {
                        if !text.is_blank() {
                            ui.label(format!("{label}: {}", text.as_str()));
                        }
                    }
                });
            }
        }
        if !others.is_empty() {
            ui.add_space(8.0);
            ui.label(RichText::new("Actions the others will report on").strong());
            for (_, action) in others {
                ui.label(
                    RichText::new(format!(
                        "{}: {} ({}/10 likely)",
                        name_of(set, &action.owner),
                        action.text,
                        action.likelihood
                    ))
                    .color(member_colour(set, &action.owner)),
                );
            }
        }
        let Some(me) = me else { return };
        let open = set.open_actions_of(&me);
        if open.is_empty() {
            return;
        }
        ui.add_space(8.0);
        ui.label(RichText::new("Your actions to report back on").strong());
        for (action_id, action) in open {
            let action_id = action_id.clone();
            // Each action its own fields: typing about one never fills another's.
            let what = format!("report.{action_id}.what");
            let learned_field = format!("report.{action_id}.learned");
            look::card(ui, None, |ui| {
                ui.label(format!("{} ({}/10 likely)", action.text, action.likelihood));
                self.text(ui, "What happened", &what);
                self.text(ui, "What I learned", &learned_field);
                ui.horizontal(|ui| {
                    for (outcome, label) in [
                        (ActionOutcome::Done, "Done"),
                        (ActionOutcome::Partly, "Partly"),
                        (ActionOutcome::Not, "Not done"),
                    ] {
                        if ui
                            .button(label)
                            .on_hover_text(format!("Report: {label}"))
                            .clicked()
                        {
                            let what_happened = self.value(&what);
                            let learned = self.value(&learned_field);
                            self.apply(
                                "report",
                                "Reporting…",
                                Command::ReportBack {
                                    action: action_id.clone(),
                                    outcome,
                                    what_happened,
                                    learned,
                                },
                            );
                        }
                    }
                });
            });
        }
        self.status(ui, "report");
    }

    fn agenda(
        &mut self,
        ui: &mut egui::Ui,
        set: &ActionLearningSet,
        meeting_id: &MeetingId,
        meeting: &Meeting,
    ) {
        ui.label(RichText::new("Bids for time").strong());
        egui::Grid::new("bids").striped(true).show(ui, |ui| {
            for (member, bid) in &meeting.bids {
                ui.label(name_of(set, member));
                ui.label(
                    bid.minutes
                        .map_or("an equal share".to_owned(), |m| format!("{m} min")),
                );
                ui.label(format!("{} urgency", bid.urgency.name()));
                ui.label(
                    bid.issue
                        .as_ref()
                        .and_then(|i| set.issues.get(i))
                        .map(|i| i.statement.clone())
                        .unwrap_or_default(),
                );
                ui.label(&bid.note);
                ui.end_row();
            }
        });
        if meeting.agenda.is_none() {
            let entered = self.text(
                ui,
                "Minutes wanted (blank for an equal share)",
                "bid.minutes",
            );
            ui.horizontal(|ui| {
                ui.label("Urgency");
                let urgency = self.field("bid.urgency.keep");
                if urgency.is_empty() {
                    "normal".clone_into(urgency);
                }
                for u in ["low", "normal", "high"] {
                    let selected = self.value("bid.urgency.keep") == u;
                    if ui.selectable_label(selected, u).clicked() {
                        u.clone_into(self.field("bid.urgency.keep"));
                    }
                }
            });
            // The bid names the issue to work on: one of this member's open issues.
            let mine: Vec<_> = self
                .me()
                .map(|me| {
                    set.open_issues_by_priority()
                        .into_iter()
                        .filter(|(_, i)| i.owner == me)
                        .map(|(id, i)| (id.clone(), i.statement.clone()))
                        .collect()
                })
                .unwrap_or_default();
            if !mine.is_empty() {
                let chosen = self
                    .bid_issue
                    .as_ref()
                    .and_then(|c| mine.iter().find(|(id, _)| id == c))
                    .map_or_else(|| "No particular issue".to_owned(), |(_, s)| s.clone());
                egui::ComboBox::from_label("Issue to work on")
                    .selected_text(chosen)
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut self.bid_issue, None, "No particular issue");
                        for (id, statement) in &mine {
                            ui.selectable_value(&mut self.bid_issue, Some(id.clone()), statement);
                        }
                    });
            }
            if ui.button("Bid for time").clicked() || entered {
                let minutes = self.value("bid.minutes");
                let minutes = if minutes.trim().is_empty() {
                    Ok(None)
                } else {
                    minutes.trim().parse::<u32>().map(Some)
                };
                let urgency = match self.value("bid.urgency.keep").as_str() {
                    "low" => Urgency::Low,
                    "high" => Urgency::High,
                    _ => Urgency::Normal,
                };
                match minutes {
                    Err(_) => self.error("bid", "Write the minutes as a whole number, or leave it blank for an equal share."),
                    Ok(minutes) => self.apply(
                        "bid",
                        "Bidding…",
                        Command::BidForTime {
                            meeting: meeting_id.clone(),
                            minutes,
                            urgency,
                            issue: self.bid_issue.clone(),
                            note: String::new(),
                        },
                    ),
                }
            }
            self.status(ui, "bid");
        }
        ui.add_space(8.0);
        let order = batting_order(set, meeting);
        ui.label(
            RichText::new(if order.locked {
                "Batting order (locked)"
            } else {
                "Proposed batting order"
            })
            .strong(),
        );
        ui.label(format!(
            "{} of {} minutes for turns allocated",
            order.allocated(),
            order.minutes_for_turns
        ));
        egui::Grid::new("order").striped(true).show(ui, |ui| {
            for (i, slot) in order.slots.iter().enumerate() {
                ui.label(format!("{}.", i + 1));
                ui.label(name_of(set, &slot.member));
                ui.label(format!("{} min", slot.minutes));
                ui.label(
                    slot.issue
                        .as_ref()
                        .and_then(|i| set.issues.get(i))
                        .map(|i| i.statement.clone())
                        .unwrap_or_default(),
                );
                ui.end_row();
            }
        });
        if !order.locked && !order.slots.is_empty() && ui.button("Lock batting order").clicked() {
            self.apply(
                "lock",
                "Locking…",
                Command::LockAgenda {
                    meeting: meeting_id.clone(),
                    slots: None,
                },
            );
        }
        self.status(ui, "lock");
    }

    fn turns(
        &mut self,
        ui: &mut egui::Ui,
        set: &ActionLearningSet,
        meeting_id: &MeetingId,
        meeting: &Meeting,
    ) {
        let now = self.now();
        let schedule = turn_schedule(set, meeting, now);
        batting_bar(ui, set, &schedule, 28.0);
        egui::Grid::new("schedule").striped(true).show(ui, |ui| {
            for t in &schedule {
                ui.label(name_of(set, &t.member));
                let lost = t.minutes_lost();
                if lost > 0 && t.state == TurnState::Waiting {
                    ui.colored_label(
                        RevansApp::warn_color(ui),
                        format!("{} min ({lost} min lost to overruns)", t.minutes),
                    );
                } else {
                    ui.label(format!("{} min", t.minutes));
                }
                ui.label(match t.state {
                    TurnState::Waiting => "to come",
                    TurnState::Running { .. } => "presenting",
                    TurnState::Done { .. } => "done",
                    TurnState::Withdrawn => "withdrawn",
                });
                ui.end_row();
            }
        });
        ui.add_space(8.0);
        let f7 = ui.input(|i| i.key_pressed(egui::Key::F7));
        if let Some((presenter, left)) = turn_time_left(meeting, now) {
            let issue = schedule
                .iter()
                .find(|t| t.member == presenter)
                .and_then(|t| t.issue.as_ref())
                .and_then(|i| set.issues.get(i))
                .map(|i| i.statement.clone());
            ui.label(
                RichText::new(format!("{} is presenting", name_of(set, &presenter))).heading(),
            );
            if let Some(issue) = issue {
                ui.label(format!("Issue: {issue}"));
            }
            // The clock and End turn side by side, near the top: in reach on a small screen.
            let mut end = f7;
            let allotted = TimeDelta::minutes(i64::from(
                meeting
                    .turns
                    .get(&presenter)
                    .map_or(0, |t| t.allocated_minutes),
            ));
            ui.horizontal(|ui| {
                // Coloured as in the room view: green, amber in the last fifth, red once over.
                let text = RichText::new(clock(left))
                    .size(40.0)
                    .monospace()
                    .color(time_colour(left, allotted));
                let shown = ui.label(text);
                if left < TimeDelta::zero() {
                    shown.on_hover_text("Over time: the turns still to come lose these minutes");
                }
                end |= ui.button("End turn").on_hover_text("F7").clicked();
            });
            if end {
                self.apply(
                    "turn",
                    "Ending the turn…",
                    Command::EndTurn {
                        meeting: meeting_id.clone(),
                    },
                );
            }
            ui.label(RichText::new("Ask questions rather than give advice.").italics());
            for q in set.prompts(elapsed(left, allotted), 4) {
                ui.label(format!("· {}", q.text));
            }
            let entered = self.text(ui, "Words (optional)", "said.text");
            let asker = self.asker_picker(ui, set, &presenter);
            let f5 = ui.input(|i| i.key_pressed(egui::Key::F5));
            let f6 = ui.input(|i| i.key_pressed(egui::Key::F6));
            ui.horizontal(|ui| {
                let question = ui
                    .button("Log question")
                    .on_hover_text("F5 or Enter")
                    .clicked()
                    || f5
                    || entered;
                let statement = ui.button("Log statement").on_hover_text("F6").clicked() || f6;
                for (pressed, kind) in [
                    (question, ContributionKind::Question),
                    (statement, ContributionKind::Statement),
                ] {
                    if pressed {
                        let text = self.value("said.text");
                        self.log_said(meeting_id, kind, asker.clone(), text);
                    }
                }
            });
            if let Some((_, turn)) = meeting.running_turn() {
                let said = said_in(turn);
                ui.label(format!("{} so far", said.counts()));
                if said.statements > said.questions {
                    ui.colored_label(
                        RevansApp::warn_color(ui),
                        "More statements than questions: ask, don't tell.",
                    );
                }
                for c in said.newest_first {
                    let who = c.asked_by();
                    let kind = match c.kind {
                        ContributionKind::Question => "Question from",
                        ContributionKind::Statement => "Statement from",
                    };
                    ui.colored_label(
                        member_colour(set, who),
                        format!("{kind} {}{}", name_of(set, who), words(c)),
                    );
                }
            }
            self.status(ui, "said");
            if self.me().as_ref() == Some(&presenter) {
                self.action_capture(ui, meeting_id);
            }
        } else if let Some(next) = schedule.iter().find(|t| t.state == TurnState::Waiting) {
            let who = name_of(set, &next.member);
            if self.me().is_some_and(|me| meeting.turns.contains_key(&me)) {
                self.action_capture(ui, meeting_id);
            }
            if ui
                .button(format!("Start {who}'s turn"))
                .on_hover_text("F7")
                .clicked()
                || f7
            {
                self.apply(
                    "turn",
                    "Starting the turn…",
                    Command::StartTurn {
                        meeting: meeting_id.clone(),
                        presenter: next.member.clone(),
                    },
                );
            }
        } else {
            if self.me().is_some_and(|me| meeting.turns.contains_key(&me)) {
                self.action_capture(ui, meeting_id);
            }
            ui.label("Every turn is done: move on to the review.");
        }
        self.status(ui, "turn");
    }

    /// Logs a question or statement as asked by `asker`; with no one picked, says so.
    pub(crate) fn log_said(
        &mut self,
        meeting_id: &MeetingId,
        kind: ContributionKind,
        asker: Option<revans_model::MemberId>,
        text: String,
    ) {
        let Some(asker) = asker else {
            self.error(
                "said",
                "Say who asked: pick them above (or press their number, 1 to 7).",
            );
            return;
        };
        self.apply(
            "said",
            "Logging…",
            Command::LogContribution {
                meeting: meeting_id.clone(),
                kind,
                text,
                asker: Some(asker),
            },
        );
        // The next one is this device's member's again unless someone is picked.
        self.asker = None;
    }

    /// Who asked the next question: this device's member by default; on a shared screen the
    /// one logging picks the member with a click or their number (1 to 7). `None` when no
    /// one is picked and this device's member is the presenter.
    pub(crate) fn asker_picker(
        &mut self,
        ui: &mut egui::Ui,
        set: &ActionLearningSet,
        presenter: &revans_model::MemberId,
    ) -> Option<revans_model::MemberId> {
        const KEYS: [egui::Key; 7] = [
            egui::Key::Num1,
            egui::Key::Num2,
            egui::Key::Num3,
            egui::Key::Num4,
            egui::Key::Num5,
            egui::Key::Num6,
            egui::Key::Num7,
        ];
        let others: Vec<(revans_model::MemberId, String)> = set
            .current_members()
            .into_iter()
            .filter(|(id, _)| *id != presenter)
            .map(|(id, m)| (id.clone(), m.display_name.clone()))
            .collect();
        if self
            .asker
            .as_ref()
            .is_some_and(|a| !others.iter().any(|(id, _)| id == a))
        {
            self.asker = None;
        }
        // Numbers pick only while no text field is being typed in.
        if !ui.ctx().egui_wants_keyboard_input() {
            for (key, (id, _)) in KEYS.iter().zip(&others) {
                if ui.input(|i| i.key_pressed(*key)) {
                    self.asker = Some(id.clone());
                }
            }
        }
        let me = self.me().filter(|m| m != presenter);
        let chosen = self.asker.clone().or(me);
        ui.horizontal_wrapped(|ui| {
            ui.label("Asked by");
            for (i, (id, name)) in others.iter().enumerate() {
                // The one picked filled with their colour, the others in it: readable in
                // both themes and from across the room.
                let colour = member_colour(set, id);
                let picked = chosen.as_ref() == Some(id);
                let text = RichText::new(format!("{} {name}", i + 1)).color(if picked {
                    egui::Color32::WHITE
                } else {
                    colour
                });
                let button = egui::Button::new(text).selected(picked).fill(if picked {
                    colour
                } else {
                    egui::Color32::TRANSPARENT
                });
                if ui.add(button).clicked() {
                    self.asker = Some(id.clone());
                }
            }
        });
        chosen
    }

    /// The presenter's actions, each with how likely they are to do it.
    fn action_capture(&mut self, ui: &mut egui::Ui, meeting_id: &MeetingId) {
        look::card(ui, None, |ui| {
            ui.label(RichText::new("Your actions before the next meeting").strong());
            let entered = self.text(ui, "Action", "action.text");
            ui.add(egui::Slider::new(&mut self.likelihood, 1..=10).text("Likelihood (1-10)"));
            if ui.button("Add action").clicked() || entered {
                let text = self.value("action.text");
                let likelihood = self.likelihood;
                self.apply(
                    "action",
                    "Adding…",
                    Command::AddAction {
                        text,
                        likelihood,
                        issue: None,
                        meeting: Some(meeting_id.clone()),
                    },
                );
            }
            self.status(ui, "action");
        });
    }

    fn review(&mut self, ui: &mut egui::Ui, meeting_id: &MeetingId, meeting: &Meeting) {
        ui.label(RichText::new("Review of the meeting").strong());
        let r = &meeting.process_review;
        for (label, text) in [
            ("Worked well", &r.worked_well),
            ("Was difficult", &r.was_difficult),
            ("More effective", &r.more_effective),
        ] {
            if !text.is_blank() {
                ui.label(format!("{label}: {}", text.as_str()));
            }
        }
        self.prose(ui, "What worked well?", "review.worked");
        self.prose(ui, "What was difficult?", "review.difficult");
        self.prose(ui, "How could we be more effective?", "review.effective");
        if ui.button("Save set review").clicked() {
            let some = |s: String| (!s.trim().is_empty()).then_some(s);
            self.apply(
                "review",
                "Saving…",
                Command::ReviewProcess {
                    meeting: meeting_id.clone(),
                    worked_well: some(self.value("review.worked")),
                    was_difficult: some(self.value("review.difficult")),
                    more_effective: some(self.value("review.effective")),
                },
            );
        }
        self.status(ui, "review");
        ui.add_space(8.0);
        ui.label(RichText::new("Your own review").strong());
        for (label, name) in OWN_REVIEW {
            self.prose(ui, label, name);
        }
        if ui.button("Save my review").clicked() {
            let some = |s: String| (!s.trim().is_empty()).then_some(s);
            self.apply(
                "mine",
                "Saving…",
                Command::ReviewMeeting {
                    meeting: meeting_id.clone(),
                    answers: MemberReviewAnswers {
                        my_problem: some(self.value("mine.problem")),
                        myself: some(self.value("mine.myself")),
                        my_action_steps: some(self.value("mine.steps")),
                        other_members: some(self.value("mine.others")),
                        the_set: some(self.value("mine.set")),
                    },
                },
            );
        }
        self.status(ui, "mine");
    }
}
