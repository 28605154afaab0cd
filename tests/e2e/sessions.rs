//! Sessions and users: deactivation, reactivation, deletion, logout and password changes
//! end a user's tokens at once; the last active admin stays; signing keys rotate by
//! `kid`; tokens cannot outlive the configured lifetime; API keys act within their
//! scopes, grant no more than they hold, and take the keys they created with them when
//! revoked; secrets are never cached.

use cdmx_e2e::{OrgFixture, PASSWORD, TEST_JWT_SECRET, TestApp, base_profile, expect_problem};
use cdmx_sdk::Client;
use cdmx_sdk::types::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};

/// A fresh token for `email`, and a client that uses it as is (never renews it).
async fn signed_in(app: &TestApp, email: &str, password: &str) -> (String, Client) {
    let token = app
        .client
        .issue_token(&TokenRequest::Password {
            email: email.into(),
            password: password.into(),
        })
        .await
        .unwrap()
        .access_token;
    (token.clone(), app.client.with_token(token))
}

async fn add_user(org: &OrgFixture, email: &str, role: Role) -> User {
    org.admin
        .create_user(
            org.id(),
            &CreateUserRequest {
                email: email.into(),
                password: PASSWORD.into(),
                role,
            },
        )
        .await
        .unwrap()
}

async fn login_status(app: &TestApp, email: &str, password: &str) -> Result<(), Problem> {
    app.client
        .issue_token(&TokenRequest::Password {
            email: email.into(),
            password: password.into(),
        })
        .await
        .map(|_| ())
        .map_err(|e| {
            assert_eq!(e.status(), Some(401), "{e}");
            e.problem().cloned().unwrap()
        })
}

fn status<T: std::fmt::Debug>(outcome: Result<T, cdmx_sdk::Error>) -> Option<u16> {
    outcome.unwrap_err().status()
}

#[tokio::test]
async fn a_deactivated_user_loses_its_tokens_at_once_and_signs_in_again_once_reactivated() {
    let app = TestApp::spawn().await;
    let org = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let member = add_user(&org, "analyst@acme.example", Role::Member).await;
    let (_, member_client) = signed_in(&app, "analyst@acme.example", PASSWORD).await;
    assert_eq!(
        member_client.get_me().await.unwrap().principal_id,
        member.id
    );

    let deactivated = org
        .admin
        .deactivate_user(org.id(), &member.id)
        .await
        .unwrap();
    assert!(deactivated.deactivated_at.is_some());
    assert_eq!(status(member_client.get_me().await), Some(401));

    // Refused exactly as a wrong password is: the answer does not tell the state.
    let refused = login_status(&app, "analyst@acme.example", PASSWORD)
        .await
        .unwrap_err();
    let wrong = login_status(&app, "analyst@acme.example", "not the password at all")
        .await
        .unwrap_err();
    assert_eq!(refused.detail, wrong.detail);
    assert_eq!(refused.title, wrong.title);

    // Deactivating again changes nothing.
    let again = org
        .admin
        .deactivate_user(org.id(), &member.id)
        .await
        .unwrap();
    assert_eq!(again.deactivated_at, deactivated.deactivated_at);

    let reactivated = org
        .admin
        .reactivate_user(org.id(), &member.id)
        .await
        .unwrap();
    assert_eq!(reactivated.deactivated_at, None);
    assert_eq!(
        status(member_client.get_me().await),
        Some(401),
        "tokens from before the deactivation stay revoked"
    );
    let (_, fresh) = signed_in(&app, "analyst@acme.example", PASSWORD).await;
    assert_eq!(fresh.get_me().await.unwrap().principal_id, member.id);

    // Members do not manage users; other organisations do not see them.
    assert_eq!(
        status(fresh.deactivate_user(org.id(), &org.admin_user.id).await),
        Some(403)
    );
    let other = app.sign_up(OrganizationKind::Sponsor, "Other").await;
    assert_eq!(
        status(other.admin.deactivate_user(org.id(), &member.id).await),
        Some(404)
    );
    assert_eq!(
        status(other.admin.deactivate_user(other.id(), &member.id).await),
        Some(404)
    );
}

#[tokio::test]
async fn a_deleted_users_token_is_refused_and_its_email_is_free_again() {
    let app = TestApp::spawn().await;
    let org = app.sign_up(OrganizationKind::Cdmo, "Helix").await;
    let member = add_user(&org, "qc@helix.example", Role::Member).await;
    let (_, member_client) = signed_in(&app, "qc@helix.example", PASSWORD).await;
    member_client.get_me().await.unwrap();

    org.admin.delete_user(org.id(), &member.id).await.unwrap();
    assert_eq!(status(member_client.get_me().await), Some(401));
    login_status(&app, "qc@helix.example", PASSWORD)
        .await
        .unwrap_err();
    let users = org
        .admin
        .list_users(org.id(), &PageParams::default())
        .await
        .unwrap();
    assert!(users.items.iter().all(|u| u.id != member.id), "{users:?}");
    assert_eq!(
        status(org.admin.delete_user(org.id(), &member.id).await),
        Some(404),
        "a deleted user is gone"
    );

    let again = add_user(&org, "qc@helix.example", Role::Member).await;
    assert_ne!(again.id, member.id);
    login_status(&app, "qc@helix.example", PASSWORD)
        .await
        .unwrap();
}

#[tokio::test]
async fn logout_revokes_every_token_of_the_user_and_a_new_login_works() {
    let app = TestApp::spawn().await;
    let org = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let email = org.admin_user.email.clone();
    let (_, laptop) = signed_in(&app, &email, PASSWORD).await;
    let (_, phone) = signed_in(&app, &email, PASSWORD).await;
    laptop.get_me().await.unwrap();

    laptop.logout().await.unwrap();
    assert_eq!(status(laptop.get_me().await), Some(401));
    assert_eq!(
        status(phone.get_me().await),
        Some(401),
        "every session of the user ends"
    );
    let (_, again) = signed_in(&app, &email, PASSWORD).await;
    again.get_me().await.unwrap();

    // An API key has no session: it is revoked instead.
    let key = org
        .admin
        .create_api_key(org.id(), &CreateApiKeyRequest::new("erp"))
        .await
        .unwrap();
    let partner = app.client.with_api_key(key.secret);
    assert_eq!(status(partner.logout().await), Some(403));
}

#[tokio::test]
async fn password_changes_check_the_current_and_the_new_password() {
    let app = TestApp::spawn().await;
    let org = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let email = org.admin_user.email.clone();
    let (_, client) = signed_in(&app, &email, PASSWORD).await;

    let err = client
        .change_password(&ChangePasswordRequest {
            current_password: "not my password at all".into(),
            new_password: "a brand new passphrase".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(422));
    let fields: Vec<_> = err
        .problem()
        .unwrap()
        .errors
        .iter()
        .map(|e| e.field.as_str())
        .collect();
    assert_eq!(fields, ["current_password"]);
    // One past each bound of the new password.
    for new_password in ["x".repeat(11), "x".repeat(257)] {
        let err = client
            .change_password(&ChangePasswordRequest {
                current_password: PASSWORD.into(),
                new_password,
            })
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(422));
        assert_eq!(err.problem().unwrap().errors[0].field, "new_password");
    }
    client.get_me().await.unwrap();

    // The longest password allowed is accepted, and the old token dies with the change.
    let longest = "y".repeat(256);
    client
        .change_password(&ChangePasswordRequest {
            current_password: PASSWORD.into(),
            new_password: longest.clone(),
        })
        .await
        .unwrap();
    assert_eq!(status(client.get_me().await), Some(401));
    login_status(&app, &email, PASSWORD).await.unwrap_err();
    let (_, renewed) = signed_in(&app, &email, &longest).await;
    // The shortest allowed, from the new session.
    renewed
        .change_password(&ChangePasswordRequest {
            current_password: longest,
            new_password: "z".repeat(12),
        })
        .await
        .unwrap();
    signed_in(&app, &email, &"z".repeat(12)).await;
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_deactivated_or_deleted() {
    let app = TestApp::spawn().await;
    let org = app.sign_up(OrganizationKind::Cdmo, "Helix").await;
    let first = org.admin_user.id.clone();
    let member = add_user(&org, "member@helix.example", Role::Member).await;
    for outcome in [
        status(org.admin.deactivate_user(org.id(), &first).await),
        status(org.admin.delete_user(org.id(), &first).await),
    ] {
        assert_eq!(outcome, Some(409));
    }
    let err = org
        .admin
        .deactivate_user(org.id(), &first)
        .await
        .unwrap_err();
    assert!(
        err.problem()
            .unwrap()
            .detail
            .as_deref()
            .unwrap()
            .contains("last active admin"),
        "{err}"
    );
    // Members go freely.
    org.admin
        .deactivate_user(org.id(), &member.id)
        .await
        .unwrap();

    // With a second admin, the first may go; then the second is the last.
    let second = add_user(&org, "second-admin@helix.example", Role::Admin).await;
    let (_, second_client) = signed_in(&app, "second-admin@helix.example", PASSWORD).await;
    second_client
        .deactivate_user(org.id(), &first)
        .await
        .unwrap();
    assert_eq!(
        status(second_client.delete_user(org.id(), &second.id).await),
        Some(409)
    );
    // A deactivated admin does not count, and may be deleted.
    second_client.delete_user(org.id(), &first).await.unwrap();
}

#[tokio::test]
async fn a_read_scoped_key_reads_but_cannot_write() {
    let app = TestApp::spawn().await;
    let org = app.sign_up(OrganizationKind::Cdmo, "Helix").await;
    let key = org
        .admin
        .create_api_key(
            org.id(),
            &CreateApiKeyRequest {
                role: Some(Role::Admin),
                scopes: Some(vec![ApiKeyScope::Read]),
                ..CreateApiKeyRequest::new("dashboard")
            },
        )
        .await
        .unwrap();
    assert_eq!(key.api_key.scopes, [ApiKeyScope::Read]);
    let reader = app.client.with_api_key(key.secret);
    let me = reader.get_me().await.unwrap();
    assert_eq!(me.scopes, Some(vec![ApiKeyScope::Read]));
    reader
        .list_users(org.id(), &PageParams::default())
        .await
        .unwrap();

    let err = reader
        .create_cdmo_profile(&base_profile("Helix"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));
    let detail = err.problem().unwrap().detail.clone().unwrap();
    assert!(detail.contains("`profiles:write`"), "{detail}");
    let err = reader
        .create_api_key(org.id(), &CreateApiKeyRequest::new("more"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));
    assert!(
        err.problem()
            .unwrap()
            .detail
            .as_deref()
            .unwrap()
            .contains("`admin`"),
        "{err}"
    );

    // Keys made before scopes existed, and keys made without asking, hold every scope.
    let default = org
        .admin
        .create_api_key(org.id(), &CreateApiKeyRequest::new("erp"))
        .await
        .unwrap();
    assert_eq!(default.api_key.scopes, ApiKeyScope::ALL);
}

#[tokio::test]
async fn a_key_grants_no_more_than_it_holds() {
    let app = TestApp::spawn().await;
    let org = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let admin_key = org
        .admin
        .create_api_key(
            org.id(),
            &CreateApiKeyRequest {
                role: Some(Role::Admin),
                scopes: Some(vec![ApiKeyScope::Read, ApiKeyScope::Admin]),
                ..CreateApiKeyRequest::new("provisioning")
            },
        )
        .await
        .unwrap();
    let provisioning = app.client.with_api_key(admin_key.secret);

    let err = provisioning
        .create_api_key(
            org.id(),
            &CreateApiKeyRequest {
                scopes: Some(vec![ApiKeyScope::Read, ApiKeyScope::ReservationsWrite]),
                ..CreateApiKeyRequest::new("wider")
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));
    let detail = err.problem().unwrap().detail.clone().unwrap();
    assert!(detail.ends_with("missing: reservations:write"), "{detail}");

    // By default a key's key holds the scopes of its creator, and names it.
    let child = provisioning
        .create_api_key(org.id(), &CreateApiKeyRequest::new("child"))
        .await
        .unwrap();
    assert_eq!(
        child.api_key.scopes,
        [ApiKeyScope::Read, ApiKeyScope::Admin]
    );
    assert_eq!(
        child.api_key.created_by_key.as_deref(),
        Some(admin_key.api_key.id.as_str())
    );
    assert_eq!(child.api_key.created_by, None);

    // A user may do all its role allows: a key lacking scopes cannot create one.
    let err = provisioning
        .create_user(
            org.id(),
            &CreateUserRequest {
                email: "new@acme.example".into(),
                password: PASSWORD.into(),
                role: Role::Member,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(403));

    // An empty scope list is refused, naming the field.
    let err = org
        .admin
        .create_api_key(
            org.id(),
            &CreateApiKeyRequest {
                scopes: Some(vec![]),
                ..CreateApiKeyRequest::new("nothing")
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(422));
    assert_eq!(err.problem().unwrap().errors[0].field, "scopes");
}

#[tokio::test]
async fn revoking_a_key_revokes_the_keys_it_created() {
    let app = TestApp::spawn().await;
    let org = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let parent = org
        .admin
        .create_api_key(
            org.id(),
            &CreateApiKeyRequest {
                role: Some(Role::Admin),
                ..CreateApiKeyRequest::new("parent")
            },
        )
        .await
        .unwrap();
    let parent_client = app.client.with_api_key(parent.secret);
    let child = parent_client
        .create_api_key(
            org.id(),
            &CreateApiKeyRequest {
                role: Some(Role::Admin),
                ..CreateApiKeyRequest::new("child")
            },
        )
        .await
        .unwrap();
    let child_client = app.client.with_api_key(child.secret.clone());
    let grandchild = child_client
        .create_api_key(org.id(), &CreateApiKeyRequest::new("grandchild"))
        .await
        .unwrap();
    let grandchild_client = app.client.with_api_key(grandchild.secret.clone());
    // A sibling made by the user stays.
    let sibling = org
        .admin
        .create_api_key(org.id(), &CreateApiKeyRequest::new("sibling"))
        .await
        .unwrap();
    let sibling_client = app.client.with_api_key(sibling.secret);
    grandchild_client.get_me().await.unwrap();

    org.admin
        .revoke_api_key(org.id(), &parent.api_key.id)
        .await
        .unwrap();
    for client in [&parent_client, &child_client, &grandchild_client] {
        assert_eq!(status(client.get_me().await), Some(401));
    }
    sibling_client.get_me().await.unwrap();
    let keys = org
        .admin
        .list_api_keys(org.id(), &PageParams::default())
        .await
        .unwrap();
    for key in &keys.items {
        let revoked = key.id != sibling.api_key.id;
        assert_eq!(key.revoked_at.is_some(), revoked, "{key:?}");
    }
}

/// A token as this server would sign it, but for the claims and secret given.
fn craft(claims: &serde_json::Value, secret: &str, kid: Option<String>) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = kid;
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn user_claims(org: &OrgFixture, lifetime: u64) -> serde_json::Value {
    let now = chrono::Utc::now().timestamp() as u64;
    serde_json::json!({
        "sub": org.admin_user.id, "iss": "cdmx", "aud": "cdmx-api",
        "iat": now, "exp": now + lifetime,
        "pk": "user", "org": org.id(), "org_kind": "sponsor", "role": "admin", "ver": 0
    })
}

async fn me_status(app: &TestApp, token: String) -> u16 {
    match app.client.with_token(token).get_me().await {
        Ok(_) => 200,
        Err(e) => e.status().unwrap(),
    }
}

#[tokio::test]
async fn tokens_of_a_previous_secret_work_and_unknown_kids_do_not() {
    const OLD_SECRET: &str = "the secret before the rotation, 32+ bytes";
    let app = TestApp::spawn_with(|s| s.jwt_previous_secrets = vec![OLD_SECRET.into()]).await;
    let org = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let claims = user_claims(&org, 600);
    let old_kid = cdmx::auth::tokens::key_id(OLD_SECRET.as_bytes());

    assert_eq!(
        me_status(&app, craft(&claims, OLD_SECRET, Some(old_kid.clone()))).await,
        200
    );
    // New tokens are signed with the current secret.
    let fresh = org.token().await;
    let header = jsonwebtoken::decode_header(&fresh).unwrap();
    assert_eq!(
        header.kid,
        Some(cdmx::auth::tokens::key_id(TEST_JWT_SECRET.as_bytes()))
    );
    assert_eq!(
        me_status(
            &app,
            craft(&claims, OLD_SECRET, Some("0123456789abcdef".into()))
        )
        .await,
        401
    );
    assert_eq!(me_status(&app, craft(&claims, OLD_SECRET, None)).await, 401);

    // Once the old secret is dropped from the settings, its tokens are refused.
    let without = TestApp::spawn().await;
    let org = without.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let claims = user_claims(&org, 600);
    assert_eq!(
        me_status(&without, craft(&claims, OLD_SECRET, Some(old_kid))).await,
        401
    );
}

#[tokio::test]
async fn a_token_meant_to_live_longer_than_the_maximum_is_refused() {
    let app = TestApp::spawn_with(|s| s.token_ttl_seconds = 600).await;
    let org = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let kid = Some(cdmx::auth::tokens::key_id(TEST_JWT_SECRET.as_bytes()));
    let response = reqwest::Client::new()
        .get(app.url("/v1/me"))
        .bearer_auth(craft(&user_claims(&org, 601), TEST_JWT_SECRET, kid.clone()))
        .send()
        .await
        .unwrap();
    let problem = expect_problem(response, reqwest::StatusCode::UNAUTHORIZED).await;
    assert!(
        problem.detail.as_deref().unwrap().contains("longer"),
        "{problem:?}"
    );
    assert_eq!(
        me_status(&app, craft(&user_claims(&org, 600), TEST_JWT_SECRET, kid)).await,
        200,
        "the configured lifetime itself is fine"
    );
}

#[tokio::test]
async fn responses_carrying_secrets_are_not_stored() {
    let app = TestApp::spawn().await;
    let org = app.sign_up(OrganizationKind::Sponsor, "Acme").await;
    let http = reqwest::Client::new();
    let token = http
        .post(app.url("/v1/auth/token"))
        .json(&serde_json::json!({
            "grant_type": "password", "email": org.admin_user.email, "password": PASSWORD
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(token.status(), 200);
    assert_eq!(token.headers()["cache-control"], "no-store");
    let key = http
        .post(app.url(&format!("/v1/organizations/{}/api-keys", org.id())))
        .bearer_auth(org.token().await)
        .json(&serde_json::json!({"name": "erp"}))
        .send()
        .await
        .unwrap();
    assert_eq!(key.status(), 201);
    assert_eq!(key.headers()["cache-control"], "no-store");
}
