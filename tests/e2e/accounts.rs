//! Sign-up, login, users, API keys, `/v1/me` and verification.

use cdmx_e2e::{PASSWORD, TestApp};
use cdmx_sdk::types::{
    CreateApiKeyRequest, CreateUserRequest, NewUser, OrganizationFilter, OrganizationKind,
    PageParams, PrincipalKind, Role, SignUpRequest, TokenRequest,
};

#[tokio::test]
async fn sign_up_creates_an_unverified_organisation_and_its_admin() {
    let app = TestApp::spawn().await;
    let cdmo = app
        .sign_up(OrganizationKind::Cdmo, "Helix Cell Works")
        .await;
    assert_eq!(cdmo.organization.kind, OrganizationKind::Cdmo);
    assert!(!cdmo.organization.verified);
    assert_eq!(cdmo.admin_user.role, Role::Admin);
    assert_eq!(cdmo.admin_user.organization_id, cdmo.organization.id);

    let me = cdmo.admin.get_me().await.unwrap();
    assert_eq!(me.principal_kind, PrincipalKind::User);
    assert_eq!(me.principal_id, cdmo.admin_user.id);
    assert_eq!(me.email.as_deref(), Some(cdmo.admin_user.email.as_str()));
    assert_eq!(me.role, Role::Admin);
    assert_eq!(me.organization, cdmo.organization);
}

#[tokio::test]
async fn signing_up_with_a_registered_email_answers_like_a_new_one_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let first = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let request = |email: String| SignUpRequest {
        name: "Acme again".into(),
        kind: OrganizationKind::Sponsor,
        admin: NewUser {
            email,
            password: "another long passphrase".into(),
        },
    };
    let http = reqwest::Client::new();
    let send = |request: SignUpRequest| {
        http.post(app.url("/v1/organizations"))
            .json(&request)
            .send()
    };
    let registered = send(request(first.admin_user.email.to_uppercase()))
        .await
        .unwrap();
    let fresh = send(request("newcomer@acme.example".into())).await.unwrap();
    // Same status, same headers that matter, same document shape: nothing tells them apart.
    assert_eq!(registered.status(), 201);
    assert_eq!(fresh.status(), 201);
    assert_eq!(
        registered.headers()["content-type"],
        fresh.headers()["content-type"]
    );
    let registered: serde_json::Value = registered.json().await.unwrap();
    let fresh: serde_json::Value = fresh.json().await.unwrap();
    assert_eq!(shape(&registered), shape(&fresh));
    assert_eq!(
        registered["admin"]["email"],
        first.admin_user.email.to_lowercase()
    );
    assert_ne!(
        registered["organization"]["id"],
        first.organization.id.as_str()
    );
    // But the answer for the registered email stored nothing: the owner's password still
    // opens the account, the caller's does not, and no organisation was added.
    app.client
        .login(&first.admin_user.email, PASSWORD)
        .await
        .unwrap();
    let err = app
        .client
        .issue_token(&TokenRequest::Password {
            email: first.admin_user.email.clone(),
            password: "another long passphrase".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401));
    let platform = app.platform_admin().await;
    let all = platform
        .list_organizations(&OrganizationFilter::default())
        .await
        .unwrap();
    let sponsors: Vec<&str> = all
        .items
        .iter()
        .filter(|o| o.kind == OrganizationKind::Sponsor)
        .map(|o| o.id.as_str())
        .collect();
    assert_eq!(sponsors.len(), 2, "{sponsors:?}");
    assert!(!sponsors.contains(&registered["organization"]["id"].as_str().unwrap()));
}

/// A JSON document's keys and value kinds, without the values.
fn shape(value: &serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(fields) => fields
            .iter()
            .map(|(k, v)| (k.clone(), shape(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
        serde_json::Value::Array(items) => items.iter().map(shape).collect(),
        serde_json::Value::String(_) => "string".into(),
        serde_json::Value::Number(_) => "number".into(),
        serde_json::Value::Bool(_) => "bool".into(),
        serde_json::Value::Null => serde_json::Value::Null,
    }
}

#[tokio::test]
async fn wrong_passwords_and_unknown_emails_are_the_same_401() {
    let app = TestApp::spawn().await;
    let org = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let wrong = app
        .client
        .login(&org.admin_user.email, "not the password")
        .await
        .err()
        .unwrap();
    let unknown = app
        .client
        .login("nobody@acme.example", PASSWORD)
        .await
        .err()
        .unwrap();
    assert_eq!(wrong.status(), Some(401));
    assert_eq!(unknown.status(), Some(401));
    assert_eq!(
        wrong.problem().unwrap().detail,
        unknown.problem().unwrap().detail
    );
    // Emails are matched case-insensitively.
    assert!(
        app.client
            .login(&org.admin_user.email.to_uppercase(), PASSWORD)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn tokens_are_bearer_with_a_lifetime_and_garbage_tokens_are_401() {
    let app = TestApp::spawn().await;
    let org = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let token = app
        .client
        .issue_token(&TokenRequest::Password {
            email: org.admin_user.email.clone(),
            password: PASSWORD.into(),
        })
        .await
        .unwrap();
    assert_eq!(token.token_type, "Bearer");
    assert_eq!(token.expires_in, 3600);
    let forged = format!("{}x", token.access_token);
    let err = app.client.with_token(forged).get_me().await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(app.client.get_me().await.unwrap_err().status(), Some(401));
}

#[tokio::test]
async fn admins_add_members_and_members_can_sign_in_but_not_administer() {
    let app = TestApp::spawn().await;
    let org = app.sign_up(OrganizationKind::Cdmo, "Helix").await;
    let member = org
        .admin
        .create_user(
            org.id(),
            &CreateUserRequest {
                email: "tech@helix.example".into(),
                password: PASSWORD.into(),
                role: Role::Member,
            },
        )
        .await
        .unwrap();
    assert_eq!(member.role, Role::Member);
    let member_client = app
        .client
        .login("tech@helix.example", PASSWORD)
        .await
        .unwrap();
    assert_eq!(member_client.get_me().await.unwrap().role, Role::Member);
    let users = member_client
        .list_users(org.id(), &PageParams::default())
        .await
        .unwrap();
    assert_eq!(users.items.len(), 2);

    let err = member_client
        .create_api_key(
            org.id(),
            &CreateApiKeyRequest {
                name: "mine".into(),
                role: None,
                scopes: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));
    let err = member_client
        .create_user(
            org.id(),
            &CreateUserRequest {
                email: "x@helix.example".into(),
                password: PASSWORD.into(),
                role: Role::Admin,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));
}

#[tokio::test]
async fn api_keys_are_shown_once_stored_hashed_and_work_until_revoked() {
    let app = TestApp::spawn().await;
    let org = app.sign_up(OrganizationKind::Cdmo, "Helix").await;
    let created = org
        .admin
        .create_api_key(
            org.id(),
            &CreateApiKeyRequest {
                name: "ERP capacity sync".into(),
                role: Some(Role::Admin),
                scopes: None,
            },
        )
        .await
        .unwrap();
    assert!(created.secret.starts_with("cdmx_sk_"));
    assert!(created.secret.starts_with(&created.api_key.prefix));
    assert_eq!(
        created.api_key.created_by.as_deref(),
        Some(org.admin_user.id.as_str())
    );

    // Listings never carry the secret.
    let listed = org
        .admin
        .list_api_keys(org.id(), &PageParams::default())
        .await
        .unwrap();
    let listed_json = serde_json::to_string(&listed).unwrap();
    assert!(!listed_json.contains(&created.secret[created.api_key.prefix.len()..]));
    assert_eq!(listed.items[0].id, created.api_key.id);

    // The SDK exchanges the key for tokens by itself.
    let partner = app.client.with_api_key(&created.secret);
    let me = partner.get_me().await.unwrap();
    assert_eq!(me.principal_kind, PrincipalKind::ApiKey);
    assert_eq!(me.api_key_name.as_deref(), Some("ERP capacity sync"));
    assert_eq!(me.role, Role::Admin);
    assert_eq!(me.organization.id, org.organization.id);
    let used = org
        .admin
        .list_api_keys(org.id(), &PageParams::default())
        .await
        .unwrap();
    assert!(used.items[0].last_used_at.is_some());

    // Revocation stops the key at once, including tokens already issued from it.
    let token = app
        .client
        .issue_token(&TokenRequest::ApiKey {
            api_key: created.secret.clone(),
        })
        .await
        .unwrap();
    org.admin
        .revoke_api_key(org.id(), &created.api_key.id)
        .await
        .unwrap();
    org.admin
        .revoke_api_key(org.id(), &created.api_key.id)
        .await
        .unwrap();
    assert_eq!(
        app.client
            .with_token(token.access_token)
            .get_me()
            .await
            .unwrap_err()
            .status(),
        Some(401)
    );
    let err = app
        .client
        .issue_token(&TokenRequest::ApiKey {
            api_key: created.secret.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401));
    let listed = org
        .admin
        .list_api_keys(org.id(), &PageParams::default())
        .await
        .unwrap();
    assert!(listed.items[0].revoked_at.is_some());

    let err = app
        .client
        .issue_token(&TokenRequest::ApiKey {
            api_key: "cdmx_sk_000000000000_nope".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401));
}

#[tokio::test]
async fn member_keys_cannot_administer() {
    let app = TestApp::spawn().await;
    let org = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let key = org
        .admin
        .create_api_key(
            org.id(),
            &CreateApiKeyRequest {
                name: "portfolio tool".into(),
                role: None,
                scopes: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(key.api_key.role, Role::Member);
    let partner = app.client.with_api_key(key.secret);
    let err = partner
        .list_api_keys(org.id(), &PageParams::default())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));
}

#[tokio::test]
async fn platform_admins_verify_cdmos_and_nobody_else_can() {
    let app = TestApp::spawn().await;
    let cdmo = app.sign_up(OrganizationKind::Cdmo, "Helix").await;
    let sponsor = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let platform = app.platform_admin().await;

    let pending = platform
        .list_organizations(&OrganizationFilter {
            kind: Some(OrganizationKind::Cdmo),
            verified: Some(false),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(pending.items.len(), 1);
    assert_eq!(pending.items[0].id, cdmo.organization.id);

    for outsider in [&cdmo.admin, &sponsor.admin] {
        let err = outsider.verify_organization(cdmo.id()).await.unwrap_err();
        assert_eq!(err.status(), Some(403));
    }
    let verified = platform.verify_organization(cdmo.id()).await.unwrap();
    assert!(verified.verified);
    let first_time = verified.verified_at.unwrap();
    let again = platform.verify_organization(cdmo.id()).await.unwrap();
    assert_eq!(
        again.verified_at,
        Some(first_time),
        "verifying again changes nothing"
    );
    assert!(cdmo.admin.get_me().await.unwrap().organization.verified);

    let platform_org = platform.get_me().await.unwrap().organization;
    assert_eq!(platform_org.kind, OrganizationKind::Platform);
    assert_eq!(
        platform
            .verify_organization(&platform_org.id)
            .await
            .unwrap_err()
            .status(),
        Some(409)
    );
    assert_eq!(
        platform
            .verify_organization("no-such-org")
            .await
            .unwrap_err()
            .status(),
        Some(404)
    );
}
