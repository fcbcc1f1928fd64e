//! The one error type of the engine, with the stable codes the JS layer exposes.
//!
//! Messages never contain secrets: they name fields, hosts and HTTP statuses,
//! never values of `client_secret`, `refresh_token`, access tokens or keys.

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
    },
    /// A non-success HTTP status with a JSON body that names no OAuth error.
    #[error("The token endpoint answered with HTTP status {status}")]
    HttpStatus {
        /// The HTTP status of the answer.
        status: u16,
    },
    /// The token endpoint answered with something that is not a JSON object.
    #[error(
        "The token endpoint answered with a body that is not a JSON object (HTTP status {status})"
    )]
    InvalidResponse {
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
            ConnectorError::UnknownHandle => "app/INTERNAL",
        }
    }

    /// The HTTP-like status: the token endpoint's own status when it answered,
    /// 503 when it could not be reached, 400 otherwise.
    pub fn status_code(&self) -> u16 {
        match self {
            ConnectorError::OAuth { status, .. }
            | ConnectorError::HttpStatus { status }
            | ConnectorError::InvalidResponse { status } => *status,
            ConnectorError::Network { .. }
            | ConnectorError::Timeout { .. }
            | ConnectorError::StoreUnavailable(_) => 503,
            ConnectorError::UnknownHandle => 500,
            _ => 400,
        }
    }

    /// Whether a later attempt may succeed (network trouble, timeouts, 5xx, 429).
    pub fn is_retriable(&self) -> bool {
        match self {
            ConnectorError::Network { .. } | ConnectorError::Timeout { .. } => true,
            ConnectorError::HttpStatus { status } | ConnectorError::InvalidResponse { status } => {
                *status == 429 || *status >= 500
            }
            _ => false,
        }
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
    }
}
