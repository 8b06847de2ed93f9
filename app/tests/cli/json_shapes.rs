//! The README's `--json` table is what the commands print: each documented command is
//! run, and the keys it prints are the keys the table lists, level by level.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::Device;

/// A documented shape: an object's keys (each with its value's shape where the table
/// gives one), a list of one shape, or anything (`...`, a plain word).
#[derive(Debug)]
enum Shape {
    Object(Vec<(String, Option<Shape>)>),
    Array(Box<Shape>),
    Any,
}

struct Parser<'a> {
    rest: &'a str,
}

impl Parser<'_> {
    fn skip(&mut self) {
        self.rest = self.rest.trim_start();
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip();
        if let Some(rest) = self.rest.strip_prefix(c) {
            self.rest = rest;
            true
        } else {
            false
        }
    }

    fn word(&mut self) -> String {
        self.skip();
        let end = self
            .rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(self.rest.len());
        let (word, rest) = self.rest.split_at(end);
        self.rest = rest;
        word.to_owned()
    }

    fn shape(&mut self) -> Shape {
        if self.eat('{') {
            let mut keys = Vec::new();
            loop {
                let key = self.word();
                assert!(!key.is_empty(), "a key expected at {:?}", self.rest);
                let value = self.eat(':').then(|| self.shape());
                keys.push((key, value));
                if self.eat('}') {
                    return Shape::Object(keys);
                }
                assert!(self.eat(','), "',' or '}}' expected at {:?}", self.rest);
            }
        }
        if self.eat('[') {
            let inner = self.shape();
            assert!(self.eat(']'), "']' expected at {:?}", self.rest);
            return Shape::Array(Box::new(inner));
        }
        self.word();
        Shape::Any
    }
}

fn parse(text: &str) -> Shape {
    let mut parser = Parser { rest: text };
    let shape = parser.shape();
    assert!(
        parser.rest.trim().is_empty(),
        "left over: {:?}",
        parser.rest
    );
    shape
}

/// Keys the table writes for a map keyed by ids, not literal keys.
const PLACEHOLDERS: [&str; 2] = ["member", "question"];

fn check(shape: &Shape, value: &Value, path: &str) {
    match shape {
        Shape::Any => {}
        Shape::Array(inner) => {
            let items = value
                .as_array()
                .unwrap_or_else(|| panic!("{path} should be a list: {value}"));
            for (i, item) in items.iter().enumerate() {
                check(inner, item, &format!("{path}[{i}]"));
            }
        }
        Shape::Object(keys) => {
            let object = value
                .as_object()
                .unwrap_or_else(|| panic!("{path} should be an object: {value}"));
            if let [(key, inner)] = keys.as_slice()
                && PLACEHOLDERS.contains(&key.as_str())
            {
                for (id, item) in object {
                    if let Some(inner) = inner {
                        check(inner, item, &format!("{path}.{id}"));
                    }
                }
                return;
            }
            let documented: BTreeSet<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
            let printed: BTreeSet<&str> = object.keys().map(String::as_str).collect();
            assert_eq!(
                documented, printed,
                "{path}: the README's keys, then the printed ones ({value})"
            );
            for (key, inner) in keys {
                if let Some(inner) = inner {
                    check(inner, &object[key], &format!("{path}.{key}"));
                }
            }
        }
    }
}

/// The table's rows: each command as the README names it, and its shape's text.
fn documented() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("the README");
    let table = readme
        .split("| command | prints |")
        .nth(1)
        .expect("the --json table");
    let mut rows = Vec::new();
    for line in table.lines().skip(2) {
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").collect();
        let [commands, shapes] = cells.as_slice() else {
            panic!("a row of two cells: {line}");
        };
        let commands: Vec<&str> = commands.split(" / ").collect();
        let shapes: Vec<&str> = shapes.split(" / ").collect();
        assert_eq!(commands.len(), shapes.len(), "one shape per group: {line}");
        let mut parent = None;
        for (group, shape) in commands.iter().zip(&shapes) {
            let shape = shape.trim().trim_matches('`');
            for command in group.split(", ") {
                let command = command.trim().trim_matches('`');
                // A later command in a row without its parent's word is the parent's
                // (`turn start` / `end`); `catchup` and `review` stand alone.
                let full = if let Some((first, _)) = command.split_once(' ') {
                    parent = Some(first.to_owned());
                    command.to_owned()
                } else if let Some(parent) = parent
                    .as_ref()
                    .filter(|_| !["catchup", "review", "link", "link-device"].contains(&command))
                {
                    format!("{parent} {command}")
                } else {
                    command.to_owned()
                };
                if shape.starts_with('{') {
                    rows.push((full, shape.to_owned()));
                }
            }
        }
    }
    rows
}

/// Runs `revans --json ARGS` and keeps what it printed under the README's name for it.
fn keep(
    printed: &mut BTreeMap<String, Value>,
    name: &str,
    device: &Device,
    args: &[&str],
) -> Value {
    let value = device.json(args);
    printed.insert(name.to_owned(), value.clone());
    value
}

fn id(value: &Value, key: &str) -> String {
    value[key]
        .as_str()
        .unwrap_or_else(|| panic!("no {key} in {value}"))
        .to_owned()
}

#[test]
fn the_readme_json_table_is_what_the_commands_print() {
    let root = tempfile::tempdir().unwrap();
    let ada = Device::new(root.path(), "ada");
    let ada_laptop = Device::new(root.path(), "ada-laptop");
    let bo = Device::new(root.path(), "bo");
    let mut p = BTreeMap::new();
    let p = &mut p;

    keep(
        p,
        "profile",
        &ada,
        &["profile", "--name", "Ada", "--org", "Engines Ltd"],
    );
    let set = id(
        &keep(p, "set create", &ada, &["set", "create", "Tuesday set"]),
        "set",
    );
    let soon = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    keep(
        p,
        "meeting plan",
        &ada,
        &[
            "meeting",
            "plan",
            &set,
            "--at",
            &soon,
            "--location",
            "Room 4",
        ],
    );
    let later = (chrono::Utc::now() + chrono::Duration::days(14)).to_rfc3339();
    let moved = id(
        &ada.json(&[
            "meeting",
            "plan",
            &set,
            "--at",
            &later,
            "--location",
            "Room 5",
        ]),
        "meeting",
    );
    keep(
        p,
        "meeting move",
        &ada,
        &["meeting", "move", &set, &moved, "--host", "Ada"],
    );
    let invited = keep(
        p,
        "invite",
        &ada,
        &["invite", &set, "--for", "Bo", "--expires", "1h"],
    );
    let linking = keep(p, "link", &ada, &["link", &set, "--expires", "1h"]);
    let _serving = ada.serve();
    keep(
        p,
        "join",
        &bo,
        &[
            "join",
            &id(&invited, "ticket"),
            "--name",
            "Bo",
            "--org",
            "City Council",
        ],
    );
    keep(
        p,
        "link-device",
        &ada_laptop,
        &["link-device", &id(&linking, "ticket")],
    );

    keep(p, "set list", &ada, &["set", "list"]);
    keep(
        p,
        "set rename",
        &ada,
        &["set", "rename", &set, "Tuesday leaders"],
    );
    keep(p, "member list", &ada, &["member", "list", &set]);
    let rule = id(
        &keep(
            p,
            "rule propose",
            &ada,
            &["rule", "propose", &set, "Phones face down"],
        ),
        "rule",
    );
    // Proposing agrees for the proposer: Bo agrees, once the rule reaches him.
    bo.json(&["sync", &set, "--timeout", "20s"]);
    keep(p, "rule agree", &bo, &["rule", "agree", &set, &rule]);
    keep(p, "rule list", &ada, &["rule", "list", &set]);
    // Ada and Bo (whose device has not synced since) give the rule new words at once.
    keep(
        p,
        "rule reword",
        &ada,
        &["rule", "reword", &set, &rule, "Phones away"],
    );
    bo.json(&["rule", "reword", &set, &rule, "Phones face down, always"]);
    bo.json(&["sync", &set, "--timeout", "20s"]);
    keep(p, "conflicts", &bo, &["conflicts", &set]);
    keep(p, "resolve", &bo, &["resolve", &set, "1", "b"]);
    keep(p, "rule retire", &ada, &["rule", "retire", &set, &rule]);
    let first = id(
        &keep(
            p,
            "issue add",
            &ada,
            &["issue", "add", &set, "The rota will not stick"],
        ),
        "issue",
    );
    let second = id(
        &ada.json(&["issue", "add", &set, "Two teams will not talk"]),
        "issue",
    );
    keep(
        p,
        "issue resolve",
        &ada,
        &["issue", "resolve", &set, &first],
    );
    keep(
        p,
        "issue edit",
        &ada,
        &["issue", "edit", &set, &second, "--why-me", "I lead both"],
    );
    // The set agrees its priorities: the list puts the first first.
    let third = id(
        &ada.json(&["issue", "add", &set, "My budget halves in April"]),
        "issue",
    );
    keep(
        p,
        "issue prioritise",
        &ada,
        &["issue", "prioritise", &set, &format!("{third},{second}")],
    );
    let listed = ada.json(&["issue", "list", &set]);
    let open: Vec<(&str, u64)> = listed["issues"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["status"] == "Open")
        .map(|i| {
            (
                i["statement"].as_str().unwrap(),
                i["priority"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        open,
        [
            ("My budget halves in April", 1),
            ("Two teams will not talk", 2)
        ],
        "{listed}"
    );
    keep(p, "issue drop", &ada, &["issue", "drop", &set, &second]);
    keep(p, "issue list", &ada, &["issue", "list", &set]);
    let spelled = ada.json(&[
        "question",
        "add",
        &set,
        "What are you afraid of here?",
        "--kind",
        "feelings",
    ]);
    assert!(spelled["question"].is_string(), "{spelled}");
    keep(
        p,
        "question-add",
        &ada,
        &[
            "question-add",
            &set,
            "What would you regret not trying?",
            "--kind",
            "options",
        ],
    );
    keep(
        p,
        "celebrate",
        &ada,
        &["celebrate", &set, "Bo", "The rota went live on every ward"],
    );

    keep(
        p,
        "attend",
        &bo,
        &[
            "attend",
            &set,
            "next",
            "--apologies",
            "At a funeral that day",
        ],
    );
    keep(
        p,
        "meeting phase",
        &ada,
        &["meeting", "phase", &set, "next", "catch-up"],
    );
    keep(
        p,
        "catchup",
        &ada,
        &["catchup", &set, "next", "The restructure went ahead."],
    );
    keep(p, "meeting list", &ada, &["meeting", "list", &set]);
    ada.json(&["meeting", "phase", &set, "next", "agenda"]);
    // Passing this time: here, with no turn; a bid takes the pass back.
    let passed = ada.json(&["bid", &set, "next", "--pass"]);
    assert_eq!(passed["passing"], true);
    let agenda = ada.json(&["agenda", &set, "next"]);
    assert_eq!(agenda["slots"], serde_json::json!([]), "no turn: {agenda}");
    keep(p, "bid", &ada, &["bid", &set, "next", "--minutes", "30"]);
    keep(p, "agenda", &ada, &["agenda", &set, "next", "--lock"]);
    ada.json(&["meeting", "phase", &set, "next", "turns"]);
    keep(p, "turn start", &ada, &["turn", "start", &set, "next"]);
    keep(
        p,
        "question",
        &ada,
        &[
            "question",
            &set,
            "next",
            "What would success look like?",
            "--by",
            "Bo",
        ],
    );
    keep(
        p,
        "insights",
        &ada,
        &["insights", &set, "next", "I have been avoiding the board."],
    );
    let action = id(
        &keep(
            p,
            "action add",
            &ada,
            &[
                "action",
                "add",
                &set,
                "Call the board",
                "--likelihood",
                "7",
                "--meeting",
                "next",
            ],
        ),
        "action",
    );
    keep(
        p,
        "action edit",
        &ada,
        &["action", "edit", &set, &action, "--likelihood", "8"],
    );
    keep(p, "turn end", &ada, &["turn", "end", &set, "next"]);
    keep(
        p,
        "action report",
        &ada,
        &[
            "action",
            "report",
            &set,
            &action,
            "--status",
            "done",
            "The board said yes",
        ],
    );
    keep(p, "action list", &ada, &["action", "list", &set]);
    ada.json(&["meeting", "phase", &set, "next", "review"]);
    keep(
        p,
        "review",
        &ada,
        &["review", &set, "next", "--worked-well", "Good questions"],
    );
    let round = keep(
        p,
        "review --show",
        &ada,
        &["review", &set, "next", "--show"],
    );
    // As the issue spelled it, too.
    assert_eq!(ada.json(&["review", "show", &set, "next"]), round);
    assert_eq!(
        round["round"][0]["answers"]["What worked well"], "Good questions",
        "the writer sees their say back: {round}"
    );
    keep(
        p,
        "journal add",
        &ada,
        &["journal", "add", "Quieter than I expected."],
    );
    keep(p, "journal list", &ada, &["journal", "list"]);
    let quieter = keep(p, "remind", &ada, &["remind", "--hour-before", "off"]);
    assert_eq!(
        (
            quieter["day_before"].as_bool(),
            quieter["hour_before"].as_bool()
        ),
        (Some(true), Some(false))
    );

    let saved = keep(p, "proxy", &ada, &["proxy", "127.0.0.1:3128"]);
    assert_eq!(saved["saved"], "127.0.0.1:3128", "{saved}");
    ada.ok(&["proxy", "--none"]);

    keep(p, "sync", &bo, &["sync", &set, "--timeout", "20s"]);
    keep(p, "status", &ada, &["status", &set]);
    let backup = root.path().join("set.revans");
    keep(
        p,
        "export -o FILE",
        &ada,
        &[
            "export",
            &set,
            "--format",
            "revans",
            "-o",
            backup.to_str().unwrap(),
        ],
    );
    keep(p, "import", &bo, &["import", backup.to_str().unwrap()]);
    keep(p, "member remove", &ada, &["member", "remove", &set, "Bo"]);
    keep(
        p,
        "facilitation",
        &ada,
        &["facilitation", &set, "self-managed"],
    );
    // The set's end: its last meeting closed, the set closes, and takes nothing more.
    ada.json(&["meeting", "phase", &set, "next", "closed"]);
    keep(p, "set close", &ada, &["set", "close", &set]);
    let after = ada.fails(&["catchup", &set, &moved, "Too late"]);
    assert!(after.contains("This set closed on"), "{after}");

    let rows = documented();
    assert!(rows.len() > 30, "the table's rows were read: {rows:?}");
    for (command, shape) in &rows {
        let value = p.get(command).unwrap_or_else(|| {
            panic!("the README documents `{command}`, which this test does not run")
        });
        check(&parse(shape), value, command);
    }
    let documented: BTreeSet<&String> = rows.iter().map(|(c, _)| c).collect();
    for run in p.keys() {
        assert!(
            documented.contains(run),
            "`{run}` --json is not in the README's table"
        );
    }
}
