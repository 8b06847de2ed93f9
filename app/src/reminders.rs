//! Reminders: the day before and an hour before a meeting, and the day before an action
//! is due, given once each as a desktop notification while the app runs. Which ones a
//! member wants is a setting of theirs on this device (`revans remind`, or People and
//! sync in the app).
//!
//! The notification itself is behind [`Notifier`], so a test sees what would be shown
//! without a desktop.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};
use revans_model::{ActionLearningSet, MemberId, Phase, SetId};
use revans_sync::data_dir::Reminding;

use crate::render::local;

/// One reminder: given once, from `at` until the moment it is about has passed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reminder {
    /// Names it among all reminders, so it is given once.
    pub key: String,
    /// From when it is given.
    pub at: DateTime<Utc>,
    /// Until when it is still worth giving.
    pub until: DateTime<Utc>,
    /// Its title.
    pub title: String,
    /// What it says.
    pub body: String,
}

/// Every reminder a member of `set` wants about what is still to come there.
pub fn upcoming(
    id: &SetId,
    set: &ActionLearningSet,
    me: &MemberId,
    wanted: Reminding,
) -> Vec<Reminder> {
    let mut reminders = Vec::new();
    if set.closed.is_some() || !set.is_current_member(me) {
        return reminders;
    }
    let Some((meeting_id, meeting)) = set.next_meeting() else {
        return reminders;
    };
    if meeting.phase != Phase::Planned {
        return reminders;
    }
    let starts = meeting.scheduled_at.get();
    let when = format!("{}, at {}", local(starts), meeting.location);
    let mut remind = |suffix: &str, before: TimeDelta, title: String, body: String| {
        reminders.push(Reminder {
            key: format!("{id}/{meeting_id}/{suffix}"),
            at: starts - before,
            until: starts,
            title,
            body,
        });
    };
    if wanted.day_before {
        remind(
            "day",
            TimeDelta::days(1),
            format!("{}: meeting tomorrow", set.name),
            format!("{when}. Your news and your bid can be written ahead."),
        );
    }
    if wanted.hour_before {
        remind(
            "hour",
            TimeDelta::hours(1),
            format!("{}: meeting in an hour", set.name),
            when.clone(),
        );
    }
    if wanted.actions_due {
        for (action_id, action) in set.open_actions_of(me) {
            if set.due_meeting(action) == Some(meeting_id) {
                remind(
                    &format!("{action_id}/due"),
                    TimeDelta::days(1),
                    format!("{}: an action is due", set.name),
                    format!(
                        "{}. You report back on it at the meeting: {when}.",
                        action.text
                    ),
                );
            }
        }
    }
    reminders
}

/// What shows a notification on the desktop.
pub trait Notifier {
    /// Shows one notification.
    ///
    /// # Errors
    /// Why the desktop would not show it, in words.
    fn notify(&self, title: &str, body: &str) -> Result<(), String>;
}

/// The desktop's own notifications (D-Bus on Linux, the notification centre on macOS,
/// toasts on Windows).
pub struct Desktop;

impl Notifier for Desktop {
    fn notify(&self, title: &str, body: &str) -> Result<(), String> {
        notify_rust::Notification::new()
            .appname("Revans")
            .summary(title)
            .body(body)
            .show()
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Gives each reminder once, when its time comes.
pub struct Reminders {
    notifier: Box<dyn Notifier>,
    /// Reminders given, as the data directory remembers them (loaded on first use).
    given: Option<BTreeSet<String>>,
    /// Why the desktop did not show the last one, if it did not.
    pub trouble: Option<String>,
    /// When to look again: every half minute at most, or sooner when one is due.
    next_look: Option<std::time::Instant>,
}

impl Reminders {
    /// Reminders shown through `notifier`.
    pub fn new(notifier: Box<dyn Notifier>) -> Self {
        Self {
            notifier,
            given: None,
            trouble: None,
            next_look: None,
        }
    }

    /// Looks again at the next tick, after the settings changed.
    pub fn look_again(&mut self) {
        self.next_look = None;
    }

    /// Gives every reminder whose time has come and that was not given before; returns
    /// how long until the next one is due, to wake then.
    pub fn tick(
        &mut self,
        node: &revans_sync::Node,
        sets: &[(SetId, std::sync::Arc<ActionLearningSet>)],
        now: DateTime<Utc>,
    ) -> Option<std::time::Duration> {
        let instant = std::time::Instant::now();
        if self.next_look.is_some_and(|at| instant < at) {
            return None;
        }
        let Ok((wanted, remembered)) = node.reminders() else {
            return None;
        };
        let given = self.given.get_or_insert(remembered);
        let mut all = Vec::new();
        for (id, set) in sets {
            if let Ok(me) = node.me(id) {
                all.extend(upcoming(id, set, &me, wanted));
            }
        }
        let mut newly = Vec::new();
        for reminder in &all {
            if reminder.at <= now && now < reminder.until && !given.contains(&reminder.key) {
                match self.notifier.notify(&reminder.title, &reminder.body) {
                    Ok(()) => self.trouble = None,
                    Err(why) => {
                        tracing::warn!(%why, "the desktop did not show a reminder");
                        self.trouble = Some(why);
                    }
                }
                given.insert(reminder.key.clone());
                newly.push(reminder.key.clone());
            }
        }
        if !newly.is_empty()
            && let Err(e) = node.reminded(&newly)
        {
            tracing::warn!(%e, "could not remember the reminders given");
        }
        let next = all
            .iter()
            .filter(|r| r.at > now)
            .map(|r| r.at - now)
            .min()
            .and_then(|d| d.to_std().ok());
        let half_a_minute = std::time::Duration::from_secs(30);
        self.next_look = Some(instant + next.map_or(half_a_minute, |n| n.min(half_a_minute)));
        next
    }
}
