//! People and sync: members, their devices and how each is in step, invitations and
//! tickets.

use chrono::{DateTime, Utc};
use egui::RichText;
use revans_model::{ActionLearningSet, Command, DeviceId, InvitationState, SetId};

use crate::gui::look::member_colour;
use crate::gui::{Outcome, Shell, Ticket, look};
use crate::render::{ago, local, name_of};

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
    if let Some(theirs) = d.other_version {
        return crate::render::version_gap(&name_of(set, member), theirs);
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

#[allow(clippy::too_many_lines)] // the area drawn top to bottom, as it appears
pub(crate) fn ui(app: &mut Shell, ui: &mut egui::Ui) {
    let Some(set) = app.set().cloned() else {
        return;
    };
    let Some(id) = app.selected.clone() else {
        return;
    };
    let me = app.me();
    let now = Utc::now();
    ui.horizontal(|ui| {
        ui.heading("People and sync");
        if ui
            .add_enabled(!app.busy("sync"), egui::Button::new("Sync now"))
            .on_hover_text("Dial every member's device now and wait until in step with one")
            .clicked()
        {
            let set_id = id.clone();
            app.run(
                "sync",
                "Reaching members' devices…",
                move |node| async move { sync_now(&node, &set_id).await },
            );
        }
    });
    app.status(ui, "sync");
    let status = app.sync.get(&id).cloned().unwrap_or_default();
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
                    app.ask(
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
    refused_changes(app, ui, &set, &id, now);
    app.status(ui, "remove");
    ui.add_space(8.0);

    pending_invitations(app, ui, &set, now);

    ui.label(RichText::new("Invite someone").strong());
    let entered = app.text(ui, "Who is it for", "invite.for");
    // A welcome travels in the ticket, shown to them before they join.
    app.prose(
        ui,
        "A welcome sent with the ticket (optional)",
        "invite.welcome",
    );
    if ui
        .button("Write the usual welcome")
        .on_hover_text("The set's purpose, what action learning is, and the ground rules")
        .clicked()
        && let Some(me) = &me
    {
        *app.field("invite.welcome") = crate::render::welcome(&set, me);
    }
    if ui.button("Make invitation ticket").clicked() || entered {
        let for_name = app.value("invite.for").trim().to_owned();
        let welcome = app.value("invite.welcome").trim().to_owned();
        let set_id = id.clone();
        let valid = std::time::Duration::from_hours(7 * 24);
        let about = format!(
            "For {for_name}: it admits one device, once, until {}. Send it by a private channel.",
            local(Utc::now() + chrono::Duration::from_std(valid).unwrap_or_default())
        );
        app.run("invite", "Making a ticket…", move |node| async move {
            let welcome: String = welcome
                .chars()
                .take(revans_sync::ticket::WELCOME_MAX)
                .collect();
            node.invite(&set_id, &for_name, valid, None)
                .await
                .map(|mut t| {
                    t.welcome = welcome;
                    Outcome::Ticket(Ticket {
                        text: t.to_string(),
                        about,
                    })
                })
        });
    }
    app.status(ui, "invite");
    ticket(app, ui, "invite");

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
        app.run("link", "Making a ticket…", move |node| async move {
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
    app.status(ui, "link");
    ticket(app, ui, "link");
    reminders(app, ui);
    proxy(app, ui);
}

/// The proxy this device reaches relays through: the one in use and where it came from,
/// and a field to save one (or none), which reconnects with it.
fn proxy(app: &mut Shell, ui: &mut egui::Ui) {
    let Some(node) = app.node().cloned() else {
        return;
    };
    look::section(ui, "Network on this device");
    let in_use = node.proxy();
    ui.label(match &in_use {
        Some((url, from)) => format!("Relays are reached through the proxy {url} (from {from})."),
        None => "Relays are reached directly, through no proxy.".to_owned(),
    });
    if let Some(why) = node.certificate_store_problem() {
        ui.label(
            RichText::new(crate::render::unread_certificate_store(why))
                .color(ui.visuals().warn_fg_color),
        );
    }
    if !app.fields.contains_key("proxy") {
        let saved = node.saved_proxy().ok().flatten().unwrap_or_default();
        *app.field("proxy") = saved;
    }
    ui.label(
        RichText::new(
            "Behind a workplace proxy, name it here (ask IT for it, like http://proxy.example:3128); leave it empty for none.",
        )
        .weak(),
    );
    let entered = app.text(ui, "HTTP(S) proxy", "proxy");
    if ui.button("Save and reconnect").clicked() || entered {
        let written = app.value("proxy");
        match node.save_proxy(Some(&written)) {
            Ok(()) => {
                app.errors.remove("proxy");
                app.fields.remove("proxy");
                // The endpoint takes a proxy only when it starts; the node stops once
                // this clone of it is gone.
                drop(node);
                app.restart_node();
                return;
            }
            Err(e) => app.error("proxy", e.to_string()),
        }
    }
    if matches!(in_use, Some((_, "--proxy"))) {
        ui.label(
            RichText::new("The proxy given with --proxy when Revans started comes first.").weak(),
        );
    }
    app.status(ui, "proxy");
}

/// This device's reminders, each switched on or off; and why the desktop showed none,
/// if it would not.
fn reminders(app: &mut Shell, ui: &mut egui::Ui) {
    let Some(node) = app.node().cloned() else {
        return;
    };
    look::section(ui, "Reminders on this device");
    let Ok((mut wanted, _)) = node.reminders() else {
        return;
    };
    let before = wanted;
    ui.checkbox(&mut wanted.day_before, "The day before a meeting");
    ui.checkbox(&mut wanted.hour_before, "An hour before a meeting");
    ui.checkbox(
        &mut wanted.actions_due,
        "The day before an action of mine is due",
    );
    if wanted != before {
        match node.set_reminders(wanted) {
            Ok(()) => app.reminders.look_again(),
            Err(e) => app.error("reminders", e.to_string()),
        }
    }
    if let Some(why) = &app.reminders.trouble {
        ui.label(
            RichText::new(format!("The desktop did not show the last reminder: {why}"))
                .color(ui.visuals().warn_fg_color),
        );
    }
    app.status(ui, "reminders");
}

/// Invitations no one has used yet, with whom each is for and until when, and a way to
/// withdraw each.
fn pending_invitations(
    app: &mut Shell,
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
                app.apply(
                    "withdraw",
                    "Withdrawing…",
                    Command::RevokeInvitation {
                        invitation: id.clone(),
                    },
                );
            }
        });
    }
    app.status(ui, "withdraw");
    ui.add_space(8.0);
}

/// A ticket to copy, once made, with whom it is for and until when.
/// A ticket as a QR code, for a phone or laptop in the same room to read off the screen
/// (dark modules on a light ground, with the quiet zone readers need).
fn qr_code(ui: &mut egui::Ui, text: &str) {
    let Ok(code) = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::L) else {
        ui.label(
            RichText::new(
                "This ticket is too long for a QR code (its welcome makes it so): copy it instead.",
            )
            .weak(),
        );
        return;
    };
    let width = code.width();
    let modules = code.to_colors();
    let quiet = 4;
    #[allow(clippy::cast_precision_loss)] // a few hundred modules at most
    let across = (width + 2 * quiet) as f32;
    let module = (260.0 / across).clamp(2.0, 6.0).floor();
    let (rect, response) = ui.allocate_exact_size(
        egui::vec2(across * module, across * module),
        egui::Sense::hover(),
    );
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0.0, egui::Color32::WHITE);
    for (i, colour) in modules.iter().enumerate() {
        if *colour == qrcode::Color::Dark {
            #[allow(clippy::cast_precision_loss)]
            let (x, y) = ((i % width + quiet) as f32, (i / width + quiet) as f32);
            let at = rect.min + egui::vec2(x * module, y * module);
            painter.rect_filled(
                egui::Rect::from_min_size(at, egui::vec2(module, module)),
                0.0,
                egui::Color32::BLACK,
            );
        }
    }
    response.widget_info(|| {
        egui::WidgetInfo::labeled(egui::Role::Image, true, "QR code of the ticket")
    });
}

fn ticket(app: &mut Shell, ui: &mut egui::Ui, place: &'static str) {
    let Some(ticket) = app.tickets.get(place).cloned() else {
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
            ui.ctx().copy_text(ticket.text.clone());
            app.toast("Ticket copied to the clipboard");
        }
        ui.label(ticket.about);
    });
    // For someone in the same room: read off the screen instead of copied.
    egui::CollapsingHeader::new("Show as a QR code")
        .id_salt((place, "qr"))
        .show(ui, |ui| qr_code(ui, &ticket.text));
}

/// Changes members' devices sent that this device refused, newest first: who sent
/// each, whose device signed it, and why. The rest of the set goes on syncing.
fn refused_changes(
    app: &Shell,
    ui: &mut egui::Ui,
    set: &ActionLearningSet,
    id: &SetId,
    now: DateTime<Utc>,
) {
    let Some(refused) = app.refused.get(id).filter(|r| !r.is_empty()) else {
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
    look::card(ui, Some(Shell::warn_color(ui)), |ui| {
        ui.colored_label(
            Shell::warn_color(ui),
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
