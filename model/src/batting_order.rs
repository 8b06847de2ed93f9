//! The batting order and the allocation of time, derived from the bids: "decide on a
//! batting order and allocate the available time. In principle, everyone has equal time
//! but this may be varied depending on need, urgency and so on."
//!
//! Never stored while it is a proposal: every device computes the same order from the
//! same document. Once the set locks it, the order is stored in the meeting's agenda.

use std::cmp::Reverse;

use serde::Serialize;

use crate::meeting::{Meeting, Slot};
use crate::set::ActionLearningSet;

/// Presenters in order, with their minutes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BattingOrder {
    /// Presenters in the order they present.
    pub slots: Vec<Slot>,
    /// The minutes there are for turns: the meeting less catch-up and review.
    pub minutes_for_turns: u32,
    /// Whether the set has locked it.
    pub locked: bool,
}

impl BattingOrder {
    /// Minutes given to presenters; never more than [`Self::minutes_for_turns`].
    #[must_use]
    pub fn allocated(&self) -> u32 {
        // Minutes come from peers too: a sum past the largest number stops there.
        self.slots
            .iter()
            .fold(0u32, |sum, s| sum.saturating_add(s.minutes))
    }

    /// Minutes no one asked for.
    #[must_use]
    pub fn spare(&self) -> u32 {
        self.minutes_for_turns.saturating_sub(self.allocated())
    }
}

/// The meeting's batting order: the locked agenda if there is one, else the proposal
/// from the bids.
#[must_use]
pub fn batting_order(set: &ActionLearningSet, meeting: &Meeting) -> BattingOrder {
    match &meeting.agenda {
        Some(agenda) => {
            let available = meeting.minutes_for_turns();
            // A length changed on another device after the lock can leave the locked
            // minutes more than the meeting now has; they shrink to fit, fairly.
            let requests: Vec<(u32, u64)> = agenda.slots.iter().map(|s| (s.minutes, 1)).collect();
            let minutes = share_out(&requests, available);
            let slots = agenda
                .slots
                .iter()
                .zip(minutes)
                .map(|(slot, minutes)| Slot {
                    minutes,
                    ..slot.clone()
                })
                .collect();
            BattingOrder {
                slots,
                minutes_for_turns: available,
                locked: true,
            }
        }
        None => propose(set, meeting),
    }
}

/// The batting order proposed from the bids of current members (those passing this time
/// have no turn).
///
/// Order: more urgent bids first, then the issue the set prioritised higher, then who bid
/// first (ties by member id, so every device agrees). Time: a bid for a number of minutes
/// gets them while they fit; bids for an equal share split what is left equally. When
/// the bids ask for more than there is, each is cut back in proportion to its urgency
/// (a high-urgency bid keeps three times what a low one does, before anyone gets more
/// than they asked). Whole minutes; never more than the meeting has.
#[must_use]
pub fn propose(set: &ActionLearningSet, meeting: &Meeting) -> BattingOrder {
    let available = meeting.minutes_for_turns();
    let mut bids: Vec<_> = meeting
        .bids
        .iter()
        .filter(|(member, bid)| set.is_current_member(member) && !bid.passing)
        .collect();
    bids.sort_by_key(|(member, bid)| {
        let priority = bid
            .issue
            .as_ref()
            .and_then(|i| set.issues.get(i))
            .and_then(|i| i.priority)
            .unwrap_or(u32::MAX);
        (Reverse(bid.urgency), priority, bid.made_at, *member)
    });

    let n = bids.len() as u32;
    let fair = available.checked_div(n).unwrap_or(0);
    let explicit: u32 = bids
        .iter()
        .filter_map(|(_, b)| b.minutes)
        .map(|m| m.min(available))
        .fold(0u32, u32::saturating_add);
    let flexible = bids.iter().filter(|(_, b)| b.minutes.is_none()).count() as u32;

    let minutes = if explicit + flexible * fair <= available {
        // Everyone fits: equal shares split what explicit bids leave.
        let left = available - explicit;
        let mut extra = left.checked_rem(flexible).unwrap_or(0);
        let each = left.checked_div(flexible).unwrap_or(0);
        bids.iter()
            .map(|(_, bid)| {
                if let Some(m) = bid.minutes {
                    m.min(available)
                } else {
                    let bonus = u32::from(extra > 0);
                    extra -= bonus;
                    each + bonus
                }
            })
            .collect()
    } else {
        let requests: Vec<(u32, u64)> = bids
            .iter()
            .map(|(_, bid)| {
                (
                    bid.minutes.unwrap_or(fair).min(available),
                    bid.urgency.weight(),
                )
            })
            .collect();
        share_out(&requests, available)
    };

    let slots = bids
        .iter()
        .zip(minutes)
        .map(|((member, bid), minutes)| Slot {
            member: (*member).clone(),
            issue: bid.issue.clone(),
            minutes,
        })
        .collect();
    BattingOrder {
        slots,
        minutes_for_turns: available,
        locked: false,
    }
}

/// Shares `available` minutes among requests `(minutes, weight)`: weighted max-min
/// fairness in whole minutes. Everyone gets what they asked if it all fits; otherwise the
/// smallest requests (relative to weight) are met in full and the rest share what is left
/// in proportion to their weights, leftover minutes going one each to the earliest in
/// order. The result never exceeds `available` nor any request.
pub(crate) fn share_out(requests: &[(u32, u64)], available: u32) -> Vec<u32> {
    let total: u64 = requests.iter().map(|(m, _)| u64::from(*m)).sum();
    if total <= u64::from(available) {
        return requests.iter().map(|(m, _)| *m).collect();
    }
    let mut result = vec![0u32; requests.len()];
    let mut by_need: Vec<usize> = (0..requests.len()).collect();
    // Ascending by minutes per unit of weight; ties keep the batting order.
    by_need.sort_by(|&a, &b| {
        let (ma, wa) = requests[a];
        let (mb, wb) = requests[b];
        (u64::from(ma) * wb.max(1))
            .cmp(&(u64::from(mb) * wa.max(1)))
            .then(a.cmp(&b))
    });
    let mut remaining = u64::from(available);
    for (k, &i) in by_need.iter().enumerate() {
        let rest = &by_need[k..];
        let weight: u64 = rest.iter().map(|&j| requests[j].1.max(1)).sum();
        let (minutes, w) = requests[i];
        if u64::from(minutes) * weight <= remaining * w.max(1) {
            result[i] = minutes;
            remaining -= u64::from(minutes);
            continue;
        }
        // No one left can be met in full: share what remains by weight.
        let mut given = 0;
        for &j in rest {
            let share = remaining * requests[j].1.max(1) / weight;
            result[j] = share as u32;
            given += share;
        }
        let mut leftover = remaining - given;
        let mut in_order: Vec<usize> = rest.to_vec();
        in_order.sort_unstable();
        for j in in_order {
            if leftover == 0 {
                break;
            }
            if result[j] < requests[j].0 {
                result[j] += 1;
                leftover -= 1;
            }
        }
        break;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::share_out;
    use proptest::prelude::*;

    #[test]
    fn everyone_gets_what_they_ask_when_it_fits() {
        assert_eq!(share_out(&[(20, 2), (30, 2)], 90), vec![20, 30]);
    }

    #[test]
    fn small_requests_are_met_and_the_rest_share_by_weight() {
        // 90 minutes; one asks 10, two ask 60 each at equal weight: 10 + 40 + 40.
        assert_eq!(
            share_out(&[(10, 2), (60, 2), (60, 2)], 90),
            vec![10, 40, 40]
        );
        // Urgency: a weight-3 bid keeps three times a weight-1 bid.
        assert_eq!(share_out(&[(80, 1), (80, 3)], 80), vec![20, 60]);
    }

    #[test]
    fn leftover_minutes_go_to_the_earliest_in_order() {
        assert_eq!(
            share_out(&[(50, 1), (50, 1), (50, 1)], 100),
            vec![34, 33, 33]
        );
    }

    proptest! {
        #[test]
        fn never_more_than_available_nor_than_asked(
            requests in proptest::collection::vec((0u32..400, 1u64..4), 0..9),
            available in 0u32..400,
        ) {
            let shares = share_out(&requests, available);
            prop_assert_eq!(shares.len(), requests.len());
            prop_assert!(shares.iter().sum::<u32>() <= available);
            for (share, (asked, _)) in shares.iter().zip(&requests) {
                prop_assert!(share <= asked);
            }
            // No minute is wasted while someone still wants it.
            let asked: u32 = requests.iter().map(|r| r.0).sum();
            prop_assert_eq!(shares.iter().sum::<u32>(), asked.min(available));
        }
    }
}
