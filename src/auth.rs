//! How requests prove who sends them: HTTP Basic on every request, or a JSON
//! Web Token from the gateway's login, renewed before it expires.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::RequestBuilder;
use secrecy::{ExposeSecret, SecretString};
use tracing::debug;

use crate::client::{Client, Credentials};
use crate::error::Result;

/// How a client authenticates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthMethod {
    /// HTTP Basic on every request, to the platform's API host; what the
    /// Python SDK does.
    #[default]
    Basic,
    /// A JSON Web Token from `POST {gateway}/auth`, sent as
    /// `Authorization: Bearer` to the platform's gateway host. The token is
    /// fetched on the first request, renewed shortly before its `exp`, and
    /// once more if the service answers 401.
    Jwt,
}

/// A token's lifetime when its payload says nothing: the service's tokens
/// last about four hours.
const ASSUMED_LIFETIME: Duration = Duration::from_secs(4 * 60 * 60 - 10 * 60);

/// How long before its expiry a token is renewed, at most.
const RENEWAL_MARGIN: Duration = Duration::from_secs(60);

/// The credentials of a client and, for JWT, the token in use.
pub(crate) struct Authenticator {
    credentials: Credentials,
    method: AuthMethod,
    token: tokio::sync::Mutex<Option<Token>>,
}

struct Token {
    secret: SecretString,
    renew_at: SystemTime,
    /// Counts logins, so that a 401 invalidates only the token it was given
    /// for, not a fresher one another request already fetched.
    generation: u64,
}

impl Authenticator {
    pub(crate) fn new(credentials: Credentials, method: AuthMethod) -> Authenticator {
        Authenticator { credentials, method, token: tokio::sync::Mutex::new(None) }
    }

    #[cfg(test)]
    pub(crate) fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Adds the `Authorization` header, logging in first when JWT needs a
    /// token. Returns the token's generation for [`Self::invalidate`].
    pub(crate) async fn apply(
        &self,
        client: &Client,
        request: RequestBuilder,
    ) -> Result<(RequestBuilder, Option<u64>)> {
        match self.method {
            AuthMethod::Basic => {
                let (user, password) = (self.credentials.username(), self.credentials.password());
                Ok((request.basic_auth(user, Some(password)), None))
            }
            AuthMethod::Jwt => {
                let (secret, generation) = self.token(client).await?;
                Ok((request.bearer_auth(secret.expose_secret()), Some(generation)))
            }
        }
    }

    /// The current token, or a new one when there is none or it is about to
    /// expire. The lock is held during a login so that requests in flight
    /// together log in once.
    async fn token(&self, client: &Client) -> Result<(SecretString, u64)> {
        let mut slot = self.token.lock().await;
        if let Some(token) = slot.as_ref() {
            if SystemTime::now() < token.renew_at {
                return Ok((token.secret.clone(), token.generation));
            }
            debug!("the token is about to expire; logging in again");
        }

        let text = crate::http::login(client, &self.credentials).await?;
        let generation = slot.as_ref().map_or(1, |t| t.generation + 1);
        let renew_at = renewal_time(&text, SystemTime::now());
        debug!(generation, "logged in");
        let token = Token { secret: SecretString::from(text), renew_at, generation };
        let current = (token.secret.clone(), generation);
        *slot = Some(token);
        Ok(current)
    }

    /// Forgets the token of `generation` after the service refused it.
    pub(crate) async fn invalidate(&self, generation: u64) {
        let mut slot = self.token.lock().await;
        if slot.as_ref().is_some_and(|t| t.generation == generation) {
            debug!(generation, "the service refused the token; it will be renewed");
            *slot = None;
        }
    }
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("method", &self.method)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

/// When to renew a token: a minute (or a tenth of its life, if shorter)
/// before the `exp` of its payload; without one, after the usual lifetime.
fn renewal_time(token: &str, now: SystemTime) -> SystemTime {
    let Some((issued, expires)) = claims(token) else {
        return now + ASSUMED_LIFETIME;
    };
    let life = expires.duration_since(issued.unwrap_or(now)).unwrap_or(Duration::ZERO);
    let margin = RENEWAL_MARGIN.min(life / 10);
    expires.checked_sub(margin).unwrap_or(expires)
}

/// `iat` and `exp` of a JWT's payload. The signature is not checked: the
/// service checks it, and the client only needs to know when to renew.
fn claims(token: &str) -> Option<(Option<SystemTime>, SystemTime)> {
    #[derive(serde::Deserialize)]
    struct Claims {
        exp: u64,
        iat: Option<u64>,
    }

    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: Claims = serde_json::from_slice(&bytes).ok()?;
    let at = |seconds| UNIX_EPOCH.checked_add(Duration::from_secs(seconds));
    Some((claims.iat.and_then(at), at(claims.exp)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(payload: &str) -> String {
        format!("e30.{}.sig", URL_SAFE_NO_PAD.encode(payload))
    }

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn renewal_is_a_minute_before_exp() {
        let renew = renewal_time(&token(r#"{"iat":1000,"exp":15400}"#), at(1000));
        assert_eq!(renew, at(15340));
    }

    #[test]
    fn short_tokens_are_renewed_a_tenth_of_their_life_early() {
        let renew = renewal_time(&token(r#"{"iat":1000,"exp":1100}"#), at(1000));
        assert_eq!(renew, at(1090));
    }

    #[test]
    fn tokens_without_claims_last_the_usual_time() {
        assert_eq!(renewal_time("opaque-token", at(0)), at(0) + ASSUMED_LIFETIME);
        assert_eq!(renewal_time(&token("not json"), at(0)), at(0) + ASSUMED_LIFETIME);
    }
}
