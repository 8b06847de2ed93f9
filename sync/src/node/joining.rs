//! The joiner's side of admission (the member's side is [`crate::join`]): the request
//! signed with the ticket's invitation key and this device's own key, sent to the
//! members' devices the ticket names until one admits this device, then the set (and a
//! linked device's journal) fetched through the sync engine.

use std::collections::BTreeSet;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use iroh::SecretKey;
use iroh::endpoint::Connection;
use revans_model::admission::{admission_message, consent_message, journal_consent_message};
use revans_model::{InvitationId, MemberId, Profile, SetId};

use super::Node;
use super::error::NodeError;
use super::inner::doc_id;
use crate::ids::{DocId, PeerId};
use crate::protocol::{JOIN_ALPN, JoinRequest, JoinResponse, Refusal, read_message, write_message};
use crate::runtime::DocKind;
use crate::ticket::{BadTicket, InviteTicket};

impl Node {
    /// Joins a set as a new member with an invitation ticket: any reachable member's
    /// device admits this one, then the set syncs here. Returns the set's id once it is
    /// held. A ticket that links a member's device is refused, saying so.
    pub async fn join(
        &self,
        ticket: &str,
        profile: Profile,
        timeout: Duration,
    ) -> Result<SetId, NodeError> {
        join(self, ticket.parse()?, Some(profile), timeout).await
    }

    /// Links this device to the member who made the ticket (on one of their devices):
    /// one of their devices admits it, adds it to their journal with its consent, and
    /// the set and the journal sync here. A ticket inviting a newcomer is refused, saying
    /// so, and so is any link while this device keeps a journal of its own.
    pub async fn link_device(&self, ticket: &str, timeout: Duration) -> Result<SetId, NodeError> {
        join(self, ticket.parse()?, None, timeout).await
    }
}

/// What the joiner presents for `ticket`, signed with the ticket's invitation key and
/// this device's own key, and the journal a link brings; or why this command does not
/// take this ticket.
fn request(
    node: &Node,
    ticket: &InviteTicket,
    profile: Option<Profile>,
) -> Result<(JoinRequest, Option<DocId>), NodeError> {
    let inner = &node.inner;
    let set = SetId::from(ticket.set.as_str());
    // Each command takes its own kind of ticket, told apart before anything is sent.
    let (member, journal) = match (&ticket.link, &profile) {
        (Some(_), Some(_)) => return Err(NodeError::LinkTicket),
        (None, None) => return Err(NodeError::InviteTicket),
        (None, Some(_)) => (MemberId::random(), None),
        (Some(link), None) => {
            let journal: DocId = link
                .journal
                .parse()
                .map_err(|_| NodeError::Ticket(BadTicket::malformed("its journal id")))?;
            // A device never replaces the journal it keeps with another.
            if node.journal_id().is_some_and(|mine| mine != link.journal) {
                return Err(NodeError::JournalHeld);
            }
            (MemberId::from(link.member.as_str()), Some(journal))
        }
    };
    let invitation = InvitationId::from(ticket.invitation.as_str());
    let signature = SecretKey::from_bytes(&ticket.key)
        .sign(&admission_message(
            &set,
            &invitation,
            &member,
            &inner.sets.device,
        ))
        .to_bytes();
    let consent = inner
        .key
        .sign(&consent_message(&set, &member, &invitation))
        .to_bytes();
    let profile = profile.unwrap_or_default();
    let request = JoinRequest {
        set: ticket.set.clone(),
        invitation: ticket.invitation.clone(),
        member: member.to_string(),
        signature: signature.to_vec(),
        consent: consent.to_vec(),
        name: profile.display_name,
        organisation: profile.organisation,
        journal: journal.map(|j| {
            let consent = inner.key.sign(&journal_consent_message(&j.to_string()));
            (j.to_string(), consent.to_bytes().to_vec())
        }),
    };
    Ok((request, journal))
}

/// The joiner's side: a newcomer (with a profile) or a member's own new device (without).
async fn join(
    node: &Node,
    ticket: InviteTicket,
    profile: Option<Profile>,
    timeout: Duration,
) -> Result<SetId, NodeError> {
    let set = SetId::from(ticket.set.as_str());
    let doc = doc_id(&set)?;
    let inner = &node.inner;
    let (request, journal) = request(node, &ticket, profile)?;
    if inner.sets.view(&set).is_ok() {
        return Err(NodeError::AlreadyMember);
    }
    // Dial every device in the ticket at once and ask the first that answers: an
    // offline device costs nothing, and asking one at a time means an invitation is
    // never admitted twice.
    let mut dials: FuturesUnordered<_> = ticket
        .peers
        .iter()
        .filter(|peer| peer.id != inner.endpoint.id())
        .map(|peer| {
            node.add_peer_addr(peer.clone());
            let endpoint = inner.endpoint.clone();
            let id = peer.id;
            async move { (id, endpoint.connect(id, JOIN_ALPN).await) }
        })
        .collect();
    let tried: Vec<String> = ticket
        .peers
        .iter()
        .map(|p| p.id.fmt_short().to_string())
        .collect();
    let mut admitted_by = None;
    let mut not_here = false;
    // A member whose device has not yet received the invitation (made moments ago on
    // another device) does not know it: ask the others before believing that.
    let mut unknown = false;
    let asking = async {
        while let Some((id, connected)) = dials.next().await {
            let conn = match connected {
                Ok(conn) => conn,
                Err(e) => {
                    tracing::info!(peer = %id.fmt_short(), error = %e, "could not reach");
                    continue;
                }
            };
            match ask(&conn, &request).await {
                Ok(JoinResponse::Admitted { .. }) => {
                    admitted_by = Some(id);
                    return Ok(());
                }
                Ok(JoinResponse::Refused(Refusal::NotHere)) => not_here = true,
                Ok(JoinResponse::Refused(Refusal::Unknown)) => unknown = true,
                Ok(JoinResponse::Refused(refusal)) => return Err(NodeError::Refused(refusal)),
                Err(e) => tracing::info!(peer = %id.fmt_short(), error = %e, "could not ask"),
            }
        }
        Ok(())
    };
    if let Ok(result) = tokio::time::timeout(timeout, asking).await {
        result?;
    } else {
        tracing::info!("no member's device answered in time");
    }
    let Some(admitted_by) = admitted_by else {
        if unknown {
            return Err(NodeError::Refused(Refusal::Unknown));
        }
        if not_here {
            return Err(NodeError::Refused(Refusal::NotHere));
        }
        return Err(NodeError::Unreachable(tried.join(", ")));
    };
    // Until the set arrives, the devices in the ticket are the ones it may come from.
    let peers: BTreeSet<PeerId> = ticket
        .peers
        .iter()
        .filter(|p| p.id != inner.endpoint.id())
        .map(|p| PeerId(*p.id.as_bytes()))
        .collect();
    inner
        .sets
        .engine
        .open(doc, DocKind::Set, None, peers.clone())
        .await?;
    let me = inner.sets.device.clone();
    let arrived = inner
        .wait_for(timeout, |shared| {
            shared
                .view(&doc)
                .and_then(|v| v.set.clone())
                .is_some_and(|s| {
                    s.as_ref()
                        .as_ref()
                        .is_ok_and(|s| s.member_for_device(&me).is_some())
                })
        })
        .await;
    if arrived.is_err() {
        return Err(NodeError::Unreachable(admitted_by.fmt_short().to_string()));
    }
    inner.remember_set(&set)?;
    node.record_addresses().await;
    if let Some(journal) = journal {
        node.adopt_journal(journal, peers, timeout).await?;
    }
    Ok(set)
}

async fn ask(
    conn: &Connection,
    request: &JoinRequest,
) -> Result<JoinResponse, Box<dyn std::error::Error + Send + Sync>> {
    let (mut send, mut recv) = conn.open_bi().await?;
    write_message(&mut send, request).await?;
    send.finish()?;
    let response = read_message(&mut recv).await?;
    conn.close(0u32.into(), b"thanks");
    Ok(response)
}
