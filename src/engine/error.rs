//! The one error type of the engine, with the stable codes the JS layer exposes.
//!
//! Messages never contain secrets: they name fields, hosts and HTTP statuses,
//! never values of `client_secret`, `refresh_token`, access tokens or keys.

use std::time::Duration;

/// Everything that can go wrong while configuring a connector or getting a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectorError {
    /// The connection JSON was neither an object nor a readable JSON file.
    #[error(
        "The input passed to connector must be a valid JSON object or a string path to a JSON file"
    )]
    InvalidInput,
    /// Synchronous configuration validation (`getConnector`), unprefixed code like the JS package.
    #[error("{0}")]
    Validation(String),
    /// A required argument or response field is missing or empty.
    #[error("{0}")]
    InvalidArgument(String),
    /// A token URL that does not parse or is not http(s).
    #[error("The value of {field} is not a valid URL")]
    InvalidOAuthUrl {
        /// The configuration property holding the URL.
        field: &'static str,
    },
    /// A plain-http token URL to anything other than localhost.
    #[error("The value of {field} must use https (plain http is allowed only for localhost)")]
    InsecureOAuthUrl {
        /// The configuration property holding the URL.
        field: &'static str,
    },
    /// The provider answered with an OAuth `error` field (whatever the HTTP status).
    #[error("The token endpoint returned an error: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    OAuth {
        /// The provider's `error` value, e.g. `invalid_code`.
        error: String,
        /// The provider's `error_description`, when given.
        description: Option<String>,
        /// The HTTP status of the answer.
        status: u16,
        /// The answer's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },
    /// A non-success HTTP status with a JSON body that names no OAuth error.
    #[error("The token endpoint answered with HTTP status {status}")]
    HttpStatus {
        /// The HTTP status of the answer.
        status: u16,
        /// The answer's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },
    /// The token endpoint answered with something that is not a JSON object.
    #[error(
        "The token endpoint answered with a body that is not a JSON object (HTTP status {status})"
    )]
    InvalidResponse {
        /// The HTTP status of the answer.
        status: u16,
        /// The answer's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },
    /// The answer's `expires_in` is zero, negative or not a number: a token
    /// that is expired at birth is no token.
    #[error("The token endpoint answered with an unusable expires_in (zero, negative or not a number; HTTP status {status})")]
    UnusableLifetime {
        /// The HTTP status of the answer.
        status: u16,
    },
    /// The token endpoint could not be reached (DNS, connect, reset).
    #[error("The token endpoint at {host} could not be reached: {detail}")]
    Network {
        /// Host (and port) of the token endpoint.
        host: String,
        /// What failed, without any URL query or secret.
        detail: String,
    },
    /// The token endpoint did not answer in time.
    #[error("The token endpoint at {host} did not answer within {seconds} seconds")]
    Timeout {
        /// Host (and port) of the token endpoint.
        host: String,
        /// The total timeout that elapsed.
        seconds: u64,
    },
    /// `putAccessTokenInCache()` was called before any token was obtained.
    #[error("There is no access token to store yet: call getAccessToken() first")]
    NoAccessToken,
    /// A stored token is encrypted but the connector has no `secret_key`.
    #[error(
        "The stored access token is encrypted, but this connector has no secret_key to decrypt it"
    )]
    SecretKeyMissing,
    /// The store option is not a store this package can open.
    #[error("{0}")]
    InvalidStore(String),
    /// An explicit store write (`putAccessTokenInCache()`) failed.
    #[error("The token could not be written to the store: {0}")]
    StoreUnavailable(String),
    /// The connector handle is unknown (internal misuse of the binding).
    #[error("Unknown connector handle")]
    UnknownHandle,
    /// The provider rotates this connector's refresh token, and the fleet
    /// lease could not be had (the store is down or the lease stayed taken):
    /// refreshing without it could use a rotated-away refresh token twice.
    #[error("The refresh token rotates, and the fleet lease that keeps two processes from using it at once could not be had; the valid access token (if any) is still served: {0}")]
    LockUnavailable(String),
    /// A failure inside this package (a cancelled task), not the provider's.
    #[error("Internal error: {0}")]
    Internal(String),
    /// A refresh failed moments ago (here or, through the store, in another
    /// process) and the next attempt is not due yet: callers get that failure
    /// at once instead of sending another request.
    #[error("{error}")]
    BackedOff {
        /// The failure being backed off.
        error: Box<ConnectorError>,
        /// When the next attempt is due, epoch ms.
        retry_at_ms: i64,
    },
    /// A failure another process recorded in the shared store.
    #[error("{message}")]
    Reported {
        /// Its code (one of this enum's codes).
        code: &'static str,
        /// Its message.
        message: String,
        /// Its status code.
        status: u16,
    },
}

/// Every code an error can have, for turning a stored code back into one.
const CODES: &[&str] = &[
    "app/invalid_input",
    "INVALID_ARGUMENT",
    "app/INVALID_ARGUMENT",
    "app/INVALID_OAUTH_URL",
    "app/INSECURE_OAUTH_URL",
    "app/OAUTH_ERROR",
    "app/TOKEN_ENDPOINT_ERROR",
    "app/INVALID_RESPONSE",
    "app/NETWORK_ERROR",
    "app/TIMEOUT",
    "app/NO_ACCESS_TOKEN",
    "app/SECRET_KEY_MISSING",
    "app/INVALID_STORE",
    "app/STORE_UNAVAILABLE",
    "app/LOCK_UNAVAILABLE",
    "app/INTERNAL",
];

/// The static code equal to `code` (`app/TOKEN_ENDPOINT_ERROR` for an unknown one).
pub fn known_code(code: &str) -> &'static str {
    CODES
        .iter()
        .find(|known| **known == code)
        .copied()
        .unwrap_or("app/TOKEN_ENDPOINT_ERROR")
}

impl ConnectorError {
    /// The stable, documented error code.
    pub fn code(&self) -> &'static str {
        match self {
            ConnectorError::InvalidInput => "app/invalid_input",
            ConnectorError::Validation(_) => "INVALID_ARGUMENT",
            ConnectorError::InvalidArgument(_) => "app/INVALID_ARGUMENT",
            ConnectorError::InvalidOAuthUrl { .. } => "app/INVALID_OAUTH_URL",
            ConnectorError::InsecureOAuthUrl { .. } => "app/INSECURE_OAUTH_URL",
            ConnectorError::OAuth { .. } => "app/OAUTH_ERROR",
            ConnectorError::HttpStatus { .. } => "app/TOKEN_ENDPOINT_ERROR",
            ConnectorError::InvalidResponse { .. } => "app/INVALID_RESPONSE",
            ConnectorError::Network { .. } => "app/NETWORK_ERROR",
            ConnectorError::Timeout { .. } => "app/TIMEOUT",
            ConnectorError::NoAccessToken => "app/NO_ACCESS_TOKEN",
            ConnectorError::SecretKeyMissing => "app/SECRET_KEY_MISSING",
            ConnectorError::InvalidStore(_) => "app/INVALID_STORE",
            ConnectorError::StoreUnavailable(_) => "app/STORE_UNAVAILABLE",
            ConnectorError::UnusableLifetime { .. } => "app/INVALID_RESPONSE",
            ConnectorError::LockUnavailable(_) => "app/LOCK_UNAVAILABLE",
            ConnectorError::UnknownHandle | ConnectorError::Internal(_) => "app/INTERNAL",
            ConnectorError::BackedOff { error, .. } => error.code(),
            ConnectorError::Reported { code, .. } => code,
        }
    }

    /// The HTTP-like status: the token endpoint's own status when it answered,
    /// 503 when it could not be reached, 400 otherwise.
    pub fn status_code(&self) -> u16 {
        match self {
            ConnectorError::OAuth { status, .. }
            | ConnectorError::HttpStatus { status, .. }
            | ConnectorError::InvalidResponse { status, .. }
            | ConnectorError::UnusableLifetime { status }
            | ConnectorError::Reported { status, .. } => *status,
            ConnectorError::Network { .. }
            | ConnectorError::Timeout { .. }
            | ConnectorError::StoreUnavailable(_)
            | ConnectorError::LockUnavailable(_) => 503,
            ConnectorError::UnknownHandle | ConnectorError::Internal(_) => 500,
            ConnectorError::BackedOff { error, .. } => error.status_code(),
            _ => 400,
        }
    }

    /// Whether a later attempt may succeed (network trouble, timeouts, 5xx, 429).
    pub fn is_retriable(&self) -> bool {
        match self {
            ConnectorError::Network { .. }
            | ConnectorError::Timeout { .. }
            | ConnectorError::LockUnavailable(_) => true,
            ConnectorError::HttpStatus { status, .. }
            | ConnectorError::InvalidResponse { status, .. } => *status == 429 || *status >= 500,
            ConnectorError::BackedOff { error, .. } => error.is_retriable(),
            _ => false,
        }
    }

    /// How long the provider asked us to wait (`Retry-After`), if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ConnectorError::OAuth { retry_after, .. }
            | ConnectorError::HttpStatus { retry_after, .. }
            | ConnectorError::InvalidResponse { retry_after, .. } => *retry_after,
            ConnectorError::BackedOff { error, .. } => error.retry_after(),
            _ => None,
        }
    }

    /// When the next attempt is due (epoch ms), for an error being backed off.
    pub fn retry_at_ms(&self) -> Option<i64> {
        match self {
            ConnectorError::BackedOff { retry_at_ms, .. } => Some(*retry_at_ms),
            _ => None,
        }
    }

    /// This error, backed off until `retry_at_ms` (an error already backed
    /// off keeps its original failure).
    pub fn backed_off(self, retry_at_ms: i64) -> ConnectorError {
        let error = match self {
            ConnectorError::BackedOff { error, .. } => error,
            other => Box::new(other),
        };
        ConnectorError::BackedOff { error, retry_at_ms }
    }
}

/// Result alias used across the engine.
pub type Result<T> = std::result::Result<T, ConnectorError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_statuses_are_stable() {
        assert_eq!(ConnectorError::InvalidInput.code(), "app/invalid_input");
        assert_eq!(
            ConnectorError::Validation("x".into()).code(),
            "INVALID_ARGUMENT"
        );
        let oauth = ConnectorError::OAuth {
            error: "invalid_code".into(),
            description: Some("expired".into()),
            status: 200,
            retry_after: None,
        };
        assert_eq!(oauth.code(), "app/OAUTH_ERROR");
        assert_eq!(oauth.status_code(), 200);
        assert_eq!(
            oauth.to_string(),
            "The token endpoint returned an error: invalid_code (expired)"
        );
        let net = ConnectorError::Network {
            host: "h".into(),
            detail: "refused".into(),
        };
        assert_eq!(net.status_code(), 503);
        assert!(net.is_retriable());
        assert_eq!(ConnectorError::NoAccessToken.status_code(), 400);
        assert!(!oauth.is_retriable());
        let backed = net.clone().backed_off(42).backed_off(43);
        assert_eq!(backed.code(), "app/NETWORK_ERROR");
        assert_eq!(backed.to_string(), net.to_string());
        assert_eq!(backed.retry_at_ms(), Some(43));
        assert_eq!(known_code("app/TIMEOUT"), "app/TIMEOUT");
        assert_eq!(known_code("nonsense"), "app/TOKEN_ENDPOINT_ERROR");
    }
}
