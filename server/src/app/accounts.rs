//! Organisations, their users and API keys, and signing in.

//!
//! Security events (sign-ins, changes to users, passwords and keys) are logged under the
//! `cdmx::security` target where each commits, with ids and never secrets.

use std::time::Instant;

use cdmx_sdk::types::{
    ApiKey, ApiKeyScope, AuditAction, AuditObjectKind, ChangePasswordRequest, CreateApiKeyRequest,
    CreateUserRequest, CreatedApiKey, EventObjectKind, EventType, Me, Organization,
    OrganizationFilter, OrganizationKind, Page, PageParams, PrincipalKind, Role, SignUpRequest,
    SignUpResponse, TokenRequest, TokenResponse, User,
};

use super::events::{self, Change};
use super::pagination::list_by_id;
use super::{audit, views};
use crate::auth::policy::{Action, Resource, authorize, may_grant};
use crate::auth::token_versions::UserTokenState;
use crate::auth::{Principal, api_keys};
use crate::db::accounts::{
    self, ApiKeyRow, OrganizationQuery, OrganizationRow, UserRow, UserStatusChange,
};
use crate::db::{self, StoreError, new_id, now};
use crate::domain::accounts::{EmailAddress, NewApiKey, NewMember, PasswordChange, SignUp};
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
    let password_hash = state.passwords.hash(sign_up.admin.password.clone()).await?;
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

/// Exchanges a password or an API key for a bearer token. A deactivated user is
/// refused like a wrong password, so that the answer tells nothing of the account.
///
/// Limited per client address, and for passwords per account, which failed attempts
/// also slow down (`limits::backoff`); a refused attempt is a 429 and checks nothing.
/// Sign-ins naming a known user, failed or not, go into its organisation's audit trail
/// with the client address.
pub async fn issue_token(
    state: &AppState,
    client: &str,
    request: TokenRequest,
) -> Result<TokenResponse, ApiError> {
    state.limits.login_per_address.check(client)?;
    let (kind, id, organization_id, role, scopes, token_version) = match request {
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
            let valid = state.passwords.verify_login(password, stored).await?;
            let signed_in = valid && user.as_ref().is_some_and(UserRow::is_active);
            state.limits.record_login(&account, signed_in);
            if let Some(known) = &user {
                let action = if signed_in {
                    AuditAction::LoginSucceeded
                } else {
                    AuditAction::LoginFailed
                };
                audit::record_sign_in(state, known, action, client).await?;
            }
            let Some(user) = user.filter(|_| signed_in) else {
                tracing::warn!(
                    target: "cdmx::security",
                    event = "login_failed",
                    grant = "password",
                    email = %account,
                    client,
                );
                return Err(ApiError::Unauthorized(BAD_CREDENTIALS.into()));
            };
            tracing::info!(
                target: "cdmx::security",
                event = "login_succeeded",
                grant = "password",
                user_id = %user.id,
                organization_id = %user.organization_id,
                client,
            );
            (
                PrincipalKind::User,
                user.id,
                user.organization_id,
                user.role,
                ApiKeyScope::ALL.to_vec(),
                Some(user.token_version),
            )
        }
        TokenRequest::ApiKey { api_key } => {
            let refuse = |prefix: Option<&str>| {
                tracing::warn!(
                    target: "cdmx::security",
                    event = "login_failed",
                    grant = "api_key",
                    key_prefix = prefix.unwrap_or("(malformed)"),
                );
                ApiError::Unauthorized(BAD_CREDENTIALS.into())
            };
            let prefix = api_keys::prefix_of(&api_key)
                .ok_or_else(|| refuse(None))?
                .to_owned();
            let lookup = prefix.clone();
            let key = state
                .db
                .run(move |c| accounts::find_api_key_by_prefix(c, &lookup))
                .await?
                .filter(|k| api_keys::matches(&api_key, &k.secret_hash) && k.revoked_at.is_none())
                .ok_or_else(|| refuse(Some(prefix.as_str())))?;
            let key_id = key.id.clone();
            let event = db::audit::NewAuditEvent {
                organization_id: key.organization_id.clone(),
                action: AuditAction::ApiKeyUsed,
                actor: db::audit::Actor {
                    kind: Some(PrincipalKind::ApiKey),
                    id: Some(key.id.clone()),
                    organization_id: Some(key.organization_id.clone()),
                },
                object_kind: AuditObjectKind::ApiKey,
                object_id: key.id.clone(),
                client_address: Some(client.to_owned()).filter(|c| !c.is_empty()),
                detail: None,
            };
            state
                .db
                .write(move |c| {
                    accounts::touch_api_key(c, &key_id)?;
                    db::audit::record(c, event)
                })
                .await?;
            tracing::info!(
                target: "cdmx::security",
                event = "login_succeeded",
                grant = "api_key",
                api_key_id = %key.id,
                organization_id = %key.organization_id,
            );
            let scopes = key.scopes();
            (
                PrincipalKind::ApiKey,
                key.id,
                key.organization_id,
                key.role,
                scopes,
                None,
            )
        }
    };
    let org_id = organization_id.clone();
    let organization = state
        .db
        .run(move |c| accounts::find_organization(c, &org_id))
        .await?;
    state.tokens.issue(
        &Principal {
            kind,
            id,
            organization_id,
            organization_kind: organization.kind,
            role,
            scopes,
        },
        token_version,
    )
}

/// Signs the caller out everywhere: every token of the user stops working, in this
/// process at once and in others within the token check cache time. Users only.
pub async fn logout(state: &AppState, principal: &Principal) -> Result<(), ApiError> {
    authorize(principal, Action::ManageOwnAccount, Resource::Marketplace)?;
    let user_id = principal.id.clone();
    change_own_account(state, principal, AuditAction::LoggedOut, move |c| {
        accounts::revoke_user_tokens(c, &user_id)
    })
    .await
}

/// Changes the caller's own password, given the current one; every token of the user
/// stops working (sign in again with the new password). Users only.
pub async fn change_password(
    state: &AppState,
    principal: &Principal,
    request: ChangePasswordRequest,
) -> Result<(), ApiError> {
    authorize(principal, Action::ManageOwnAccount, Resource::Marketplace)?;
    let change = PasswordChange::parse(&request)?;
    let user_id = principal.id.clone();
    let user = state
        .db
        .run(move |c| accounts::find_user(c, &user_id))
        .await?;
    let valid = state
        .passwords
        .verify(change.current.clone(), user.password_hash.clone())
        .await?;
    if !valid {
        tracing::warn!(
            target: "cdmx::security",
            event = "password_change_failed",
            user_id = %user.id,
        );
        return Err(ApiError::invalid_field(
            "current_password",
            "is not your current password",
        ));
    }
    let password_hash = state.passwords.hash(change.new).await?;
    let user_id = user.id.clone();
    change_own_account(state, principal, AuditAction::PasswordChanged, move |c| {
        accounts::change_password(c, &user_id, &password_hash)
    })
    .await
}

/// Applies a change the caller makes to its own account that ends its tokens (logout, a
/// new password): the change and its audit event in one transaction, then this
/// process's token cache and the security log.
async fn change_own_account(
    state: &AppState,
    principal: &Principal,
    action: AuditAction,
    change: impl FnOnce(&mut db::DbConnection) -> db::StoreResult<UserRow> + Send + 'static,
) -> Result<(), ApiError> {
    let event = audit::by(
        principal,
        &principal.organization_id,
        action,
        AuditObjectKind::User,
        &principal.id,
    );
    let user = state
        .db
        .write(move |c| {
            let user = change(c)?;
            db::audit::record(c, event)?;
            Ok(user)
        })
        .await?;
    remember_token_state(state, &user);
    tracing::info!(
        target: "cdmx::security",
        event = action.as_str(),
        user_id = %user.id,
        organization_id = %user.organization_id,
    );
    Ok(())
}

/// Makes a change to a user's tokens immediate in this process.
fn remember_token_state(state: &AppState, user: &UserRow) {
    state
        .token_versions
        .remember(&user.id, UserTokenState::of(user), Instant::now());
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
        scopes: (principal.kind == PrincipalKind::ApiKey).then(|| principal.scopes.clone()),
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
    let event = audit::by(
        principal,
        &id,
        AuditAction::OrganizationVerified,
        AuditObjectKind::Organization,
        &id,
    );
    let actor = events::actor(principal);
    state
        .db
        .write_or_refuse(move |c| -> Result<Organization, ApiError> {
            let current = accounts::find_organization(c, &id)?;
            if current.kind == OrganizationKind::Platform {
                return Err(ApiError::Conflict(
                    "platform organisations are verified by construction".into(),
                ));
            }
            let verified = accounts::verify_organization(c, &id, &verifier)?;
            db::audit::record(c, event)?;
            let view = views::organization(verified)?;
            // Told to the organisation verified (the operator has its audit trail).
            let change = Change::new(
                EventType::OrganizationVerified,
                EventObjectKind::Organization,
                &id,
                Some(actor),
            );
            events::record(c, vec![change.to(&id, &view)?], now())?;
            Ok(view)
        })
        .await
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
    // A user may do everything its role allows: the creator must hold all of it.
    may_grant(principal, member.role, ApiKeyScope::ALL)?;
    let password_hash = state
        .passwords
        .hash(member.account.password.clone())
        .await?;
    let user = UserRow::new(
        &organization_id,
        member.account.email.as_str(),
        password_hash,
        member.role,
    );
    let event = audit::by(
        principal,
        &user.organization_id,
        AuditAction::UserCreated,
        AuditObjectKind::User,
        &user.id,
    );
    let user = state
        .db
        .write(move |c| {
            accounts::insert_user(c, &user)?;
            db::audit::record(c, event)?;
            Ok(user)
        })
        .await?;
    tracing::info!(
        target: "cdmx::security",
        event = "user_created",
        user_id = %user.id,
        organization_id = %user.organization_id,
        role = %user.role,
        by = %principal.id,
    );
    views::user(user)
}

/// Deactivates a user of the organisation (its admins): it can no longer sign in and
/// its tokens stop working. 409 for the organisation's last active admin.
pub async fn deactivate_user(
    state: &AppState,
    principal: &Principal,
    organization_id: String,
    user_id: String,
) -> Result<User, ApiError> {
    let user = change_user_status(
        state,
        principal,
        organization_id,
        user_id,
        UserStatusChange::Deactivate,
    )
    .await?;
    views::user(user)
}

/// Reactivates a deactivated user (the organisation's admins): it may sign in again;
/// the tokens it had stay revoked.
pub async fn reactivate_user(
    state: &AppState,
    principal: &Principal,
    organization_id: String,
    user_id: String,
) -> Result<User, ApiError> {
    let user = change_user_status(
        state,
        principal,
        organization_id,
        user_id,
        UserStatusChange::Reactivate,
    )
    .await?;
    views::user(user)
}

/// Deletes a user of the organisation (its admins): its email and password are erased
/// and its tokens stop working. 409 for the organisation's last active admin.
pub async fn delete_user(
    state: &AppState,
    principal: &Principal,
    organization_id: String,
    user_id: String,
) -> Result<(), ApiError> {
    change_user_status(
        state,
        principal,
        organization_id,
        user_id,
        UserStatusChange::Delete,
    )
    .await?;
    Ok(())
}

async fn change_user_status(
    state: &AppState,
    principal: &Principal,
    organization_id: String,
    user_id: String,
    change: UserStatusChange,
) -> Result<UserRow, ApiError> {
    authorize(
        principal,
        Action::ManageMembers,
        Resource::OwnedBy(&organization_id),
    )?;
    let action = match change {
        UserStatusChange::Deactivate => AuditAction::UserDeactivated,
        UserStatusChange::Reactivate => AuditAction::UserReactivated,
        UserStatusChange::Delete => AuditAction::UserDeleted,
    };
    let event = audit::by(
        principal,
        &organization_id,
        action,
        AuditObjectKind::User,
        &user_id,
    );
    let user = state
        .db
        .write(move |c| {
            let user = accounts::change_user_status(c, &organization_id, &user_id, change)?;
            db::audit::record(c, event)?;
            Ok(user)
        })
        .await?;
    remember_token_state(state, &user);
    tracing::info!(
        target: "cdmx::security",
        event = action.as_str(),
        user_id = %user.id,
        organization_id = %user.organization_id,
        by = %principal.id,
    );
    Ok(user)
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
    let scopes = request.scopes.unwrap_or_else(|| principal.scopes.clone());
    may_grant(principal, request.role, &scopes)?;
    let generated = api_keys::generate()?;
    let by_key = principal.kind == PrincipalKind::ApiKey;
    let row = ApiKeyRow {
        id: new_id(),
        organization_id,
        name: request.name,
        prefix: generated.prefix,
        secret_hash: generated.hash,
        role: request.role,
        created_by: (!by_key).then(|| principal.id.clone()),
        created_at: now(),
        last_used_at: None,
        revoked_at: None,
        scopes: accounts::encode_scopes(&scopes),
        created_by_key: by_key.then(|| principal.id.clone()),
    };
    let mut event = audit::by(
        principal,
        &row.organization_id,
        AuditAction::ApiKeyCreated,
        AuditObjectKind::ApiKey,
        &row.id,
    );
    event.detail = Some(format!("{} ({})", row.name, row.prefix));
    let row = state
        .db
        .write(move |c| {
            accounts::insert_api_key(c, &row)?;
            db::audit::record(c, event)?;
            Ok(row)
        })
        .await?;
    tracing::info!(
        target: "cdmx::security",
        event = "api_key_created",
        api_key_id = %row.id,
        key_prefix = %row.prefix,
        organization_id = %row.organization_id,
        role = %row.role,
        scopes = %row.scopes,
        by = %principal.id,
    );
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

/// Revokes an API key (organisation admins) and every key created through it: they
/// stop working at once.
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
    let by = principal.clone();
    let revoked = state
        .db
        .write(move |c| {
            let revoked = accounts::revoke_api_key(c, &organization_id, &key_id)?;
            // One event per key: the one asked for and each created through it.
            for api_key_id in &revoked {
                let mut event = audit::by(
                    &by,
                    &organization_id,
                    AuditAction::ApiKeyRevoked,
                    AuditObjectKind::ApiKey,
                    api_key_id,
                );
                if *api_key_id != key_id {
                    event.detail = Some(format!("created through the revoked key {key_id}"));
                }
                db::audit::record(c, event)?;
            }
            Ok(revoked)
        })
        .await?;
    for api_key_id in &revoked {
        tracing::info!(
            target: "cdmx::security",
            event = "api_key_revoked",
            api_key_id = %api_key_id,
            by = %principal.id,
        );
    }
    Ok(())
}
