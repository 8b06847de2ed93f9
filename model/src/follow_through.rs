//! Follow-through: what each member did with the actions they committed to, and how well
//! their 1-10 likelihoods predicted it. Derived, never stored.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::action::{Action, Outcome};
use crate::ids::{MeetingId, MemberId};
use crate::set::ActionLearningSet;

/// One member's record of actions.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FollowThrough {
    /// Actions reported done.
    pub done: u32,
    /// Actions reported partly done.
    pub partly: u32,
    /// Actions reported not done.
    pub not: u32,
    /// Actions not yet reported back on.
    pub open: u32,
    /// How well their likelihoods predicted what they did; `None` until they have
    /// reported back on at least one action.
    pub calibration: Option<Calibration>,
}

/// How well a member's likelihoods predicted their follow-through. An action done counts
/// 1, partly done 0.5, not done 0; a likelihood of 7 predicts 0.7.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Calibration {
    /// Reported actions it is computed from.
    pub reported: u32,
    /// Their average likelihood, 1-10.
    pub mean_likelihood: f64,
    /// How much of their actions they did on average, 0-1.
    pub follow_through: f64,
    /// Average predicted minus average done, -1 to 1: above 0 they promise more than
    /// they do, below 0 they do more than they expect.
    pub overconfidence: f64,
    /// The Brier score, 0 (perfect prediction) to 1 (always wrong): the mean squared
    /// difference between each likelihood and what happened.
    pub brier: f64,
}

/// Every member's follow-through, for members with at least one action.
#[must_use]
pub fn follow_through(set: &ActionLearningSet) -> BTreeMap<MemberId, FollowThrough> {
    let mut by_owner: BTreeMap<&MemberId, Vec<&Action>> = BTreeMap::new();
    for action in set.actions.values() {
        by_owner.entry(&action.owner).or_default().push(action);
    }
    by_owner
        .into_iter()
        .map(|(member, actions)| (member.clone(), tally(actions)))
        .collect()
}

/// The whole set's follow-through, naming no one: what every member may see.
#[must_use]
pub fn the_sets_follow_through(set: &ActionLearningSet) -> FollowThrough {
    tally(set.actions.values())
}

fn tally<'a>(actions: impl IntoIterator<Item = &'a Action>) -> FollowThrough {
    let mut record = FollowThrough::default();
    let mut pairs = Vec::new();
    for action in actions {
        let Some(report) = &action.report_back else {
            record.open += 1;
            continue;
        };
        match report.outcome {
            Outcome::Done => record.done += 1,
            Outcome::Partly => record.partly += 1,
            Outcome::Not => record.not += 1,
        }
        pairs.push((
            f64::from(action.likelihood.clamp(1, 10)) / 10.0,
            report.outcome.score(),
        ));
    }
    record.calibration = calibrate(&pairs);
    record
}

fn calibrate(pairs: &[(f64, f64)]) -> Option<Calibration> {
    if pairs.is_empty() {
        return None;
    }
    let n = pairs.len() as f64;
    let predicted = pairs.iter().map(|(p, _)| p).sum::<f64>() / n;
    let done = pairs.iter().map(|(_, o)| o).sum::<f64>() / n;
    let brier = pairs.iter().map(|(p, o)| (p - o) * (p - o)).sum::<f64>() / n;
    Some(Calibration {
        reported: pairs.len() as u32,
        mean_likelihood: predicted * 10.0,
        follow_through: done,
        overconfidence: predicted - done,
        brier,
    })
}

/// A meeting's reported actions of one member: the likelihoods said and what was done,
/// each 0 to 1.
type Said = (MeetingId, Vec<(f64, f64)>);

/// What one member said and did with the actions they committed to at one meeting.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MeetingFollowThrough {
    /// The meeting the actions were committed at.
    pub meeting: MeetingId,
    /// Its place among the set's meetings, from 1.
    pub number: usize,
    /// Their average likelihood, 0 to 1 (a 7 is 0.7).
    pub said: f64,
    /// How much of the actions they did, 0 to 1 (done 1, partly 0.5, not 0).
    pub did: f64,
    /// Reported actions it is computed from.
    pub reported: u32,
}

/// Each member's follow-through meeting by meeting, over the actions committed at each
/// meeting that they have reported back on: for charts of calibration and follow-through
/// over time.
#[must_use]
pub fn follow_through_by_meeting(
    set: &ActionLearningSet,
) -> BTreeMap<MemberId, Vec<MeetingFollowThrough>> {
    by_meeting(set, Clone::clone)
}

/// The whole set's follow-through meeting by meeting, every member's reported actions
/// together: what each member sees beside their own, with no one named.
#[must_use]
pub fn the_sets_follow_through_by_meeting(set: &ActionLearningSet) -> Vec<MeetingFollowThrough> {
    by_meeting(set, |_| ()).remove(&()).unwrap_or_default()
}

/// Follow-through meeting by meeting, the actions grouped by what `group` makes of their
/// owner.
fn by_meeting<K: Ord>(
    set: &ActionLearningSet,
    group: impl Fn(&MemberId) -> K,
) -> BTreeMap<K, Vec<MeetingFollowThrough>> {
    let order: BTreeMap<&MeetingId, usize> = set
        .meetings_in_order()
        .into_iter()
        .enumerate()
        .map(|(i, (id, _))| (id, i + 1))
        .collect();
    let mut pairs: BTreeMap<(K, usize), Said> = BTreeMap::new();
    for action in set.actions.values() {
        let (Some(meeting), Some(report)) = (&action.meeting, &action.report_back) else {
            continue;
        };
        let Some(number) = order.get(meeting) else {
            continue;
        };
        pairs
            .entry((group(&action.owner), *number))
            .or_insert_with(|| (meeting.clone(), Vec::new()))
            .1
            .push((
                f64::from(action.likelihood.clamp(1, 10)) / 10.0,
                report.outcome.score(),
            ));
    }
    let mut out: BTreeMap<K, Vec<MeetingFollowThrough>> = BTreeMap::new();
    for ((key, number), (meeting, pairs)) in pairs {
        let n = pairs.len() as f64;
        out.entry(key).or_default().push(MeetingFollowThrough {
            meeting,
            number,
            said: pairs.iter().map(|(p, _)| p).sum::<f64>() / n,
            did: pairs.iter().map(|(_, o)| o).sum::<f64>() / n,
            reported: pairs.len() as u32,
        });
    }
    out
}
