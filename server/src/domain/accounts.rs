//! Organisations, users and API keys: what a valid one is.

use cdmx_sdk::types::{
    ApiKeyScope, ChangePasswordRequest, CreateApiKeyRequest, CreateUserRequest, NewUser,
    OrganizationKind, Role, SignUpRequest,
};

use super::{Violations, input};

/// A trimmed, lower-cased email address of plausible shape. Deliverability is not
/// checked here; that needs a mail round trip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err("is required".into());
        }
        if email.len() > 254 {
            return Err("must be at most 254 characters".into());
        }
        let Some((local, domain)) = email.split_once('@') else {
            return Err("must be an email address such as name@example.com".into());
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..");
        if local.is_empty()
            || !domain_ok
            || email.chars().any(|c| c.is_whitespace() || c.is_control())
            || domain.contains('@')
        {
            return Err("must be an email address such as name@example.com".into());
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password long enough to resist guessing. Length is what matters (NIST SP 800-63B);
/// composition rules are not imposed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Password {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 256;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let chars = raw.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(format!("must be at least {} characters", Self::MIN_CHARS));
        }
        if chars > Self::MAX_CHARS {
            return Err(format!("must be at most {} characters", Self::MAX_CHARS));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Credentials of a user about to be created.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: EmailAddress,
    pub password: Password,
}

fn check_new_user(v: &mut Violations, prefix: &str, user: &NewUser) -> Option<NewAccount> {
    let email = v.check(&format!("{prefix}email"), EmailAddress::parse(&user.email));
    let password = v.check(
        &format!("{prefix}password"),
        Password::parse(&user.password),
    );
    Some(NewAccount {
        email: email?,
        password: password?,
    })
}

/// A valid sign-up.
#[derive(Debug, Clone)]
pub struct SignUp {
    pub name: String,
    pub kind: OrganizationKind,
    pub admin: NewAccount,
}

impl SignUp {
    pub fn parse(request: &SignUpRequest) -> Result<Self, Violations> {
        let mut v = Violations::new();
        let name = v.check("name", input::parse_name(&request.name, 200));
        if request.kind == OrganizationKind::Platform {
            v.add(
                "kind",
                "must be `sponsor` or `cdmo`; platform organisations are created by operators",
            );
        }
        let admin = check_new_user(&mut v, "admin.", &request.admin);
        v.into_result(|| {
            Some(Self {
                name: name?,
                kind: request.kind,
                admin: admin?,
            })
        })
    }

    /// Self-service organisations start unverified; a platform admin verifies them.
    pub fn starts_verified(&self) -> bool {
        false
    }
}

/// A valid request to add a user to an organisation.
#[derive(Debug, Clone)]
pub struct NewMember {
    pub account: NewAccount,
    pub role: Role,
}

impl NewMember {
    pub fn parse(request: &CreateUserRequest) -> Result<Self, Violations> {
        let mut v = Violations::new();
        let account = check_new_user(
            &mut v,
            "",
            &NewUser {
                email: request.email.clone(),
                password: request.password.clone(),
            },
        );
        v.into_result(|| {
            Some(Self {
                account: account?,
                role: request.role,
            })
        })
    }
}

/// A valid request for a new API key.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub name: String,
    pub role: Role,
    /// The scopes asked for, in [`ApiKeyScope::ALL`] order; `None`: the creator's own.
    pub scopes: Option<Vec<ApiKeyScope>>,
}

impl NewApiKey {
    pub fn parse(request: &CreateApiKeyRequest) -> Result<Self, Violations> {
        let mut v = Violations::new();
        let name = v.check("name", input::parse_name(&request.name, 100));
        let scopes = match &request.scopes {
            None => Some(None),
            Some(scopes) => v.check("scopes", parse_scopes(scopes)).map(Some),
        };
        v.into_result(|| {
            Some(Self {
                name: name?,
                role: request.role.unwrap_or(Role::Member),
                scopes: scopes?,
            })
        })
    }
}

/// A non-empty list of known scopes without repeats, put in [`ApiKeyScope::ALL`] order.
fn parse_scopes(scopes: &[ApiKeyScope]) -> Result<Vec<ApiKeyScope>, String> {
    if scopes.is_empty() {
        return Err("must name at least one scope".into());
    }
    let mut sorted = scopes.to_vec();
    sorted.sort_by_key(|s| ApiKeyScope::ALL.iter().position(|known| known == s));
    if sorted.windows(2).any(|pair| pair[0] == pair[1]) {
        return Err("must not name a scope twice".into());
    }
    if sorted.contains(&ApiKeyScope::Unknown) {
        return Err(format!(
            "must name known scopes: {}",
            ApiKeyScope::WIRE_NAMES.join(", ")
        ));
    }
    Ok(sorted)
}

/// A valid password change: the current password as given (checked against the stored
/// hash by the caller) and the new one.
#[derive(Debug, Clone)]
pub struct PasswordChange {
    pub current: String,
    pub new: Password,
}

impl PasswordChange {
    pub fn parse(request: &ChangePasswordRequest) -> Result<Self, Violations> {
        let mut v = Violations::new();
        if request.current_password.is_empty() {
            v.add("current_password", "is required");
        }
        let new = v.check("new_password", Password::parse(&request.new_password));
        if request.new_password == request.current_password {
            v.add("new_password", "must differ from the current password");
        }
        v.into_result(|| {
            Some(Self {
                current: request.current_password.clone(),
                new: new?,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign_up(name: &str, kind: OrganizationKind, email: &str, password: &str) -> SignUpRequest {
        SignUpRequest {
            name: name.into(),
            kind,
            admin: NewUser {
                email: email.into(),
                password: password.into(),
            },
        }
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            EmailAddress::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "a@b@c.com",
            "ada@.com",
            "ada@example..com",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn passwords_need_twelve_characters_counted_as_characters() {
        assert!(Password::parse("elevenchars").is_err());
        assert!(Password::parse("twelve chars").is_ok());
        // 12 multi-byte characters are 12 characters, not 24+ bytes.
        assert!(Password::parse("ééééééééééé").is_err());
        assert!(Password::parse(&"x".repeat(257)).is_err());
        assert_eq!(
            format!("{:?}", Password::parse("twelve chars").unwrap()),
            "Password(***)"
        );
    }

    #[test]
    fn sign_up_reports_every_bad_field_at_once() {
        let err =
            SignUp::parse(&sign_up(" ", OrganizationKind::Platform, "nope", "short")).unwrap_err();
        let fields: Vec<String> = err.into_iter().map(|v| v.field).collect();
        assert_eq!(fields, ["name", "kind", "admin.email", "admin.password"]);
    }

    #[test]
    fn valid_sign_up_is_trimmed_and_unverified() {
        let s = SignUp::parse(&sign_up(
            "  Helix Cell Works ",
            OrganizationKind::Cdmo,
            "QA@helix.example",
            "correct horse battery",
        ))
        .unwrap();
        assert_eq!(s.name, "Helix Cell Works");
        assert_eq!(s.admin.email.as_str(), "qa@helix.example");
        assert!(!s.starts_verified());
    }

    #[test]
    fn api_keys_default_to_member_role() {
        let key = NewApiKey::parse(&CreateApiKeyRequest::new("ERP sync")).unwrap();
        assert_eq!(key.role, Role::Member);
        assert_eq!(
            key.scopes, None,
            "the creator's scopes, decided by the caller"
        );
        assert!(NewApiKey::parse(&CreateApiKeyRequest::new("")).is_err());
    }

    fn fields(violations: Violations) -> Vec<String> {
        violations.into_iter().map(|v| v.field).collect()
    }

    #[test]
    fn api_key_scopes_are_ordered_and_neither_empty_nor_repeated() {
        let ask = |scopes: Vec<ApiKeyScope>| {
            NewApiKey::parse(&CreateApiKeyRequest {
                scopes: Some(scopes),
                ..CreateApiKeyRequest::new("ERP sync")
            })
        };
        let key = ask(vec![ApiKeyScope::Admin, ApiKeyScope::Read]).unwrap();
        assert_eq!(
            key.scopes,
            Some(vec![ApiKeyScope::Read, ApiKeyScope::Admin])
        );
        for bad in [
            vec![],
            vec![ApiKeyScope::Read, ApiKeyScope::Read],
            vec![ApiKeyScope::Unknown],
        ] {
            let violations = ask(bad.clone()).unwrap_err();
            assert_eq!(fields(violations), vec!["scopes"], "{bad:?}");
        }
    }

    #[test]
    fn a_password_change_needs_a_new_valid_password() {
        let change = |current: &str, new: &str| {
            PasswordChange::parse(&ChangePasswordRequest {
                current_password: current.into(),
                new_password: new.into(),
            })
        };
        assert!(change("old password here", "a new long password").is_ok());
        assert_eq!(
            fields(change("old password here", "short").unwrap_err()),
            vec!["new_password"]
        );
        assert_eq!(
            fields(change("same password here", "same password here").unwrap_err()),
            vec!["new_password"]
        );
        assert_eq!(
            fields(change("", "a new long password").unwrap_err()),
            vec!["current_password"]
        );
    }
}
