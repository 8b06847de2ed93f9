//! A set whose saved files are all damaged is still listed, as damaged, and the next
//! sync with a member refills it.

use anyhow::{Context, Result};
use revans_model::Command;
use revans_tests::{TestNode, ada_admits_bo, eventually, init_logging, profile};

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

/// The set as the screens read it is kept beside its snapshot when a device stops, so the
/// next opening need not read the whole set. A kept model opens the set only if it was
/// kept at exactly what the set holds: one kept before later edits, or one damaged, is
/// passed over and the set read whole, so a set never opens older than it is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_set_never_opens_from_a_model_kept_before_its_last_edits() -> Result<()> {
    init_logging();
    let mut ada = TestNode::start().await?;
    let set = ada.node().create_set("Set", "", profile("Ada")).await?;
    let propose = |text: &str| Command::ProposeRule { text: text.into() };
    ada.node().apply(&set, propose("We keep to time.")).await?;
    ada.stop().await;
    let model = ada.path().join("docs").join(set.as_str()).join("model");
    let before = std::fs::read(&model).context("a stopped device keeps the set's model")?;

    // Opened from the kept model: the set as it was.
    ada.restart().await?;
    let rules = |ada: &TestNode| -> Result<Vec<String>> {
        let state = ada.node().set(&set)?;
        let mut rules: Vec<String> = state
            .ground_rules
            .values()
            .map(|r| r.text.clone())
            .collect();
        rules.sort();
        Ok(rules)
    };
    assert!(rules(&ada)?.contains(&"We keep to time.".to_owned()));

    // A later edit, then the model from before it put back: the set opens with the edit.
    ada.node().apply(&set, propose("Phones face down.")).await?;
    let after = rules(&ada)?;
    ada.stop().await;
    std::fs::write(&model, &before)?;
    ada.restart().await?;
    assert_eq!(
        rules(&ada)?,
        after,
        "a model kept before the last edit was read"
    );

    // A damaged model: the set opens whole all the same.
    ada.stop().await;
    let mut damaged = std::fs::read(&model)?;
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0xff;
    std::fs::write(&model, &damaged)?;
    ada.restart().await?;
    assert_eq!(rules(&ada)?, after, "a damaged model was read");
    ada.stop().await;
    Ok(())
}
