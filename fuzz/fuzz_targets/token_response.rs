//! The token endpoint's answer parser over arbitrary bodies and parameters.
//!
//! Input: a 19-byte header, then the body.
//! - bytes 0..2: HTTP status (u16, little-endian)
//! - byte 2: flags: bit 0 = authorization-code grant, bit 1 = `refresh_in`
//!   present, bit 2 = `Retry-After` present
//! - bytes 3..11: `refresh_in` seconds (i64 LE)
//! - bytes 11..19: the clock (u64 LE, reduced to 0 ..= 2^42 ms, i.e. up to the
//!   year 2109)
//!
//! Properties: neither `parse_token_response` nor `parse_answer` panics, nor
//! does formatting an error; both agree; any `Ok` token has a non-empty access
//! token, `0 < expires_in <= MAX_LIFETIME_S`, an expiry after the clock, and
//! (authorization-code grant) a non-empty refresh token.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use zcatalyst_connector_rs::engine::oauth::response::{parse_answer, parse_token_response, Grant};
use zcatalyst_connector_rs::engine::token::MAX_LIFETIME_S;

const HEADER: usize = 19;

fn le_u64(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(word)
}

fuzz_target!(|data: &[u8]| {
    if data.len() < HEADER {
        return;
    }
    let (header, body) = data.split_at(HEADER);
    let status = u16::from_le_bytes([header[0], header[1]]);
    let flags = header[2];
    let grant = if flags & 1 != 0 {
        Grant::AuthorizationCode
    } else {
        Grant::Refresh
    };
    let refresh_in = (flags & 2 != 0).then(|| le_u64(&header[3..]) as i64);
    let now_ms = (le_u64(&header[11..]) % (1 << 42)) as i64;
    let retry_after = (flags & 4 != 0).then(|| Duration::from_secs(u64::from(header[3])));

    let plain = parse_token_response(status, body, grant, refresh_in, now_ms);
    let answer = parse_answer(status, body, grant, refresh_in, now_ms, retry_after);
    match (&plain, &answer) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "the two entry points must agree"),
        (Err(a), Err(b)) => {
            assert_eq!(a.code(), b.code());
            let _ = (a.to_string(), b.to_string(), format!("{b:?}"));
        }
        _ => panic!("one entry point accepted what the other rejected"),
    }
    if let Ok(token) = plain {
        assert!(
            !token.access_token.is_empty(),
            "empty access_token accepted"
        );
        assert!(
            token.expires_in > 0 && token.expires_in <= MAX_LIFETIME_S,
            "expires_in {} out of (0, {MAX_LIFETIME_S}]",
            token.expires_in
        );
        assert!(
            token.expires_at > now_ms,
            "born expired: expires_at {} <= now {now_ms}",
            token.expires_at
        );
        if grant == Grant::AuthorizationCode {
            assert!(token
                .refresh_token
                .as_deref()
                .is_some_and(|r| !r.is_empty()));
        }
    }
});
