//! Two members on 127.0.0.1 through a whole meeting, from the command line alone.

use std::time::{Duration, Instant};

use crate::Device;

#[test]
fn two_peers_go_from_invitation_to_an_exported_record() {
    let root = tempfile::tempdir().unwrap();
    let ada = Device::new(root.path(), "ada");
    let bo = Device::new(root.path(), "bo");

    ada.ok(&["profile", "--name", "Ada", "--org", "Engines Ltd"]);
    let created = ada.json(&[
        "set",
        "create",
        "Tuesday set",
        "--purpose",
        "Leading change",
    ]);
    let set = created["set"].as_str().unwrap().to_owned();
    let planned = ada.json(&[
        "meeting",
        "plan",
        "Tuesday set",
        "--at",
        "2026-12-01T09:30:00Z",
        "--location",
        "Room 4",
    ]);
    assert_eq!(
        planned["minutes"], 180,
        "a set's first meeting is three hours"
    );
    let meeting = planned["meeting"].as_str().unwrap().to_owned();
    let ticket = ada.ok(&["invite", "Tuesday set", "--for", "Bo", "--expires", "1h"]);

    // Ada's device stays up as a headless peer; Bo joins through it.
    let served = ada.serve();
    let joined = bo.json(&["join", &ticket, "--name", "Bo", "--org", "City Council"]);
    assert_eq!(joined["set"], set.as_str());
    assert_eq!(joined["name"], "Tuesday set");

    // With serve holding Ada's data directory, her commands go to it over the socket.
    ada.ok(&["meeting", "phase", &set, &meeting[..6], "catch-up"]);
    ada.ok(&["catchup", &set, "next", "The restructure went ahead."]);
    ada.ok(&["meeting", "phase", &set, "next", "agenda"]);
    let issue = bo.json(&["issue", "add", &set, "My team will not adopt the rota"]);
    bo.ok(&["sync", &set, "--timeout", "20s"]);
    bo.ok(&[
        "bid",
        &set,
        "next",
        "--minutes",
        "40",
        "--urgency",
        "high",
        "--issue",
        issue["issue"].as_str().unwrap(),
    ]);
    ada.ok(&["bid", &set, "next", "--minutes", "30"]);
    let synced = bo.json(&["sync", &set, "--timeout", "20s"]);
    assert_eq!(
        synced["sets"][0]["converged_with"][0]["device"]
            .as_str()
            .map(str::len),
        Some(64)
    );

    let proposed = ada.json(&["agenda", &set, "next"]);
    assert_eq!(proposed["locked"], false);
    let slots = proposed["slots"].as_array().unwrap();
    let names: Vec<&str> = slots.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 2, "both bids are on the agenda: {proposed}");
    assert_eq!(names[0], "Bo", "the urgent bid goes first");
    // The set shapes the order before it is locked: more minutes than the meeting has
    // are refused, saying so; the order is agreed as proposed, with Bo's minutes cut to
    // 35 (the app's test reorders it).
    let refused = ada.fails(&["agenda", &set, "next", "--lock", "--minutes", "Bo=500"]);
    assert!(refused.contains("minutes for turns"), "{refused}");
    let agenda = ada.json(&[
        "agenda",
        &set,
        "next",
        "--lock",
        "--order",
        "Bo,Ada",
        "--minutes",
        "Bo=35",
    ]);
    assert_eq!(agenda["locked"], true);
    let slots = agenda["slots"].as_array().unwrap();
    let arranged: Vec<(&str, u64)> = slots
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["minutes"].as_u64().unwrap()))
        .collect();
    let ada_proposed = proposed["slots"][1]["minutes"].as_u64().unwrap();
    assert_eq!(arranged, [("Bo", 35), ("Ada", ada_proposed)]);
    let allocated: u64 = arranged.iter().map(|(_, m)| m).sum();
    assert!(allocated <= agenda["minutes_for_turns"].as_u64().unwrap());

    ada.ok(&["meeting", "phase", &set, "next", "turns"]);
    let turn = ada.json(&["turn", "start", &set, "next"]);
    assert_eq!(
        turn["minutes"], slots[0]["minutes"],
        "the turn gets its slot's minutes"
    );
    ada.ok(&["question", &set, "next", "What would success look like?"]);
    bo.ok(&["sync", &set, "--timeout", "20s"]);
    let action = bo.json(&[
        "action",
        "add",
        &set,
        "Talk to the rota team",
        "--likelihood",
        "8",
        "--meeting",
        "next",
    ]);
    bo.ok(&["sync", &set, "--timeout", "20s"]);
    ada.ok(&["turn", "end", &set, "next"]);
    ada.ok(&["meeting", "phase", &set, "next", "review"]);
    ada.ok(&[
        "review",
        &set,
        "next",
        "--worked-well",
        "Good questions",
        "--my-problem",
        "It is about trust",
    ]);

    let (status, log) = served.stop();
    assert!(status.success(), "serve stops cleanly on SIGTERM: {log}");
    assert!(log.contains("connected"), "serve logs who connected: {log}");
    let serving = log.lines().find(|l| l.contains("serving")).unwrap();
    assert!(
        serving.contains("addresses=127.0.0.1:") && !serving.contains("Ip("),
        "addresses logged plainly: {serving}"
    );

    // Everything Ada's serve accepted is on disk: a fresh process sees it.
    let md = ada.ok(&["export", &set, "--format", "md"]);
    for expected in [
        "# Tuesday set",
        "Bo, City Council",
        "The restructure went ahead.",
        "1. Bo, ",
        "Question from Ada: What would success look like?",
        "Talk to the rota team (likelihood 8/10) (open)",
        "What worked well: Good questions",
        "About my problem: It is about trust",
    ] {
        assert!(
            md.contains(expected),
            "the record lacks {expected:?}:\n{md}"
        );
    }
    let whole: serde_json::Value =
        serde_json::from_str(&ada.ok(&["export", &set, "--format", "json"])).unwrap();
    assert_eq!(whole["name"], "Tuesday set");
    assert!(whole["actions"][action["action"].as_str().unwrap()]["likelihood"] == 8);
    assert_eq!(
        ada.json(&["set", "show", &set]),
        whole,
        "set show --json is the export"
    );

    let ics = ada.ok(&["export", &set, "--format", "ics"]);
    assert!(ics.starts_with("BEGIN:VCALENDAR"));
    assert!(ics.contains(&format!("UID:{meeting}@revans")));
    assert!(ics.contains("DTSTART:20261201T093000Z"));
    assert!(
        ics.contains("DTEND:20261201T123000Z"),
        "three hours long: {ics}"
    );
    assert!(ics.contains("LOCATION:Room 4"));
    // Reminders the day before and an hour before, each saying which set meets, as a
    // calendar reads them (a parser that is not the one that wrote the file).
    let calendar = ical::IcalParser::new(std::io::BufReader::new(ics.as_bytes()))
        .next()
        .unwrap()
        .unwrap();
    let event = &calendar.events[0];
    let property = |props: &[ical::property::Property], name: &str| {
        props
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value.clone())
            .unwrap_or_default()
    };
    assert_eq!(property(&event.properties, "LOCATION"), "Room 4");
    let alarms: Vec<(String, String, String)> = event
        .alarms
        .iter()
        .map(|a| {
            (
                property(&a.properties, "ACTION"),
                property(&a.properties, "TRIGGER"),
                property(&a.properties, "DESCRIPTION"),
            )
        })
        .collect();
    assert_eq!(alarms.len(), 2, "{ics}");
    assert!(
        alarms.iter().all(|(action, _, _)| action == "DISPLAY"),
        "{alarms:?}"
    );
    let triggers: Vec<&str> = alarms.iter().map(|(_, t, _)| t.as_str()).collect();
    assert_eq!(triggers, ["-PT86400S", "-PT3600S"], "{ics}");
    assert!(
        alarms
            .iter()
            .any(|(_, _, d)| d == "Tuesday set meets in an hour"),
        "{alarms:?}"
    );

    let file = root.path().join("set.automerge");
    ada.ok(&[
        "export",
        &set,
        "--format",
        "automerge",
        "-o",
        file.to_str().unwrap(),
    ]);
    let doc = automerge::Automerge::load(&std::fs::read(&file).unwrap()).unwrap();
    let set_back = revans_model::ActionLearningSet::from_doc(&doc).unwrap();
    assert_eq!(set_back.members.len(), 2);
}

/// A set whose saved files were all lost is still listed, as damaged, and `revans sync`
/// refills it from a member's device.
#[test]
fn a_damaged_set_is_listed_and_sync_refills_it() {
    let root = tempfile::tempdir().unwrap();
    let ada = Device::new(root.path(), "ada");
    let bo = Device::new(root.path(), "bo");
    ada.ok(&["profile", "--name", "Ada", "--org", "Engines Ltd"]);
    let created = ada.json(&["set", "create", "Tuesday set"]);
    let set = created["set"].as_str().unwrap().to_owned();
    let ticket = ada.ok(&["invite", "Tuesday set", "--for", "Bo", "--expires", "1h"]);
    let served = ada.serve();
    bo.json(&["join", &ticket, "--name", "Bo", "--org", "City Council"]);

    for entry in std::fs::read_dir(bo.dir.join("docs").join(&set)).unwrap() {
        std::fs::write(entry.unwrap().path(), b"scribbled over").unwrap();
    }
    let listed = bo.ok(&["set", "list"]);
    assert!(listed.contains(&set[..8]), "{listed}");
    assert!(listed.contains("damaged"), "{listed}");

    bo.ok(&["sync", &set, "--timeout", "20s"]);
    let shown = bo.json(&["set", "show", &set]);
    assert_eq!(shown["name"], "Tuesday set");
    drop(served);
}

/// Ada creates a set and serves it; Bo joins it with her ticket, his `join` process
/// ending as it does.
fn bo_joins_adas_set(root: &std::path::Path) -> (Device, Device, String, crate::Served) {
    let ada = Device::new(root, "ada");
    let bo = Device::new(root, "bo");
    ada.ok(&["profile", "--name", "Ada", "--org", "Engines Ltd"]);
    let set = ada.json(&["set", "create", "Tuesday set"])["set"]
        .as_str()
        .unwrap()
        .to_owned();
    let ticket = ada.ok(&["invite", &set, "--for", "Bo", "--expires", "1h"]);
    let serving = ada.serve();
    bo.json(&["join", &ticket, "--name", "Bo", "--org", "City Council"]);
    (ada, bo, set, serving)
}

/// A ticket can carry a welcome: the newcomer reads it before their device asks to join.
#[test]
fn a_welcome_travels_in_the_ticket_and_is_read_before_joining() {
    let root = tempfile::tempdir().unwrap();
    let ada = Device::new(root.path(), "ada");
    let bo = Device::new(root.path(), "bo");
    ada.ok(&["profile", "--name", "Ada", "--org", "Engines Ltd"]);
    let set = ada.json(&[
        "set",
        "create",
        "Tuesday set",
        "--purpose",
        "Leading change in the public sector",
    ])["set"]
        .as_str()
        .unwrap()
        .to_owned();
    let ticket = ada.ok(&["invite", &set, "--for", "Bo", "--welcome"]);
    let _serving = ada.serve();
    let out = bo
        .cmd()
        .args(["join", &ticket, "--name", "Bo", "--org", "City Council"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let said = String::from_utf8(out.stderr).unwrap();
    let welcome = said
        .find("Ada invites you to Tuesday set, an Action Learning Set. It is for: Leading change in the public sector")
        .unwrap_or_else(|| panic!("{said}"));
    let joined = said.find("You are now a member of Tuesday set").unwrap();
    assert!(welcome < joined, "read before joining: {said}");
    assert!(said.contains("Everything stays in the room."), "{said}");
    // A welcome too long for a ticket is refused, in words.
    let long = "a".repeat(revans_sync::ticket::WELCOME_MAX + 1);
    let refused = ada.fails(&["invite", &set, "--for", "Cy", "--welcome", &long]);
    assert!(refused.contains("shorten it"), "{refused}");
}

/// With one laptop in the room, Ada enters Bo's words with `--for`: only once the
/// meeting runs and Bo is marked as here, and never over what Bo wrote himself.
#[test]
fn the_rooms_scribe_enters_a_members_words_with_for() {
    let root = tempfile::tempdir().unwrap();
    let (ada, _bo, set, _serving) = bo_joins_adas_set(root.path());
    let soon = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    ada.ok(&[
        "meeting",
        "plan",
        &set,
        "--at",
        &soon,
        "--location",
        "Room 4",
    ]);
    let news = [
        "catchup",
        &set,
        "next",
        "The ward is short of staff.",
        "--for",
        "Bo",
    ];
    let early = ada.fails(&news);
    assert!(early.contains("only while a meeting is running"), "{early}");
    ada.ok(&["meeting", "phase", &set, "next", "catch-up"]);
    let absent = ada.fails(&news);
    assert!(absent.contains("Bo is not marked as here"), "{absent}");
    let here = ada.ok(&["attend", &set, "next", "--coming", "--for", "Bo"]);
    assert!(here.starts_with("For Bo: here at the meeting of"), "{here}");
    assert_eq!(ada.ok(&news), "For Bo: the news is shared.");
    let shown = ada.json(&["set", "show", &set]);
    let meeting = shown["meetings"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap();
    let (member, entry) = meeting["catch_up"]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    assert_eq!(entry["news"], "The ward is short of staff.");
    assert_eq!(shown["members"][member]["display_name"], "Bo");
    assert_eq!(
        shown["members"][entry["entered_by"].as_str().unwrap()]["display_name"],
        "Ada"
    );
}

/// `revans status` says what a member needs to know: with nothing running on the data
/// directory, that nothing is connected; with `serve` running, who is unreachable, and
/// for a connected device how the connection runs.
#[test]
fn status_says_who_is_unreachable_and_how_the_others_are_reached() {
    let root = tempfile::tempdir().unwrap();
    let (ada, bo, set, _ada_serving) = bo_joins_adas_set(root.path());

    // Nothing runs on Bo's data directory: his status cannot know who is online.
    let offline = bo.ok(&["status", &set]);
    assert!(
        offline.starts_with("Revans is not running on this data directory"),
        "{offline}"
    );
    assert!(!offline.contains("is unreachable"), "{offline}");
    assert_eq!(bo.json(&["status", &set])["running"], false);

    // Ada's serve knows Bo's device went away when his join's process ended.
    let deadline = Instant::now() + crate::TIMEOUT;
    let unreachable = loop {
        let status = ada.ok(&["status", &set]);
        if status.contains("Bo is unreachable: none of their devices is connected now") {
            break status;
        }
        assert!(Instant::now() < deadline, "Ada never saw Bo go: {status}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(!unreachable.contains("Ada is unreachable"), "{unreachable}");

    let _bo_serving = bo.serve();
    let deadline = Instant::now() + crate::TIMEOUT;
    let bo_status = loop {
        let status = ada.json(&["status", &set]);
        let bo_member = status["sets"][0]["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == "Bo")
            .cloned()
            .unwrap();
        if bo_member["devices"][0]["route"] == "direct" {
            break bo_member;
        }
        assert!(Instant::now() < deadline, "Bo never came back: {status}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(bo_status["reachable"], true);
    let human = ada.ok(&["status", &set]);
    assert!(human.contains("yes, direct"), "{human}");
    assert!(!human.contains("is unreachable"), "{human}");
}

/// A member removed while their device was away is told, when they sync, that the
/// members' devices refuse theirs, not only that no one answered.
#[test]
fn a_removed_members_sync_says_their_device_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let (ada, bo, set, _ada_serving) = bo_joins_adas_set(root.path());
    ada.ok(&["member", "remove", &set, "Bo"]);

    let said = bo.fails(&["sync", &set, "--timeout", "5s"]);
    assert!(
        said.contains("Ada's device refused this one as not a member's device: you may have been removed from the set"),
        "{said}"
    );
}

/// `link --json` names whose device the ticket links and until when, as `invite` does.
#[test]
fn link_json_says_for_whom_and_until_when() {
    let root = tempfile::tempdir().unwrap();
    let ada = Device::new(root.path(), "ada");
    ada.ok(&["profile", "--name", "Ada", "--org", "Engines Ltd"]);
    ada.json(&["set", "create", "Tuesday set"]);
    let linked = ada.json(&["link", "Tuesday set", "--expires", "1h"]);
    assert!(linked["ticket"].as_str().unwrap().starts_with("revans"));
    assert_eq!(linked["invitation"].as_str().map(str::len), Some(32));
    assert_eq!(linked["for"], "Ada");
    let expires: chrono::DateTime<chrono::Utc> =
        linked["expires_at"].as_str().unwrap().parse().unwrap();
    let in_an_hour = chrono::Utc::now() + chrono::Duration::hours(1);
    assert!((expires - in_an_hour).num_seconds().abs() < 60, "{linked}");
}

/// `set show --at` a past meeting prints the set as an export taken when it closed did,
/// however the set changed since.
#[test]
fn the_set_at_a_past_meeting_is_the_set_exported_when_it_closed() {
    let root = tempfile::tempdir().unwrap();
    let ada = Device::new(root.path(), "ada");
    ada.ok(&["profile", "--name", "Ada", "--org", "Engines Ltd"]);
    let set = ada.json(&["set", "create", "Tuesday set"])["set"]
        .as_str()
        .unwrap()
        .to_owned();
    let at = (chrono::Utc::now() - chrono::Duration::minutes(5)).to_rfc3339();
    let meeting =
        ada.json(&["meeting", "plan", &set, "--at", &at, "--location", "Room 4"])["meeting"]
            .as_str()
            .unwrap()
            .to_owned();
    for phase in ["catch-up", "agenda"] {
        ada.ok(&["meeting", "phase", &set, &meeting, phase]);
    }
    ada.ok(&["bid", &set, &meeting]);
    ada.ok(&["agenda", &set, &meeting, "--lock"]);
    for phase in ["turns", "review", "closed"] {
        ada.ok(&["meeting", "phase", &set, &meeting, phase]);
    }
    let then = ada.json(&["export", &set, "--format", "json"]);

    // Changes carry their author's time to the second: what follows is made in a later
    // second than the close, as it would be in any real set.
    let closed = chrono::Utc::now().timestamp();
    let deadline = Instant::now() + crate::TIMEOUT;
    while chrono::Utc::now().timestamp() <= closed {
        assert!(Instant::now() < deadline, "the clock stopped");
        std::thread::sleep(Duration::from_millis(20));
    }
    ada.ok(&["rule", "propose", &set, "Phones face down"]);
    ada.ok(&["issue", "add", &set, "My team will not adopt the rota"]);
    assert_ne!(ada.json(&["set", "show", &set]), then, "the set moved on");

    assert_eq!(
        ada.json(&["set", "show", &set, "--at", &meeting[..8]]),
        then,
        "the set as it stood when the meeting closed"
    );
    let md = ada.ok(&["set", "show", &set, "--at", &meeting[..8]]);
    assert!(
        md.contains("# Tuesday set") && !md.contains("Phones face down"),
        "{md}"
    );
    let before = ada.fails(&["set", "show", &set, "--at", "2001-01-01T00:00:00Z"]);
    assert!(before.contains("did not exist yet"), "{before}");
    let nonsense = ada.fails(&["set", "show", &set, "--at", "yesterday-ish"]);
    assert!(
        nonsense.contains("neither a time nor a meeting"),
        "{nonsense}"
    );
}

/// Ada and Bo, apart, each give a rule new words and the next meeting a new place. Once
/// they sync, both versions are listed on each device with who wrote each; keeping one
/// settles it on both.
#[test]
fn values_changed_on_two_devices_at_once_are_listed_on_both_until_one_is_kept() {
    let root = tempfile::tempdir().unwrap();
    let (ada, bo, set, serving) = bo_joins_adas_set(root.path());
    let rule = ada.json(&["rule", "propose", &set, "Phones off"])["rule"]
        .as_str()
        .unwrap()
        .to_owned();
    let next_week = (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339();
    let meeting = ada.json(&[
        "meeting",
        "plan",
        &set,
        "--at",
        &next_week,
        "--location",
        "Room 4",
    ])["meeting"]
        .as_str()
        .unwrap()
        .to_owned();
    bo.ok(&["sync", &set, "--timeout", "20s"]);
    let (stopped, log) = serving.stop();
    assert!(stopped.success(), "{log}");

    ada.ok(&["rule", "reword", &set, &rule, "Phones off and away"]);
    ada.ok(&[
        "meeting",
        "move",
        &set,
        &meeting,
        "--location",
        "Council offices",
    ]);
    bo.ok(&["rule", "reword", &set, &rule, "Phones face down"]);
    bo.ok(&[
        "meeting",
        "move",
        &set,
        &meeting,
        "--location",
        "Bo's hospital",
    ]);
    let serving = ada.serve();
    bo.ok(&["sync", &set, "--timeout", "20s"]);

    let listed = ada.json(&["conflicts", &set]);
    assert_eq!(listed, bo.json(&["conflicts", &set]), "both list the same");
    let conflicts = listed["conflicts"].as_array().unwrap();
    let values = |n: usize| -> Vec<String> {
        let mut values: Vec<String> = conflicts[n]["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["value"].as_str().unwrap().to_owned())
            .collect();
        values.sort();
        values
    };
    assert_eq!(conflicts.len(), 2, "{listed}");
    assert_eq!(values(0), ["Phones face down", "Phones off and away"]);
    assert_eq!(values(1), ["Bo's hospital", "Council offices"]);
    let human = ada.ok(&["conflicts", &set]);
    for said in [
        "1. The wording of ground rule",
        "\u{201c}Phones face down\u{201d}, by Bo, ",
        "\u{201c}Phones off and away\u{201d}, by Ada, ",
        "2. Where the meeting of ",
        "(shown now)",
    ] {
        assert!(human.contains(said), "{said:?} in:\n{human}");
    }

    // Bo keeps his wording and Ada's place.
    let letter = |n: usize, value: &str| -> String {
        let i = conflicts[n]["versions"]
            .as_array()
            .unwrap()
            .iter()
            .position(|v| v["value"] == value)
            .unwrap();
        conflicts[n]["versions"][i]["version"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let kept = bo.ok(&["resolve", &set, "2", &letter(1, "Council offices")]);
    assert!(
        kept.contains("Kept \u{201c}Council offices\u{201d}"),
        "{kept}"
    );
    bo.ok(&["resolve", &set, "1", &letter(0, "Phones face down")]);
    assert!(
        bo.fails(&["resolve", &set, "1", "a"])
            .contains("nothing to resolve")
    );
    bo.ok(&["sync", &set, "--timeout", "20s"]);

    for device in [&ada, &bo] {
        assert_eq!(
            device.json(&["conflicts", &set])["conflicts"],
            serde_json::json!([])
        );
        let rules = device.json(&["rule", "list", &set]);
        let reworded = rules["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == rule.as_str())
            .unwrap();
        assert_eq!(reworded["text"], "Phones face down");
        let meetings = device.json(&["meeting", "list", &set]);
        assert_eq!(meetings["meetings"][0]["location"], "Council offices");
    }
    drop(serving);
}
