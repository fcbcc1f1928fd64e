//! Sealing then opening gives back the input.
//!
//! Properties: for any UTF-8 plaintext, `encrypt` yields an envelope that
//! `is_envelope` recognises, `decrypt` with the same secret returns the
//! plaintext, and another secret does not open it. The first input byte picks
//! one of a few fixed secrets (scrypt runs once per secret and process).
#![no_main]

use libfuzzer_sys::fuzz_target;
use zcatalyst_connector_rs::engine::entry::crypto::{decrypt, encrypt, is_envelope};

const SECRETS: [&str; 3] = ["fuzz-secret", "k", "ключ-😀"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let secret = SECRETS[usize::from(pick) % SECRETS.len()];
    let other = SECRETS[(usize::from(pick) + 1) % SECRETS.len()];
    let plain = String::from_utf8_lossy(rest);
    let sealed = encrypt(secret, &plain);
    assert!(is_envelope(&sealed), "encrypt must produce an envelope");
    assert_eq!(decrypt(secret, &sealed).as_deref(), Some(&*plain));
    assert_eq!(
        decrypt(other, &sealed),
        None,
        "another secret must not open it"
    );
});
