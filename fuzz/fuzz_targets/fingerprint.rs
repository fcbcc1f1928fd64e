//! The cache-key fingerprint against a literal transcription of the JS
//! package's algorithm.
//!
//! Input: parts separated by the byte 0xFF (never valid UTF-8); a part that is
//! exactly the byte 0xFE is `None` (an absent setting), any other part is its
//! lossy UTF-8 text (so every Unicode scalar, astral planes included, occurs).
//!
//! Property: `fingerprint` equals the reference for every input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zcatalyst_connector_rs::engine::entry::keys::fingerprint;

/// ECMAScript ToInt32 of an integer-valued Number (`x | 0`): modulo 2^32 into
/// [-2^31, 2^31).
fn to_int32(x: i64) -> i64 {
    let m = x.rem_euclid(1 << 32);
    if m >= 1 << 31 {
        m - (1 << 32)
    } else {
        m
    }
}

/// ECMAScript ToUint32 (`x >>> 0`): modulo 2^32 into [0, 2^32).
fn to_uint32(x: i64) -> i64 {
    x.rem_euclid(1 << 32)
}

/// The JS package's hash, step by step in JavaScript's Number semantics:
/// `parts.filter(p => p).join(':')`, then for each UTF-16 code unit
/// `s = (s * 31 + unit) | 0`, then `((31 + s) | 0) >>> 0 & 0xfffff` (`>>>`
/// binds tighter than `&`), as lower-case hex padded to 5 digits. Every
/// intermediate is below 2^37 in magnitude, so i64 holds the exact Number.
fn reference(parts: &[Option<&str>]) -> String {
    let joined = parts
        .iter()
        .filter_map(|p| p.filter(|p| !p.is_empty()))
        .collect::<Vec<_>>()
        .join(":");
    let mut s: i64 = 0;
    for unit in joined.encode_utf16() {
        s = to_int32(s * 31 + i64::from(unit));
    }
    let v = to_uint32(to_int32(31 + s)) & 0xfffff;
    let mut hex = format!("{v:x}");
    while hex.len() < 5 {
        hex.insert(0, '0');
    }
    hex
}

fuzz_target!(|data: &[u8]| {
    let texts: Vec<Option<String>> = data
        .split(|&b| b == 0xff)
        .map(|part| (part != [0xfe]).then(|| String::from_utf8_lossy(part).into_owned()))
        .collect();
    let parts: Vec<Option<&str>> = texts.iter().map(Option::as_deref).collect();
    let got = fingerprint(&parts);
    assert_eq!(got.len(), 5, "{got:?} is not 5 digits");
    assert!(got
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    assert_eq!(got, reference(&parts), "parts {parts:?}");
});
