//! Ground rules: propose, agree, retire.

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{ObjType, ScalarValue};

use super::{Applied, Writer, required};
use crate::error::CommandError;
use crate::ground_rule::{GroundRule, Retirement};
use crate::ids::RuleId;
use crate::limits::LINE_MAX;

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

    /// New words for a rule: everyone is asked to agree again, the rewording member
    /// agreeing as they write it (as proposing is agreeing).
    pub(super) fn reword_rule(&mut self, id: &RuleId, text: &str) -> Result<Applied, CommandError> {
        let rule = self.live_rule(id)?;
        let text = required(text, "ground rule", LINE_MAX)?;
        if rule.text == text {
            return Err(CommandError::Unchanged(
                "The rule already says that: give it new words.",
            ));
        }
        let exists = self.set.ground_rules.iter().any(|(other, r)| {
            other != id && r.retired.is_none() && r.text.eq_ignore_ascii_case(&text)
        });
        if exists {
            return Err(CommandError::RuleExists);
        }
        self.write_wording(id, &text)?;
        Ok(Applied::Done)
    }

    /// Writes a rule's wording and asks everyone to agree to it again: the rules every
    /// device checks accept new words only with agreement begun anew.
    pub(super) fn write_wording(&mut self, id: &RuleId, text: &str) -> Result<(), CommandError> {
        let rule = self.record("ground_rules", id.as_str())?;
        self.tx.put(&rule, "text", text)?;
        let agreed = self.tx.put_object(&rule, "agreed_by", ObjType::Map)?;
        self.tx.put(
            &agreed,
            self.author.as_str(),
            ScalarValue::Timestamp(self.at.millis()),
        )?;
        Ok(())
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
