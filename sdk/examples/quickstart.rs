//! Sign up a sponsor, sign in, create an API key and use it as a partner tool would.
//!
//! Start a server first (`cargo run --release -p cdmx-server`), then:
//!     cargo run -p cdmx-sdk --example quickstart
//! `CDMX_URL` points it at another server.

use cdmx_sdk::types::{CreateApiKeyRequest, NewUser, OrganizationKind, PageParams, SignUpRequest};
use cdmx_sdk::{Client, collect_pages};

#[tokio::main]
async fn main() -> Result<(), cdmx_sdk::Error> {
    let base_url = std::env::var("CDMX_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let anonymous = Client::builder(&base_url).build()?;

    // Unique per run, so the example can be run again against the same server.
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    let email = format!("procurement-{nonce}@acme-bio.example");
    let password = "a long and private passphrase";

    let signed_up = anonymous
        .create_organization(&SignUpRequest {
            name: "Acme Bio".into(),
            kind: OrganizationKind::Sponsor,
            admin: NewUser {
                email: email.clone(),
                password: password.into(),
            },
        })
        .await?;
    println!(
        "signed up {} ({})",
        signed_up.organization.name, signed_up.organization.id
    );

    let admin = anonymous.login(&email, password).await?;
    let org_id = signed_up.organization.id;

    let key = admin
        .create_api_key(
            &org_id,
            &CreateApiKeyRequest {
                name: "portfolio tool".into(),
                role: None,
                scopes: None,
            },
        )
        .await?;
    println!(
        "API key {} (store the secret now: it is shown once)",
        key.api_key.prefix
    );

    // A partner tool only needs the key: the client exchanges it for tokens.
    let partner = Client::builder(&base_url).api_key(key.secret).build()?;
    let me = partner.get_me().await?;
    println!("the key acts for {} as {:?}", me.organization.name, me.role);

    let users = collect_pages(|cursor| {
        let (client, org_id) = (admin.clone(), org_id.clone());
        async move {
            client
                .list_users(
                    &org_id,
                    &PageParams {
                        limit: Some(100),
                        cursor,
                    },
                )
                .await
        }
    })
    .await?;
    println!("{} user(s) in the organisation", users.len());
    Ok(())
}
