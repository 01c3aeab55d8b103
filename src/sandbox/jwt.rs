//! The sandbox's gateway login: `POST /auth` hands out tokens shaped like the
//! service's JWTs, and `Bearer` tokens it handed out are accepted until they
//! expire or are revoked.
//!
//! The tokens are not signed: the sandbox only needs to recognise its own, so
//! it keeps the ones it issued. Their payload carries `sub`, `iat` and `exp`
//! as the service's do, which is what a client reads.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;

/// The tokens issued so far, and how long a new one lasts.
#[derive(Debug)]
pub(super) struct Tokens {
    lifetime: Duration,
    issued: Mutex<Issued>,
}

#[derive(Debug, Default)]
struct Issued {
    /// Token text -> its expiry, in seconds since the epoch.
    live: HashMap<String, u64>,
    count: usize,
}

impl Tokens {
    pub(super) fn new(lifetime: Duration) -> Tokens {
        Tokens { lifetime, issued: Mutex::new(Issued::default()) }
    }

    /// A new token for `user`, valid for the configured lifetime.
    pub(super) fn issue(&self, user: &str) -> String {
        let mut issued = self.issued.lock().unwrap_or_else(PoisonError::into_inner);
        issued.count += 1;
        let now = unix_now();
        let exp = now + self.lifetime.as_secs().max(1);
        let header = json!({ "alg": "none", "typ": "JWT" });
        let payload = json!({ "sub": user, "iat": now, "exp": exp, "jti": issued.count });
        let token = format!(
            "{}.{}.sandbox",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(payload.to_string())
        );
        issued.live.insert(token.clone(), exp);
        token
    }

    /// Whether `token` was issued here, is not revoked and has not expired.
    pub(super) fn accepts(&self, token: &str) -> bool {
        let issued = self.issued.lock().unwrap_or_else(PoisonError::into_inner);
        issued.live.get(token).is_some_and(|&exp| unix_now() < exp)
    }

    /// Forgets every token, as a service restart or a password change would.
    pub(super) fn revoke_all(&self) {
        self.issued.lock().unwrap_or_else(PoisonError::into_inner).live.clear();
    }

    /// How many tokens were issued so far.
    pub(super) fn count(&self) -> usize {
        self.issued.lock().unwrap_or_else(PoisonError::into_inner).count
    }
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}
