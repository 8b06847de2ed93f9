//! A set whose saved files are all damaged is still listed, as damaged, and the next
//! sync with a member refills it.

use anyhow::{Context, Result};
use revans_model::Command;
use revans_tests::{TestNode, ada_admits_bo, eventually, init_logging};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_set_whose_files_are_all_damaged_is_listed_and_refilled_by_a_member() -> Result<()> {
    init_logging();
    let ada = TestNode::start().await?;
    let mut bo = TestNode::start().await?;
    let set = ada_admits_bo(&ada, &bo).await?;
    ada.node()
        .apply(
            &set,
            Command::ProposeRule {
                text: "What is said here stays here.".into(),
            },
        )
        .await?;
    // (Bo's device may be writing its own addresses meanwhile: what counts is that it
    // holds Ada's rule, whatever else it holds.)
    eventually("Bo holds Ada's rule", || async {
        bo.node().set(&set).is_ok_and(|s| {
            s.ground_rules
                .values()
                .any(|r| r.text == "What is said here stays here.")
        })
    })
    .await?;

    // Every file of the set on Bo's device is overwritten while Bo is offline.
    bo.stop().await;
    let folder = bo.path().join("docs").join(set.as_str());
    for entry in std::fs::read_dir(&folder)? {
        let path = entry?.path();
        std::fs::write(&path, b"scribbled over")?;
    }
    bo.restart().await?;
    let listed = bo.node().sets();
    let (id, loaded) = listed
        .iter()
        .find(|(id, _)| *id == set)
        .context("the damaged set is still listed")?;
    assert_eq!(*id, set);
    let error = loaded.as_ref().expect_err("listed as damaged").to_string();
    assert!(error.contains("damaged"), "{error}");

    // Ada's device is a member's: the set comes back whole.
    eventually("Bo's set is refilled from Ada's device", || async {
        bo.node().set(&set).is_ok_and(|s| {
            s.ground_rules
                .values()
                .any(|r| r.text.as_str() == "What is said here stays here.")
        })
    })
    .await?;
    Ok(())
}
