//! The first run: the person's name, then starting a set or joining one with a ticket.

use egui::RichText;
use revans_model::Profile;

use super::{Outcome, Shell, look};

impl Shell {
    pub(super) fn first_run(&mut self, ui: &mut egui::Ui) {
        ui.heading("Welcome to Revans");
        ui.label(
            "Revans keeps your Action Learning Set's shared record on your members' own machines. First, how should your set know you?",
        );
        ui.add_space(8.0);
        let name_entered = self.text(ui, "Your name", "profile.name");
        let org_entered = self.text(ui, "Your organisation", "profile.org");
        if ui.button("Save profile").clicked() || name_entered || org_entered {
            let name = self.value("profile.name").trim().to_owned();
            if name.is_empty() {
                self.error("profile", "Write your name first.");
            } else {
                let profile = Profile {
                    display_name: name,
                    organisation: self.value("profile.org").trim().to_owned(),
                };
                self.run("profile", "Saving…", move |node| async move {
                    node.set_profile(&profile).map(|()| Outcome::Done)
                });
            }
        }
        self.status(ui, "profile");
    }

    pub(super) fn start_or_join(&mut self, ui: &mut egui::Ui) {
        ui.heading("Start a set, or join one");
        ui.add_space(6.0);
        look::card(ui, None, |ui| {
            ui.label(RichText::new("Restore a set from a backup").strong());
            ui.label("A backup made with Export (Signed backup) or `revans export --format revans`: every change in it is checked, as if a member's device had sent it. You can also drop the file on this window.");
            if ui
                .add_enabled(
                    !self.busy("restore"),
                    egui::Button::new("Choose a backup file…"),
                )
                .clicked()
                && let Some(path) = self.desktop.choose_backup()
            {
                self.restore(path);
            }
            self.status(ui, "restore");
        });
        ui.add_space(6.0);
        look::card(ui, None, |ui| {
            ui.label(RichText::new("Create a set").strong());
            let entered = self.text(ui, "Set name", "create.name")
                | self.text(ui, "Purpose", "create.purpose");
            if (ui
                .add_enabled(!self.busy("create"), egui::Button::new("Create set"))
                .clicked()
                || entered)
                && !self.busy("create")
            {
                let name = self.value("create.name").trim().to_owned();
                let purpose = self.value("create.purpose");
                let founder = self.profile.clone().unwrap_or_default();
                self.run("create", "Creating the set…", move |node| async move {
                    node.create_set(&name, &purpose, founder)
                        .await
                        .map(Outcome::Set)
                });
            }
            self.status(ui, "create");
        });
        ui.add_space(6.0);
        look::card(ui, None, |ui| {
            ui.label(RichText::new("Join with a ticket").strong());
            ui.label("Paste the ticket a member gave you. Any member's device that is online can let you in. A ticket you made on your other device links this one to you.");
            let entered = self.text(ui, "Ticket", "join.ticket");
            let ticket = self.value("join.ticket").trim().to_owned();
            // The two kinds of ticket are told apart as the CLI does: `join` takes an
            // invitation, `link-device` a link.
            let parsed = ticket.parse::<revans_sync::ticket::InviteTicket>().ok();
            let link = parsed.as_ref().is_some_and(|t| t.link.is_some());
            // What the member who invited them sent with it, read before joining.
            if let Some(welcome) = parsed
                .as_ref()
                .map(|t| t.welcome.trim())
                .filter(|w| !w.is_empty())
            {
                egui::Frame::group(ui.style()).show(ui, |ui| {
                    ui.label(RichText::new("A welcome from the set").strong());
                    ui.label(welcome);
                });
            }
            if link {
                ui.label(RichText::new("This ticket links this device to the member who made it on their other device: their journal comes here too.").weak());
            }
            let button = if link { "Link this device" } else { "Join set" };
            if (ui
                .add_enabled(!self.busy("join"), egui::Button::new(button))
                .clicked()
                || entered)
                && !self.busy("join")
            {
                let profile = self.profile.clone().unwrap_or_default();
                let timeout = std::time::Duration::from_secs(30);
                let waiting = if link {
                    "Reaching your other device…"
                } else {
                    "Reaching the set's members…"
                };
                self.run("join", waiting, move |node| async move {
                    let joined = if link {
                        node.link_device(&ticket, timeout).await
                    } else {
                        node.join(&ticket, profile, timeout).await
                    };
                    joined.map(Outcome::Set)
                });
            }
            self.status(ui, "join");
        });
    }
}
