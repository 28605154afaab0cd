//! SMAA-2 rank acceptability for candidates whose scores are linear in uncertain weights.
//!
//! A candidate's score is `score_c(w) = Σ_i w_i · values[c][i]`, where the weight vector `w`
//! lies in the part of the weight simplex (`w_i ≥ 0`, `Σ w_i = 1`) that a sponsor admits
//! (a [`WeightRegion`]). A sponsor rarely knows the exact weights, so instead of one ranking
//! SMAA-2 (Lahdelma & Salminen, 2001) draws `w` uniformly from the admissible region, ranks the
//! candidates under every draw and reports, per candidate, how often it came first
//! (rank-1 acceptability) and in the top three (top-3 acceptability), the mean weights under
//! which it came first (central weight vector), and whether it is first under those
//! central weights (confidence factor).
//!
//! Everything here is pure and deterministic: the pseudo-random generator is written out below
//! (xoshiro256** seeded through SplitMix64), so equal inputs and seed give bitwise-equal
//! results on every platform with IEEE-754 doubles.
//!
//! Candidates that provably cannot reach the top three anywhere in the region are pruned
//! before sampling (see [`score_bounds`]); that keeps large candidate lists cheap without
//! changing any result.

/// The weights a sponsor admits.
#[derive(Debug, Clone, PartialEq)]
pub enum WeightRegion {
    /// One weight vector (sums to 1).
    Point(Vec<f64>),
    /// min_i ≤ w_i ≤ max_i and Σ w_i = 1. Caller has validated 0 ≤ min ≤ max ≤ 1 and
    /// Σ min ≤ 1 ≤ Σ max (non-empty region).
    Ranges { min: Vec<f64>, max: Vec<f64> },
    /// An order of importance: groups of criterion indices, most important first; members
    /// of a group weigh the same and every group weighs at least as much as the next.
    /// Caller has validated that every index 0..n appears exactly once.
    Order(Vec<Vec<usize>>),
}

/// What SMAA-2 says about one candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct Acceptability {
    /// Share of the sampled weight vectors under which this candidate ranks first.
    pub rank_1: f64,
    /// Share of the sampled weight vectors under which this candidate ranks first, second or
    /// third.
    pub top_3: f64,
    /// Mean of the sampled weight vectors under which this candidate ranks first: the
    /// "typical" weights that favour it. `None` if it was never first.
    pub central_weights: Option<Vec<f64>>,
    /// 1.0 if this candidate ranks first when the weights are its own central weights,
    /// else 0.0; `None` if it has no central weights.
    ///
    /// In SMAA-2 the confidence factor is the probability of being first at the central
    /// weights under *uncertain criterion values*. Criterion values are exact here, so that
    /// probability is either 0 or 1. (Because the set of weights under which a candidate is
    /// first is convex, its centroid normally lies inside it and the factor is 1; a 0 can only
    /// come from ties or rounding on the boundary of that set.)
    pub confidence_factor: Option<f64>,
}

/// The SMAA-2 summary for a whole candidate list.
#[derive(Debug, Clone, PartialEq)]
pub struct RankAcceptability {
    /// How many weight vectors were drawn (1 for a Point region).
    pub samples: u32,
    /// One entry per candidate, in the order given.
    pub candidates: Vec<Acceptability>,
    /// How many candidates were pruned exactly (never in the top 3 anywhere in the region).
    pub pruned: usize,
}

/// Relative margin by which a candidate's upper bound must fall below the third-highest
/// lower bound before it is pruned. Sampled weights satisfy the region's constraints only up
/// to rounding (about 1e-12), so a pruning decision that close to the edge is not trusted.
const PRUNE_RELATIVE_EPSILON: f64 = 1e-9;

/// How far `Σ w` may stray from 1 before a weight vector is renormalised.
const SUM_TOLERANCE: f64 = 1e-12;

/// Hit-and-run steps discarded before the first kept sample, so that the chain forgets its
/// deterministic starting point.
const HIT_AND_RUN_BURN_IN: u32 = 1_000;

/// `values[c]` is candidate c's value vector (len = number of criteria, same for all).
/// Ties in score go to the candidate that comes first in `values` (the caller passes them
/// in its own tie-break order). Deterministic for equal inputs and `seed`.
///
/// A Point region (or a Ranges region that admits a single point) is evaluated once, so
/// `samples` is 1 there. Elsewhere at least one weight vector is drawn even if `samples` is
/// 0, so that the acceptabilities are always defined and rank-1 acceptabilities sum to 1.
/// With fewer than three candidates every candidate has top-3 acceptability 1.
pub fn rank_acceptability(
    values: &[Vec<f64>],
    region: &WeightRegion,
    samples: u32,
    seed: u64,
) -> RankAcceptability {
    rank_acceptability_with(values, region, samples, seed, true)
}

/// The lowest and highest score `values` can have over `region` (exact LP optima, see below).
///
/// - Point: the score at the point.
/// - Ranges: greedy. Start every weight at its minimum and hand the remaining mass
///   `1 − Σ min` to the criteria with the highest value (for the maximum) or the lowest value
///   (for the minimum), each up to its maximum. For a box intersected with the simplex this
///   is the exact LP optimum (it is the fractional-knapsack argument: moving mass from a
///   lower-valued to a higher-valued criterion never lowers the score).
/// - Order: the region is the simplex spanned by the vertices `V_k` (see the sampler), and a
///   linear function on a simplex attains its extremes at vertices, so the bounds are the
///   min and max over `score(V_k)`, i.e. over the running averages of the values taken
///   group by group in order of importance.
pub fn score_bounds(values: &[f64], region: &WeightRegion) -> (f64, f64) {
    match region {
        WeightRegion::Point(weights) => {
            let score = dot(values, weights);
            (score, score)
        }
        WeightRegion::Ranges { min, max } => {
            let mut ascending: Vec<usize> =
                (0..min.len().min(max.len()).min(values.len())).collect();
            ascending.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
            let lowest = greedy_score(values, min, max, ascending.iter().copied());
            let highest = greedy_score(values, min, max, ascending.iter().rev().copied());
            (lowest, highest)
        }
        WeightRegion::Order(groups) => {
            let mut running_sum = 0.0;
            let mut running_count = 0usize;
            let mut bounds: Option<(f64, f64)> = None;
            for group in groups.iter().filter(|group| !group.is_empty()) {
                running_sum += group
                    .iter()
                    .map(|&i| values.get(i).copied().unwrap_or(0.0))
                    .sum::<f64>();
                running_count += group.len();
                let vertex_score = running_sum / running_count as f64;
                bounds = Some(match bounds {
                    None => (vertex_score, vertex_score),
                    Some((low, high)) => (low.min(vertex_score), high.max(vertex_score)),
                });
            }
            bounds.unwrap_or((0.0, 0.0))
        }
    }
}

/// Score of the box ∩ simplex point that starts at `min` and pours the remaining mass
/// `1 − Σ min` into the criteria in `priority` order, each up to its `max`.
fn greedy_score(
    values: &[f64],
    min: &[f64],
    max: &[f64],
    priority: impl Iterator<Item = usize>,
) -> f64 {
    let mut remaining = (1.0 - min.iter().sum::<f64>()).max(0.0);
    let mut score = dot(values, min);
    for i in priority {
        if remaining <= 0.0 {
            break;
        }
        let given = remaining.min((max[i] - min[i]).max(0.0));
        score += given * values[i];
        remaining -= given;
    }
    score
}

/// The real work behind [`rank_acceptability`]; `prune: false` scores every candidate on
/// every sample, which the tests use to check that pruning changes nothing.
///
/// Per sample the unpruned candidates are scored from a flat value matrix, the best three are
/// kept by partial selection ([`Podium`]) rather than a sort, their top-3 counters and the
/// winner's rank-1 counter go up, and the sampled weights are added to the winner's
/// central-weight sum. All buffers are allocated once, before the loop. The random stream
/// depends only on the region and the seed, never on pruning, so both settings see the
/// same weight vectors.
fn rank_acceptability_with(
    values: &[Vec<f64>],
    region: &WeightRegion,
    samples: u32,
    seed: u64,
    prune: bool,
) -> RankAcceptability {
    let criteria = region_dimension(region);
    debug_assert!(
        values.iter().all(|row| row.len() == criteria),
        "every value vector must have one entry per criterion of the region"
    );
    let mut rng = Xoshiro256StarStar::seeded(seed);
    let mut sampler = WeightSampler::new(region, criteria, &mut rng);
    let draws = if sampler.is_single_point() {
        1
    } else {
        samples.max(1)
    };
    if values.is_empty() {
        let reported = if sampler.is_single_point() {
            1
        } else {
            samples
        };
        return RankAcceptability {
            samples: reported,
            candidates: Vec::new(),
            pruned: 0,
        };
    }

    let pruned_mask = if prune {
        prune_mask(values, region)
    } else {
        vec![false; values.len()]
    };
    // Original indices of the candidates that are scored, in the caller's order, so that the
    // "earlier wins ties" rule carries over to positions in this list.
    let active: Vec<usize> = (0..values.len()).filter(|&c| !pruned_mask[c]).collect();
    let matrix = ValueMatrix::new(values, &active, criteria);

    let mut rank_1_counts = vec![0u32; active.len()];
    let mut top_3_counts = vec![0u32; active.len()];
    let mut central_sums = vec![0.0; active.len() * criteria];
    let mut weights = vec![0.0; criteria];
    let mut podium = Podium::default();
    for _ in 0..draws {
        sampler.sample_into(&mut rng, &mut weights);
        podium.clear();
        for (position, row) in matrix.rows().enumerate() {
            podium.offer(position, dot(row, &weights));
        }
        for &(position, _) in podium.entries() {
            top_3_counts[position] += 1;
        }
        if let Some(&(first, _)) = podium.entries().first() {
            rank_1_counts[first] += 1;
            let sum = &mut central_sums[first * criteria..(first + 1) * criteria];
            for (total, w) in sum.iter_mut().zip(&weights) {
                *total += w;
            }
        }
    }

    let share = |count: u32| f64::from(count) / f64::from(draws);
    let mut candidates = vec![
        Acceptability {
            rank_1: 0.0,
            top_3: 0.0,
            central_weights: None,
            confidence_factor: None,
        };
        values.len()
    ];
    for (position, &original) in active.iter().enumerate() {
        let wins = rank_1_counts[position];
        let (central_weights, confidence_factor) = if wins == 0 {
            (None, None)
        } else {
            let central: Vec<f64> = central_sums[position * criteria..(position + 1) * criteria]
                .iter()
                .map(|total| total / f64::from(wins))
                .collect();
            let first_there = matrix.first_under(&central);
            let factor = if first_there == Some(position) {
                1.0
            } else {
                0.0
            };
            (Some(central), Some(factor))
        };
        candidates[original] = Acceptability {
            rank_1: share(wins),
            top_3: share(top_3_counts[position]),
            central_weights,
            confidence_factor,
        };
    }
    RankAcceptability {
        samples: draws,
        candidates,
        pruned: values.len() - active.len(),
    }
}

/// Which candidates are beaten by three others under every admissible weight vector.
///
/// Two exact tests, cheapest first:
/// - Bounds: let `L_(3)` be the third-highest lower bound. The three candidates owning the
///   three highest lower bounds score at least `L_(3)` everywhere, so a candidate whose
///   upper bound is below `L_(3)` is strictly behind all three of them for every `w`.
/// - Dominance over the region: candidate `d` leads `c` by `(values[d] − values[c])·w`.
///   When that lead's lowest value over the region (an exact LP optimum, see
///   [`score_bounds`]) is at least 0 and its highest is positive, the lead is positive
///   everywhere but on a face of the region (a linear function that is ≥ 0 on a polytope
///   and not identically 0 is > 0 in its relative interior): `d` beats `c` under every
///   draw but those landing exactly on that face, which have probability zero (the lead
///   there is exactly 0, and only rounding of a lead below 1e-15 could matter). Ties at a
///   corner are common (many CDMOs share the best value of the most important criterion),
///   which is why the lowest lead may be 0. A candidate so beaten by three of the
///   [`STRONGEST_RIVALS`] candidates with the highest lower bounds is never in the top 3.
///   This catches the many middling candidates whose upper bound alone is too loose (one
///   criterion where they shine), at `|rivals|` small LPs each.
///
/// Both comparisons keep a small relative margin so that rounding never prunes a
/// candidate that could touch the top 3.
fn prune_mask(values: &[Vec<f64>], region: &WeightRegion) -> Vec<bool> {
    if values.len() <= 3 {
        return vec![false; values.len()];
    }
    let bounds: Vec<(f64, f64)> = values.iter().map(|row| score_bounds(row, region)).collect();
    let mut lower: Vec<f64> = bounds.iter().map(|&(low, _)| low).collect();
    let (_, &mut third_lower, _) = lower.select_nth_unstable_by(2, |a, b| b.total_cmp(a));
    let mut pruned: Vec<bool> = bounds
        .iter()
        .map(|&(_, high)| {
            let margin = PRUNE_RELATIVE_EPSILON * (1.0 + third_lower.abs().max(high.abs()));
            high < third_lower - margin
        })
        .collect();

    let mut rivals: Vec<usize> = (0..values.len()).collect();
    rivals.sort_by(|&a, &b| bounds[b].0.total_cmp(&bounds[a].0).then(a.cmp(&b)));
    rivals.truncate(STRONGEST_RIVALS);
    let mut difference = vec![0.0; values.first().map_or(0, Vec::len)];
    for (c, row) in values.iter().enumerate() {
        if pruned[c] {
            continue;
        }
        let scale = row.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        let mut beaten_by = 0;
        for &d in &rivals {
            if d == c {
                continue;
            }
            for ((out, rival), own) in difference.iter_mut().zip(&values[d]).zip(row) {
                *out = rival - own;
            }
            let (lowest_lead, highest_lead) = score_bounds(&difference, region);
            let margin = PRUNE_RELATIVE_EPSILON * (1.0 + scale);
            if lowest_lead >= 0.0 && highest_lead > margin {
                beaten_by += 1;
                if beaten_by == 3 {
                    pruned[c] = true;
                    break;
                }
            }
        }
    }
    pruned
}

/// How many of the candidates with the highest lower bounds each candidate is compared
/// with in [`prune_mask`]'s dominance test.
const STRONGEST_RIVALS: usize = 16;

/// Number of criteria a region speaks about.
fn region_dimension(region: &WeightRegion) -> usize {
    match region {
        WeightRegion::Point(weights) => weights.len(),
        WeightRegion::Ranges { min, max } => {
            debug_assert_eq!(min.len(), max.len(), "min and max must have equal length");
            min.len().min(max.len())
        }
        WeightRegion::Order(groups) => groups
            .iter()
            .flatten()
            .max()
            .map_or(0, |&largest| largest + 1),
    }
}

/// Plain left-to-right dot product. Kept sequential on purpose: every score in this module
/// goes through it, so equal scores are bitwise equal and the tie rule is applied consistently.
fn dot(values: &[f64], weights: &[f64]) -> f64 {
    values.iter().zip(weights).map(|(v, w)| v * w).sum()
}

/// The unpruned candidates' values in one contiguous row-major buffer, so the per-sample loop
/// walks memory linearly and allocates nothing.
struct ValueMatrix {
    flat: Vec<f64>,
    rows: usize,
    criteria: usize,
}

impl ValueMatrix {
    fn new(values: &[Vec<f64>], active: &[usize], criteria: usize) -> Self {
        let mut flat = Vec::with_capacity(active.len() * criteria);
        for &c in active {
            flat.extend((0..criteria).map(|i| values[c].get(i).copied().unwrap_or(0.0)));
        }
        Self {
            flat,
            rows: active.len(),
            criteria,
        }
    }

    /// Rows in candidate order. (Not `chunks_exact`, which rejects zero criteria.)
    fn rows(&self) -> impl Iterator<Item = &[f64]> {
        (0..self.rows).map(|r| &self.flat[r * self.criteria..(r + 1) * self.criteria])
    }

    /// Position of the candidate ranked first under `weights` (earlier wins ties).
    fn first_under(&self, weights: &[f64]) -> Option<usize> {
        let mut podium = Podium::default();
        for (position, row) in self.rows().enumerate() {
            podium.offer(position, dot(row, weights));
        }
        podium.entries().first().map(|&(position, _)| position)
    }
}

/// The best three (position, score) pairs seen so far, best first: a partial selection that
/// costs one comparison for most candidates instead of a sort.
#[derive(Default)]
struct Podium {
    entries: [(usize, f64); 3],
    len: usize,
}

impl Podium {
    fn clear(&mut self) {
        self.len = 0;
    }

    fn entries(&self) -> &[(usize, f64)] {
        &self.entries[..self.len]
    }

    /// Offers candidates in increasing position; a newcomer only passes an entry with a
    /// strictly lower score, so among equal scores the earlier candidate stays ahead.
    fn offer(&mut self, position: usize, score: f64) {
        let mut slot = self.len;
        while slot > 0 && score > self.entries[slot - 1].1 {
            slot -= 1;
        }
        if slot >= self.entries.len() {
            return;
        }
        let last = self.len.min(self.entries.len() - 1);
        for moved in (slot + 1..=last).rev() {
            self.entries[moved] = self.entries[moved - 1];
        }
        self.entries[slot] = (position, score);
        self.len = (self.len + 1).min(self.entries.len());
    }
}

/// Draws weight vectors uniformly from a [`WeightRegion`].
enum WeightSampler {
    /// The region is one point (a Point region, or Ranges that pin the weights down).
    Fixed(Vec<f64>),
    Order(OrderSampler),
    HitAndRun(HitAndRun),
}

impl WeightSampler {
    /// Prepares the sampler; a Ranges region runs its hit-and-run burn-in here, drawing from
    /// `rng`.
    fn new(region: &WeightRegion, criteria: usize, rng: &mut Xoshiro256StarStar) -> Self {
        match region {
            WeightRegion::Point(weights) => Self::Fixed(weights.clone()),
            WeightRegion::Order(groups) => {
                let sampler = OrderSampler::new(groups, criteria);
                if sampler.groups.is_empty() {
                    Self::Fixed(vec![0.0; criteria])
                } else {
                    Self::Order(sampler)
                }
            }
            WeightRegion::Ranges { min, max } => HitAndRun::sampler_for(min, max, criteria, rng),
        }
    }

    fn is_single_point(&self) -> bool {
        matches!(self, Self::Fixed(_))
    }

    /// Writes the next weight vector into `weights` (length = number of criteria).
    fn sample_into(&mut self, rng: &mut Xoshiro256StarStar, weights: &mut [f64]) {
        match self {
            Self::Fixed(point) => {
                for (w, p) in weights.iter_mut().zip(point.iter()) {
                    *w = *p;
                }
            }
            Self::Order(sampler) => sampler.sample_into(rng, weights),
            Self::HitAndRun(chain) => chain.sample_into(rng, weights),
        }
    }
}

/// Exact uniform sampling of an order-of-importance region.
///
/// With groups `G_1..G_m` (sizes `s_k`, `N_k = s_1 + … + s_k`) the region is the simplex with
/// vertices `V_k` = (`1/N_k` on the members of `G_1..G_k`, 0 elsewhere): every admissible `w`
/// is a unique convex combination of them (the coefficient of `V_k` is `N_k` times the drop
/// in weight from group k to group k+1). Drawing `λ ~ Dirichlet(1,…,1)` (normalised
/// exponentials) is uniform on the standard simplex, and `w = Σ λ_k V_k` is an affine image
/// of it, hence uniform on the region.
struct OrderSampler {
    /// Non-empty groups, most important first.
    groups: Vec<Vec<usize>>,
    /// `N_k` as f64.
    cumulative_sizes: Vec<f64>,
    /// Reused buffer for λ.
    lambda: Vec<f64>,
}

impl OrderSampler {
    fn new(groups: &[Vec<usize>], criteria: usize) -> Self {
        let groups: Vec<Vec<usize>> = groups
            .iter()
            .filter(|group| !group.is_empty())
            .map(|group| group.iter().copied().filter(|&i| i < criteria).collect())
            .collect();
        let mut running = 0usize;
        let cumulative_sizes = groups
            .iter()
            .map(|group| {
                running += group.len();
                running as f64
            })
            .collect();
        let lambda = vec![0.0; groups.len()];
        Self {
            groups,
            cumulative_sizes,
            lambda,
        }
    }

    fn sample_into(&mut self, rng: &mut Xoshiro256StarStar, weights: &mut [f64]) {
        let mut total = 0.0;
        for lambda in &mut self.lambda {
            *lambda = rng.exponential();
            total += *lambda;
        }
        let uniform_fallback = 1.0 / self.lambda.len() as f64;
        // Group k's weight is Σ_{j ≥ k} λ_j / N_j: accumulate from the least important group.
        // Adding non-negative terms keeps the order constraints exact in floating point.
        let mut weight = 0.0;
        for k in (0..self.groups.len()).rev() {
            let lambda = if total > 0.0 {
                self.lambda[k] / total
            } else {
                uniform_fallback
            };
            weight += lambda / self.cumulative_sizes[k];
            for &i in &self.groups[k] {
                weights[i] = weight;
            }
        }
    }
}

/// Hit-and-run over a box intersected with the simplex.
///
/// Coordinates with `min == max` are fixed; the others ("free") move. Starting from the
/// interior point `w0 = min + t(max − min)` with `t = (1 − Σmin)/Σ(max − min)`, each step
/// draws a Gaussian direction over the free coordinates, subtracts its mean (so that
/// `Σ w = 1` is kept) and normalises it, which makes the direction uniform on the sphere of the hyperplane;
/// it then moves to a uniform point of the chord through the current point, i.e. of the
/// interval of `t` where every free coordinate stays within `[min_i, max_i]`. The uniform
/// distribution on the region is this chain's stationary distribution. After a burn-in of
/// [`HIT_AND_RUN_BURN_IN`] steps one point is kept every `d` steps (`d` = number of free
/// coordinates) to thin out the correlation between consecutive points.
///
/// Cost: a kept point takes `d` steps of `d` Gaussians each, so with 8 free criteria
/// 10,000 samples need about 650,000 Box–Muller normals (a logarithm, a square root and a
/// sine/cosine per pair). That, not the scoring, dominates a Ranges call (about 20 ms in
/// release against about 3 ms for an Order region); fewer steps per kept point would trade
/// independence of the samples for speed.
struct HitAndRun {
    /// The full weight vector; fixed coordinates never change, free ones mirror `position`.
    weights: Vec<f64>,
    /// Indices of the free coordinates.
    free: Vec<usize>,
    /// Bounds and current values of the free coordinates only, stored contiguously so a
    /// step touches no index indirection.
    lower: Vec<f64>,
    upper: Vec<f64>,
    position: Vec<f64>,
    /// Σ of the fixed coordinates, so that the drift check needs only the free ones.
    fixed_mass: f64,
    /// Reused buffer for the direction over the free coordinates.
    direction: Vec<f64>,
}

impl HitAndRun {
    /// Builds the chain and burns it in, or returns [`WeightSampler::Fixed`] when the region
    /// is a single point (`Σ min = 1`, `Σ max = 1`, or at most one free coordinate).
    fn sampler_for(
        min: &[f64],
        max: &[f64],
        criteria: usize,
        rng: &mut Xoshiro256StarStar,
    ) -> WeightSampler {
        let (min, max) = (&min[..criteria], &max[..criteria]);
        let free: Vec<usize> = (0..criteria).filter(|&i| max[i] > min[i]).collect();
        let sum_min: f64 = min.iter().sum();
        let sum_max: f64 = max.iter().sum();
        let total_width: f64 = free.iter().map(|&i| max[i] - min[i]).sum();
        let t = if total_width > 0.0 {
            ((1.0 - sum_min) / total_width).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let mut start: Vec<f64> = (0..criteria)
            .map(|i| min[i] + t * (max[i] - min[i]))
            .collect();
        let single_point =
            sum_min >= 1.0 - SUM_TOLERANCE || sum_max <= 1.0 + SUM_TOLERANCE || free.len() <= 1;
        if single_point {
            renormalise(&mut start);
            return WeightSampler::Fixed(start);
        }
        let fixed_mass = (0..criteria)
            .filter(|&i| max[i] <= min[i])
            .map(|i| start[i])
            .sum();
        let mut chain = Self {
            lower: free.iter().map(|&i| min[i]).collect(),
            upper: free.iter().map(|&i| max[i]).collect(),
            position: free.iter().map(|&i| start[i]).collect(),
            direction: vec![0.0; free.len()],
            weights: start,
            free,
            fixed_mass,
        };
        for _ in 0..HIT_AND_RUN_BURN_IN {
            chain.step(rng);
        }
        WeightSampler::HitAndRun(chain)
    }

    fn sample_into(&mut self, rng: &mut Xoshiro256StarStar, weights: &mut [f64]) {
        for _ in 0..self.free.len() {
            self.step(rng);
        }
        for (&i, &value) in self.free.iter().zip(&self.position) {
            self.weights[i] = value;
        }
        weights.copy_from_slice(&self.weights);
    }

    fn step(&mut self, rng: &mut Xoshiro256StarStar) {
        if !self.draw_direction(rng) {
            return;
        }
        let mut lowest = f64::NEG_INFINITY;
        let mut highest = f64::INFINITY;
        let coordinates = self.direction.iter().zip(&self.position);
        for ((&d, &x), (&low, &high)) in coordinates.zip(self.lower.iter().zip(&self.upper)) {
            if d != 0.0 {
                let inverse = 1.0 / d;
                let (to_low, to_high) = ((low - x) * inverse, (high - x) * inverse);
                let (entry, exit) = if d > 0.0 {
                    (to_low, to_high)
                } else {
                    (to_high, to_low)
                };
                lowest = lowest.max(entry);
                highest = highest.min(exit);
            }
        }
        // Only rounding could make the chord empty or unbounded; then stay put.
        if !(lowest <= highest && lowest.is_finite() && highest.is_finite()) {
            return;
        }
        let t = lowest + rng.uniform() * (highest - lowest);
        let mut total = self.fixed_mass;
        for (((x, &d), &low), &high) in self
            .position
            .iter_mut()
            .zip(&self.direction)
            .zip(&self.lower)
            .zip(&self.upper)
        {
            *x = (*x + t * d).max(low).min(high);
            total += *x;
        }
        // Each step preserves Σ w = 1 only up to rounding; pull the drift back before it can
        // accumulate, spreading the correction over the free coordinates.
        let drift = total - 1.0;
        if drift.abs() > SUM_TOLERANCE / 100.0 {
            let share = drift / self.position.len() as f64;
            for ((x, &low), &high) in self.position.iter_mut().zip(&self.lower).zip(&self.upper) {
                *x = (*x - share).max(low).min(high);
            }
        }
    }

    /// Fills `direction` with a uniformly random unit vector of the hyperplane Σ d = 0 over
    /// the free coordinates. Returns false in the (practically impossible) case that no
    /// usable direction came up.
    fn draw_direction(&mut self, rng: &mut Xoshiro256StarStar) -> bool {
        for _ in 0..16 {
            for d in &mut self.direction {
                *d = rng.gaussian();
            }
            let mean = self.direction.iter().sum::<f64>() / self.direction.len() as f64;
            let mut norm_squared = 0.0;
            for d in &mut self.direction {
                *d -= mean;
                norm_squared += *d * *d;
            }
            let norm = norm_squared.sqrt();
            if norm > 1e-9 {
                let inverse = 1.0 / norm;
                for d in &mut self.direction {
                    *d *= inverse;
                }
                return true;
            }
        }
        false
    }
}

/// Clamps tiny negative drift to 0 and rescales to `Σ w = 1` when the sum is off by more than
/// [`SUM_TOLERANCE`]; a vector already summing to 1 is left bit-for-bit unchanged.
fn renormalise(weights: &mut [f64]) {
    for w in weights.iter_mut() {
        *w = w.max(0.0);
    }
    let total: f64 = weights.iter().sum();
    if (total - 1.0).abs() >= SUM_TOLERANCE && total > 0.0 {
        for w in weights.iter_mut() {
            *w /= total;
        }
    }
}

/// xoshiro256** (Blackman & Vigna): small, fast, and good enough statistically for Monte Carlo;
/// written out here so results do not depend on an external crate's version.
struct Xoshiro256StarStar {
    state: [u64; 4],
    /// Box–Muller yields Gaussians in pairs; the second one waits here.
    spare_gaussian: Option<f64>,
}

impl Xoshiro256StarStar {
    /// Seeds the four state words from SplitMix64, as the xoshiro authors recommend, so that
    /// nearby seeds give unrelated streams and the state is never all zero.
    fn seeded(seed: u64) -> Self {
        let mut splitmix_state = seed;
        let mut state = [0u64; 4];
        for word in &mut state {
            *word = splitmix64(&mut splitmix_state);
        }
        Self {
            state,
            spare_gaussian: None,
        }
    }

    fn next_u64(&mut self) -> u64 {
        let s = &mut self.state;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1) from the top 53 bits (every value a multiple of 2⁻⁵³).
    fn uniform(&mut self) -> f64 {
        const SCALE: f64 = 1.0 / (1u64 << 53) as f64;
        (self.next_u64() >> 11) as f64 * SCALE
    }

    /// Standard exponential as `−ln(1 − u)`; `1 − u` lies in (0, 1], so the result is finite.
    fn exponential(&mut self) -> f64 {
        -(1.0 - self.uniform()).ln()
    }

    /// Standard normal by Box–Muller (`1 − u` keeps the logarithm finite).
    fn gaussian(&mut self) -> f64 {
        if let Some(spare) = self.spare_gaussian.take() {
            return spare;
        }
        let radius = (-2.0 * (1.0 - self.uniform()).ln()).sqrt();
        let angle = std::f64::consts::TAU * self.uniform();
        let (sin, cos) = angle.sin_cos();
        self.spare_gaussian = Some(radius * sin);
        radius * cos
    }
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::collection::vec;
    use proptest::prelude::*;
    use proptest::test_runner::TestCaseError;
    use std::ops::RangeInclusive;

    // ---------- strategies ----------

    /// Criterion values: small integers (so exact score ties really happen) mixed with
    /// continuous ones.
    fn value() -> impl Strategy<Value = f64> {
        prop_oneof![(0u8..4).prop_map(f64::from), 0.0..1.0f64]
    }

    fn normalised(mut weights: Vec<f64>) -> Vec<f64> {
        let total: f64 = weights.iter().sum();
        let count = weights.len() as f64;
        for w in &mut weights {
            *w = if total > 0.0 { *w / total } else { 1.0 / count };
        }
        weights
    }

    fn point_weights(criteria: usize) -> impl Strategy<Value = Vec<f64>> {
        vec(0.0..1.0f64, criteria).prop_map(normalised)
    }

    /// Random boxes, about a quarter of the coordinates fixed (min == max), repaired so that
    /// Σ min ≤ 1 ≤ Σ max as the caller guarantees.
    fn ranges_region(criteria: usize) -> impl Strategy<Value = WeightRegion> {
        vec((0.0..1.0f64, 0.0..1.0f64, 0u8..4), criteria).prop_map(|coordinates| {
            let mut min = Vec::new();
            let mut max = Vec::new();
            for (a, b, kind) in coordinates {
                let (low, high) = if a <= b { (a, b) } else { (b, a) };
                min.push(low);
                max.push(if kind == 0 { low } else { high });
            }
            let sum_min: f64 = min.iter().sum();
            if sum_min > 1.0 {
                let scale = 0.9 / sum_min;
                for i in 0..min.len() {
                    let fixed = min[i] == max[i];
                    min[i] *= scale;
                    if fixed {
                        max[i] = min[i];
                    }
                }
            }
            if max.iter().sum::<f64>() < 1.0 {
                for i in 0..max.len() {
                    if max[i] > min[i] {
                        max[i] = 1.0;
                    }
                }
            }
            if max.iter().sum::<f64>() < 1.0 {
                max.iter_mut().for_each(|m| *m = 1.0);
            }
            WeightRegion::Ranges { min, max }
        })
    }

    /// A random permutation of 0..n cut into groups at random places (so ties in importance
    /// occur).
    fn order_region(criteria: usize) -> impl Strategy<Value = WeightRegion> {
        (vec(any::<u64>(), criteria), vec(any::<bool>(), criteria)).prop_map(move |(keys, cuts)| {
            let mut permutation: Vec<usize> = (0..criteria).collect();
            permutation.sort_by_key(|&i| keys[i]);
            let mut groups: Vec<Vec<usize>> = Vec::new();
            for (position, &i) in permutation.iter().enumerate() {
                match groups.last_mut() {
                    Some(group) if !cuts[position] => group.push(i),
                    _ => groups.push(vec![i]),
                }
            }
            WeightRegion::Order(groups)
        })
    }

    fn region(criteria: usize) -> impl Strategy<Value = WeightRegion> {
        prop_oneof![
            point_weights(criteria).prop_map(WeightRegion::Point),
            ranges_region(criteria),
            order_region(criteria),
        ]
    }

    fn instance(
        candidates: RangeInclusive<usize>,
        criteria: RangeInclusive<usize>,
    ) -> impl Strategy<Value = (Vec<Vec<f64>>, WeightRegion)> {
        (candidates, criteria).prop_flat_map(|(count, criteria)| {
            (vec(vec(value(), criteria), count), region(criteria))
        })
    }

    // ---------- helpers ----------

    fn score(values: &[f64], weights: &[f64]) -> f64 {
        values.iter().zip(weights).map(|(v, w)| v * w).sum()
    }

    /// Candidate indices best first: higher score first, the earlier index on ties.
    fn ranking(values: &[Vec<f64>], weights: &[f64]) -> Vec<usize> {
        let scores: Vec<f64> = values.iter().map(|row| score(row, weights)).collect();
        let mut order: Vec<usize> = (0..values.len()).collect();
        order.sort_by(|&a, &b| {
            scores[b]
                .partial_cmp(&scores[a])
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.cmp(&b))
        });
        order
    }

    /// Every number in a result as raw bits, for bitwise comparisons.
    fn bits(candidates: &[Acceptability]) -> Vec<Vec<u64>> {
        candidates
            .iter()
            .map(|acc| {
                let mut row = vec![acc.rank_1.to_bits(), acc.top_3.to_bits()];
                match &acc.central_weights {
                    None => row.push(u64::MAX),
                    Some(central) => row.extend(central.iter().map(|w| w.to_bits())),
                }
                row.push(acc.confidence_factor.map_or(u64::MAX, f64::to_bits));
                row
            })
            .collect()
    }

    fn draw(region: &WeightRegion, seed: u64, count: usize) -> Vec<Vec<f64>> {
        let criteria = region_dimension(region);
        let mut rng = Xoshiro256StarStar::seeded(seed);
        let mut sampler = WeightSampler::new(region, criteria, &mut rng);
        let mut weights = vec![0.0; criteria];
        (0..count)
            .map(|_| {
                sampler.sample_into(&mut rng, &mut weights);
                weights.clone()
            })
            .collect()
    }

    fn check_in_region(weights: &[f64], region: &WeightRegion) -> Result<(), TestCaseError> {
        let total: f64 = weights.iter().sum();
        prop_assert!((total - 1.0).abs() < SUM_TOLERANCE, "sum {total}");
        match region {
            WeightRegion::Point(point) => {
                prop_assert_eq!(weights, point.as_slice());
            }
            WeightRegion::Ranges { min, max } => {
                for i in 0..weights.len() {
                    prop_assert!(
                        weights[i] >= min[i] - 1e-12,
                        "w{i} {} < {}",
                        weights[i],
                        min[i]
                    );
                    prop_assert!(
                        weights[i] <= max[i] + 1e-12,
                        "w{i} {} > {}",
                        weights[i],
                        max[i]
                    );
                }
            }
            WeightRegion::Order(groups) => {
                let mut previous = f64::INFINITY;
                for group in groups {
                    let weight = weights[group[0]];
                    prop_assert!(weight >= 0.0);
                    prop_assert!(weight <= previous, "order violated: {weights:?}");
                    for &i in group {
                        prop_assert_eq!(weights[i], weight);
                    }
                    previous = weight;
                }
            }
        }
        Ok(())
    }

    /// Every vertex of the region, found without the module's own reasoning.
    fn region_vertices(region: &WeightRegion) -> Vec<Vec<f64>> {
        match region {
            WeightRegion::Point(point) => vec![point.clone()],
            WeightRegion::Order(groups) => {
                let criteria = region_dimension(region);
                (1..=groups.len())
                    .map(|k| {
                        let members: Vec<usize> = groups[..k].iter().flatten().copied().collect();
                        let mut vertex = vec![0.0; criteria];
                        for &i in &members {
                            vertex[i] = 1.0 / members.len() as f64;
                        }
                        vertex
                    })
                    .collect()
            }
            // A vertex of box ∩ {Σ w = 1} has n active constraints, one of them the sum, so at
            // most one coordinate lies strictly inside its bounds: try every choice of that
            // "loose" coordinate and of min/max for the others, keeping the feasible ones.
            WeightRegion::Ranges { min, max } => {
                let n = min.len();
                let mut vertices = Vec::new();
                for loose in 0..n {
                    for pattern in 0u32..(1 << n) {
                        let mut vertex: Vec<f64> = (0..n)
                            .map(|i| {
                                if pattern >> i & 1 == 1 {
                                    max[i]
                                } else {
                                    min[i]
                                }
                            })
                            .collect();
                        let others: f64 = (0..n).filter(|&i| i != loose).map(|i| vertex[i]).sum();
                        vertex[loose] = 1.0 - others;
                        if vertex[loose] >= min[loose] - 1e-12
                            && vertex[loose] <= max[loose] + 1e-12
                        {
                            vertices.push(vertex);
                        }
                    }
                }
                vertices
            }
        }
    }

    /// Rank-1 shares by grid integration: the lattice points (i, j, k)/steps with
    /// i + j + k = steps cover the simplex evenly, so counting the admissible ones where each
    /// candidate is first (earlier wins ties) approximates its rank-1 acceptability under the
    /// uniform distribution, up to an O(1/steps) error from the region's boundary.
    fn grid_rank_1(
        values: &[Vec<f64>],
        admissible: impl Fn(&[f64]) -> bool,
        steps: usize,
    ) -> Vec<f64> {
        let mut wins = vec![0usize; values.len()];
        let mut points = 0usize;
        for i in 0..=steps {
            for j in 0..=steps - i {
                let k = steps - i - j;
                let w = [i as f64, j as f64, k as f64].map(|x| x / steps as f64);
                if admissible(&w) {
                    points += 1;
                    wins[ranking(values, &w)[0]] += 1;
                }
            }
        }
        wins.iter()
            .map(|&count| count as f64 / points as f64)
            .collect()
    }

    fn four_candidates() -> Vec<Vec<f64>> {
        vec![
            vec![0.9, 0.1, 0.2],
            vec![0.5, 0.6, 0.4],
            vec![0.2, 0.5, 0.9],
            vec![0.6, 0.4, 0.5],
        ]
    }

    // ---------- properties ----------

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// 1. A single admissible point ranks exactly like that point.
        #[test]
        fn a_single_point_gives_that_points_ranking(
            (values, weights) in (1usize..=8, 1usize..=5)
                .prop_flat_map(|(c, n)| (vec(vec(value(), n), c), point_weights(n))),
            seed in any::<u64>(),
        ) {
            let expected = ranking(&values, &weights);
            let regions = [
                WeightRegion::Point(weights.clone()),
                WeightRegion::Ranges { min: weights.clone(), max: weights.clone() },
            ];
            for region in regions {
                let result = rank_acceptability(&values, &region, 500, seed);
                prop_assert_eq!(result.samples, 1);
                for (c, acc) in result.candidates.iter().enumerate() {
                    let place = expected.iter().position(|&x| x == c).unwrap();
                    prop_assert_eq!(acc.rank_1, if place == 0 { 1.0 } else { 0.0 });
                    prop_assert_eq!(acc.top_3, if place < 3 { 1.0 } else { 0.0 });
                    if place == 0 {
                        prop_assert_eq!(acc.central_weights.as_ref(), Some(&weights));
                        prop_assert_eq!(acc.confidence_factor, Some(1.0));
                    }
                }
            }
        }

        /// 2. Rank-1 acceptabilities sum to 1 and top-3 ones to min(3, n).
        #[test]
        fn acceptabilities_sum_to_one_and_top_3_to_min_3_n(
            (values, region) in instance(1..=10, 1..=5),
            seed in any::<u64>(),
        ) {
            let result = rank_acceptability(&values, &region, 300, seed);
            prop_assert_eq!(result.candidates.len(), values.len());
            let rank_1: f64 = result.candidates.iter().map(|acc| acc.rank_1).sum();
            let top_3: f64 = result.candidates.iter().map(|acc| acc.top_3).sum();
            prop_assert!((rank_1 - 1.0).abs() < 1e-9, "rank-1 sum {rank_1}");
            let podium = values.len().min(3) as f64;
            prop_assert!((top_3 - podium).abs() < 1e-9, "top-3 sum {top_3}");
            for acc in &result.candidates {
                prop_assert_eq!(acc.central_weights.is_some(), acc.rank_1 > 0.0);
                prop_assert_eq!(acc.confidence_factor.is_some(), acc.rank_1 > 0.0);
                if let Some(central) = &acc.central_weights {
                    // The centroid of admissible points is admissible (the region is convex).
                    let total: f64 = central.iter().sum();
                    prop_assert!((total - 1.0).abs() < 1e-9);
                }
            }
        }

        /// 3. A strictly dominated candidate is never first.
        #[test]
        fn a_strictly_dominated_candidate_is_never_first(
            ((values, region), dominator, gaps, slot) in instance(1..=8, 1..=5)
                .prop_flat_map(|(values, region)| {
                    let (count, criteria) = (values.len(), values[0].len());
                    (Just((values, region)), 0..count, vec(0.01..0.5f64, criteria), 0..=count)
                }),
            seed in any::<u64>(),
        ) {
            let dominated: Vec<f64> = values[dominator].iter().zip(&gaps).map(|(v, g)| v - g).collect();
            let mut values = values;
            values.insert(slot, dominated);
            let result = rank_acceptability(&values, &region, 300, seed);
            prop_assert_eq!(result.candidates[slot].rank_1, 0.0);
            prop_assert_eq!(result.candidates[slot].central_weights.as_ref(), None);
        }

        /// 4. Equal inputs and seed give bitwise-equal output.
        #[test]
        fn equal_inputs_and_seed_give_identical_output(
            (values, region) in instance(0..=12, 1..=6),
            seed in any::<u64>(),
        ) {
            let first = rank_acceptability(&values, &region, 200, seed);
            let second = rank_acceptability(&values, &region, 200, seed);
            prop_assert_eq!(first.samples, second.samples);
            prop_assert_eq!(first.pruned, second.pruned);
            prop_assert_eq!(bits(&first.candidates), bits(&second.candidates));
        }

        /// 5. Pruning is exact: a pruned candidate is never in the top 3 on the same samples
        /// when nothing is pruned, and pruning changes no other number either.
        #[test]
        fn pruning_is_exact(
            (values, region) in instance(4..=25, 1..=6),
            seed in any::<u64>(),
        ) {
            let mask = prune_mask(&values, &region);
            let pruned = rank_acceptability_with(&values, &region, 300, seed, true);
            let unpruned = rank_acceptability_with(&values, &region, 300, seed, false);
            prop_assert_eq!(pruned.pruned, mask.iter().filter(|&&p| p).count());
            prop_assert_eq!(unpruned.pruned, 0);
            prop_assert_eq!(pruned.samples, unpruned.samples);
            for (c, _) in mask.iter().enumerate().filter(|&(_, &p)| p) {
                prop_assert_eq!(unpruned.candidates[c].top_3, 0.0, "candidate {} pruned wrongly", c);
            }
            prop_assert_eq!(bits(&pruned.candidates), bits(&unpruned.candidates));
        }

        /// 6. Every sampled weight vector lies in its region.
        #[test]
        fn sampled_weights_lie_in_their_region(
            region in (1usize..=6).prop_flat_map(region),
            seed in any::<u64>(),
        ) {
            for weights in draw(&region, seed, 300) {
                check_in_region(&weights, &region)?;
            }
        }

        /// 8. score_bounds are the exact extremes: no admissible point scores outside them,
        /// and they equal the extremes over the region's vertices (brute-force LP).
        #[test]
        fn score_bounds_are_the_exact_extremes(
            (values, region) in (1usize..=5).prop_flat_map(|n| (vec(value(), n), region(n))),
            seed in any::<u64>(),
        ) {
            let (low, high) = score_bounds(&values, &region);
            prop_assert!(low <= high);
            for weights in draw(&region, seed, 500) {
                let s = score(&values, &weights);
                prop_assert!(s >= low - 1e-9 && s <= high + 1e-9, "{s} outside [{low}, {high}]");
            }
            let vertex_scores: Vec<f64> =
                region_vertices(&region).iter().map(|v| score(&values, v)).collect();
            let lowest = vertex_scores.iter().copied().fold(f64::INFINITY, f64::min);
            let highest = vertex_scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            prop_assert!((lowest - low).abs() < 1e-9, "min {low} vs vertices {lowest}");
            prop_assert!((highest - high).abs() < 1e-9, "max {high} vs vertices {highest}");
        }
    }

    // ---------- 7. independent checks of the distribution ----------

    /// Two criteria, w_1 ∈ [0.2, 0.8]: then w_2 = 1 − w_1, score_A = w_1 and
    /// score_B = 0.3 w_1 + 0.6 (1 − w_1), so A is first iff w_1 > 0.6/1.3 ≈ 0.4615. The region
    /// is the segment w_1 ∈ [0.2, 0.8], so uniform sampling makes w_1 uniform there and
    /// P(A first) = (0.8 − 0.6/1.3)/0.6 ≈ 0.5641. On a segment every hit-and-run step draws
    /// uniformly from the whole chord, so the samples are independent and the binomial
    /// standard error applies.
    #[test]
    fn two_criteria_ranges_match_the_closed_form() {
        let region = WeightRegion::Ranges {
            min: vec![0.2, 0.2],
            max: vec![0.8, 0.8],
        };
        let values = vec![vec![1.0, 0.0], vec![0.3, 0.6]];
        let samples = 20_000;
        let result = rank_acceptability(&values, &region, samples, 2024);
        let expected = (0.8 - 0.6 / 1.3) / 0.6;
        let standard_error = (expected * (1.0 - expected) / f64::from(samples)).sqrt();
        let got = result.candidates[0].rank_1;
        assert!(
            (got - expected).abs() < 3.0 * standard_error,
            "P(A first) = {got}, expected {expected} ± {}",
            3.0 * standard_error
        );
        assert!((result.candidates[1].rank_1 - (1.0 - got)).abs() < 1e-12);
    }

    /// Order w_1 ≥ w_2 ≥ w_3 against grid integration over the simplex. The Order sampler
    /// draws independent points, so 4 binomial standard errors plus the grid's boundary error
    /// bound the difference.
    #[test]
    fn three_criteria_order_matches_grid_integration() {
        let values = four_candidates();
        let region = WeightRegion::Order(vec![vec![0], vec![1], vec![2]]);
        let samples = 20_000;
        let result = rank_acceptability(&values, &region, samples, 99);
        let grid = grid_rank_1(&values, |w| w[0] >= w[1] && w[1] >= w[2], 900);
        for (c, acc) in result.candidates.iter().enumerate() {
            let p = grid[c];
            let tolerance = 4.0 * (p * (1.0 - p) / f64::from(samples)).sqrt() + 0.003;
            assert!(
                (acc.rank_1 - p).abs() < tolerance,
                "candidate {c}: sampled {} vs grid {p} (± {tolerance})",
                acc.rank_1
            );
        }
    }

    /// Ranges on three criteria against grid integration: checks that hit-and-run is uniform.
    /// Consecutive hit-and-run points are correlated, so the tolerance is set from the spread
    /// measured over 40 seeds with `hit_and_run_spread` (RMS error ≤ 0.0041, close to the
    /// binomial 0.0035, worst 0.0094): 0.015 is about 3.7 RMS.
    #[test]
    fn three_criteria_ranges_match_grid_integration() {
        let values = four_candidates();
        let (min, max) = (vec![0.1, 0.2, 0.0], vec![0.6, 0.7, 0.5]);
        let grid = grid_rank_1(
            &values,
            |w| (0..3).all(|i| w[i] >= min[i] && w[i] <= max[i]),
            900,
        );
        let region = WeightRegion::Ranges { min, max };
        let result = rank_acceptability(&values, &region, 20_000, 5);
        for (c, acc) in result.candidates.iter().enumerate() {
            assert!(
                (acc.rank_1 - grid[c]).abs() < RANGES_TOLERANCE,
                "candidate {c}: sampled {} vs grid {}",
                acc.rank_1,
                grid[c]
            );
        }
    }

    const RANGES_TOLERANCE: f64 = 0.015;

    /// Prints the spread of the Ranges estimate over seeds (run by hand with --ignored).
    #[test]
    #[ignore]
    fn hit_and_run_spread() {
        let values = four_candidates();
        let (min, max) = (vec![0.1, 0.2, 0.0], vec![0.6, 0.7, 0.5]);
        let grid = grid_rank_1(
            &values,
            |w| (0..3).all(|i| w[i] >= min[i] && w[i] <= max[i]),
            900,
        );
        let region = WeightRegion::Ranges { min, max };
        let order = WeightRegion::Order(vec![vec![0], vec![1], vec![2]]);
        let order_grid = grid_rank_1(&values, |w| w[0] >= w[1] && w[1] >= w[2], 900);
        println!("ranges grid {grid:?}\norder grid {order_grid:?}");
        for (name, region, grid) in [("ranges", &region, &grid), ("order", &order, &order_grid)] {
            let mut worst = [0.0f64; 4];
            let mut squares = [0.0f64; 4];
            let seeds = 40;
            for seed in 0..seeds {
                let result = rank_acceptability(&values, region, 20_000, seed);
                for c in 0..4 {
                    let diff = result.candidates[c].rank_1 - grid[c];
                    worst[c] = worst[c].max(diff.abs());
                    squares[c] += diff * diff;
                }
            }
            let rms: Vec<f64> = squares.iter().map(|s| (s / seeds as f64).sqrt()).collect();
            println!("{name}: rms {rms:?} worst {worst:?}");
        }
    }

    // ---------- fixed cases ----------

    #[test]
    fn pruning_happens_and_changes_nothing() {
        // Constant rows score their constant everywhere: the third-best is 0.7, so the seven
        // candidates below it are pruned.
        let values: Vec<Vec<f64>> = (0..10).map(|k| vec![f64::from(k) / 10.0; 4]).collect();
        let region = WeightRegion::Order(vec![vec![2], vec![0, 3], vec![1]]);
        let pruned = rank_acceptability(&values, &region, 500, 1);
        let unpruned = rank_acceptability_with(&values, &region, 500, 1, false);
        assert_eq!(pruned.pruned, 7);
        assert_eq!(bits(&pruned.candidates), bits(&unpruned.candidates));
        assert_eq!(pruned.candidates[9].rank_1, 1.0);
        assert_eq!(pruned.candidates[7].top_3, 1.0);
        assert_eq!(pruned.candidates[6].top_3, 0.0);
    }

    #[test]
    fn empty_and_small_inputs() {
        let ranges = WeightRegion::Ranges {
            min: vec![0.0, 0.0, 0.0],
            max: vec![1.0, 1.0, 1.0],
        };
        let empty = rank_acceptability(&[], &ranges, 100, 0);
        assert_eq!(
            (empty.samples, empty.candidates.len(), empty.pruned),
            (100, 0, 0)
        );
        let point = rank_acceptability(&[], &WeightRegion::Point(vec![1.0]), 100, 0);
        assert_eq!(point.samples, 1);

        let two = vec![vec![1.0, 0.0, 0.0], vec![0.0, 1.0, 0.0]];
        let result = rank_acceptability(&two, &ranges, 100, 3);
        assert!(result.candidates.iter().all(|acc| acc.top_3 == 1.0));
        assert!(
            result
                .candidates
                .iter()
                .all(|acc| acc.confidence_factor == Some(1.0))
        );

        // Zero samples asked still draws one, so the shares stay defined.
        let zero = rank_acceptability(&two, &ranges, 0, 3);
        assert_eq!(zero.samples, 1);
        assert_eq!(
            zero.candidates.iter().map(|acc| acc.rank_1).sum::<f64>(),
            1.0
        );
    }

    #[test]
    fn ranges_pinned_down_by_the_sum_act_as_a_point() {
        // Σ max = 1: the only admissible point is max.
        let region = WeightRegion::Ranges {
            min: vec![0.0, 0.1, 0.2],
            max: vec![0.3, 0.3, 0.4],
        };
        assert_eq!(draw(&region, 0, 3), vec![vec![0.3, 0.3, 0.4]; 3]);
        let result = rank_acceptability(&four_candidates(), &region, 1000, 0);
        assert_eq!(result.samples, 1);
    }

    #[test]
    fn generators_match_reference_outputs() {
        // SplitMix64 from 0 and xoshiro256** from state {1, 2, 3, 4}: the first outputs of
        // the reference C implementations.
        let mut state = 0;
        assert_eq!(splitmix64(&mut state), 0xE220_A839_7B1D_CDAF);
        let mut rng = Xoshiro256StarStar {
            state: [1, 2, 3, 4],
            spare_gaussian: None,
        };
        let outputs: Vec<u64> = (0..4).map(|_| rng.next_u64()).collect();
        assert_eq!(outputs, [11520, 0, 1509978240, 1215971899390074240]);
    }
}
