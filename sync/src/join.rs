//! Admission over `revans/join/3`: the joiner signs the admission with the invitation's
//! key from the ticket, and its own consent with its device key, and presents both to any
//! member's device named in the ticket; that device checks them against the set (which
//! holds only the invitation's public key), admits the joiner as a member (or links the
//! device), and says so. A linked device also consents to hold its member's journal, and
//! the member's own device that admits it adds it to the journal's list. The joiner then
//! fetches the set (and the journal) through the sync engine, from the devices in the
//! ticket until the set (and the journal) name who holds them.
//!
//! Here, the member's side: it is given the node's [`Sets`] handle (the engine, this
//! device, the journal's id) and nothing more. The joiner's side is in `node/joining.rs`.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::FutureExt;
use iroh::EndpointId;
use iroh::endpoint::Connection;
use iroh::protocol::{AcceptError, ProtocolHandler};
use revans_model::{
    Applied, Command, CommandError, InvitationId, InvitationState, MemberId, Profile, SetId,
    Timestamp,
};
use tracing::Instrument;

use crate::node::error::NodeError;
use crate::node::inner::Sets;
use crate::protocol::{JoinRequest, JoinResponse, Refusal, close, read_message, write_message};

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
    sets: Sets,
    asked: Arc<std::sync::Mutex<HashMap<EndpointId, Vec<Instant>>>>,
}

impl JoinProtocol {
    pub(crate) fn new(sets: Sets) -> Self {
        Self {
            sets,
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
        let (mut send, mut recv) = conn.accept_bi().await?;
        let answered = AssertUnwindSafe(
            async {
                let response = match read_message::<JoinRequest>(&mut recv).await {
                    Ok(_) if !self.allowed(remote, Instant::now()) => {
                        JoinResponse::Refused(Refusal::TooOften)
                    }
                    Ok(request) => admit(&self.sets, remote, request).await,
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

async fn admit(sets: &Sets, remote: EndpointId, request: JoinRequest) -> JoinResponse {
    let set = SetId::from(request.set.as_str());
    let Ok(view) = sets.view(&set) else {
        return JoinResponse::Refused(Refusal::NotHere);
    };
    let sixty_four = |bytes: &[u8]| <[u8; 64]>::try_from(bytes).ok();
    let (Some(signature), Some(consent)) =
        (sixty_four(&request.signature), sixty_four(&request.consent))
    else {
        return JoinResponse::Refused(Refusal::Malformed);
    };
    let device = crate::ids::device_of(&remote);
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
    let admitted = match sets.apply(&set, command).await {
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
        && sets.me(&set).is_ok_and(|me| me == admitted)
        && let Some(journal_consent) = sixty_four(&journal_consent)
        && let Err(e) = sets.link_journal(&journal, device, journal_consent).await
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
