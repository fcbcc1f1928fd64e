//! UTF-16 text (what JavaScript strings are) into Rust strings.

/// `units` as a string, or `None` when they hold a lone surrogate. Text that
/// is all ASCII — settings nearly always are — is narrowed unit by unit
/// (one pass, no decoding); anything else is decoded by the standard library.
pub fn string_from_utf16(units: &[u16]) -> Option<String> {
    if units.iter().all(|&unit| unit < 0x80) {
        let bytes: Vec<u8> = units.iter().map(|&unit| unit as u8).collect();
        return String::from_utf8(bytes).ok();
    }
    String::from_utf16(units).ok()
}

#[cfg(test)]
mod tests {
    use super::string_from_utf16;

    fn units(text: &str) -> Vec<u16> {
        text.encode_utf16().collect()
    }

    #[test]
    fn reads_ascii_and_other_text_as_the_standard_decoder_does() {
        for text in [
            "",
            "client-id\0secret\0https://x/t",
            "café\0€ 😀",
            "\u{7f}\u{80}",
        ] {
            assert_eq!(string_from_utf16(&units(text)).as_deref(), Some(text));
        }
    }

    #[test]
    fn refuses_lone_surrogates() {
        assert_eq!(string_from_utf16(&[0x61, 0xD800]), None);
        assert_eq!(string_from_utf16(&[0xDC00, 0x61]), None);
    }
}
