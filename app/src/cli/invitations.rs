//! Invitations and joining: tickets for a newcomer or for another device of one's own,
//! and using them.

use std::fmt::Write as _;
use std::sync::Arc;

use anyhow::{Result, bail};
use chrono::Utc;
use revans_model::{ActionLearningSet, MemberId, SetId};
use serde_json::json;

use super::args::{InviteArgs, JoinArgs, LinkArgs, LinkDeviceArgs};
use super::input::{parse_duration, profile_or};
use super::output::Io;
use crate::render::{local, name_of};

/// Invite someone to a set: prints a ticket to give them.
pub(super) async fn invite(
    io: &mut Io<'_>,
    InviteArgs {
        set,
        for_name,
        expires,
        welcome,
    }: InviteArgs,
) -> Result<()> {
    let (id, state) = io.set(&set)?;
    let valid = parse_duration(&expires)?;
    let welcome = match welcome {
        None => String::new(),
        Some(words) if words.trim().is_empty() => {
            let me = io.node.me(&id)?;
            crate::render::welcome(&state, &me)
        }
        Some(words) => words.trim().to_owned(),
    };
    if welcome.chars().count() > revans_sync::ticket::WELCOME_MAX {
        bail!(
            "A welcome travels in the ticket, so it is at most {} characters; shorten it.",
            revans_sync::ticket::WELCOME_MAX
        );
    }
    let mut ticket = io.node.invite(&id, &for_name, valid, None).await?;
    ticket.welcome = welcome;
    let expires_at = Utc::now() + chrono::Duration::from_std(valid).unwrap_or_default();
    io.emit(
        &json!({
            "ticket": ticket.to_string(),
            "invitation": ticket.invitation,
            "for": for_name,
            "expires_at": expires_at,
        }),
        &ticket.to_string(),
    );
    let _ = writeln!(
        io.out.stderr,
        "Give this ticket to {for_name} by a private channel; it admits one device until {}.",
        local(expires_at)
    );
    Ok(())
}

/// Make a ticket that links another device of yours to your membership.
pub(super) async fn link(io: &mut Io<'_>, LinkArgs { set, expires }: LinkArgs) -> Result<()> {
    let (id, _) = io.set(&set)?;
    let me = io.node.me(&id)?;
    let valid = parse_duration(&expires)?;
    let ticket = io
        .node
        .invite(&id, "another device", valid, Some(me.clone()))
        .await?;
    let expires_at = Utc::now() + chrono::Duration::from_std(valid).unwrap_or_default();
    let state = io.node.set(&id)?;
    io.emit(
        &json!({
            "ticket": ticket.to_string(),
            "invitation": ticket.invitation,
            "for": name_of(&state, &me),
            "expires_at": expires_at,
        }),
        &ticket.to_string(),
    );
    io.out
        .stderr
        .push_str("On your other device, run: revans link-device TICKET\n");
    Ok(())
}

/// Join a set with a ticket: any reachable member admits you; prints the set's id.
pub(super) async fn join(
    io: &mut Io<'_>,
    JoinArgs {
        ticket,
        name,
        org,
        timeout,
    }: JoinArgs,
) -> Result<()> {
    let profile = profile_or(io.node, name, org)?;
    let timeout = parse_duration(&timeout)?;
    // The welcome the member sent with it, before anything is asked of the set.
    if let Ok(parsed) = ticket.trim().parse::<revans_sync::ticket::InviteTicket>()
        && !parsed.welcome.is_empty()
    {
        let _ = writeln!(io.out.stderr, "{}\n", parsed.welcome);
    }
    let id = io.node.join(&ticket, profile, timeout).await?;
    let (state, _) = joined(io, &id)?;
    let _ = writeln!(io.out.stderr, "You are now a member of {}.", state.name);
    Ok(())
}

/// Join as a second device of a member you already are, with a ticket made by
/// `revans link SET` on your other device.
pub(super) async fn link_device(
    io: &mut Io<'_>,
    LinkDeviceArgs { ticket, timeout }: LinkDeviceArgs,
) -> Result<()> {
    let timeout = parse_duration(&timeout)?;
    let id = io.node.link_device(&ticket, timeout).await?;
    let (state, member) = joined(io, &id)?;
    let _ = writeln!(
        io.out.stderr,
        "This device now acts for {} in {}.",
        name_of(&state, &member),
        state.name
    );
    Ok(())
}

/// Prints the set this device is now in, and as whom; returns both.
fn joined(io: &mut Io<'_>, id: &SetId) -> Result<(Arc<ActionLearningSet>, MemberId)> {
    let state = io.node.set(id)?;
    let member = io.node.me(id)?;
    io.emit(
        &json!({ "set": id, "name": state.name, "member": member }),
        id.as_str(),
    );
    Ok((state, member))
}
