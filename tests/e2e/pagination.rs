use cdmx_e2e::{PASSWORD, TestApp};
use cdmx_sdk::types::{CreateUserRequest, OrganizationKind, PageParams, Role};

#[tokio::test]
async fn cursor_pages_are_stable_complete_and_bounded() {
    let app = TestApp::spawn().await;
    let org = app.sign_up(OrganizationKind::Cdmo, "Helix").await;
    for i in 0..4 {
        org.admin
            .create_user(
                org.id(),
                &CreateUserRequest {
                    email: format!("u{i}@helix.example"),
                    password: PASSWORD.into(),
                    role: Role::Member,
                },
            )
            .await
            .unwrap();
    }
    let mut pages = Vec::new();
    let mut cursor = None;
    loop {
        let page = org
            .admin
            .list_users(
                org.id(),
                &PageParams {
                    limit: Some(2),
                    cursor,
                },
            )
            .await
            .unwrap();
        assert!(page.items.len() <= 2);
        pages.push(page.items.iter().map(|u| u.id.clone()).collect::<Vec<_>>());
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1]);
    let ids: Vec<String> = pages.concat();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted, "pages are in one stable order without repeats");

    // The SDK's helper walks the same pages.
    let all = cdmx_sdk::collect_pages(|cursor| {
        let (client, id) = (org.admin.clone(), org.id().to_owned());
        async move {
            client
                .list_users(
                    &id,
                    &PageParams {
                        limit: Some(2),
                        cursor,
                    },
                )
                .await
        }
    })
    .await
    .unwrap();
    assert_eq!(all.into_iter().map(|u| u.id).collect::<Vec<_>>(), ids);

    let err = org
        .admin
        .list_users(
            org.id(),
            &PageParams {
                limit: Some(500),
                cursor: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(422));
    let err = org
        .admin
        .list_users(
            org.id(),
            &PageParams {
                limit: None,
                cursor: Some("forged".into()),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.problem().unwrap().errors[0].field, "cursor");
}
