//! The sealed-envelope decoder over arbitrary stored values.
//!
//! Properties: `is_envelope` and `decrypt` under a fixed secret never panic,
//! and a value that decrypts is one `is_envelope` recognises (the decoder and
//! the shape check agree). Forging a value that opens is out of reach without
//! the key; the seeds hold real envelopes so the fuzzer mutates valid shapes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zcatalyst_connector_rs::engine::entry::crypto::{decrypt, is_envelope};

/// The secret the seeds were sealed with (see `make-seeds.js`).
const SECRET: &str = "fuzz-secret";

fuzz_target!(|data: &[u8]| {
    let value = String::from_utf8_lossy(data);
    let shaped = is_envelope(&value);
    if decrypt(SECRET, &value).is_some() {
        assert!(shaped, "a value that decrypts must look like an envelope");
    }
});
