//! The OAuth 2 token-endpoint client: form-encoded POSTs with connect and total timeouts.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use reqwest::Url;

use base64::Engine;

use super::response::{parse_answer, Grant};
use super::url_policy::check_token_url;
use crate::engine::config::{ClientAuth, ConnectorConfig};
use crate::engine::error::{ConnectorError, Result};
use crate::engine::token::Token;
use crate::support::clock::now_ms;
use crate::support::sync::lock;

/// Default total time for one token request, overridable with `ZC_CONNECTOR_HTTP_TIMEOUT_MS`.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time to establish a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Answers larger than this are not token answers.
const MAX_BODY_BYTES: usize = 1 << 20;

/// An HTTP answer of a token endpoint.
struct Answer {
    status: u16,
    body: Vec<u8>,
    retry_after: Option<Duration>,
}

/// A `Retry-After` header: delay-seconds or an HTTP date (RFC 9110 §10.2.3);
/// a date in the past is no wait.
pub fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A reusable client for token endpoints (one connection pool per process).
pub struct OAuthClient {
    http: reqwest::Client,
    timeout: Duration,
}

/// How a client connects: its total timeout and the extra certificate
/// authorities it trusts besides the system's and webpki's roots.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HttpSettings {
    /// The total time one request may take.
    pub timeout: Duration,
    /// PEM certificates (a `ca` option) to trust as well.
    pub extra_ca_pem: Option<String>,
}

impl Default for HttpSettings {
    /// `ZC_CONNECTOR_HTTP_TIMEOUT_MS` (else 30 s), no extra authority.
    fn default() -> Self {
        let timeout = std::env::var("ZC_CONNECTOR_HTTP_TIMEOUT_MS")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|ms| *ms > 0)
            .map(Duration::from_millis)
            .unwrap_or(DEFAULT_TIMEOUT);
        HttpSettings {
            timeout,
            extra_ca_pem: None,
        }
    }
}

static SHARED: LazyLock<Arc<OAuthClient>> =
    LazyLock::new(|| Arc::new(OAuthClient::with_settings(&HttpSettings::default())));
static BY_SETTINGS: LazyLock<Mutex<HashMap<HttpSettings, Arc<OAuthClient>>>> =
    LazyLock::new(Default::default);

/// The certificates of the PEM bundles named by `NODE_EXTRA_CA_CERTS` (as
/// Node trusts them) and `SSL_CERT_FILE` (as OpenSSL does), and of `extra`.
fn extra_authorities(extra: Option<&str>) -> Vec<reqwest::Certificate> {
    let mut pems: Vec<Vec<u8>> = ["NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE"]
        .iter()
        .filter_map(std::env::var_os)
        .filter_map(|path| std::fs::read(path).ok())
        .collect();
    pems.extend(extra.map(|pem| pem.as_bytes().to_vec()));
    pems.iter()
        .filter_map(|pem| reqwest::Certificate::from_pem_bundle(pem).ok())
        .flatten()
        .collect()
}

impl OAuthClient {
    /// A client whose requests give up after `timeout` in total.
    pub fn new(timeout: Duration) -> Self {
        OAuthClient::with_settings(&HttpSettings {
            timeout,
            extra_ca_pem: None,
        })
    }

    /// A client with `settings`, trusting the system's roots, webpki's, and
    /// the extra authorities (environment and `settings`).
    pub fn with_settings(settings: &HttpSettings) -> Self {
        let timeout = settings.timeout;
        let mut builder = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT.min(timeout))
            .timeout(timeout)
            .user_agent(concat!(
                "zcatalyst-connector-rs/",
                env!("CARGO_PKG_VERSION")
            ));
        for certificate in extra_authorities(settings.extra_ca_pem.as_deref()) {
            builder = builder.add_root_certificate(certificate);
        }
        let http = builder.build().unwrap_or_else(|_| reqwest::Client::new());
        OAuthClient { http, timeout }
    }

    /// The process-wide client with the default settings.
    pub fn shared() -> &'static Arc<OAuthClient> {
        &SHARED
    }

    /// The process-wide client for `settings` (made once per distinct settings).
    pub fn for_settings(settings: &HttpSettings) -> Arc<OAuthClient> {
        if *settings == HttpSettings::default() {
            return SHARED.clone();
        }
        lock(&BY_SETTINGS)
            .entry(settings.clone())
            .or_insert_with(|| Arc::new(OAuthClient::with_settings(settings)))
            .clone()
    }

    /// The total time one request may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// `grant_type=refresh_token` against `refresh_url` with `refresh_token`
    /// (the configured one, or one the provider rotated to). An error keeps
    /// the answer's `Retry-After`.
    pub async fn refresh(
        &self,
        config: &ConnectorConfig,
        refresh_token: Option<&str>,
    ) -> Result<Token> {
        let refresh_token = refresh_token.ok_or_else(|| {
            ConnectorError::InvalidArgument(
                "Value provided for refresh_token is expected to be a non-empty and non-null string."
                    .into(),
            )
        })?;
        let url = check_token_url("refresh_url", config.refresh_url())?;
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ];
        let answer = self.post_token_form(config, url, &form).await?;
        parse_answer(
            answer.status,
            &answer.body,
            Grant::Refresh,
            config.refresh_in(),
            now_ms(),
            answer.retry_after,
        )
    }

    /// Revokes `token` (a refresh token) at `revoke_url` (RFC 7009; Zoho also
    /// reads it from the query string, so it is sent there for Zoho hosts).
    pub async fn revoke(&self, config: &ConnectorConfig, token: &str) -> Result<()> {
        let revoke_url = config.revoke_url().ok_or_else(|| {
            ConnectorError::InvalidArgument(
                "Value for property revoke_url is needed to revoke a token".into(),
            )
        })?;
        let mut url = check_token_url("revoke_url", &revoke_url)?;
        if crate::engine::config::is_zoho_accounts(&revoke_url) {
            url.query_pairs_mut().append_pair("token", token);
        }
        let form = [("token", token), ("token_type_hint", "refresh_token")];
        let Answer {
            status,
            body,
            retry_after,
        } = self.post_token_form(config, url, &form).await?;
        if (200..300).contains(&status) {
            return Ok(());
        }
        match parse_answer(status, &body, Grant::Refresh, None, now_ms(), retry_after) {
            Err(error) => Err(error),
            Ok(_) => Err(ConnectorError::HttpStatus {
                status,
                retry_after,
            }),
        }
    }

    /// POSTs `form` plus the client's credentials (in the body or as HTTP
    /// Basic) and the connector's extra `token_params`.
    async fn post_token_form(
        &self,
        config: &ConnectorConfig,
        url: Url,
        form: &[(&str, &str)],
    ) -> Result<Answer> {
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        let basic = match config.client_auth() {
            ClientAuth::Post => {
                fields.push(("client_id", config.client_id()));
                fields.push(("client_secret", config.client_secret()));
                None
            }
            ClientAuth::Basic => {
                let encode =
                    |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
                let pair = format!(
                    "{}:{}",
                    encode(config.client_id()),
                    encode(config.client_secret())
                );
                Some(format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(pair)
                ))
            }
        };
        for (key, value) in config.token_params() {
            fields.push((key, value));
        }
        self.post_form(url, &fields, basic.as_deref()).await
    }

    /// `grant_type=authorization_code` against `auth_url`. The redirect URL is sent
    /// as `redirect_uri` (OAuth 2) and `redirect_url` (what the JS package sent);
    /// `code_verifier` completes a PKCE authorization.
    pub async fn exchange_code(
        &self,
        config: &ConnectorConfig,
        code: &str,
        code_verifier: Option<&str>,
    ) -> Result<Token> {
        if code.is_empty() {
            return Err(ConnectorError::InvalidArgument(
                "Value provided for grant_token is expected to be a non-empty and non-null string."
                    .into(),
            ));
        }
        let redirect = config.redirect_url().ok_or_else(|| {
            ConnectorError::InvalidArgument(
                "Value provided for redirect_url is expected to be a non-empty and non-null string."
                    .into(),
            )
        })?;
        let url = check_token_url("auth_url", config.auth_url())?;
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect),
            ("redirect_url", redirect),
        ];
        if let Some(verifier) = code_verifier {
            form.push(("code_verifier", verifier));
        }
        let answer = self.post_token_form(config, url, &form).await?;
        parse_answer(
            answer.status,
            &answer.body,
            Grant::AuthorizationCode,
            config.refresh_in(),
            now_ms(),
            answer.retry_after,
        )
    }

    async fn post_form(
        &self,
        url: Url,
        form: &[(&str, &str)],
        basic: Option<&str>,
    ) -> Result<Answer> {
        let host = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            _ => String::new(),
        };
        let fail = |e: reqwest::Error| self.transport_error(&host, e);
        let mut request = self
            .http
            .post(url)
            .header("accept", "application/json")
            .form(form);
        if let Some(basic) = basic {
            request = request.header("authorization", basic);
        }
        let mut response = request.send().await.map_err(fail)?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, std::time::SystemTime::now()));
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(fail)? {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(ConnectorError::InvalidResponse {
                    status,
                    retry_after,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer {
            status,
            body,
            retry_after,
        })
    }

    fn transport_error(&self, host: &str, error: reqwest::Error) -> ConnectorError {
        if error.is_timeout() {
            return ConnectorError::Timeout {
                host: host.to_owned(),
                seconds: self.timeout.as_secs().max(1),
            };
        }
        // The innermost cause says what happened ("Connection refused", "connection
        // closed before message completed") and never carries the URL or the form.
        let mut detail = "request failed".to_owned();
        let mut cause = std::error::Error::source(&error);
        while let Some(next) = cause {
            detail = next.to_string();
            cause = next.source();
        }
        ConnectorError::Network {
            host: host.to_owned(),
            detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(parse_retry_after(" 2 ", now), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }
}
