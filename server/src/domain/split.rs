//! Splitting a sponsor's slot request across several CDMOs.
//!
//! When no single CDMO has `slots` free, we propose allocations over a set of
//! at most `max_cdmos` offers. For a fixed set, slots are filled greedily in
//! ranking order (each member takes `min(free, remaining)`). That is optimal for
//! `Σ slots × total`: every slot weighs the same, so this is a fractional
//! knapsack, and moving a slot from a better-ranked member to a worse one can
//! never raise the sum because totals are non-increasing along the ranking.
//!
//! A set is proposed only if its fill reaches `slots` exactly and every member
//! gets at least one slot; a set with idle members is just the smaller set's
//! allocation, proposed as that set. Proposals are ordered by value descending,
//! then by index sequence ascending (a prefix first), so ties keep the caller's
//! ranking order.
//!
//! # Method
//!
//! Depth-first search over index sequences `i1 < i2 < …`, keeping the best
//! `proposals` found so far. DFS preorder is exactly the lexicographic order of
//! the tie-break, so a later candidate loses every tie with a kept one; once
//! `proposals` are kept, a branch whose upper bound is `<=` (not just `<`) the
//! worst kept value can be pruned without changing the answer.
//!
//! A node with value `V`, `R` slots left and `d` members still allowed tries
//! each next index `j` in order. Everything reachable from `j` on is at most
//! `V + c(d, R, j)`, where `c` bounds every filling of `R` slots by at most `d`
//! offers from `j..`. Later `j` see only a subset of those fillings, so the
//! first `j` that fails ends the loop; a child is entered only if its own
//! bound `c(d - 1, R', j + 1)` passes.
//!
//! * Normally `c` is exact: filling from `s` either skips `s` or gives it
//!   `min(free, r)` and continues at `s + 1`, a small dynamic programme. Every
//!   entered node then holds a candidate beating the worst kept value, so the
//!   search stays fast even when the only offers big enough to finish a fill
//!   are rare and ranked last, which defeats the loose bound below (k = 4 on
//!   2,000 offers took up to 100 s with it, under 1 ms with the table).
//! * If that table would exceed `EXACT_CELLS` (frees in the hundreds), `c` is
//!   `R × total_j`, since later offers score no more, provided `R` does not
//!   exceed the sum of the `d` largest frees among `j..`, since otherwise no
//!   filling reaches `slots`. The root is checked this way first, so an
//!   infeasible request returns before any table is built.
//!
//! All arithmetic is exact; with totals in range, values stay below 2^59.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer {
    /// The CDMO's match total in millionths of a point (0..=100_000_000), so that sums are exact.
    pub total_micros: i64,
    /// Its free slots in the window.
    pub free: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    /// (index into offers, slots given), indices ascending; every slots > 0.
    pub parts: Vec<(usize, u32)>,
    /// Σ slots × total_micros: the slot-weighted score times `slots`, exact.
    pub value: i64,
}

/// Cap on the exact bound table (8 MiB); frees of at most 6 need 1/30 of it.
const EXACT_CELLS: usize = 1 << 20;

/// The best `proposals` allocations of `slots` over at most `max_cdmos` offers.
///
/// `offers` must be in ranking order with non-increasing `total_micros`;
/// `max_cdmos` is meant to be small (1..=4), as work grows quickly with it.
pub fn best_allocations(
    offers: &[Offer],
    slots: u32,
    max_cdmos: usize,
    proposals: usize,
) -> Vec<Allocation> {
    allocate(offers, slots, max_cdmos, proposals, EXACT_CELLS)
}

fn allocate(
    offers: &[Offer],
    slots: u32,
    max_cdmos: usize,
    proposals: usize,
    exact_cells: usize,
) -> Vec<Allocation> {
    debug_assert!(offers.is_sorted_by(|a, b| a.total_micros >= b.total_micros));
    let k = max_cdmos.min(offers.len());
    if slots == 0 || proposals == 0 || k == 0 {
        return Vec::new();
    }
    let top = TopFrees::new(offers, k);
    if top.sum(0, k) < u64::from(slots) {
        return Vec::new();
    }
    let bounds = match Completions::new(offers, &top, slots, k, exact_cells) {
        Some(table) => Bounds::Exact(table),
        None => Bounds::Loose(top),
    };
    let mut search = Search {
        offers,
        bounds,
        k,
        proposals,
        path: Vec::with_capacity(k),
        kept: Vec::new(),
    };
    search.descend(0, 0, slots);
    search.kept
}

/// `sum(s, r)`: the sum of the `r` largest frees among `offers[s..]`.
struct TopFrees {
    width: usize,
    sums: Vec<u64>,
}

impl TopFrees {
    fn new(offers: &[Offer], k: usize) -> Self {
        let width = k + 1;
        let mut sums = vec![0; (offers.len() + 1) * width];
        // The k largest frees of the current suffix, descending.
        let mut largest: Vec<u32> = Vec::with_capacity(k + 1);
        for (s, offer) in offers.iter().enumerate().rev() {
            let at = largest.partition_point(|&f| f >= offer.free);
            largest.insert(at, offer.free);
            largest.truncate(k);
            let row = &mut sums[s * width..(s + 1) * width];
            for r in 0..k {
                row[r + 1] = row[r] + largest.get(r).map_or(0, |&f| u64::from(f));
            }
        }
        Self { width, sums }
    }

    fn sum(&self, s: usize, r: usize) -> u64 {
        self.sums[s * self.width + r]
    }
}

/// `best(m, r, s)`: the highest value of filling exactly `r` slots with at most
/// `m` offers from `offers[s..]`, every member getting a slot.
struct Completions {
    stride: usize,
    /// Per `m - 1`: the first row of that level and the range of `r` it holds.
    levels: Vec<(usize, u32, u32)>,
    cells: Vec<i64>,
}

impl Completions {
    const NONE: i64 = i64::MIN;

    fn new(offers: &[Offer], top: &TopFrees, slots: u32, k: usize, max: usize) -> Option<Self> {
        // The search asks for `(m, r)` only after `k - m` distinct offers each
        // gave 1..=free slots, which bounds `r` as below (above `top.sum(0, m)`
        // nothing fits anyway). Such states only read states of the same kind,
        // so leaving other rows out, read as NONE, changes no answer.
        let mut levels = Vec::with_capacity(k);
        let mut rows = 0;
        for m in 1..=k {
            let used = (k - m) as u64;
            let lo = u64::from(slots).saturating_sub(top.sum(0, k - m)).max(1);
            let hi = (u64::from(slots).saturating_sub(used)).min(top.sum(0, m));
            levels.push((rows, lo as u32, hi as u32));
            rows += (hi + 1).saturating_sub(lo) as usize;
        }
        let stride = offers.len() + 1;
        if rows.saturating_mul(stride) > max {
            return None;
        }
        let cells = vec![Self::NONE; rows * stride];
        let mut table = Self {
            stride,
            levels,
            cells,
        };
        for m in 1..=k {
            let (first, lo, hi) = table.levels[m - 1];
            for r in lo..=hi {
                let row = (first + (r - lo) as usize) * stride;
                for (s, offer) in offers.iter().enumerate().rev() {
                    let given = offer.free.min(r);
                    let here = i64::from(given) * offer.total_micros;
                    let take = match given {
                        g if g == r => here,
                        0 => Self::NONE,
                        g => (m > 1)
                            .then(|| table.best(m - 1, r - g, s + 1))
                            .flatten()
                            .map_or(Self::NONE, |rest| here + rest),
                    };
                    table.cells[row + s] = take.max(table.cells[row + s + 1]);
                }
            }
        }
        Some(table)
    }

    fn best(&self, m: usize, r: u32, s: usize) -> Option<i64> {
        let (first, lo, hi) = self.levels[m - 1];
        if !(lo..=hi).contains(&r) {
            return None;
        }
        let value = self.cells[(first + (r - lo) as usize) * self.stride + s];
        (value != Self::NONE).then_some(value)
    }
}

enum Bounds {
    Exact(Completions),
    Loose(TopFrees),
}

struct Search<'a> {
    offers: &'a [Offer],
    bounds: Bounds,
    k: usize,
    proposals: usize,
    path: Vec<(usize, u32)>,
    /// Sorted by value descending; equal values in discovery (= tie-break) order.
    kept: Vec<Allocation>,
}

impl Search<'_> {
    /// At least the value of every filling of `r` slots by `1..=members` offers
    /// from `s..`; `None` if there is no such filling.
    fn completion(&self, members: usize, r: u32, s: usize) -> Option<i64> {
        match &self.bounds {
            Bounds::Exact(table) => table.best(members, r, s),
            Bounds::Loose(top) => (u64::from(r) <= top.sum(s, members))
                .then(|| i64::from(r) * self.offers[s].total_micros),
        }
    }

    /// Whether nothing worth at most `bound` can still be kept.
    fn hopeless(&self, bound: i64) -> bool {
        self.kept.len() == self.proposals && bound <= self.kept[self.proposals - 1].value
    }

    fn descend(&mut self, start: usize, value: i64, remaining: u32) {
        let members = self.k - self.path.len();
        for j in start..self.offers.len() {
            match self.completion(members, remaining, j) {
                Some(bound) if !self.hopeless(value + bound) => {}
                _ => break,
            }
            let offer = self.offers[j];
            let given = offer.free.min(remaining);
            let left = remaining - given;
            let value = value + i64::from(given) * offer.total_micros;
            self.path.push((j, given));
            if left == 0 {
                self.keep(value);
            } else if given > 0
                && members > 1
                && self
                    .completion(members - 1, left, j + 1)
                    .is_some_and(|bound| !self.hopeless(value + bound))
            {
                self.descend(j + 1, value, left);
            }
            self.path.pop();
        }
    }

    fn keep(&mut self, value: i64) {
        // Found after every kept allocation, so it sorts after equal values.
        let at = self.kept.partition_point(|a| a.value >= value);
        if at < self.proposals {
            let parts = self.path.clone();
            self.kept.insert(at, Allocation { parts, value });
            self.kept.truncate(self.proposals);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    use std::cmp::Reverse;
    use std::time::{Duration, Instant};

    const M: i64 = 1_000_000;

    /// The required order: value descending, then index sequence ascending.
    fn order(a: &Allocation) -> (Reverse<i64>, Vec<usize>) {
        (Reverse(a.value), a.parts.iter().map(|p| p.0).collect())
    }

    fn offers(spec: &[(i64, u32)]) -> Vec<Offer> {
        spec.iter()
            .map(|&(total, free)| Offer {
                total_micros: total * M,
                free,
            })
            .collect()
    }

    /// The definition, applied to every subset.
    fn brute_force(offers: &[Offer], slots: u32, k: usize, proposals: usize) -> Vec<Allocation> {
        let mut all = Vec::new();
        for mask in 1u32..(1 << offers.len()) {
            let members: Vec<usize> = (0..offers.len()).filter(|i| mask >> i & 1 == 1).collect();
            if members.len() > k {
                continue;
            }
            let mut remaining = slots;
            let mut parts = Vec::new();
            let mut value = 0;
            for &i in &members {
                let given = offers[i].free.min(remaining);
                remaining -= given;
                parts.push((i, given));
                value += i64::from(given) * offers[i].total_micros;
            }
            if remaining == 0 && parts.iter().all(|&(_, g)| g > 0) {
                all.push(Allocation { parts, value });
            }
        }
        all.sort_by_key(order);
        all.truncate(proposals);
        all
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4_000))]
        #[test]
        fn matches_brute_force(
            mut raw in prop::collection::vec(
                (prop::sample::select(vec![0i64, 10, 25, 25, 40, 40, 90]), 0u32..=5),
                0..=9,
            ),
            slots in 0u32..=14,
            k in 0usize..=4,
            proposals in 0usize..=6,
        ) {
            raw.sort_by_key(|&(total, _)| Reverse(total));
            let offers = offers(&raw);
            let expected = brute_force(&offers, slots, k, proposals);
            prop_assert_eq!(best_allocations(&offers, slots, k, proposals), expected.clone());
            // Without a table, the loose bounds must give the same answer.
            prop_assert_eq!(allocate(&offers, slots, k, proposals, 0), expected);
        }
    }

    fn alloc(parts: &[(usize, u32)], value: i64) -> Allocation {
        Allocation {
            parts: parts.to_vec(),
            value: value * M,
        }
    }

    #[test]
    fn hand_worked_example() {
        let offers = offers(&[(90, 2), (80, 2), (70, 3)]);
        // No single offer has 4 free. Pairs, filled best-ranked first:
        //   {0,1}: 2×90 + 2×80 = 340
        //   {0,2}: 2×90 + 2×70 = 320
        //   {1,2}: 2×80 + 2×70 = 300
        // With k = 3, {0,1,2} fills 2 + 2 and leaves offer 2 idle, so it is
        // not proposed: it is {0,1} again.
        let expected = vec![
            alloc(&[(0, 2), (1, 2)], 340),
            alloc(&[(0, 2), (2, 2)], 320),
            alloc(&[(1, 2), (2, 2)], 300),
        ];
        assert_eq!(best_allocations(&offers, 4, 2, 10), expected);
        assert_eq!(best_allocations(&offers, 4, 3, 10), expected);
        assert_eq!(best_allocations(&offers, 4, 2, 2), expected[..2]);
    }

    #[test]
    fn ties_keep_lexicographic_order() {
        // Every pair is worth 2×10 = 20; [0,3] must come before [1,2].
        let offers = offers(&[(10, 1), (10, 1), (10, 1), (10, 1)]);
        let indices: Vec<Vec<usize>> = best_allocations(&offers, 2, 2, 4)
            .iter()
            .map(|a| a.parts.iter().map(|p| p.0).collect())
            .collect();
        assert_eq!(indices, [[0, 1], [0, 2], [0, 3], [1, 2]]);
    }

    #[test]
    fn edge_cases() {
        let some = offers(&[(90, 3), (50, 2)]);
        assert!(best_allocations(&some, 0, 2, 5).is_empty());
        assert!(best_allocations(&some, 3, 0, 5).is_empty());
        assert!(best_allocations(&some, 3, 2, 0).is_empty());
        assert!(best_allocations(&[], 3, 2, 5).is_empty());
        assert!(best_allocations(&offers(&[(90, 0), (50, 0)]), 1, 2, 5).is_empty());
        // The two largest frees sum to 5 < 6.
        assert!(best_allocations(&some, 6, 2, 5).is_empty());
        let single = offers(&[(90, 1), (80, 3), (70, 0), (60, 5)]);
        assert_eq!(
            best_allocations(&single, 3, 1, 5),
            [alloc(&[(1, 3)], 240), alloc(&[(3, 3)], 180)]
        );
    }

    /// 2,000 offers from a tiny LCG with totals from `distinct` values (many
    /// ties) and frees 1..=6, or with `big_last` frees 1..=3 except for the 30
    /// worst-ranked offers at 6: the case that defeats the loose bounds.
    fn large_instance(seed: u64, distinct: i64, big_last: bool) -> Vec<Offer> {
        let mut state = seed;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            state >> 33
        };
        let mut offers: Vec<Offer> = (0..2_000)
            .map(|_| Offer {
                total_micros: (next() as i64 % distinct) * (100 * M / distinct),
                free: 1 + (next() % 6) as u32,
            })
            .collect();
        offers.sort_by_key(|o| Reverse(o.total_micros));
        for (i, offer) in offers.iter_mut().enumerate().filter(|_| big_last) {
            offer.free = if i >= 1_970 { 6 } else { 1 + offer.free % 3 };
        }
        offers
    }

    #[test]
    fn large_instances_are_well_formed() {
        let cases = [
            (1, 7, false),
            (2, 40, false),
            (3, 2_000, false),
            (4, 2, true),
            (5, 7, true),
        ];
        for k in [3, 4] {
            let (mut total, mut slowest) = (Duration::ZERO, Duration::ZERO);
            for (seed, distinct, big_last) in cases {
                let offers = large_instance(seed, distinct, big_last);
                for slots in 1..=50 {
                    let start = Instant::now();
                    let got = best_allocations(&offers, slots, k, 10);
                    (total, slowest) = (total + start.elapsed(), slowest.max(start.elapsed()));
                    assert_eq!(got.len(), if slots > 6 * k as u32 { 0 } else { 10 });
                    assert!(got.windows(2).all(|w| order(&w[0]) < order(&w[1])));
                    for a in &got {
                        assert!(!a.parts.is_empty() && a.parts.len() <= k);
                        assert!(a.parts.windows(2).all(|w| w[0].0 < w[1].0));
                        let (mut remaining, mut value) = (slots, 0);
                        for &(i, given) in &a.parts {
                            assert!(given > 0 && given == offers[i].free.min(remaining));
                            remaining -= given;
                            value += i64::from(given) * offers[i].total_micros;
                        }
                        assert_eq!((remaining, value), (0, a.value));
                    }
                }
            }
            println!("k = {k}: 250 calls on 2,000 offers in {total:?}, slowest {slowest:?}");
        }
    }
}
