//! The set's ground rules.

use anyhow::Result;
use revans_model::Command;
use serde_json::json;

use super::args::RuleCmd;
use super::output::{Io, applied_id};
use super::refs;
use crate::render::{Table, line, name_of};

/// The set's ground rules.
pub(super) async fn rule(io: &mut Io<'_>, cmd: RuleCmd) -> Result<()> {
    match cmd {
        RuleCmd::Propose { set, text } => {
            let (id, _) = io.set(&set)?;
            let applied = io.apply(&id, Command::ProposeRule { text }).await?;
            let rule = applied_id(&applied).unwrap_or_default();
            io.emit(&json!({ "rule": rule }), &rule);
        }
        RuleCmd::Agree { set, rule } => {
            let (id, state) = io.set(&set)?;
            let rule = refs::rule(&state, &rule)?;
            io.apply(&id, Command::AgreeRule { rule: rule.clone() })
                .await?;
            io.emit(
                &json!({ "rule": rule, "agreed": true }),
                "You have agreed to the rule.",
            );
        }
        RuleCmd::Reword { set, rule, text } => {
            let (id, state) = io.set(&set)?;
            let rule = refs::rule(&state, &rule)?;
            io.apply(
                &id,
                Command::RewordRule {
                    rule: rule.clone(),
                    text: text.clone(),
                },
            )
            .await?;
            io.emit(
                &json!({ "rule": rule, "text": text }),
                "The rule has its new words; everyone is asked to agree to it again.",
            );
        }
        RuleCmd::Retire { set, rule } => {
            let (id, state) = io.set(&set)?;
            let rule = refs::rule(&state, &rule)?;
            io.apply(&id, Command::RetireRule { rule: rule.clone() })
                .await?;
            io.emit(
                &json!({ "rule": rule, "retired": true }),
                "The rule is retired.",
            );
        }
        RuleCmd::List { set } => {
            let (_, state) = io.set(&set)?;
            let mut table = Table::new(&["RULE", "TEXT", "AGREED BY"]);
            let mut rows = Vec::new();
            for (id, rule) in state
                .ground_rules
                .iter()
                .filter(|(_, r)| r.retired.is_none())
            {
                let agreed: Vec<String> =
                    rule.agreed_by.keys().map(|m| name_of(&state, m)).collect();
                // The practice's suggestions, offered until a member picks one (`rule agree`).
                let agreed = if rule.is_offered() {
                    "(offered: pick it with `rule agree`)".to_owned()
                } else {
                    agreed.join(", ")
                };
                table.row(vec![id.short().to_owned(), line(&rule.text, 60), agreed]);
                rows.push(json!({ "id": id, "text": rule.text, "offered": rule.is_offered(), "agreed_by": rule.agreed_by.keys().collect::<Vec<_>>() }));
            }
            io.emit(&json!({ "rules": rows }), &table.render());
        }
    }
    Ok(())
}
