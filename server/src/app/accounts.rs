//! Organisations, their users and API keys, and signing in.

use cdmx_sdk::types::{
    ApiKey, CreateApiKeyRequest, CreateUserRequest, CreatedApiKey, Me, Organization,
    OrganizationFilter, OrganizationKind, Page, PageParams, PrincipalKind, Role, SignUpRequest,
    SignUpResponse, TokenRequest, TokenResponse, User,
};

use super::pagination::list_by_id;
use super::views;
use crate::auth::policy::{Action, Resource, authorize};
use crate::auth::{Principal, api_keys, passwords};
use crate::db::accounts::{self, ApiKeyRow, OrganizationQuery, OrganizationRow, UserRow};
use crate::db::{StoreError, new_id, now};
use crate::domain::accounts::{EmailAddress, NewApiKey, NewMember, SignUp};
use crate::error::ApiError;
use crate::startup::AppState;

/// The one answer to every failed sign-in, so that it tells nothing about which part
/// was wrong.
const BAD_CREDENTIALS: &str = "the credentials are not valid";

/// Signs up a sponsor or CDMO organisation with its first admin; it starts unverified.
///
/// An email that is already registered gets the same answer as a new one (201, an
/// organisation and admin of the same shape, after the same password hashing), but
/// nothing is stored: the caller cannot tell from the answer whether the address has an
/// account. Its owner still signs in as before; the caller's new password opens nothing.
pub async fn sign_up(
    state: &AppState,
    client: &str,
    request: SignUpRequest,
) -> Result<SignUpResponse, ApiError> {
    state.limits.signup_per_address.check(client)?;
    let sign_up = SignUp::parse(&request)?;
    state
        .limits
        .signup_per_account
        .check(sign_up.admin.email.as_str())?;
    let password_hash = passwords::hash_off_thread(sign_up.admin.password.clone()).await?;
    let organization = OrganizationRow {
        id: new_id(),
        name: sign_up.name.clone(),
        kind: sign_up.kind,
        verified: sign_up.starts_verified(),
        verified_at: None,
        verified_by: None,
        created_at: now(),
    };
    let admin = UserRow::new(
        &organization.id,
        sign_up.admin.email.as_str(),
        password_hash,
        Role::Admin,
    );
    let (stored_organization, stored_admin) = (organization.clone(), admin.clone());
    let stored = state
        .db
        .write(move |c| accounts::sign_up(c, &stored_organization, &stored_admin))
        .await;
    match stored {
        Ok(()) => {}
        // The only unique column a sign-up writes is the admin's email.
        Err(StoreError::Conflict(_)) => {
            tracing::info!("sign-up with a registered email: answered alike, nothing stored");
        }
        Err(other) => return Err(other.into()),
    }
    Ok(SignUpResponse {
        organization: views::organization(organization)?,
        admin: views::user(admin)?,
    })
}

/// Exchanges a password or an API key for a bearer token.
///
/// Limited per client address, and for passwords per account, which failed attempts
/// also slow down (`limits::backoff`); a refused attempt is a 429 and checks nothing.
pub async fn issue_token(
    state: &AppState,
    client: &str,
    request: TokenRequest,
) -> Result<TokenResponse, ApiError> {
    state.limits.login_per_address.check(client)?;
    let (kind, id, organization_id, role) = match request {
        TokenRequest::Password { email, password } => {
            // The same normalisation as at sign-up; an unreadable address matches no one
            // but still costs a hash, so that timing does not tell it apart.
            let parsed = EmailAddress::parse(&email).ok();
            let account = parsed
                .as_ref()
                .map_or_else(|| email.trim().to_lowercase(), |e| e.as_str().to_owned());
            state.limits.login_per_account.check(&account)?;
            state.limits.check_login_failures(&account)?;
            let user = match parsed {
                Some(email) => {
                    state
                        .db
                        .run(move |c| accounts::find_user_by_email(c, email.as_str()))
                        .await?
                }
                None => None,
            };
            let stored = user.as_ref().map(|u| u.password_hash.clone());
            let valid = crate::telemetry::blocking(move || {
                passwords::verify_login(&password, stored.as_deref())
            })
            .await
            .map_err(ApiError::internal)?;
            let user = user.filter(|_| valid);
            state.limits.record_login(&account, user.is_some());
            let user = user.ok_or_else(|| ApiError::Unauthorized(BAD_CREDENTIALS.into()))?;
            (
                PrincipalKind::User,
                user.id,
                user.organization_id,
                user.role,
            )
        }
        TokenRequest::ApiKey { api_key } => {
            let prefix = api_keys::prefix_of(&api_key)
                .ok_or_else(|| ApiError::Unauthorized(BAD_CREDENTIALS.into()))?
                .to_owned();
            let key = state
                .db
                .run(move |c| accounts::find_api_key_by_prefix(c, &prefix))
                .await?
                .filter(|k| api_keys::matches(&api_key, &k.secret_hash) && k.revoked_at.is_none())
                .ok_or_else(|| ApiError::Unauthorized(BAD_CREDENTIALS.into()))?;
            let key_id = key.id.clone();
            state
                .db
                .write(move |c| accounts::touch_api_key(c, &key_id))
                .await?;
            (PrincipalKind::ApiKey, key.id, key.organization_id, key.role)
        }
    };
    let org_id = organization_id.clone();
    let organization = state
        .db
        .run(move |c| accounts::find_organization(c, &org_id))
        .await?;
    state.tokens.issue(&Principal {
        kind,
        id,
        organization_id,
        organization_kind: organization.kind,
        role,
    })
}

/// Who the caller is: the user or API key, its organisation and role.
pub async fn me(state: &AppState, principal: &Principal) -> Result<Me, ApiError> {
    let p = principal.clone();
    let (organization, email, api_key_name) = state
        .db
        .run(move |c| {
            let organization = accounts::find_organization(c, &p.organization_id)?;
            Ok(match p.kind {
                PrincipalKind::ApiKey => (
                    organization,
                    None,
                    Some(accounts::find_api_key(c, &p.id)?.name),
                ),
                // A principal is a user or an API key (the server decodes kinds strictly).
                _ => (
                    organization,
                    Some(accounts::find_user(c, &p.id)?.email),
                    None,
                ),
            })
        })
        .await?;
    Ok(Me {
        principal_kind: principal.kind,
        principal_id: principal.id.clone(),
        email,
        api_key_name,
        role: principal.role,
        organization: views::organization(organization)?,
    })
}

/// Organisations: platform operators see all; everyone else only its own.
pub async fn list_organizations(
    state: &AppState,
    principal: &Principal,
    filter: OrganizationFilter,
) -> Result<Page<Organization>, ApiError> {
    let operator = principal.organization_kind == OrganizationKind::Platform;
    let query = OrganizationQuery {
        only_id: (!operator).then(|| principal.organization_id.clone()),
        kind: filter.kind,
        verified: filter.verified,
    };
    list_by_id(
        &state.db,
        filter.limit,
        filter.cursor.as_deref(),
        move |c, keyset| accounts::list_organizations(c, &query, keyset),
        |r| &r.id,
        views::organization,
    )
    .await
}

/// One organisation: its own members and platform operators.
pub async fn get_organization(
    state: &AppState,
    principal: &Principal,
    id: String,
) -> Result<Organization, ApiError> {
    authorize(principal, Action::ReadOrganization, Resource::OwnedBy(&id))?;
    let row = state
        .db
        .run(move |c| accounts::find_organization(c, &id))
        .await?;
    views::organization(row)
}

/// Verifies an organisation (platform admins); verifying again changes nothing.
pub async fn verify_organization(
    state: &AppState,
    principal: &Principal,
    id: String,
) -> Result<Organization, ApiError> {
    authorize(
        principal,
        Action::VerifyOrganization,
        Resource::OwnedBy(&id),
    )?;
    let verifier = principal.id.clone();
    let row = state
        .db
        .write(move |c| {
            let current = accounts::find_organization(c, &id)?;
            if current.kind == OrganizationKind::Platform {
                return Err(StoreError::Conflict(
                    "platform organisations are verified by construction".into(),
                ));
            }
            accounts::verify_organization(c, &id, &verifier)
        })
        .await?;
    views::organization(row)
}

/// Adds a user to an organisation (its admins).
pub async fn create_user(
    state: &AppState,
    principal: &Principal,
    organization_id: String,
    request: CreateUserRequest,
) -> Result<User, ApiError> {
    authorize(
        principal,
        Action::ManageMembers,
        Resource::OwnedBy(&organization_id),
    )?;
    let member = NewMember::parse(&request)?;
    let password_hash = passwords::hash_off_thread(member.account.password.clone()).await?;
    let user = UserRow::new(
        &organization_id,
        member.account.email.as_str(),
        password_hash,
        member.role,
    );
    let user = state
        .db
        .write(move |c| {
            accounts::insert_user(c, &user)?;
            Ok(user)
        })
        .await?;
    views::user(user)
}

/// An organisation's users (its members).
pub async fn list_users(
    state: &AppState,
    principal: &Principal,
    organization_id: String,
    params: PageParams,
) -> Result<Page<User>, ApiError> {
    authorize(
        principal,
        Action::ListMembers,
        Resource::OwnedBy(&organization_id),
    )?;
    list_by_id(
        &state.db,
        params.limit,
        params.cursor.as_deref(),
        move |c, keyset| accounts::list_users(c, &organization_id, keyset),
        |r| &r.id,
        views::user,
    )
    .await
}

/// Creates an API key (organisation admins); the secret is returned this once.
pub async fn create_api_key(
    state: &AppState,
    principal: &Principal,
    organization_id: String,
    request: CreateApiKeyRequest,
) -> Result<CreatedApiKey, ApiError> {
    authorize(
        principal,
        Action::ManageApiKeys,
        Resource::OwnedBy(&organization_id),
    )?;
    let request = NewApiKey::parse(&request)?;
    let generated = api_keys::generate()?;
    let row = ApiKeyRow {
        id: new_id(),
        organization_id,
        name: request.name,
        prefix: generated.prefix,
        secret_hash: generated.hash,
        role: request.role,
        created_by: (principal.kind == PrincipalKind::User).then(|| principal.id.clone()),
        created_at: now(),
        last_used_at: None,
        revoked_at: None,
    };
    let row = state
        .db
        .write(move |c| {
            accounts::insert_api_key(c, &row)?;
            Ok(row)
        })
        .await?;
    Ok(CreatedApiKey {
        api_key: views::api_key(row)?,
        secret: generated.secret,
    })
}

/// An organisation's API keys, revoked ones included (organisation admins).
pub async fn list_api_keys(
    state: &AppState,
    principal: &Principal,
    organization_id: String,
    params: PageParams,
) -> Result<Page<ApiKey>, ApiError> {
    authorize(
        principal,
        Action::ManageApiKeys,
        Resource::OwnedBy(&organization_id),
    )?;
    list_by_id(
        &state.db,
        params.limit,
        params.cursor.as_deref(),
        move |c, keyset| accounts::list_api_keys(c, &organization_id, keyset),
        |r| &r.id,
        views::api_key,
    )
    .await
}

/// Revokes an API key (organisation admins): it stops working at once.
pub async fn revoke_api_key(
    state: &AppState,
    principal: &Principal,
    organization_id: String,
    key_id: String,
) -> Result<(), ApiError> {
    authorize(
        principal,
        Action::ManageApiKeys,
        Resource::OwnedBy(&organization_id),
    )?;
    state
        .db
        .write(move |c| accounts::revoke_api_key(c, &organization_id, &key_id))
        .await?;
    Ok(())
}
