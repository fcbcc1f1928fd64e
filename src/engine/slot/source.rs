//! Layer 1 of the refresh core, the *token source*: one HTTP refresh with the
//! refresh token in use, and rotation — when an answer carries a new
//! `refresh_token`, it is used from then on. It knows nothing of stores,
//! locks or caching (those are the layers above).

use std::sync::{Arc, LazyLock, Mutex};

use futures::future::BoxFuture;
use futures::FutureExt;

use super::counters::{bump, Counters};
use crate::engine::config::ConnectorConfig;
use crate::engine::error::Result;
use crate::engine::oauth::OAuthClient;
use crate::engine::token::Token;
use crate::support::sync::lock;

/// Where refreshes go: the provider's token endpoint (tests pass a fake).
pub trait TokenEndpoint: Send + Sync {
    /// One `grant_type=refresh_token` request.
    fn refresh<'a>(
        &'a self,
        config: &'a ConnectorConfig,
        refresh_token: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Token>>;

    /// The longest one request may take.
    fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(30)
    }
}

impl TokenEndpoint for OAuthClient {
    fn refresh<'a>(
        &'a self,
        config: &'a ConnectorConfig,
        refresh_token: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Token>> {
        OAuthClient::refresh(self, config, refresh_token).boxed()
    }

    fn timeout(&self) -> std::time::Duration {
        OAuthClient::timeout(self)
    }
}

/// The process-wide client with the default settings, made on the first
/// refresh: building it loads the system's roots (tens of milliseconds), which
/// a slot served from a store never needs.
struct SharedHttp;

impl TokenEndpoint for SharedHttp {
    fn refresh<'a>(
        &'a self,
        config: &'a ConnectorConfig,
        refresh_token: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Token>> {
        OAuthClient::refresh(OAuthClient::shared(), config, refresh_token).boxed()
    }

    /// The default settings' timeout (`ZC_CONNECTOR_HTTP_TIMEOUT_MS`, else
    /// 30 s), without making the client: the fleet's waits are bounded by it.
    fn timeout(&self) -> std::time::Duration {
        static TIMEOUT: LazyLock<std::time::Duration> =
            LazyLock::new(|| crate::engine::oauth::client::HttpSettings::default().timeout);
        *TIMEOUT
    }
}

/// The process-wide HTTP endpoint with the default settings (its client made
/// on first use).
pub fn http_endpoint() -> Arc<dyn TokenEndpoint> {
    static SHARED: LazyLock<Arc<dyn TokenEndpoint>> = LazyLock::new(|| Arc::new(SharedHttp));
    SHARED.clone()
}

/// What the layer above needs from a token source.
pub trait TokenSource: Send + Sync {
    /// A new token from the provider for `config`. Its `refresh_token` is
    /// set only when the provider rotated it (the source already uses the
    /// new one).
    fn refresh<'a>(&'a self, config: &'a ConnectorConfig) -> BoxFuture<'a, Result<Token>>;
    /// The refresh token in use (the rotated one, else `config`'s).
    fn refresh_token(&self, config: &ConnectorConfig) -> Option<String>;
    /// Uses `refresh_token` from now on (another process rotated to it).
    fn adopt_refresh_token(&self, refresh_token: String);
    /// Whether this provider has ever rotated the refresh token here.
    fn has_rotated(&self) -> bool;
    /// The longest one refresh may take.
    fn timeout(&self) -> std::time::Duration;
}

/// The token source over a provider's endpoint. The configuration it
/// refreshes is its shared source's (passed in: stored once per slot).
pub struct ProviderSource {
    endpoint: Mutex<Arc<dyn TokenEndpoint>>,
    rotated: Mutex<Option<Box<str>>>,
    /// The slot's counters, kept here (inline, as this source is inline in
    /// the shared source): one allocation less per slot.
    counters: Counters,
}

impl ProviderSource {
    /// A source refreshing at `endpoint`, with counters of its own.
    pub fn new(endpoint: Arc<dyn TokenEndpoint>) -> Self {
        ProviderSource {
            endpoint: Mutex::new(endpoint),
            rotated: Mutex::new(None),
            counters: Counters::default(),
        }
    }

    /// The counters of the slot this source belongs to.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Sends later refreshes to `endpoint` (the latest caller's HTTP settings).
    pub fn set_endpoint(&self, endpoint: Arc<dyn TokenEndpoint>) {
        *lock(&self.endpoint) = endpoint;
    }

    async fn refresh_once(&self, config: &ConnectorConfig) -> Result<Token> {
        let used = self.refresh_token(config);
        let endpoint = lock(&self.endpoint).clone();
        let result = endpoint.refresh(config, used.as_deref()).await;
        bump(&self.counters.token_requests);
        bump(&self.counters.refreshes);
        let mut token = match result {
            Ok(token) => token,
            Err(error) => {
                bump(&self.counters.token_request_errors);
                return Err(error);
            }
        };
        match token.refresh_token.take() {
            Some(new) if Some(&*new) != used.as_deref() => {
                *lock(&self.rotated) = Some(new.clone());
                bump(&self.counters.rotations);
                token.refresh_token = Some(new);
            }
            _ => {}
        }
        Ok(token)
    }
}

impl TokenSource for ProviderSource {
    fn refresh<'a>(&'a self, config: &'a ConnectorConfig) -> BoxFuture<'a, Result<Token>> {
        self.refresh_once(config).boxed()
    }

    fn refresh_token(&self, config: &ConnectorConfig) -> Option<String> {
        lock(&self.rotated)
            .as_deref()
            .map(str::to_owned)
            .or_else(|| config.refresh_token.clone())
    }

    fn adopt_refresh_token(&self, refresh_token: String) {
        *lock(&self.rotated) = Some(refresh_token.into_boxed_str());
    }

    fn has_rotated(&self) -> bool {
        lock(&self.rotated).is_some()
    }

    fn timeout(&self) -> std::time::Duration {
        lock(&self.endpoint).timeout()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::error::ConnectorError;
    use serde_json::json;

    /// Answers with a token that rotates the refresh token on every call
    /// after the first, and fails when told to.
    struct Scripted {
        seen: Mutex<Vec<Option<String>>>,
        fail: bool,
    }

    impl TokenEndpoint for Scripted {
        fn refresh<'a>(
            &'a self,
            _config: &'a ConnectorConfig,
            refresh_token: Option<&'a str>,
        ) -> BoxFuture<'a, Result<Token>> {
            let mut seen = lock(&self.seen);
            seen.push(refresh_token.map(str::to_owned));
            let n = seen.len();
            let fail = self.fail;
            async move {
                if fail {
                    return Err(ConnectorError::HttpStatus {
                        status: 503,
                        retry_after: None,
                    });
                }
                Ok(Token {
                    access_token: format!("at{n}"),
                    expires_in: 3600,
                    expires_at: 1,
                    refresh_token: (n > 1).then(|| format!("rt{n}").into()),
                    api_domain: None,
                })
            }
            .boxed()
        }
    }

    fn config() -> ConnectorConfig {
        let entry = json!({"client_id": "c", "client_secret": "s", "auth_url": "https://a/t",
                           "refresh_url": "https://a/t", "refresh_token": "rt0"});
        ConnectorConfig::from_entry("source-test", &entry).unwrap()
    }

    #[tokio::test]
    async fn rotations_are_used_from_then_on_and_reported_once() {
        let endpoint = Arc::new(Scripted {
            seen: Mutex::new(Vec::new()),
            fail: false,
        });
        let config = config();
        let source = ProviderSource::new(endpoint.clone());
        let first = source.refresh(&config).await.unwrap();
        assert_eq!(first.refresh_token, None, "no rotation on the first answer");
        assert!(!source.has_rotated());
        let second = source.refresh(&config).await.unwrap();
        assert_eq!(second.refresh_token.as_deref(), Some("rt2"));
        assert_eq!(source.refresh_token(&config).as_deref(), Some("rt2"));
        source.adopt_refresh_token("rt-other".into());
        source.refresh(&config).await.unwrap();
        let seen = lock(&endpoint.seen).clone();
        assert_eq!(
            seen,
            [
                Some("rt0".into()),
                Some("rt0".into()),
                Some("rt-other".into())
            ]
        );
        let stats = source.counters().snapshot();
        assert_eq!((stats.token_requests, stats.rotations), (3, 2));
    }

    #[tokio::test]
    async fn failures_are_counted_and_returned() {
        let endpoint = Arc::new(Scripted {
            seen: Mutex::new(Vec::new()),
            fail: true,
        });
        let source = ProviderSource::new(endpoint);
        assert_eq!(
            source.refresh(&config()).await.unwrap_err().status_code(),
            503
        );
        assert_eq!(source.counters().snapshot().token_request_errors, 1);
    }
}
