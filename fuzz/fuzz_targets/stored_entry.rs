//! The stored-entry parser over arbitrary store values.
//!
//! Input: 8 bytes of clock (u64 LE, reduced to 0 ..= 2^42 ms), then the value.
//!
//! Properties, without a secret and with a fixed one: `decode` never panics;
//! a decoded token has a non-empty access token and `expires_at > now`; and
//! encoding it again (the way the slot writes it back) decodes to the same
//! token.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zcatalyst_connector_rs::engine::entry::stored::{decode, encode};

/// The secret the seeds were sealed with (see `make-seeds.js`).
const SECRET: &str = "fuzz-secret";

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let (clock, value) = data.split_at(8);
    let mut word = [0u8; 8];
    word.copy_from_slice(clock);
    let now_ms = (u64::from_le_bytes(word) % (1 << 42)) as i64;
    let value = String::from_utf8_lossy(value);

    for secret in [None, Some(SECRET)] {
        let decoded = decode(&value, secret, now_ms);
        if let Err(error) = &decoded {
            let _ = (error.code(), error.to_string());
        }
        if let Ok(Some(token)) = decoded {
            assert!(
                token.expires_at > now_ms,
                "expired entry served: expires_at {} <= now {now_ms}",
                token.expires_at
            );
            assert!(!token.access_token.is_empty(), "empty access token served");
            let again = decode(&encode(&token, secret), secret, now_ms);
            assert_eq!(
                again,
                Ok(Some(token)),
                "encode then decode changed the token"
            );
        }
    }
});
