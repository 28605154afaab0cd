//! Split allocation through the SDK: when no CDMO has every slot a capacity need asks
//! for, a match proposes allocations across several, checked against values worked out
//! by hand; a sponsor holds one in one request, all or nothing, exactly once per key.

use cdmx_e2e::{OrgFixture, TestApp, base_profile, problem_fields};
use cdmx_sdk::types::*;

use crate::capacity::{block, day};

/// A CDMO named `name` with `success` % success rate, in `country`, publishing one
/// clinical block per entry of `blocks`: (month of 2027 it starts, slots).
async fn cdmo(
    app: &TestApp,
    name: &str,
    success: f64,
    country: &str,
    blocks: &[(u32, u32)],
) -> (OrgFixture, Vec<CapacityBlock>) {
    let org = app.sign_up(OrganizationKind::Cdmo, name).await;
    let mut profile = base_profile(name);
    profile.performance.success_rate_percent = Some(success);
    profile.sites[0].country = country.into();
    let profile = org.admin.create_cdmo_profile(&profile).await.unwrap();
    let mut published = Vec::new();
    for &(month, slots) in blocks {
        let mut b = block(slots);
        b.period_start = day(2027, month, 1);
        b.period_end = day(2027, month, 28);
        published.push(
            org.admin
                .create_capacity_block(&profile.id, &b)
                .await
                .unwrap(),
        );
    }
    (org, published)
}

/// Success rate on 80..100 % is the only criterion, so a CDMO's total is 5 × (rate − 80):
/// Alpha 95 (2 free slots), Bravo 75 (1 in January, 2 in February), Charlie 50 (4), and
/// Delta, with 6 slots but in Germany, which the requirements exclude.
struct Market {
    alpha: Vec<CapacityBlock>,
    bravo: Vec<CapacityBlock>,
    charlie: Vec<CapacityBlock>,
}

async fn market(app: &TestApp) -> Market {
    // Never proposed: the most slots, but excluded.
    cdmo(app, "Delta", 85.0, "DE", &[(1, 6)]).await;
    Market {
        alpha: cdmo(app, "Alpha", 99.0, "FR", &[(1, 2)]).await.1,
        bravo: cdmo(app, "Bravo", 95.0, "FR", &[(2, 2), (1, 1)]).await.1,
        charlie: cdmo(app, "Charlie", 90.0, "FR", &[(3, 4)]).await.1,
    }
}

fn needing(slots: u32, required: bool) -> RequirementSet {
    RequirementSet {
        criteria: vec![WeightedCriterion {
            scale: Some(Scale {
                worst: 80.0,
                best: 100.0,
            }),
            ..WeightedCriterion::new(Criterion::SuccessRate, 1.0)
        }],
        constraints: HardConstraints {
            countries_excluded: vec!["DE".into()],
            ..Default::default()
        },
        capacity: Some(CapacityNeed {
            slot_kind: SlotKind::ClinicalGmpBatch,
            slots,
            window_start: day(2027, 1, 1),
            window_end: day(2027, 6, 30),
            required,
        }),
        ..Default::default()
    }
}

fn split(max_cdmos: Option<u32>, proposals: Option<u32>) -> Option<SplitAllocationRequest> {
    Some(SplitAllocationRequest {
        max_cdmos,
        proposals,
    })
}

/// Each proposal as (score, [(CDMO, slots, [(block id, slots)])]).
type Shape = Vec<(f64, Vec<(String, u32, Vec<(String, u32)>)>)>;

fn shape(split: &SplitAllocation) -> Shape {
    split
        .proposals
        .iter()
        .map(|p| {
            let parts = p
                .parts
                .iter()
                .map(|part| {
                    let blocks = part
                        .blocks
                        .iter()
                        .map(|b| (b.capacity_id.clone(), b.slots))
                        .collect();
                    (part.name.clone(), part.slots, blocks)
                })
                .collect();
            (p.score, parts)
        })
        .collect()
}

#[tokio::test]
async fn a_need_no_cdmo_meets_alone_gets_the_hand_computed_allocations_best_first() {
    let app = TestApp::spawn().await;
    let m = market(&app).await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    for required in [true, false] {
        let result = sponsor
            .admin
            .create_match(&MatchRequest::new(needing(5, required)))
            .await
            .unwrap();
        assert_eq!(result.feasible_count, if required { 0 } else { 3 });
        let split = result.split_allocation.expect("nobody has 5 slots");
        assert_eq!(
            (split.slots_needed, split.max_cdmos, split.considered),
            (5, 2, 3)
        );
        // Slots go to the better CDMO first, as many as it has:
        // {Alpha 2, Bravo 3}: (2 × 95 + 3 × 75) / 5 = 83
        // {Alpha 2, Charlie 3}: (2 × 95 + 3 × 50) / 5 = 68
        // {Bravo 3, Charlie 2}: (3 × 75 + 2 × 50) / 5 = 65
        // Bravo's January block comes before its February one; Delta is excluded.
        let (a, b, c) = (&m.alpha[0].id, &m.bravo, &m.charlie[0].id);
        let bravo_blocks = vec![(b[1].id.clone(), 1), (b[0].id.clone(), 2)];
        assert_eq!(
            shape(&split),
            vec![
                (
                    83.0,
                    vec![
                        ("Alpha".into(), 2, vec![(a.clone(), 2)]),
                        ("Bravo".into(), 3, bravo_blocks.clone()),
                    ]
                ),
                (
                    68.0,
                    vec![
                        ("Alpha".into(), 2, vec![(a.clone(), 2)]),
                        ("Charlie".into(), 3, vec![(c.clone(), 3)]),
                    ]
                ),
                (
                    65.0,
                    vec![
                        ("Bravo".into(), 3, bravo_blocks),
                        ("Charlie".into(), 2, vec![(c.clone(), 2)]),
                    ]
                ),
            ]
        );
        assert_eq!(
            split.proposals.iter().map(|p| p.rank).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        let totals: Vec<f64> = split.proposals[0].parts.iter().map(|p| p.total).collect();
        assert_eq!(totals, [95.0, 75.0]);
        assert!(!split.description.is_empty());
    }

    // Eight slots: no two CDMOs have them (at most 3 + 4), all three do:
    // (2 × 95 + 3 × 75 + 3 × 50) / 8 = 70.625.
    let mut eight = MatchRequest::new(needing(8, true));
    let two = sponsor.admin.create_match(&eight).await.unwrap();
    assert_eq!(two.split_allocation.unwrap().proposals, vec![]);
    eight.split_allocation = split(Some(3), Some(10));
    let three = sponsor.admin.create_match(&eight).await.unwrap();
    let proposals = shape(&three.split_allocation.unwrap());
    assert_eq!(proposals.len(), 1);
    assert_eq!(proposals[0].0, 70.625);
    let slots: Vec<u32> = proposals[0].1.iter().map(|p| p.1).collect();
    assert_eq!(slots, [2, 3, 3]);

    // Charlie has four slots by itself: no split.
    let four = sponsor
        .admin
        .create_match(&MatchRequest::new(needing(4, true)))
        .await
        .unwrap();
    assert!(four.split_allocation.is_none());
    // Without a capacity need there is nothing to split.
    let mut no_need = needing(1, true);
    no_need.capacity = None;
    let plain = sponsor
        .admin
        .create_match(&MatchRequest::new(no_need))
        .await
        .unwrap();
    assert!(plain.split_allocation.is_none());
}

#[tokio::test]
async fn a_programme_match_proposes_allocations_too() {
    let app = TestApp::spawn().await;
    market(&app).await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let mut request = crate::matching::program("Split");
    request.requirements = needing(5, true);
    let program = sponsor.admin.create_program(&request).await.unwrap();
    let matched = sponsor
        .admin
        .match_program(
            &program.id,
            &ProgramMatchRequest {
                split_allocation: split(None, Some(1)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let split = matched.split_allocation.unwrap();
    assert_eq!(split.proposals.len(), 1);
    assert_eq!(split.proposals[0].score, 83.0);
}

#[tokio::test]
async fn holding_an_allocation_takes_every_slot_once_or_nothing() {
    let app = TestApp::spawn().await;
    let m = market(&app).await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let result = sponsor
        .admin
        .create_match(&MatchRequest::new(needing(5, true)))
        .await
        .unwrap();
    let split = result.split_allocation.unwrap();
    let mut best = split.proposals[0].hold_request();
    best.shared_summary = Some("Autologous CD19 CAR-T, Phase 2, 5 batches in H1 2027".into());
    let held = sponsor
        .admin
        .create_allocation_hold(&best, "allocation-1")
        .await
        .unwrap();
    let blocks: Vec<(String, u32, ReservationState)> = held
        .reservations
        .iter()
        .map(|r| (r.capacity_id.clone(), r.slots, r.state))
        .collect();
    assert_eq!(
        blocks,
        vec![
            (m.alpha[0].id.clone(), 2, ReservationState::Held),
            (m.bravo[1].id.clone(), 1, ReservationState::Held),
            (m.bravo[0].id.clone(), 2, ReservationState::Held),
        ]
    );
    assert!(
        held.reservations
            .iter()
            .all(|r| r.shared_summary == best.shared_summary)
    );
    // A retry with the key is the first answer, and holds nothing more.
    let again = sponsor
        .admin
        .create_allocation_hold(&best, "allocation-1")
        .await
        .unwrap();
    assert_eq!(again, held);
    for b in [&m.alpha[0], &m.bravo[0], &m.bravo[1]] {
        let now = sponsor.admin.get_capacity_block(&b.id).await.unwrap();
        assert_eq!((now.held, now.free), (b.block.slots, 0), "{}", b.id);
    }

    // The second proposal needs Alpha's slots, now held: refused, and Charlie keeps its
    // four.
    let second = split.proposals[1].hold_request();
    let refused = sponsor
        .admin
        .create_allocation_hold(&second, "allocation-2")
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(409));
    let charlie = sponsor
        .admin
        .get_capacity_block(&m.charlie[0].id)
        .await
        .unwrap();
    assert_eq!((charlie.held, charlie.free), (0, 4));

    // Now nobody but Charlie has a slot: no allocation of five exists.
    let after = sponsor
        .admin
        .create_match(&MatchRequest::new(needing(5, true)))
        .await
        .unwrap()
        .split_allocation
        .unwrap();
    assert_eq!((after.considered, after.proposals.len()), (1, 0));
}

#[tokio::test]
async fn racing_allocation_holds_on_a_shared_block_leave_one_winner_and_nothing_else() {
    let app = TestApp::spawn().await;
    let m = market(&app).await;
    let first = app.sign_up(OrganizationKind::Sponsor, "First").await;
    let second = app.sign_up(OrganizationKind::Sponsor, "Second").await;
    let hold = |blocks: Vec<(&CapacityBlock, u32)>| NewAllocationHold {
        blocks: blocks
            .into_iter()
            .map(|(b, slots)| SlotOffer {
                capacity_id: b.id.clone(),
                slots,
            })
            .collect(),
        program_id: None,
        note: None,
        shared_summary: None,
    };
    // Both want Alpha's two slots, with Bravo's or Charlie's.
    let with_bravo = hold(vec![(&m.alpha[0], 2), (&m.bravo[0], 2)]);
    let with_charlie = hold(vec![(&m.charlie[0], 3), (&m.alpha[0], 2)]);
    let (a, b) = tokio::join!(
        first.admin.create_allocation_hold(&with_bravo, "race-1"),
        second.admin.create_allocation_hold(&with_charlie, "race-1"),
    );
    assert!(
        a.is_ok() != b.is_ok(),
        "exactly one wins: {:?} {:?}",
        a.as_ref().map(|_| ()),
        b.as_ref().map(|_| ())
    );
    let loser = a.err().or(b.err()).unwrap();
    assert_eq!(loser.status(), Some(409));
    let alpha = first
        .admin
        .get_capacity_block(&m.alpha[0].id)
        .await
        .unwrap();
    let bravo = first
        .admin
        .get_capacity_block(&m.bravo[0].id)
        .await
        .unwrap();
    let charlie = first
        .admin
        .get_capacity_block(&m.charlie[0].id)
        .await
        .unwrap();
    assert_eq!(alpha.held, 2);
    // The loser's other block is untouched.
    assert_eq!(
        bravo.held + charlie.held,
        if bravo.held > 0 { 2 } else { 3 }
    );
    assert!(bravo.held == 0 || charlie.held == 0);
}

#[tokio::test]
async fn bad_split_settings_and_allocation_holds_are_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let m = market(&app).await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let unprocessable = |fields: &[&str]| (422, fields.iter().map(|f| f.to_string()).collect());

    let mut request = MatchRequest::new(needing(5, true));
    request.split_allocation = split(Some(5), Some(0));
    assert_eq!(
        problem_fields(sponsor.admin.create_match(&request).await.unwrap_err()),
        unprocessable(&["split_allocation.max_cdmos", "split_allocation.proposals"])
    );
    let bad_settings = ProgramMatchRequest {
        split_allocation: split(Some(1), None),
        ..Default::default()
    };
    assert_eq!(
        problem_fields(
            sponsor
                .admin
                .match_program("no-such-programme", &bad_settings)
                .await
                .unwrap_err()
        ),
        unprocessable(&["split_allocation.max_cdmos"])
    );

    let offer = |capacity_id: &str, slots: u32| SlotOffer {
        capacity_id: capacity_id.into(),
        slots,
    };
    let hold = |blocks: Vec<SlotOffer>| NewAllocationHold {
        blocks,
        program_id: None,
        note: None,
        shared_summary: None,
    };
    let try_hold = |request: NewAllocationHold, key: &'static str| {
        let admin = sponsor.admin.clone();
        async move {
            problem_fields(
                admin
                    .create_allocation_hold(&request, key)
                    .await
                    .unwrap_err(),
            )
        }
    };
    let alpha = &m.alpha[0].id;
    assert_eq!(
        try_hold(hold(vec![]), "k1").await,
        unprocessable(&["blocks"])
    );
    let too_many = (0..21).map(|i| offer(&format!("block-{i}"), 1)).collect();
    assert_eq!(
        try_hold(hold(too_many), "k1").await,
        unprocessable(&["blocks"])
    );
    assert_eq!(
        try_hold(hold(vec![offer(alpha, 1), offer(alpha, 1)]), "k2").await,
        unprocessable(&["blocks[1].capacity_id"])
    );
    assert_eq!(
        try_hold(hold(vec![offer(alpha, 0)]), "k3").await,
        unprocessable(&["blocks[0].slots"])
    );
    assert_eq!(
        try_hold(hold(vec![offer(alpha, 1), offer("no-such-block", 1)]), "k4").await,
        unprocessable(&["blocks[1].capacity_id"])
    );
    let mut unknown_programme = hold(vec![offer(alpha, 1)]);
    unknown_programme.program_id = Some("no-such-programme".into());
    assert_eq!(
        try_hold(unknown_programme, "k5").await,
        unprocessable(&["program_id"])
    );
    // Nothing was held by any of them.
    let now = sponsor.admin.get_capacity_block(alpha).await.unwrap();
    assert_eq!(now.held, 0);
    // A refused request gives its key back: fixed, it goes through under the same key.
    sponsor
        .admin
        .create_allocation_hold(&hold(vec![offer(alpha, 1)]), "k4")
        .await
        .unwrap();
}
