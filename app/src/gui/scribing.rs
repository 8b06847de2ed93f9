//! One laptop in the circle: the room's scribe records each member's words as they
//! speak, driven by labels as a person would.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use revans_model::{ActionLearningSet, Phase};

use super::tests::{
    app, click, joins, plan_now, profile_and_set, scene, see, see_text, settled, type_into,
};

/// Ada's laptop is the only one in the room: she runs the meeting for herself, Bo and
/// Cy, switching whose words she records with one click, and everything Bo and Cy say
/// is theirs, marked as entered by her.
#[allow(clippy::too_many_lines)] // a meeting, step after step
#[test]
fn one_laptop_runs_a_meeting_for_three_members() {
    let root = tempfile::tempdir().unwrap();
    let mut h = app(&root.path().join("ada"));
    profile_and_set(&mut h, "Ada");
    let bo = joins(&mut h, &root.path().join("bo"), "Bo");
    let cy = joins(&mut h, &root.path().join("cy"), "Cy");
    let meeting = plan_now(&h);
    click(&mut h, "Meeting console");
    click(&mut h, "Move on to Catch-up");
    settled(&mut h);

    // The catch-up round: each member's news, Ada's own first.
    type_into(&mut h, "Your news", "The board said yes.");
    click(&mut h, "Share news");
    settled(&mut h);
    for (name, news) in [
        ("Bo", "The ward is short of staff."),
        ("Cy", "Inspection next week."),
    ] {
        click(&mut h, &format!("{name}'s words"));
        // Nobody has said they are here: Ada marks them so, then records for them.
        see(&mut h, &format!("{name} is not marked as here."));
        click(&mut h, &format!("{name} is here"));
        settled(&mut h);
        type_into(&mut h, &format!("{name}'s news"), news);
        click(&mut h, "Share news");
        settled(&mut h);
        see(
            &mut h,
            &format!("{name}: {news} (entered by Ada for {name})"),
        );
    }
    see(&mut h, "Ada: The board said yes.");

    // Bids: one click switches whose bid the form makes.
    click(&mut h, "Move on to Agenda");
    settled(&mut h);
    for (voice, minutes) in [
        ("My own words", "20"),
        ("Bo's words", "30"),
        ("Cy's words", "25"),
    ] {
        click(&mut h, voice);
        type_into(&mut h, "Minutes wanted (blank for an equal share)", minutes);
        click(&mut h, "Bid for time");
        settled(&mut h);
    }
    see_text(&mut h, "Proposed batting order");
    click(&mut h, "Lock batting order");
    settled(&mut h);
    click(&mut h, "Move on to Turns");
    settled(&mut h);

    // Each turn: the presenter's actions, recorded for them as they commit.
    for _ in 0..3 {
        let (node, set) = scene(&h);
        let state = node.set(&set).unwrap();
        let next = state.meetings[&meeting]
            .agenda
            .as_ref()
            .unwrap()
            .slots
            .iter()
            .find(|s| !state.meetings[&meeting].turns.contains_key(&s.member))
            .unwrap()
            .member
            .clone();
        let name = state.members[&next].display_name.clone();
        click(&mut h, &format!("Start {name}'s turn"));
        settled(&mut h);
        let voice = if name == "Ada" {
            "My own words".to_owned()
        } else {
            format!("{name}'s words")
        };
        click(&mut h, &voice);
        type_into(&mut h, "Action", &format!("{name} calls the board"));
        click(&mut h, "Add action");
        settled(&mut h);
        click(&mut h, "End turn");
        settled(&mut h);
    }

    // The review in the round: Bo's say, given aloud and recorded by Ada.
    click(&mut h, "Move on to Review");
    settled(&mut h);
    click(&mut h, "Bo's words");
    type_into(&mut h, "What worked well?", "Being heard out.");
    click(&mut h, "Share Bo's say");
    settled(&mut h);
    see(&mut h, "entered by Ada for Bo");

    let (node, set) = scene(&h);
    let state: std::sync::Arc<ActionLearningSet> = node.set(&set).unwrap();
    let m = &state.meetings[&meeting];
    assert_eq!(m.phase, Phase::Review);
    let ada = node.me(&set).unwrap();
    for member in [&bo, &cy] {
        assert_eq!(m.catch_up[member].entered_by.as_ref(), Some(&ada));
        assert_eq!(m.bids[member].entered_by.as_ref(), Some(&ada));
        let actions: Vec<_> = state
            .actions
            .values()
            .filter(|a| a.owner == *member)
            .collect();
        assert_eq!(actions.len(), 1, "one action each, theirs");
        assert_eq!(actions[0].entered_by.as_ref(), Some(&ada));
    }
    assert_eq!(m.bids[&bo].minutes, Some(30));
    assert_eq!(
        m.member_reviews[&bo].process.worked_well.as_str(),
        "Being heard out."
    );
    // Ada's own words are her own.
    assert_eq!(m.catch_up[&ada].entered_by, None);
    assert_eq!(m.bids[&ada].minutes, Some(20));
    assert_eq!(m.bids[&ada].entered_by, None);
}
