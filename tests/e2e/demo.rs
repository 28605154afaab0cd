//! The demo data set and the synthetic generator, loaded as `cdmx serve` and `cdmx seed`
//! load them.

use cdmx_e2e::TestApp;
use cdmx_sdk::types::{CdmoSearch, CdmoType, OrganizationKind, Phase};

fn hash(password: &str) -> String {
    cdmx::auth::passwords::hash(&cdmx::domain::accounts::Password::parse(password).unwrap())
        .unwrap()
}

#[tokio::test]
async fn demo_data_loads_once_even_when_two_loaders_race() {
    let app = TestApp::spawn().await;
    let password_hash = hash("demo password 123");
    let loaders: Vec<_> = (0..2)
        .map(|_| {
            let (db, h) = (app.db.clone(), password_hash.clone());
            tokio::task::spawn_blocking(move || cdmx::app::demo::load_if_empty(&db, &h).unwrap())
        })
        .collect();
    let mut loaded = Vec::new();
    for loader in loaders {
        loaded.extend(loader.await.unwrap());
    }
    assert_eq!(
        loaded.len(),
        1,
        "exactly one loader found the database empty"
    );
    let counts = &loaded[0];
    assert!((35..=45).contains(&counts.cdmos), "{counts:?}");

    let sponsor = app
        .client
        .login(cdmx::app::demo::DEMO_SPONSOR_EMAIL, "demo password 123")
        .await
        .unwrap();
    let me = sponsor.get_me().await.unwrap();
    assert_eq!(me.organization.kind, OrganizationKind::Sponsor);
    let all = cdmx_sdk::collect_pages(|cursor| {
        let sponsor = sponsor.clone();
        async move {
            sponsor
                .search_cdmos(&CdmoSearch {
                    limit: Some(200),
                    cursor,
                    ..Default::default()
                })
                .await
        }
    })
    .await
    .unwrap();
    assert_eq!(all.len(), counts.cdmos);
    assert!(
        all.iter().any(|c| c.organization_verified) && all.iter().any(|c| !c.organization_verified)
    );
    assert!(all.iter().any(|c| c.cdmo_type == CdmoType::PointOfCare));
    assert!(all.iter().any(|c| c.max_phase == Some(Phase::Commercial)));

    // The demo CDMO login manages its own profile.
    let cdmo = app
        .client
        .login(cdmx::app::demo::DEMO_CDMO_EMAIL, "demo password 123")
        .await
        .unwrap();
    let own = cdmo.get_me().await.unwrap().organization;
    assert_eq!(own.kind, OrganizationKind::Cdmo);
    assert!(all.iter().any(|c| c.organization_id == own.id));

    // A database that is not empty is left alone.
    let db = app.db.clone();
    let again = tokio::task::spawn_blocking(move || {
        cdmx::app::demo::load_if_empty(&db, &password_hash).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(again, None);
}

#[tokio::test]
async fn seeded_profiles_are_searchable_and_deterministic() {
    let app = TestApp::spawn().await;
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || cdmx::app::demo::seed_profiles(&db, 60, 7, 0).unwrap())
        .await
        .unwrap();
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await.admin;
    let page = sponsor
        .search_cdmos(&CdmoSearch {
            limit: Some(200),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 60);
    let first = sponsor
        .get_cdmo_profile(&page.items[0].id)
        .await
        .unwrap()
        .profile;
    let name = &first.organization.name;
    let index: u64 = (0..60)
        .find(|i| {
            cdmx::demo::synthetic::synthetic_profile(7, *i)
                .organization
                .name
                == *name
        })
        .expect("the stored profile is one of the stream's");
    let regenerated = cdmx::demo::synthetic::synthetic_profile(7, index);
    // Stored profiles are normalised; the generator already produces normal form.
    assert_eq!(first, regenerated);
}
