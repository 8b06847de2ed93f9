//! The set and its members: the profile, creating, listing, renaming and showing sets,
//! who facilitates, and members.

use anyhow::{Result, bail};
use chrono::Utc;
use revans_model::{Command, Facilitation};
use serde_json::json;

use super::args::{FacilitationArgs, FacilitationMode, MemberCmd, ProfileArgs, SetCmd};
use super::input::{moment, profile_or};
use super::output::Io;
use super::refs;
use crate::export::{self};
use crate::render::{Table, local, name_of};

/// Show or set this device's member profile, and its endpoint id.
pub(super) fn profile(io: &mut Io<'_>, ProfileArgs { name, org }: ProfileArgs) -> Result<()> {
    if name.is_some() || org.is_some() {
        let mut profile = io.node.profile()?.unwrap_or_default();
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
        io.node.set_profile(&profile)?;
    }
    let profile = io.node.profile()?.unwrap_or_default();
    let device = io.node.device().to_string();
    io.emit(
        &json!({
            "name": profile.display_name,
            "organisation": profile.organisation,
            "device": device,
            "data_dir": io.node.data_dir(),
        }),
        &format!(
            "Name:          {}\nOrganisation:  {}\nDevice:        {device}\nData:          {}",
            if profile.display_name.is_empty() {
                "(not set: revans profile --name \"Your Name\")"
            } else {
                &profile.display_name
            },
            profile.organisation,
            io.node.data_dir().display()
        ),
    );
    Ok(())
}

/// Who facilitates: a named facilitator, rotating, or the set managing itself.
pub(super) async fn facilitation(
    io: &mut Io<'_>,
    FacilitationArgs { set, mode, member }: FacilitationArgs,
) -> Result<()> {
    let (id, state) = io.set(&set)?;
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
    io.apply(&id, Command::ChangeFacilitation { to }).await?;
    let state = io.node.set(&id)?;
    let words = export::facilitation(&state);
    io.emit(
        &json!({ "facilitation": state.facilitation }),
        &format!("{} is now {words}.", state.name),
    );
    Ok(())
}

/// Create, list and show sets.
pub(super) async fn set(io: &mut Io<'_>, cmd: SetCmd) -> Result<()> {
    match cmd {
        SetCmd::Create { name, purpose } => {
            let profile = profile_or(io.node, None, None)?;
            let id = io.node.create_set(&name, &purpose, profile).await?;
            io.emit(&json!({ "set": id, "name": name }), id.as_str());
        }
        SetCmd::List => {
            let mut rows = Vec::new();
            let mut table = Table::new(&["SET", "NAME", "MEMBERS", "NEXT MEETING"]);
            for (id, loaded) in io.node.sets() {
                match loaded {
                    Ok(set) => {
                        let next = set.next_meeting().map(|(_, m)| m.scheduled_at.get());
                        let closed = set.closed.as_ref().map(|c| c.at.get());
                        let when = match (closed, next) {
                            (Some(closed), _) => format!("closed on {}", local(closed)),
                            (None, Some(next)) => local(next),
                            (None, None) => "none planned".to_owned(),
                        };
                        table.row(vec![
                            id.as_str().chars().take(10).collect(),
                            set.name.clone(),
                            set.current_members().len().to_string(),
                            when,
                        ]);
                        rows.push(json!({
                            "id": id,
                            "name": set.name,
                            "members": set.current_members().len(),
                            "next_meeting": next,
                            "closed": closed,
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
            io.emit(&json!({ "sets": rows }), &human);
        }
        SetCmd::Rename { set, name } => {
            let (id, _) = io.set(&set)?;
            io.apply(
                &id,
                Command::EditSet {
                    name: Some(name),
                    purpose: None,
                },
            )
            .await?;
            let name = io.node.set(&id)?.name.clone();
            io.emit(
                &json!({ "set": id, "name": name }),
                &format!("The set is now called {name}."),
            );
        }
        SetCmd::Close { set } => {
            let (id, _) = io.set(&set)?;
            io.apply(&id, Command::CloseSet).await?;
            let state = io.node.set(&id)?;
            let at = state.closed.as_ref().map(|c| c.at.get());
            io.emit(
                &json!({ "set": id, "closed_at": at }),
                &format!(
                    "{} is closed: its record is kept on every member's device, read-only. Export it with `revans export`.",
                    state.name
                ),
            );
        }
        SetCmd::Show { set, at } => {
            let (id, mut state) = io.set(&set)?;
            let mut now = Utc::now();
            if let Some(at) = at {
                let when = moment(&state, &at)?;
                state = std::sync::Arc::new(io.node.set_at(&id, when).await?.0);
                now = when;
            }
            if io.json {
                io.out.print(&export::json(&state)?);
            } else {
                io.out.print(&export::markdown(&state, now));
            }
        }
    }
    Ok(())
}

/// Members of a set.
pub(super) async fn member(io: &mut Io<'_>, cmd: MemberCmd) -> Result<()> {
    match cmd {
        MemberCmd::Remove { set, member } => {
            let (id, state) = io.set(&set)?;
            let who = refs::member(&state, &member)?;
            io.apply(
                &id,
                Command::RemoveMember {
                    member: who.clone(),
                },
            )
            .await?;
            let who_name = name_of(&state, &who);
            io.emit(&json!({ "removed": who, "name": who_name }),
                &format!(
                    "{who_name} is no longer a member. They keep what their devices already hold, and receive nothing from now on."
                ),
            );
        }
        MemberCmd::List { set } => {
            let (_, state) = io.set(&set)?;
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
            io.emit(&json!({ "members": rows }), &table.render());
        }
    }
    Ok(())
}
