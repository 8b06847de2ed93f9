//! Meetings: planning the next one, and each meeting's summary.

use chrono::{Datelike as _, Local};
use egui::RichText;
use revans_model::{ActionLearningSet, Command, Field, MeetingPlan, MemberId};

use crate::gui::forms::Editing;
use crate::gui::forms::parse_local;
use crate::gui::{Shell, look};
use crate::render::{local, name_of};

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

/// The meetings area keeps the date and host chosen on the plan-a-meeting form, until a
/// meeting is planned.
#[derive(Default)]
pub(crate) struct Meetings {
    date: Option<jiff::civil::Date>,
    host: Option<MemberId>,
    /// Whether the meeting planned is the set's last.
    closing: bool,
}

impl Meetings {
    /// The shell's work at `place` finished: a planned meeting empties the form.
    pub(crate) fn finished(&mut self, place: &str) {
        if place == "plan" {
            self.date = None;
            self.host = None;
            self.closing = false;
        }
    }
}

impl Meetings {
    #[allow(clippy::too_many_lines)] // the area drawn top to bottom, as it appears
    pub(crate) fn ui(&mut self, app: &mut Shell, ui: &mut egui::Ui) {
        let Some(set) = app.set().cloned() else {
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
                .any(|f| app.in_conflict(f));
                if marked {
                    ui.colored_label(ui.visuals().warn_fg_color, "two versions");
                }
                if m.phase == revans_model::Phase::Planned
                    && app.editing.is_none()
                    && ui
                        .button("Move")
                        .on_hover_text("Another time, place or host")
                        .clicked()
                {
                    app.edit(
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
                app.versions(ui, &set, &field);
            }
        }
        if matches!(app.editing, Some(Editing::Meeting { .. })) {
            app.edit_form(ui, &set);
            return;
        }
        attendance(app, ui, &set);
        ui.add_space(8.0);
        ui.label(RichText::new("Plan a meeting").strong());
        ui.label("The first meeting is three hours by default, later ones two; meet at members' workplaces in turn.");
        let today = Local::now().date_naive();
        let date = self
            .date
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
        if app.value("plan.time.keep").is_empty() {
            "09:30".clone_into(app.field("plan.time.keep"));
        }
        let entered = app.text(ui, "Start time (HH:MM, local time)", "plan.time.keep")
            | app.text(ui, "Minutes (blank for the default)", "plan.minutes");
        // Meetings rotate around members' workplaces: the host's organisation is the
        // place unless the person writes another.
        let before = self.host.clone();
        let chosen = self
            .host
            .as_ref()
            .map_or_else(|| "No host".to_owned(), |h| name_of(&set, h));
        egui::ComboBox::from_label("Host")
            .selected_text(chosen)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut self.host, None, "No host");
                for (id, member) in set.current_members() {
                    ui.selectable_value(&mut self.host, Some(id.clone()), &member.display_name);
                }
            });
        if self.host != before
            && let Some(organisation) = self
                .host
                .as_ref()
                .and_then(|h| set.members.get(h))
                .map(|m| m.organisation.clone())
            && app.value("plan.where").trim().is_empty()
        {
            *app.field("plan.where") = organisation;
        }
        let entered = entered | app.text(ui, "Where", "plan.where");
        ui.checkbox(&mut self.closing, "The set's last meeting")
            .on_hover_text("Its review looks back over the set's life; once it closes, the set can be closed and its record kept");
        if ui.button("Plan meeting").clicked() || entered {
            let date = self.date.unwrap_or_else(|| next_meeting_date(&set, today));
            let when = parse_local(&format!("{date} {}", app.value("plan.time.keep")));
            let minutes = app.value("plan.minutes");
            let minutes = if minutes.trim().is_empty() {
                Ok(None)
            } else {
                minutes.trim().parse::<u32>().map(Some)
            };
            match (when, minutes) {
                (None, _) => app.error(
                    "plan",
                    "Write the start time as hours and minutes, like 09:30.",
                ),
                (_, Err(_)) => app.error(
                    "plan",
                    "Write the length as a number of minutes, or leave it blank.",
                ),
                (Some(scheduled_at), Ok(minutes)) => {
                    let location = app.value("plan.where");
                    let host = self.host.clone();
                    app.apply(
                        "plan",
                        "Planning…",
                        Command::PlanMeeting(MeetingPlan {
                            scheduled_at,
                            minutes,
                            location,
                            host,
                            closing: self.closing,
                        }),
                    );
                }
            }
        }
        app.status(ui, "plan");
    }
}

/// Who is coming to the next meeting and who sent apologies (with their reasons, shown
/// to the set), and this member's own word on it.
fn attendance(app: &mut Shell, ui: &mut egui::Ui, set: &ActionLearningSet) {
    let Some((id, meeting)) = set.next_meeting() else {
        return;
    };
    ui.add_space(8.0);
    ui.label(RichText::new(format!("Coming on {}?", local(meeting.scheduled_at.get()))).strong());
    let (mut coming, mut unsaid) = (Vec::new(), Vec::new());
    for (member, _) in set.current_members() {
        match meeting.attendance.get(member) {
            Some(word) if word.coming => coming.push(name_of(set, member)),
            Some(_) => {}
            None => unsaid.push(name_of(set, member)),
        }
    }
    if !coming.is_empty() {
        ui.label(format!("Coming: {}", coming.join(", ")));
    }
    for (member, word) in meeting.away() {
        ui.label(if word.reason.is_empty() {
            format!("Apologies from {}", name_of(set, member))
        } else {
            format!("Apologies from {}: {}", name_of(set, member), word.reason)
        });
    }
    if !unsaid.is_empty() {
        ui.label(RichText::new(format!("Not said yet: {}", unsaid.join(", "))).weak());
    }
    let Some(me) = app.me() else { return };
    let mine = meeting.attendance.get(&me);
    ui.horizontal(|ui| {
        if mine.is_none_or(|w| !w.coming) && ui.button("I'm coming").clicked() {
            app.apply(
                "attend",
                "Saying you are coming…",
                Command::Attend {
                    meeting: id.clone(),
                    coming: true,
                    reason: String::new(),
                },
            );
        }
    });
    if mine.is_none_or(|w| w.coming) {
        let entered = app.text(ui, "Reason (optional, shown to the set)", "attend.reason");
        if ui.button("Send apologies").clicked() || entered {
            let reason = app.value("attend.reason");
            app.apply(
                "attend",
                "Sending your apologies…",
                Command::Attend {
                    meeting: id.clone(),
                    coming: false,
                    reason,
                },
            );
        }
    }
    app.status(ui, "attend");
}
