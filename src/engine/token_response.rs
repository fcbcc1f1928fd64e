//! Turning a token endpoint's answer into a [`Token`] or a precise error.

use serde_json::{Map, Value};

use super::config::parse_int;
use super::error::{ConnectorError, Result};
use super::token::{expires_at, Token};

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
    let map = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map,
        _ => return Err(ConnectorError::InvalidResponse { status }),
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
        });
    }
    if !(200..300).contains(&status) {
        return Err(ConnectorError::HttpStatus { status });
    }
    let access_token =
        non_empty_string(&map, "access_token").ok_or_else(|| missing("access_token"))?;
    let refresh_token = non_empty_string(&map, "refresh_token");
    if grant == Grant::AuthorizationCode && refresh_token.is_none() {
        return Err(missing("refresh_token"));
    }
    let expires_in = lifetime_seconds(&map).ok_or_else(|| missing("expires_in"))?;
    Ok(Token {
        access_token,
        expires_in,
        expires_at: expires_at(now_ms, expires_in, refresh_in_s),
        refresh_token,
        api_domain: non_empty_string(&map, "api_domain"),
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
        assert_eq!(e, ConnectorError::InvalidResponse { status: 502 });
        assert!(e.is_retriable());
        let e = parse(200, "[1,2]").unwrap_err();
        assert_eq!(e.code(), "app/INVALID_RESPONSE");
        let e = parse(500, "{}").unwrap_err();
        assert_eq!(e, ConnectorError::HttpStatus { status: 500 });
    }
}
