//! A hostile member's device: changes written with raw Automerge calls straight into its
//! own log (signed with its own key, or claiming another device's), which its node then
//! sends like any other. Every honest device refuses them; the honest devices go on
//! converging, the set stays readable, and nothing of it lets a stranger in.

use std::time::Duration;

use anyhow::{Context, Result};
use automerge::transaction::Transactable;
use automerge::{ActorId, Automerge, ObjType, ReadDoc};
use revans_model::{Command, DeviceId};
use revans_sync::ids::DocId;
use revans_sync::log::Record;
use revans_sync::log::file::LogFile;
use revans_tests::{TIMEOUT, TestNode, ada_admits_bo, ensure, eventually, init_logging, profile};

/// The object at a path of map keys.
fn at(doc: &Automerge, path: &[&str]) -> Result<automerge::ObjId> {
    let mut obj = automerge::ROOT;
    for key in path {
        obj = doc
            .get(&obj, *key)?
            .with_context(|| format!("no {key} in the set"))?
            .1;
    }
    Ok(obj)
}

/// Appends a change to a stopped node's log for `set`, as `actor`, signed by `signer`,
/// on top of `at` (or of everything the log holds): what a device whose owner edits its
/// files by hand would send next time it starts.
fn write_raw(
    node: &TestNode,
    set: &revans_model::SetId,
    (actor, signer): (&DeviceId, &iroh::SecretKey),
    at: Option<&[automerge::ChangeHash]>,
    write: impl FnOnce(&mut automerge::transaction::Transaction<'_>, &Automerge) -> Result<()>,
) -> Result<automerge::ChangeHash> {
    let dir = node
        .path()
        .join("docs")
        .join(DocId::of_set(set)?.to_string());
    let (mut log, restored) = LogFile::open(&dir)?;
    // A device's own last change is always in the past of its next (Automerge numbers
    // a device's changes in one line): the past chosen is `at` and that.
    let actor_id = ActorId::from(&actor.to_bytes().context("a device key")?[..]);
    let mut doc = match at {
        Some(heads) => {
            let mut past = heads.to_vec();
            past.extend(
                restored
                    .doc
                    .get_changes(heads)
                    .iter()
                    .filter(|c| c.actor_id() == &actor_id)
                    .map(automerge::Change::hash),
            );
            restored.doc.fork_at(&past)?
        }
        None => restored.doc,
    };
    doc.set_actor(ActorId::from(
        &actor.to_bytes().context("a device key")?[..],
    ));
    let snapshot = doc.clone();
    let mut tx = doc.transaction();
    write(&mut tx, &snapshot)?;
    tx.commit();
    let change = doc.get_last_local_change().context("a change")?.clone();
    let signature = revans_sync::signed::sign(signer, &change);
    log.append(&Record::Change {
        change: change.raw_bytes().to_vec(),
        signature,
    });
    log.commit(true)?;
    Ok(change.hash())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)] // one story: the set, the hostile writes, every check
async fn changes_a_member_may_not_make_are_refused_by_every_honest_device() -> Result<()> {
    init_logging();
    let ada = TestNode::start().await?;
    let mut bo = TestNode::start().await?;
    let cy = TestNode::start().await?;
    let stranger = TestNode::start().await?;
    let set = ada_admits_bo(&ada, &bo).await?;
    let for_cy = ada
        .node()
        .invite(&set, "Cy", Duration::from_hours(1), None)
        .await?;
    cy.node()
        .join(&for_cy.to_string(), profile("Cy"), TIMEOUT)
        .await?;
    eventually("all three hold the same set", || async {
        let heads = ada.node().heads(&set).ok();
        heads.is_some()
            && bo.node().heads(&set).ok() == heads
            && cy.node().heads(&set).ok() == heads
    })
    .await?;
    let ada_member = ada.node().me(&set)?;
    let name = ada.node().set(&set)?.name.clone();
    let honest = ada.node().heads(&set)?;

    // Offline, Bo's device writes what Bo may not.
    bo.stop().await;
    let bo_key = bo.key()?;
    let bo_device = DeviceId::from_bytes(*bo_key.public().as_bytes());
    let stranger_device = stranger.node().device().clone();
    let mut hostile = Vec::new();
    // A stranger's device added to Bo's own record, with no invitation.
    let bo_member = ada.node().set(&set)?.member_for_device(&bo_device).cloned();
    let bo_member = bo_member.context("Bo is a member")?;
    hostile.push(write_raw(
        &bo,
        &set,
        (&bo_device, &bo_key),
        None,
        |tx, doc| {
            let devices = at(doc, &["members", bo_member.as_str(), "devices"])?;
            let device = tx.put_object(&devices, stranger_device.as_str(), ObjType::Map)?;
            let now = chrono::Utc::now().timestamp_millis();
            tx.put(&device, "linked_at", automerge::ScalarValue::Timestamp(now))?;
            tx.put(&device, "linked_by", bo_member.as_str())?;
            tx.put_object(&device, "addresses", ObjType::List)?;
            tx.put(&device, "addresses_at", automerge::ScalarValue::Null)?;
            tx.put(&device, "invitation", automerge::ScalarValue::Null)?;
            Ok(())
        },
    )?);
    // Ada's name changed: built on the first, and not Bo's to change anyway.
    hostile.push(write_raw(
        &bo,
        &set,
        (&bo_device, &bo_key),
        None,
        |tx, doc| {
            let ada_record = at(doc, &["members", ada_member.as_str()])?;
            tx.put(&ada_record, "display_name", "Ada (resigned)")?;
            Ok(())
        },
    )?);
    // The set renamed by a change that claims to be Ada's device, signed with Bo's key.
    let ada_device = ada.node().device();
    hostile.push(write_raw(
        &bo,
        &set,
        (ada_device, &bo_key),
        Some(&honest),
        |tx, _| {
            tx.put(automerge::ROOT, "name", "Bo's set")?;
            Ok(())
        },
    )?);
    bo.restart().await?;
    tracing::info!(
        ada = %ada.node().device().short(),
        bo = %bo_device.short(),
        cy = %cy.node().device().short(),
        stranger = %stranger_device.short(),
        "devices"
    );

    for (who, node) in [("Ada", &ada), ("Cy", &cy)] {
        eventually(&format!("{who}'s device refuses Bo's changes"), || async {
            node.node()
                .refused(&set)
                .is_ok_and(|refused| refused.len() >= hostile.len())
        })
        .await?;
        let refused = node.node().refused(&set)?;
        let reasons: Vec<&str> = refused.iter().map(|r| r.reason.as_str()).collect();
        for expected in [
            "adding a device without an invitation",
            "a change that builds on a refused one",
            "a change whose signature does not match it (forged, or altered on the way)",
        ] {
            ensure(
                reasons.contains(&expected),
                &format!("{who} names the reason \"{expected}\": {reasons:?}"),
            )?;
        }
        ensure(
            refused.iter().all(|r| r.from == bo_device),
            "every refusal names Bo's device as the sender",
        )?;
        let heads = node.node().heads(&set)?;
        ensure(
            !hostile.iter().any(|h| heads.contains(h)),
            &format!("{who}'s device holds none of Bo's changes"),
        )?;
        let state = node.node().set(&set)?;
        ensure(state.name == name, "the set keeps its name")?;
        ensure(
            state.member_for_device(&stranger_device).is_none(),
            "the stranger's device is no member's",
        )?;
        ensure(
            state.members[&ada_member].display_name == "Ada",
            "Ada keeps her name",
        )?;
    }

    // The honest devices go on converging without Bo's changes.
    ada.node()
        .apply(
            &set,
            Command::ProposeRule {
                text: "We listen first.".into(),
            },
        )
        .await?;
    eventually("Cy holds Ada's new rule and the same heads", || async {
        cy.node().heads(&set).ok() == ada.node().heads(&set).ok()
            && cy.node().set(&set).is_ok_and(|s| {
                s.ground_rules
                    .values()
                    .any(|r| r.text == "We listen first.")
            })
    })
    .await?;
    ensure(
        stranger.node().sets().is_empty(),
        "the stranger's device holds nothing of the set",
    )?;
    Ok(())
}

/// Issue 22, item 2: a member admits a member of their own making with the device of
/// another member (Cy's), written against a past from before Cy joined, so that no
/// "device already in the set" check in that past sees it. It carries a genuine
/// invitation signature (Bo made the invitation) but no consent from Cy's device, which
/// Bo cannot forge: every honest device refuses it, Cy's device stays Cy's, and Cy's
/// journal never reaches Bo.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)] // one story: the set, the backdated write, every check
async fn a_member_cannot_make_another_members_device_their_own() -> Result<()> {
    init_logging();
    let ada = TestNode::start().await?;
    let mut bo = TestNode::start().await?;
    let cy = TestNode::start().await?;
    let set = ada_admits_bo(&ada, &bo).await?;
    let bos_own = bo
        .node()
        .invite(&set, "Mallory", Duration::from_hours(1), None)
        .await?;
    eventually("Ada holds Bo's invitation", || async {
        ada.node().heads(&set).ok() == bo.node().heads(&set).ok()
    })
    .await?;
    let before_cy = bo.node().heads(&set)?;
    let for_cy = ada
        .node()
        .invite(&set, "Cy", Duration::from_hours(1), None)
        .await?;
    cy.node()
        .join(&for_cy.to_string(), profile("Cy"), TIMEOUT)
        .await?;
    cy.node()
        .journal_apply(revans_model::JournalCommand::Write {
            text: "Only mine.".into(),
            set: None,
            meeting: None,
        })
        .await?;
    let cy_journal = cy.node().journal_id().context("Cy has a journal")?;
    let cy_device = cy.node().device().clone();
    let cy_member = cy.node().me(&set)?;
    eventually("Bo holds Cy's admission", || async {
        bo.node()
            .set(&set)
            .is_ok_and(|s| s.member_for_device(&cy_device).is_some())
    })
    .await?;

    bo.stop().await;
    let bo_key = bo.key()?;
    let bo_device = DeviceId::from_bytes(*bo_key.public().as_bytes());
    let bo_member = ada
        .node()
        .set(&set)?
        .member_for_device(&bo_device)
        .cloned()
        .context("Bo is a member")?;
    let invitation = revans_model::InvitationId::from(bos_own.invitation.as_str());
    let mallory = revans_model::MemberId::from("mallory");
    let signature = iroh::SecretKey::from_bytes(&bos_own.key).sign(
        &revans_model::admission::admission_message(&set, &invitation, &mallory, &cy_device),
    );
    // The best Bo can do for Cy's consent: sign it himself.
    let consent = bo_key.sign(&revans_model::admission::consent_message(
        &set,
        &mallory,
        &invitation,
    ));
    let hex = |b: &[u8]| {
        b.iter().fold(String::new(), |mut hex, x| {
            use std::fmt::Write as _;
            let _ = write!(hex, "{x:02x}");
            hex
        })
    };
    let now = chrono::Utc::now().timestamp_millis();
    let backdated = write_raw(
        &bo,
        &set,
        (&bo_device, &bo_key),
        Some(&before_cy),
        |tx, doc| {
            let members = at(doc, &["members"])?;
            let m = tx.put_object(&members, "mallory", ObjType::Map)?;
            tx.put(&m, "display_name", "Cy")?;
            tx.put(&m, "organisation", "")?;
            tx.put(&m, "joined_at", automerge::ScalarValue::Timestamp(now))?;
            tx.put(&m, "admitted_by", bo_member.as_str())?;
            tx.put(&m, "invitation", invitation.as_str())?;
            tx.put(&m, "departure", automerge::ScalarValue::Null)?;
            let devices = tx.put_object(&m, "devices", ObjType::Map)?;
            let d = tx.put_object(&devices, cy_device.as_str(), ObjType::Map)?;
            tx.put(&d, "linked_at", automerge::ScalarValue::Timestamp(now))?;
            tx.put(&d, "linked_by", bo_member.as_str())?;
            tx.put_object(&d, "addresses", ObjType::List)?;
            tx.put(&d, "addresses_at", automerge::ScalarValue::Null)?;
            tx.put(&d, "invitation", invitation.as_str())?;
            let record = at(doc, &["invitations", invitation.as_str()])?;
            let used = tx.put_object(&record, "used", ObjType::Map)?;
            tx.put(&used, "member", "mallory")?;
            tx.put(&used, "device", cy_device.as_str())?;
            tx.put(&used, "admitted_by", bo_member.as_str())?;
            tx.put(&used, "at", automerge::ScalarValue::Timestamp(now))?;
            tx.put(&used, "signature", hex(&signature.to_bytes()))?;
            tx.put(&used, "consent", hex(&consent.to_bytes()))?;
            Ok(())
        },
    )?;
    bo.restart().await?;

    for (who, node) in [("Ada", &ada), ("Cy", &cy)] {
        eventually(
            &format!("{who}'s device refuses Bo's admission"),
            || async {
                node.node().refused(&set).is_ok_and(|refused| {
                    refused.iter().any(|r| {
                        r.from == bo_device
                            && r.reason == "admitting a device that did not ask to be this member's"
                    })
                })
            },
        )
        .await?;
        let state = node.node().set(&set)?;
        ensure(
            !node.node().heads(&set)?.contains(&backdated),
            &format!("{who}'s device holds none of it"),
        )?;
        ensure(
            state.member_for_device(&cy_device) == Some(&cy_member),
            "Cy's device is still Cy's",
        )?;
        ensure(
            !state.members.contains_key(&mallory),
            "no look-alike member",
        )?;
    }
    // Bo's device (which holds its own change) cannot make Cy's journal come to it.
    cy.node()
        .journal_apply(revans_model::JournalCommand::Write {
            text: "Still only mine.".into(),
            set: None,
            meeting: None,
        })
        .await?;
    // Bo's device is connected to Cy's (it was refused a change, not the set) ...
    eventually("Cy's device is connected to Bo's", || async {
        cy.node().sync_status(&set).is_ok_and(|members| {
            members
                .iter()
                .flat_map(|(_, devices)| devices)
                .any(|d| d.device == bo_device && d.connected)
        })
    })
    .await?;
    ensure(
        !bo.path().join("docs").join(&cy_journal).exists(),
        "Cy's journal never reaches Bo's device",
    )?;
    Ok(())
}
