//! The private journal syncs among its owner's devices and reaches no one else.

use std::time::Duration;

use anyhow::Result;
use revans_model::JournalCommand;
use revans_sync::NodeError;
use revans_tests::{TIMEOUT, TestNode, ada_admits_bo, eventually, init_logging, profile};

fn write(text: &str) -> JournalCommand {
    JournalCommand::Write {
        text: text.into(),
        set: None,
        meeting: None,
    }
}

/// Whether the device's journal holds an entry with this text.
fn has_entry(device: &TestNode, text: &str) -> bool {
    device
        .node()
        .journal()
        .ok()
        .flatten()
        .is_some_and(|j| j.entries.values().any(|e| e.text.as_str() == text))
}

fn holds(dir: &std::path::Path, doc: &str) -> bool {
    // One folder per document, named by its id, holding its log.
    dir.join("docs").join(doc).join("log").exists()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_follows_its_owner_to_a_linked_device_and_nowhere_else() -> Result<()> {
    init_logging();
    let ada = TestNode::start().await?;
    let bo = TestNode::start().await?;
    let bo_laptop = TestNode::start().await?;
    let set = ada_admits_bo(&ada, &bo).await?;
    bo.node()
        .journal_apply(write("I rush to fix things."))
        .await?;
    let journal = bo.node().journal_id().expect("Bo has a journal");

    let me = bo.node().me(&set)?;
    let link = bo
        .node()
        .invite(&set, "laptop", Duration::from_hours(1), Some(me))
        .await?;
    assert_eq!(
        link.link.as_ref().map(|l| l.journal.as_str()),
        Some(journal.as_str())
    );
    bo_laptop
        .node()
        .link_device(&link.to_string(), TIMEOUT)
        .await?;
    let on_laptop = bo_laptop.node().journal()?.expect("the journal arrived");
    assert!(
        on_laptop
            .entries
            .values()
            .any(|e| e.text.as_str() == "I rush to fix things.")
    );

    bo_laptop
        .node()
        .journal_apply(write("Written on the laptop."))
        .await?;
    eventually("Bo's phone has the laptop's entry", || async {
        has_entry(&bo, "Written on the laptop.")
    })
    .await?;
    // Ada, in the same set and connected to both, holds none of it.
    assert!(ada.node().journal()?.is_none());
    assert!(
        !holds(&ada.path(), &journal),
        "the journal never reaches another member"
    );
    assert!(holds(&bo_laptop.path(), &journal));
    Ok(())
}

/// A device linked before its member wrote anything in the journal: an entry written
/// later on either device reaches the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_started_after_linking_reaches_both_devices() -> Result<()> {
    init_logging();
    let ada = TestNode::start().await?;
    let bo = TestNode::start().await?;
    let bo_laptop = TestNode::start().await?;
    let set = ada_admits_bo(&ada, &bo).await?;
    assert!(bo.node().journal()?.is_none(), "no journal yet");
    let me = bo.node().me(&set)?;
    let link = bo
        .node()
        .invite(&set, "laptop", Duration::from_hours(1), Some(me))
        .await?;
    bo_laptop
        .node()
        .link_device(&link.to_string(), TIMEOUT)
        .await?;

    bo.node()
        .journal_apply(write("First, on the phone."))
        .await?;
    eventually("the laptop has the phone's first entry", || async {
        has_entry(&bo_laptop, "First, on the phone.")
    })
    .await?;
    bo_laptop
        .node()
        .journal_apply(write("Then on the laptop."))
        .await?;
    eventually("the phone has the laptop's entry", || async {
        has_entry(&bo, "Then on the laptop.")
    })
    .await?;
    let journal = bo.node().journal_id().expect("Bo has a journal");
    assert!(ada.node().journal()?.is_none());
    assert!(
        !holds(&ada.path(), &journal),
        "the journal never reaches another member"
    );
    Ok(())
}

/// The attack of issue 22, item 1, with the unmodified client: Mallory founds a set of her
/// own and makes a ticket linking a device to herself; Bo, a member of another set who
/// keeps a journal, is talked into using it. `join` refuses it for what it is, and
/// `link-device` refuses to trade Bo's journal for Mallory's: nothing of his reaches her.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_strangers_link_ticket_takes_no_journal() -> Result<()> {
    init_logging();
    let ada = TestNode::start().await?;
    let bo = TestNode::start().await?;
    let mallory = TestNode::start().await?;
    let set = ada_admits_bo(&ada, &bo).await?;
    bo.node()
        .journal_apply(write("What I told no one."))
        .await?;
    let journal = bo.node().journal_id().expect("Bo has a journal");

    let bait = mallory
        .node()
        .create_set("Mallory's set", "", profile("Mallory"))
        .await?;
    let me = mallory.node().me(&bait)?;
    let ticket = mallory
        .node()
        .invite(&bait, "a device", Duration::from_hours(1), Some(me))
        .await?
        .to_string();

    let e = bo
        .node()
        .join(&ticket, profile("Bo"), TIMEOUT)
        .await
        .unwrap_err();
    assert!(matches!(e, NodeError::LinkTicket), "{e}");
    assert!(e.to_string().contains("revans link-device"), "{e}");
    let e = bo.node().link_device(&ticket, TIMEOUT).await.unwrap_err();
    assert!(matches!(e, NodeError::JournalHeld), "{e}");

    // Bo writes on; his journal is his and stays on his devices.
    bo.node().journal_apply(write("And this, later.")).await?;
    assert_eq!(bo.node().journal_id().as_deref(), Some(journal.as_str()));
    assert!(has_entry(&bo, "What I told no one."));
    assert!(
        !holds(&mallory.path(), &journal),
        "Mallory holds nothing of Bo's"
    );
    assert!(bo.node().set(&bait).is_err(), "Bo is not in Mallory's set");
    // And an invitation for a newcomer is no link: `link-device` says which command
    // takes it.
    let invitation = ada
        .node()
        .invite(&set, "Cy", Duration::from_hours(1), None)
        .await?;
    let e = mallory
        .node()
        .link_device(&invitation.to_string(), TIMEOUT)
        .await
        .unwrap_err();
    assert!(matches!(e, NodeError::InviteTicket), "{e}");
    Ok(())
}
