//! Ground rules: propose, agree, retire.

use std::collections::BTreeMap;

use super::{Applied, LINE_MAX, Writer, required};
use crate::error::CommandError;
use crate::ground_rule::{GroundRule, Retirement};
use crate::ids::RuleId;

impl Writer<'_, '_> {
    pub(super) fn propose_rule(&mut self, text: &str) -> Result<Applied, CommandError> {
        let text = required(text, "ground rule", LINE_MAX)?;
        let exists = self
            .set
            .ground_rules
            .values()
            .any(|r| r.retired.is_none() && r.text.eq_ignore_ascii_case(&text));
        if exists {
            return Err(CommandError::RuleExists);
        }
        let id = RuleId::random();
        let rule = GroundRule {
            text,
            proposed_by: self.author.clone(),
            proposed_at: self.at,
            suggested: false,
            // Proposing a rule is agreeing to it.
            agreed_by: BTreeMap::from([(self.author.clone(), self.at)]),
            retired: None,
        };
        self.put("ground_rules", id.as_str(), &rule)?;
        Ok(Applied::Rule(id))
    }

    fn live_rule(&self, id: &RuleId) -> Result<GroundRule, CommandError> {
        let rule = self
            .set
            .ground_rules
            .get(id)
            .ok_or_else(|| CommandError::UnknownRule(id.to_string()))?;
        if rule.retired.is_some() {
            return Err(CommandError::RuleRetired);
        }
        Ok(rule.clone())
    }

    pub(super) fn agree_rule(&mut self, id: &RuleId) -> Result<Applied, CommandError> {
        let mut rule = self.live_rule(id)?;
        if rule.agreed_by.contains_key(&self.author) {
            return Err(CommandError::AlreadyAgreed);
        }
        rule.agreed_by.insert(self.author.clone(), self.at);
        self.put("ground_rules", id.as_str(), &rule)?;
        Ok(Applied::Done)
    }

    pub(super) fn retire_rule(&mut self, id: &RuleId) -> Result<Applied, CommandError> {
        let mut rule = self.live_rule(id)?;
        rule.retired = Some(Retirement {
            by: self.author.clone(),
            at: self.at,
        });
        self.put("ground_rules", id.as_str(), &rule)?;
        Ok(Applied::Done)
    }
}
