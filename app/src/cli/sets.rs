//! The set and its members: the profile, creating, listing, renaming and showing sets,
//! who facilitates, and members.

use anyhow::{Result, bail};
use chrono::Utc;
use revans_model::{Command, Facilitation};
use revans_sync::Node;
use serde_json::json;

use super::args::{FacilitationArgs, FacilitationMode, MemberCmd, ProfileArgs, SetCmd};
use super::input::{moment, profile_or};
use super::output::Output;
use super::refs;
use crate::export::{self};
use crate::render::{Table, local, name_of};

/// Show or set this device's member profile, and its endpoint id.
pub(super) fn profile(
    node: &Node,
    ProfileArgs { name, org }: ProfileArgs,
    json: bool,
    out: &mut Output,
) -> Result<()> {
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
    Ok(())
}

/// Who facilitates: a named facilitator, rotating, or the set managing itself.
pub(super) async fn facilitation(
    node: &Node,
    FacilitationArgs { set, mode, member }: FacilitationArgs,
    json: bool,
    out: &mut Output,
) -> Result<()> {
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
    Ok(())
}

/// Create, list and show sets.
pub(super) async fn set(node: &Node, cmd: SetCmd, json: bool, out: &mut Output) -> Result<()> {
    match cmd {
        SetCmd::Create { name, purpose } => {
            let profile = profile_or(node, None, None)?;
            let id = node.create_set(&name, &purpose, profile).await?;
            out.emit(json, &json!({ "set": id, "name": name }), id.as_str());
        }
        SetCmd::List => {
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
        SetCmd::Rename { set, name } => {
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
        SetCmd::Show { set, at } => {
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
    }
    Ok(())
}

/// Members of a set.
pub(super) async fn member(
    node: &Node,
    cmd: MemberCmd,
    json: bool,
    out: &mut Output,
) -> Result<()> {
    match cmd {
        MemberCmd::Remove { set, member } => {
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
        MemberCmd::List { set } => {
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
    }
    Ok(())
}
