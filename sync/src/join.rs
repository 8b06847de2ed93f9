//! Admission over `revans/join/3`: the joiner signs the admission with the invitation's
//! key from the ticket, and its own consent with its device key, and presents both to any
//! member's device named in the ticket; that device checks them against the set (which
//! holds only the invitation's public key), admits the joiner as a member (or links the
//! device), and says so. A linked device also consents to hold its member's journal, and
//! the member's own device that admits it adds it to the journal's list. The joiner then
//! fetches the set (and the journal) through the sync engine, from the devices in the
//! ticket until the set (and the journal) name who holds them.

use std::collections::{BTreeSet, HashMap};
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, OnceLock, Weak};
use std::time::{Duration, Instant};

use futures::stream::FuturesUnordered;
use futures::{FutureExt, StreamExt};
use iroh::EndpointId;
use iroh::SecretKey;
use iroh::endpoint::Connection;
use iroh::protocol::{AcceptError, ProtocolHandler};
use revans_model::admission::{admission_message, consent_message, journal_consent_message};
use revans_model::{
    Applied, Command, CommandError, InvitationId, InvitationState, MemberId, Profile, SetId,
    Timestamp,
};
use tracing::Instrument;

use crate::ids::{DocId, PeerId};
use crate::node::{Inner, Node, NodeError, doc_id};
use crate::protocol::{
    JOIN_ALPN, JoinRequest, JoinResponse, Refusal, close, read_message, write_message,
};
use crate::runtime::DocKind;
use crate::ticket::{BadTicket, InviteTicket};

/// How many join requests one device may make in [`JOIN_WINDOW`]: a newcomer retrying
/// a mistyped name needs a few; more only cost the member's device work.
pub const JOIN_REQUESTS: usize = 5;
/// The window join requests are counted in.
pub const JOIN_WINDOW: Duration = Duration::from_mins(1);
/// How many requesting devices are remembered at once; past it, the oldest requests
/// are forgotten first.
const JOIN_REMEMBERED: usize = 1024;

/// The member's side: answers join requests, each requesting device a few a minute.
#[derive(Clone, Debug)]
pub struct JoinProtocol {
    node: Arc<OnceLock<Weak<Inner>>>,
    asked: Arc<std::sync::Mutex<HashMap<EndpointId, Vec<Instant>>>>,
}

impl JoinProtocol {
    pub(crate) fn new(node: Arc<OnceLock<Weak<Inner>>>) -> Self {
        Self {
            node,
            asked: Arc::default(),
        }
    }

    /// Counts a request from `remote`: whether it is within its allowance.
    fn allowed(&self, remote: EndpointId, now: Instant) -> bool {
        let mut asked = self
            .asked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        asked.retain(|_, times| {
            times.retain(|t| now.duration_since(*t) < JOIN_WINDOW);
            !times.is_empty()
        });
        if asked.len() >= JOIN_REMEMBERED && !asked.contains_key(&remote) {
            let oldest = asked
                .iter()
                .min_by_key(|(_, times)| times.last().copied())
                .map(|(id, _)| *id);
            if let Some(oldest) = oldest {
                asked.remove(&oldest);
            }
        }
        let times = asked.entry(remote).or_default();
        times.push(now);
        times.len() <= JOIN_REQUESTS
    }
}

impl ProtocolHandler for JoinProtocol {
    async fn accept(&self, conn: Connection) -> Result<(), AcceptError> {
        let remote = conn.remote_id();
        let span = tracing::info_span!("join", peer = %remote.fmt_short());
        let Some(inner) = self.node.get().and_then(Weak::upgrade) else {
            conn.close(close::SHUTDOWN, b"shutting down");
            return Ok(());
        };
        let (mut send, mut recv) = conn.accept_bi().await?;
        let answered = AssertUnwindSafe(
            async {
                let response = match read_message::<JoinRequest>(&mut recv).await {
                    Ok(_) if !self.allowed(remote, Instant::now()) => {
                        JoinResponse::Refused(Refusal::TooOften)
                    }
                    Ok(request) => admit(&inner, remote, request).await,
                    Err(e) => {
                        tracing::info!(error = %e, "malformed join request; closing");
                        conn.close(close::MALFORMED, b"malformed join request");
                        return;
                    }
                };
                tracing::info!(?response, "join answered");
                if write_message(&mut send, &response).await.is_ok() {
                    let _ = send.finish();
                    // Let the joiner read the answer and close.
                    let _ = tokio::time::timeout(Duration::from_secs(10), conn.closed()).await;
                }
            }
            .instrument(span),
        )
        .catch_unwind()
        .await;
        if answered.is_err() {
            tracing::error!("a panic while answering a join request; connection closed");
            conn.close(close::MALFORMED, b"internal error");
        }
        Ok(())
    }
}

async fn admit(inner: &Inner, remote: EndpointId, request: JoinRequest) -> JoinResponse {
    let set = SetId::from(request.set.as_str());
    let Ok(view) = inner.view(&set) else {
        return JoinResponse::Refused(Refusal::NotHere);
    };
    let sixty_four = |bytes: &[u8]| <[u8; 64]>::try_from(bytes).ok();
    let (Some(signature), Some(consent)) =
        (sixty_four(&request.signature), sixty_four(&request.consent))
    else {
        return JoinResponse::Refused(Refusal::Malformed);
    };
    let device = crate::node::device_of(&remote);
    let member = MemberId::from(request.member.as_str());
    let invitation = InvitationId::from(request.invitation.as_str());
    // Answered from the set as this device already shows it: a request without the
    // invitation's key (or the device's consent) ends here, before anything reads or
    // writes the set on the engine's thread. An invitation the view does not hold yet
    // (made moments ago, its reading deferred in a burst) is left to the command.
    let presented = match view.set.as_ref() {
        Some(Ok(state)) => state.invitations.get(&invitation).map(|held| {
            held.admits(
                (&set, &invitation),
                (&member, &device),
                (&signature, &consent),
                Timestamp::new(chrono::Utc::now()),
            )
        }),
        _ => return JoinResponse::Refused(Refusal::NotHere),
    };
    if let Some(Err(e)) = presented {
        return JoinResponse::Refused(refusal(&e.into()));
    }
    let command = Command::Admit {
        invitation,
        member: member.clone(),
        profile: Profile {
            display_name: request.name,
            organisation: request.organisation,
        },
        device: device.clone(),
        signature,
        consent,
    };
    let admitted = match inner.apply(&set, command).await {
        Ok(Applied::Member(member)) => member,
        Ok(_) => return JoinResponse::Refused(Refusal::Failed),
        Err(NodeError::Command(e)) => return JoinResponse::Refused(refusal(&e)),
        Err(NodeError::NotInSet) => return JoinResponse::Refused(Refusal::NotHere),
        Err(e) => {
            tracing::warn!(error = %e, "could not admit");
            return JoinResponse::Refused(Refusal::Failed);
        }
    };
    // A device of this device's own member: it joins the journal too, with its consent.
    // Nobody else's device is ever added, whatever the request says.
    if let Some((journal, journal_consent)) = request.journal
        && inner.me(&set).is_ok_and(|me| me == admitted)
        && let Some(journal_consent) = sixty_four(&journal_consent)
        && let Err(e) = inner.link_journal(&journal, device, journal_consent).await
    {
        tracing::warn!(error = %e, "admitted a device of this member but could not add it to the journal");
    }
    JoinResponse::Admitted {
        member: admitted.to_string(),
    }
}

/// What the joiner is told of a command that would not admit them.
fn refusal(e: &CommandError) -> Refusal {
    match e {
        CommandError::UnknownInvitation(_)
        | CommandError::MalformedInvitation
        | CommandError::NoConsent => Refusal::Unknown,
        CommandError::InvitationClosed(InvitationState::Used) => Refusal::Used,
        CommandError::InvitationClosed(InvitationState::Expired) => Refusal::Expired,
        CommandError::InvitationClosed(_) => Refusal::Revoked,
        CommandError::DeviceTaken { .. } => Refusal::DeviceTaken,
        CommandError::Blank { .. } | CommandError::TooLong { .. } => Refusal::Malformed,
        _ => Refusal::Failed,
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
    let inner = node.inner();
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
            &inner.device,
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
pub(crate) async fn join(
    node: &Node,
    ticket: InviteTicket,
    profile: Option<Profile>,
    timeout: Duration,
) -> Result<SetId, NodeError> {
    let set = SetId::from(ticket.set.as_str());
    let doc = doc_id(&set)?;
    let inner = node.inner();
    let (request, journal) = request(node, &ticket, profile)?;
    if inner.view(&set).is_ok() {
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
        .engine
        .open(doc, DocKind::Set, None, peers.clone())
        .await?;
    let me = inner.device.clone();
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
