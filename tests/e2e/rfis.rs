//! RFIs and quotes (issue 14): a sponsor asks CDMOs for quotes, each CDMO quotes from its
//! own published capacity or declines, and accepting a quote holds exactly the offered
//! slots, once; each party sees only its own side; RFIs and quotes expire.

use std::time::Duration;

use cdmx_e2e::{OrgFixture, TestApp, problem_fields};
use cdmx_sdk::types::*;
use chrono::Utc;

use crate::capacity::{block, cdmo, day, status};
use crate::events::{feed, poll, types};
use crate::matching::program;

/// A programme needing 3 clinical slots in the first quarter of 2027.
async fn programme(sponsor: &OrgFixture) -> Program {
    let mut request = program("NGO-19");
    request.requirements.capacity = Some(CapacityNeed {
        slot_kind: SlotKind::ClinicalGmpBatch,
        slots: 3,
        window_start: day(2027, 1, 1),
        window_end: day(2027, 3, 31),
        required: false,
    });
    sponsor.admin.create_program(&request).await.unwrap()
}

fn rfi_to(program: &Program, cdmos: &[&OrgFixture], deadline_seconds: i64) -> NewRfi {
    NewRfi {
        program_id: program.id.clone(),
        cdmo_organization_ids: cdmos.iter().map(|c| c.organization.id.clone()).collect(),
        disclose: RfiDisclosure {
            summary: true,
            modality: true,
            ..Default::default()
        },
        summary: Some("Autologous CD19 CAR-T, phase 1, three batches".into()),
        withhold_sponsor_name: true,
        response_deadline: Utc::now() + chrono::Duration::seconds(deadline_seconds),
        message: None,
    }
}

fn quote(offers: &[(&str, u32)]) -> NewQuote {
    NewQuote {
        price_per_batch: 180_000,
        currency: "EUR".into(),
        tech_transfer_cost: Some(400_000),
        tech_transfer_weeks: Some(20),
        slots_offered: offers
            .iter()
            .map(|(id, slots)| SlotOffer {
                capacity_id: (*id).into(),
                slots: *slots,
            })
            .collect(),
        valid_until: Utc::now() + chrono::Duration::days(30),
        assumptions: Some("Vector supplied by the sponsor".into()),
        attachments: vec![QuoteAttachment {
            name: "Quote".into(),
            uri: "https://cdmo.example/q.pdf".into(),
        }],
    }
}

fn the_rfi_of(sent: &SentRfis, cdmo: &Cdmo) -> String {
    sent.rfis
        .iter()
        .find(|r| r.cdmo_organization_id == cdmo.org.organization.id)
        .unwrap()
        .id
        .clone()
}

async fn free(client: &cdmx_sdk::Client, block_id: &str) -> u32 {
    client.get_capacity_block(block_id).await.unwrap().free
}

/// One CDMO of the exchange: its organisation and its profile.
struct Cdmo {
    org: OrgFixture,
    profile: CdmoProfile,
}

impl Cdmo {
    /// Publishes a block of `slots` clinical slots on the CDMO's profile.
    async fn publish(&self, slots: u32) -> CapacityBlock {
        self.org
            .admin
            .create_capacity_block(&self.profile.id, &block(slots))
            .await
            .unwrap()
    }
}

/// The parties of a request for quotes: the sponsor Acme with its programme, and two
/// verified CDMOs, Helix and Nova, with a profile each and nothing published yet.
struct Exchange {
    app: TestApp,
    sponsor: OrgFixture,
    programme: Program,
    helix: Cdmo,
    nova: Cdmo,
}

impl Exchange {
    async fn on(app: TestApp) -> Self {
        let (helix, helix_profile) = cdmo(&app, "Helix").await;
        let (nova, nova_profile) = cdmo(&app, "Nova").await;
        let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
        let programme = programme(&sponsor).await;
        Exchange {
            app,
            sponsor,
            programme,
            helix: Cdmo {
                org: helix,
                profile: helix_profile,
            },
            nova: Cdmo {
                org: nova,
                profile: nova_profile,
            },
        }
    }

    /// Acme asks `cdmos` for a quote on its programme, to answer within
    /// `deadline_seconds`.
    async fn ask(&self, cdmos: &[&Cdmo], deadline_seconds: i64) -> SentRfis {
        let orgs: Vec<&OrgFixture> = cdmos.iter().map(|c| &c.org).collect();
        self.sponsor
            .admin
            .create_rfi(&rfi_to(&self.programme, &orgs, deadline_seconds))
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn an_rfi_ends_in_a_hold_of_exactly_the_offered_slots() {
    let exchange = Exchange::on(TestApp::spawn().await).await;
    let Exchange {
        sponsor,
        programme,
        helix,
        ..
    } = &exchange;
    let first = helix.publish(5).await;
    let second = helix.publish(3).await;
    let sent = exchange.ask(&[helix], 3600).await;
    assert_eq!(sent.rfis.len(), 1);
    let rfi_id = the_rfi_of(&sent, helix);

    // The CDMO's inbox: only what was disclosed, the sponsor's name withheld.
    let inbox = helix
        .org
        .admin
        .list_rfis(&RfiFilter::default())
        .await
        .unwrap();
    assert_eq!(inbox.items.len(), 1);
    let seen = &inbox.items[0];
    assert_eq!(seen.id, rfi_id);
    assert_eq!(seen.state, RfiState::Open);
    assert_eq!(seen.sponsor_organization_name, None);
    assert_eq!(seen.sponsor_organization_id, None);
    assert_eq!(
        seen.program_id, None,
        "the programme id stays the sponsor's"
    );
    assert_eq!(seen.program.modality, Some(Modality::CarT));
    assert_eq!(
        seen.program.summary.as_deref(),
        Some("Autologous CD19 CAR-T, phase 1, three batches")
    );
    assert_eq!(seen.program.phase, None, "the phase was not disclosed");
    assert_eq!(seen.program.volumes, None, "the volumes were not disclosed");
    // The sponsor sees its own name and programme.
    let own = sponsor.admin.get_rfi(&rfi_id).await.unwrap();
    assert_eq!(own.sponsor_organization_name.as_deref(), Some("Acme"));
    assert_eq!(own.program_id.as_deref(), Some(programme.id.as_str()));

    // Confidentiality accepted: the name is shown, who and when recorded.
    let accepted = helix
        .org
        .admin
        .accept_rfi_confidentiality(&rfi_id)
        .await
        .unwrap();
    assert_eq!(accepted.sponsor_organization_name.as_deref(), Some("Acme"));
    assert_eq!(
        accepted.confidentiality_accepted_by.as_deref(),
        Some(helix.org.admin_user.id.as_str())
    );
    assert!(accepted.confidentiality_accepted_at.is_some());

    let quoted = helix
        .org
        .admin
        .create_quote(&rfi_id, &quote(&[(&first.id, 2), (&second.id, 1)]))
        .await
        .unwrap();
    assert_eq!(quoted.state, QuoteState::Submitted);
    assert_eq!(quoted.slots_offered.len(), 2);
    assert_eq!(
        helix.org.admin.get_rfi(&rfi_id).await.unwrap().state,
        RfiState::Quoted
    );
    // Quoting holds nothing yet.
    assert_eq!(free(&sponsor.admin, &first.id).await, 5);

    // Side by side, then accepted: exactly the offered slots are held.
    let compared = sponsor
        .admin
        .list_program_quotes(&programme.id, &PageParams::default())
        .await
        .unwrap();
    assert_eq!(compared.items, vec![quoted.clone()]);
    let accepted = sponsor.admin.accept_quote(&quoted.id).await.unwrap();
    assert_eq!(accepted.state, QuoteState::Accepted);
    assert_eq!(accepted.reservation_ids.len(), 2);
    let mut held = Vec::new();
    for id in &accepted.reservation_ids {
        let r = sponsor.admin.get_reservation(id).await.unwrap();
        assert_eq!(r.state, ReservationState::Held);
        assert_eq!(r.program_id.as_deref(), Some(programme.id.as_str()));
        assert_eq!(
            r.shared_summary.as_deref(),
            Some("Autologous CD19 CAR-T, phase 1, three batches")
        );
        held.push((r.capacity_id, r.slots));
    }
    held.sort();
    let mut offered = vec![(first.id.clone(), 2), (second.id.clone(), 1)];
    offered.sort();
    assert_eq!(held, offered);
    assert_eq!(free(&sponsor.admin, &first.id).await, 3);
    assert_eq!(free(&sponsor.admin, &second.id).await, 2);
    // The CDMO sees the holds on its capacity, and the quote accepted.
    let on_capacity = helix
        .org
        .admin
        .list_reservations(&ReservationFilter::default())
        .await
        .unwrap();
    assert_eq!(on_capacity.items.len(), 2);
    assert_eq!(
        helix.org.admin.get_quote(&quoted.id).await.unwrap().state,
        QuoteState::Accepted
    );
    // A second acceptance holds nothing more.
    assert_eq!(status(sponsor.admin.accept_quote(&quoted.id).await), 409);
    assert_eq!(free(&sponsor.admin, &first.id).await, 3);

    // Every transition is on both parties' feeds.
    let rfi_and_quote = |events: &[Event]| -> Vec<EventType> {
        types(events)
            .into_iter()
            .filter(|t| t.as_str().starts_with("rfi.") || t.as_str().starts_with("quote."))
            .collect()
    };
    let expected = [
        EventType::RfiSent,
        EventType::RfiConfidentialityAccepted,
        EventType::QuoteSubmitted,
        EventType::QuoteAccepted,
    ];
    let sponsor_feed = feed(&sponsor.admin).await;
    let cdmo_feed = feed(&helix.org.admin).await;
    assert_eq!(rfi_and_quote(&sponsor_feed), expected);
    assert_eq!(rfi_and_quote(&cdmo_feed), expected);
    for events in [&sponsor_feed, &cdmo_feed] {
        let holds = types(events)
            .into_iter()
            .filter(|t| *t == EventType::ReservationHeld)
            .count();
        assert_eq!(holds, 2);
    }
    // The CDMO's copy of the sent event withholds the name; the sponsor's does not.
    let sent_to_cdmo: Rfi = serde_json::from_value(
        cdmo_feed
            .iter()
            .find(|e| e.event_type == EventType::RfiSent)
            .unwrap()
            .payload
            .clone(),
    )
    .unwrap();
    assert_eq!(sent_to_cdmo.sponsor_organization_name, None);
    let sent_to_sponsor: Rfi = serde_json::from_value(
        sponsor_feed
            .iter()
            .find(|e| e.event_type == EventType::RfiSent)
            .unwrap()
            .payload
            .clone(),
    )
    .unwrap();
    assert_eq!(
        sent_to_sponsor.sponsor_organization_name.as_deref(),
        Some("Acme")
    );
}

#[tokio::test]
async fn racing_acceptances_hold_the_slots_once() {
    let exchange = Exchange::on(TestApp::spawn().await).await;
    let Exchange {
        sponsor,
        helix,
        nova,
        ..
    } = &exchange;
    let helix_block = helix.publish(4).await;
    let nova_block = nova.publish(4).await;
    let sent = exchange.ask(&[helix, nova], 3600).await;
    let helix_quote = helix
        .org
        .admin
        .create_quote(&the_rfi_of(&sent, helix), &quote(&[(&helix_block.id, 2)]))
        .await
        .unwrap();
    let nova_quote = nova
        .org
        .admin
        .create_quote(&the_rfi_of(&sent, nova), &quote(&[(&nova_block.id, 3)]))
        .await
        .unwrap();
    // Side by side, a page at a time, oldest first.
    let first_page = sponsor
        .admin
        .list_program_quotes(
            &exchange.programme.id,
            &PageParams {
                limit: Some(1),
                cursor: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(first_page.items, vec![helix_quote.clone()]);
    let second_page = sponsor
        .admin
        .list_program_quotes(
            &exchange.programme.id,
            &PageParams {
                limit: Some(1),
                cursor: first_page.next_cursor.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(second_page.items, vec![nova_quote.clone()]);
    assert_eq!(second_page.next_cursor, None);
    // The same quote twice and the other quote of the same request, at once.
    let (a, b, c) = tokio::join!(
        sponsor.admin.accept_quote(&helix_quote.id),
        sponsor.admin.accept_quote(&helix_quote.id),
        sponsor.admin.accept_quote(&nova_quote.id),
    );
    let outcomes = [a, b, c];
    let won: Vec<&Quote> = outcomes.iter().filter_map(|o| o.as_ref().ok()).collect();
    assert_eq!(won.len(), 1, "exactly one acceptance wins: {outcomes:?}");
    for lost in outcomes.iter().filter_map(|o| o.as_ref().err()) {
        assert_eq!(lost.status(), Some(409), "{lost:?}");
    }
    let winner = won[0];
    let held: u32 = sponsor
        .admin
        .list_reservations(&ReservationFilter::default())
        .await
        .unwrap()
        .items
        .iter()
        .map(|r| r.slots)
        .sum();
    let offered: u32 = winner.slots_offered.iter().map(|o| o.slots).sum();
    assert_eq!(held, offered, "only the winner's slots are held");
    assert_eq!(
        free(&sponsor.admin, &helix_block.id).await + free(&sponsor.admin, &nova_block.id).await,
        8 - offered
    );
}

#[tokio::test]
async fn accepting_fails_cleanly_when_the_offered_slots_are_gone() {
    let exchange = Exchange::on(TestApp::spawn().await).await;
    let Exchange {
        app,
        sponsor,
        helix,
        ..
    } = &exchange;
    let rival = app.sign_up(OrganizationKind::Sponsor, "Rival").await;
    let plenty = helix.publish(5).await;
    let scarce = helix.publish(2).await;
    let sent = exchange.ask(&[helix], 3600).await;
    let offer = helix
        .org
        .admin
        .create_quote(
            &the_rfi_of(&sent, helix),
            &quote(&[(&plenty.id, 1), (&scarce.id, 2)]),
        )
        .await
        .unwrap();
    // Another sponsor takes the scarce block's slots after the quote.
    rival
        .admin
        .create_reservation(
            &crate::capacity::hold(&scarce.id, 2),
            &crate::capacity::key(),
        )
        .await
        .unwrap();
    assert_eq!(status(sponsor.admin.accept_quote(&offer.id).await), 409);
    // All or nothing: the plenty block's slot was not held either.
    assert_eq!(free(&sponsor.admin, &plenty.id).await, 5);
    assert_eq!(
        sponsor.admin.get_quote(&offer.id).await.unwrap().state,
        QuoteState::Submitted
    );
    assert!(
        sponsor
            .admin
            .list_reservations(&ReservationFilter::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn a_bad_offer_is_refused_naming_the_field_and_writes_nothing() {
    let exchange = Exchange::on(TestApp::spawn().await).await;
    let Exchange {
        sponsor,
        programme,
        helix,
        nova,
        ..
    } = &exchange;
    let own = helix.publish(2).await;
    let theirs = nova.publish(2).await;
    let sent = exchange.ask(&[helix], 3600).await;
    let rfi_id = the_rfi_of(&sent, helix);
    let before = feed(&helix.org.admin).await.len();
    for (offers, field) in [
        (
            vec![(own.id.as_str(), 1), ("no-such-block", 1)],
            "slots_offered[1].capacity_id",
        ),
        (
            vec![(theirs.id.as_str(), 1)],
            "slots_offered[0].capacity_id",
        ),
        (vec![(own.id.as_str(), 3)], "slots_offered[0].slots"),
    ] {
        let refused = helix
            .org
            .admin
            .create_quote(&rfi_id, &quote(&offers))
            .await
            .unwrap_err();
        assert_eq!(problem_fields(refused), (422, vec![field.to_owned()]));
    }
    let mut bad_currency = quote(&[(&own.id, 1)]);
    bad_currency.currency = "euro".into();
    let refused = helix
        .org
        .admin
        .create_quote(&rfi_id, &bad_currency)
        .await
        .unwrap_err();
    assert_eq!(problem_fields(refused), (422, vec!["currency".to_owned()]));
    // Nothing written: the RFI is still open, without a quote, and no event was recorded.
    let rfi = sponsor.admin.get_rfi(&rfi_id).await.unwrap();
    assert_eq!(rfi.state, RfiState::Open);
    assert_eq!(rfi.quote_id, None);
    assert!(
        sponsor
            .admin
            .list_program_quotes(&programme.id, &PageParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(feed(&helix.org.admin).await.len(), before);
    // A good offer then goes through.
    helix
        .org
        .admin
        .create_quote(&rfi_id, &quote(&[(&own.id, 2)]))
        .await
        .unwrap();

    // A sponsor's bad request names its field too.
    let mut not_a_cdmo = rfi_to(programme, &[&helix.org], 3600);
    not_a_cdmo
        .cdmo_organization_ids
        .push(sponsor.organization.id.clone());
    let refused = sponsor.admin.create_rfi(&not_a_cdmo).await.unwrap_err();
    assert_eq!(
        problem_fields(refused),
        (422, vec!["cdmo_organization_ids[1]".to_owned()])
    );
    let past = rfi_to(programme, &[&helix.org], -60);
    let refused = sponsor.admin.create_rfi(&past).await.unwrap_err();
    assert_eq!(
        problem_fields(refused),
        (422, vec!["response_deadline".to_owned()])
    );
}

#[tokio::test]
async fn each_party_sees_exactly_its_own_side() {
    let exchange = Exchange::on(TestApp::spawn().await).await;
    let Exchange {
        app,
        sponsor,
        programme,
        helix,
        nova,
    } = &exchange;
    let stranger = app.sign_up(OrganizationKind::Sponsor, "Stranger").await;
    let b = helix.publish(3).await;
    let sent = exchange.ask(&[helix, nova], 3600).await;
    let helix_rfi = the_rfi_of(&sent, helix);
    let nova_rfi = the_rfi_of(&sent, nova);
    let helix_quote = helix
        .org
        .admin
        .create_quote(&helix_rfi, &quote(&[(&b.id, 1)]))
        .await
        .unwrap();
    // Another CDMO of the same request sees neither the RFI nor the quote.
    assert_eq!(status(nova.org.admin.get_rfi(&helix_rfi).await), 404);
    assert_eq!(status(nova.org.admin.get_quote(&helix_quote.id).await), 404);
    let nova_inbox = nova
        .org
        .admin
        .list_rfis(&RfiFilter::default())
        .await
        .unwrap();
    let ids: Vec<&str> = nova_inbox.items.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, [nova_rfi.as_str()]);
    assert_eq!(nova_inbox.items[0].quote_id, None);
    // Nor may it act on them.
    assert_eq!(
        status(nova.org.admin.accept_rfi_confidentiality(&helix_rfi).await),
        404
    );
    assert_eq!(
        status(
            nova.org
                .admin
                .create_quote(&helix_rfi, &quote(&[(&b.id, 1)]))
                .await
        ),
        404
    );
    // Another sponsor sees nothing of it.
    assert_eq!(status(stranger.admin.get_rfi(&helix_rfi).await), 404);
    assert_eq!(status(stranger.admin.get_quote(&helix_quote.id).await), 404);
    assert_eq!(
        status(stranger.admin.accept_quote(&helix_quote.id).await),
        404
    );
    assert_eq!(
        status(
            stranger
                .admin
                .list_program_quotes(&programme.id, &PageParams::default())
                .await
        ),
        404
    );
    assert!(
        stranger
            .admin
            .list_rfis(&RfiFilter::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    // Each side does only its own part.
    assert_eq!(
        status(helix.org.admin.accept_quote(&helix_quote.id).await),
        403
    );
    assert_eq!(
        status(
            sponsor
                .admin
                .create_quote(&nova_rfi, &quote(&[(&b.id, 1)]))
                .await
        ),
        403
    );
    assert_eq!(
        status(
            helix
                .org
                .admin
                .list_program_quotes(&programme.id, &PageParams::default())
                .await
        ),
        403
    );
    // The sponsor sees both RFIs, by state.
    let open = sponsor
        .admin
        .list_rfis(&RfiFilter {
            state: Some(RfiState::Open),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(open.items.len(), 1);
    assert_eq!(open.items[0].id, nova_rfi);
    // Nothing of the request reached the stranger's feed or the other CDMO's quote.
    assert!(
        feed(&stranger.admin)
            .await
            .iter()
            .all(|e| e.object.kind != EventObjectKind::Rfi
                && e.object.kind != EventObjectKind::Quote)
    );
    assert!(
        feed(&nova.org.admin)
            .await
            .iter()
            .all(|e| e.object.id != helix_quote.id && e.object.id != helix_rfi)
    );
}

#[tokio::test]
async fn rfis_and_quotes_are_declined_with_a_reason() {
    let exchange = Exchange::on(TestApp::spawn().await).await;
    let Exchange {
        sponsor,
        helix,
        nova,
        ..
    } = &exchange;
    let b = helix.publish(3).await;
    let sent = exchange.ask(&[helix, nova], 3600).await;
    let nova_rfi = the_rfi_of(&sent, nova);
    let empty = DeclineRequest {
        reason: "  ".into(),
    };
    assert_eq!(
        problem_fields(
            nova.org
                .admin
                .decline_rfi(&nova_rfi, &empty)
                .await
                .unwrap_err()
        ),
        (422, vec!["reason".to_owned()])
    );
    let declined = nova
        .org
        .admin
        .decline_rfi(
            &nova_rfi,
            &DeclineRequest {
                reason: "No capacity before Q3".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(declined.state, RfiState::Declined);
    assert_eq!(
        sponsor
            .admin
            .get_rfi(&nova_rfi)
            .await
            .unwrap()
            .decline_reason
            .as_deref(),
        Some("No capacity before Q3")
    );
    // A declined RFI takes no quote and no second answer.
    assert_eq!(
        status(
            nova.org
                .admin
                .create_quote(&nova_rfi, &quote(&[(&b.id, 1)]))
                .await
        ),
        409
    );
    let offer = helix
        .org
        .admin
        .create_quote(&the_rfi_of(&sent, helix), &quote(&[(&b.id, 1)]))
        .await
        .unwrap();
    assert_eq!(
        status(
            helix
                .org
                .admin
                .create_quote(&the_rfi_of(&sent, helix), &quote(&[(&b.id, 1)]))
                .await
        ),
        409,
        "one quote per RFI"
    );
    let declined = sponsor
        .admin
        .decline_quote(
            &offer.id,
            &DeclineRequest {
                reason: "Too late for our window".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(declined.state, QuoteState::Declined);
    assert_eq!(
        helix
            .org
            .admin
            .get_quote(&offer.id)
            .await
            .unwrap()
            .decline_reason
            .as_deref(),
        Some("Too late for our window")
    );
    assert_eq!(status(sponsor.admin.accept_quote(&offer.id).await), 409);
    assert_eq!(free(&sponsor.admin, &b.id).await, 3);
    let nova_types = types(&feed(&nova.org.admin).await);
    assert!(
        nova_types.contains(&EventType::RfiDeclined),
        "{nova_types:?}"
    );
    let sponsor_types = types(&feed(&sponsor.admin).await);
    for expected in [EventType::RfiDeclined, EventType::QuoteDeclined] {
        assert!(sponsor_types.contains(&expected), "{sponsor_types:?}");
    }
}

#[tokio::test]
async fn rfis_and_quotes_expire_at_their_dates() {
    let exchange = Exchange::on(TestApp::spawn_with(|s| s.sweep_interval_seconds = 1).await).await;
    let Exchange {
        sponsor,
        helix,
        nova,
        ..
    } = &exchange;
    let b = helix.publish(3).await;
    let sent = exchange.ask(&[helix, nova], 2).await;
    let mut short = quote(&[(&b.id, 1)]);
    short.valid_until = Utc::now() + chrono::Duration::seconds(2);
    let offer = helix
        .org
        .admin
        .create_quote(&the_rfi_of(&sent, helix), &short)
        .await
        .unwrap();
    // The sweep records both expiries on both parties' feeds.
    let sponsor_saw = poll(|| async {
        let seen = types(&feed(&sponsor.admin).await);
        (seen.contains(&EventType::RfiExpired) && seen.contains(&EventType::QuoteExpired))
            .then_some(seen)
    })
    .await
    .expect("the sweep announced the expiries");
    assert_eq!(
        sponsor_saw
            .iter()
            .filter(|t| **t == EventType::RfiExpired)
            .count(),
        1,
        "only the unanswered RFI expires"
    );
    let nova_types = types(&feed(&nova.org.admin).await);
    assert!(
        nova_types.contains(&EventType::RfiExpired),
        "{nova_types:?}"
    );
    assert!(
        !nova_types.contains(&EventType::QuoteExpired),
        "{nova_types:?}"
    );
    let helix_types = types(&feed(&helix.org.admin).await);
    assert!(
        helix_types.contains(&EventType::QuoteExpired),
        "{helix_types:?}"
    );
    // Expired, they cannot be acted on.
    let nova_rfi = the_rfi_of(&sent, nova);
    assert_eq!(
        nova.org.admin.get_rfi(&nova_rfi).await.unwrap().state,
        RfiState::Expired
    );
    assert_eq!(
        status(
            nova.org
                .admin
                .create_quote(&nova_rfi, &quote(&[(&b.id, 1)]))
                .await
        ),
        409
    );
    assert_eq!(
        sponsor.admin.get_quote(&offer.id).await.unwrap().state,
        QuoteState::Expired
    );
    assert_eq!(status(sponsor.admin.accept_quote(&offer.id).await), 409);
    assert_eq!(free(&sponsor.admin, &b.id).await, 3);
}

#[tokio::test]
async fn an_unanswered_rfi_reads_expired_at_its_deadline_without_the_sweep() {
    let exchange =
        Exchange::on(TestApp::spawn_with(|s| s.sweep_interval_seconds = 3600).await).await;
    let helix = &exchange.helix;
    let sent = exchange.ask(&[helix], 1).await;
    let rfi_id = the_rfi_of(&sent, helix);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        helix.org.admin.get_rfi(&rfi_id).await.unwrap().state,
        RfiState::Expired
    );
    let expired = helix
        .org
        .admin
        .list_rfis(&RfiFilter {
            state: Some(RfiState::Expired),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(expired.items.len(), 1);
    assert_eq!(
        status(
            helix
                .org
                .admin
                .decline_rfi(
                    &rfi_id,
                    &DeclineRequest {
                        reason: "late".into()
                    }
                )
                .await
        ),
        409
    );
}

#[tokio::test]
async fn a_cdmo_off_the_market_offers_no_slots_and_its_quote_holds_nothing() {
    let exchange = Exchange::on(TestApp::spawn().await).await;
    let Exchange { sponsor, helix, .. } = &exchange;
    let b = helix.publish(3).await;
    let sent = exchange.ask(&[helix], 3600).await;
    let offer = helix
        .org
        .admin
        .create_quote(&the_rfi_of(&sent, helix), &quote(&[(&b.id, 2)]))
        .await
        .unwrap();
    let pause = crate::listing::pause(None);
    helix
        .org
        .admin
        .unlist_cdmo_profile(&helix.profile.id, &pause)
        .await
        .unwrap();
    // Accepting would book a CDMO that takes no new reservations: refused, nothing held.
    assert_eq!(status(sponsor.admin.accept_quote(&offer.id).await), 409);
    assert_eq!(free(&sponsor.admin, &b.id).await, 3);
    assert_eq!(
        sponsor.admin.get_quote(&offer.id).await.unwrap().state,
        QuoteState::Submitted
    );
    // Nor may it offer those slots in a new quote.
    let again = exchange.ask(&[helix], 3600).await;
    let refused = helix
        .org
        .admin
        .create_quote(&the_rfi_of(&again, helix), &quote(&[(&b.id, 1)]))
        .await
        .unwrap_err();
    assert_eq!(
        problem_fields(refused),
        (422, vec!["slots_offered[0].capacity_id".to_owned()])
    );
    // Back on the market, the first quote goes through.
    helix
        .org
        .admin
        .relist_cdmo_profile(&helix.profile.id)
        .await
        .unwrap();
    let accepted = sponsor.admin.accept_quote(&offer.id).await.unwrap();
    assert_eq!(accepted.state, QuoteState::Accepted);
    assert_eq!(free(&sponsor.admin, &b.id).await, 1);
}
