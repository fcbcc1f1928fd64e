//! Turning a token endpoint's answer into a [`Token`] or a precise error.

use serde_json::{Map, Value};

use crate::engine::config::parse_int;
use crate::engine::error::{ConnectorError, Result};
use crate::engine::token::{expires_at, Token, MAX_LIFETIME_S};

/// What the caller needs from the answer beyond `access_token` and `expires_in`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// `grant_type=refresh_token`: a new refresh token is optional (rotation).
    Refresh,
    /// `grant_type=authorization_code`: the answer must carry a refresh token.
    AuthorizationCode,
}

fn missing(prop: &str) -> ConnectorError {
    ConnectorError::InvalidArgument(format!(
        "Value for property {prop} cannot be null or undefined in auth_response object"
    ))
}

fn non_empty_string(map: &Map<String, Value>, key: &str) -> Option<String> {
    match map.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// The lifetime in seconds: `expires_in_sec` when present (old Zoho answers gave
/// `expires_in` in milliseconds beside it), else `expires_in`, number or numeric string.
fn lifetime_seconds(map: &Map<String, Value>) -> Option<i64> {
    map.get("expires_in_sec")
        .and_then(parse_int)
        .or_else(|| map.get("expires_in").and_then(parse_int))
}

/// Parses an answer. A JSON `error` field is an error whatever the HTTP status
/// (Zoho answers `{"error":"invalid_code"}` with 200); a body that is not a JSON
/// object is reported with its status.
pub fn parse_token_response(
    status: u16,
    body: &[u8],
    grant: Grant,
    refresh_in_s: Option<i64>,
    now_ms: i64,
) -> Result<Token> {
    parse_answer(status, body, grant, refresh_in_s, now_ms, None)
}

/// [`parse_token_response`] for an answer that carried a `Retry-After`,
/// which any error it yields keeps.
pub fn parse_answer(
    status: u16,
    body: &[u8],
    grant: Grant,
    refresh_in_s: Option<i64>,
    now_ms: i64,
    retry_after: Option<std::time::Duration>,
) -> Result<Token> {
    let map = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map,
        _ => {
            return Err(ConnectorError::InvalidResponse {
                status,
                retry_after,
            })
        }
    };
    if let Some(error) = map.get("error").filter(|e| !e.is_null()) {
        let error = match error {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        return Err(ConnectorError::OAuth {
            error,
            description: non_empty_string(&map, "error_description"),
            status,
            retry_after,
        });
    }
    if !(200..300).contains(&status) {
        return Err(ConnectorError::HttpStatus {
            status,
            retry_after,
        });
    }
    let access_token =
        non_empty_string(&map, "access_token").ok_or_else(|| missing("access_token"))?;
    let refresh_token = non_empty_string(&map, "refresh_token");
    if grant == Grant::AuthorizationCode && refresh_token.is_none() {
        return Err(missing("refresh_token"));
    }
    let expires_in = match map.get("expires_in_sec").or_else(|| map.get("expires_in")) {
        None | Some(Value::Null) => return Err(missing("expires_in")),
        Some(_) => lifetime_seconds(&map)
            .filter(|s| *s > 0)
            .ok_or(ConnectorError::UnusableLifetime { status })?
            .min(MAX_LIFETIME_S),
    };
    Ok(Token {
        access_token,
        expires_in,
        expires_at: expires_at(now_ms, expires_in, refresh_in_s),
        refresh_token: refresh_token.map(String::into_boxed_str),
        api_domain: non_empty_string(&map, "api_domain").map(String::into_boxed_str),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(status: u16, body: &str) -> Result<Token> {
        parse_token_response(status, body.as_bytes(), Grant::Refresh, None, 0)
    }

    #[test]
    fn accepts_a_zoho_refresh_answer() {
        let t = parse(
            200,
            r#"{"access_token":"at","expires_in":3600,"api_domain":"https://www.zohoapis.com","token_type":"Bearer"}"#,
        )
        .unwrap();
        assert_eq!(t.access_token, "at");
        assert_eq!(t.expires_in, 3600);
        assert_eq!(t.expires_at, 2_700_000);
        assert_eq!(t.api_domain.as_deref(), Some("https://www.zohoapis.com"));
    }

    #[test]
    fn prefers_expires_in_sec_and_accepts_strings() {
        let t = parse(
            200,
            r#"{"access_token":"at","expires_in":3600000,"expires_in_sec":3600}"#,
        )
        .unwrap();
        assert_eq!(t.expires_in, 3600);
        let t = parse(200, r#"{"access_token":"at","expires_in":"1800"}"#).unwrap();
        assert_eq!(t.expires_in, 1800);
    }

    #[test]
    fn lifetimes_must_be_positive_numbers_and_are_capped_at_a_day() {
        for body in [
            r#"{"access_token":"at","expires_in":0}"#,
            r#"{"access_token":"at","expires_in":-5}"#,
            r#"{"access_token":"at","expires_in":"soon"}"#,
            r#"{"access_token":"at","expires_in":true}"#,
        ] {
            let e = parse(200, body).unwrap_err();
            assert_eq!(e.code(), "app/INVALID_RESPONSE", "{body}");
            assert!(e.to_string().contains("expires_in"), "{e}");
        }
        let t = parse(200, r#"{"access_token":"at","expires_in":1e300}"#).unwrap();
        assert_eq!(t.expires_in, MAX_LIFETIME_S);
    }

    #[test]
    fn an_error_field_wins_over_a_200_status() {
        let e = parse(200, r#"{"error":"invalid_code"}"#).unwrap_err();
        assert_eq!(e.code(), "app/OAUTH_ERROR");
        assert_eq!(e.status_code(), 200);
        let e = parse(
            400,
            r#"{"error":"Access Denied","error_description":"You have made too many requests continuously."}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("too many requests"));
    }

    #[test]
    fn missing_fields_use_the_js_message() {
        let e = parse(200, r#"{"expires_in":3600}"#).unwrap_err();
        assert_eq!(e.code(), "app/INVALID_ARGUMENT");
        assert_eq!(
            e.to_string(),
            "Value for property access_token cannot be null or undefined in auth_response object"
        );
        let e = parse(200, r#"{"access_token":"x"}"#).unwrap_err();
        assert!(e.to_string().contains("expires_in"));
        let e = parse_token_response(
            200,
            br#"{"access_token":"x","expires_in":1}"#,
            Grant::AuthorizationCode,
            None,
            0,
        )
        .unwrap_err();
        assert!(e.to_string().contains("refresh_token"));
    }

    #[test]
    fn garbage_and_bare_statuses_are_reported_with_their_status() {
        let e = parse(502, "<html>bad gateway</html>").unwrap_err();
        assert_eq!(
            e,
            ConnectorError::InvalidResponse {
                status: 502,
                retry_after: None
            }
        );
        assert!(e.is_retriable());
        let e = parse(200, "[1,2]").unwrap_err();
        assert_eq!(e.code(), "app/INVALID_RESPONSE");
        let e = parse(500, "{}").unwrap_err();
        assert_eq!(
            e,
            ConnectorError::HttpStatus {
                status: 500,
                retry_after: None
            }
        );
    }
}
