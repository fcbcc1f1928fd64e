//! A string argument read in one Node-API call into a buffer on the stack
//! (the heap only for a long one): what the first-call path of a new
//! configuration takes its settings and store entries as. napi-rs's `String`
//! asks for the length first, then copies into a new allocation — two calls
//! and a `malloc` per argument.

use napi::bindgen_prelude::*;

/// Bytes read without an allocation: settings and store entries fit.
const INLINE: usize = 512;
/// The longest UTF-8 encoding of one character.
const MAX_CHAR_BYTES: usize = 4;

/// A JS string argument as UTF-8. V8 writes a lone surrogate as U+FFFD, so a
/// text holding U+FFFD may not be what the caller wrote: see
/// [`Text::maybe_replaced`].
pub struct Text {
    inline: [u8; INLINE],
    len: usize,
    heap: Option<Vec<u8>>,
}

impl Text {
    /// The text.
    pub fn as_str(&self) -> &str {
        let bytes = match &self.heap {
            Some(heap) => heap.as_slice(),
            None => &self.inline[..self.len],
        };
        // SAFETY: checked to be UTF-8 when the text was read, and not
        // changed since.
        unsafe { std::str::from_utf8_unchecked(bytes) }
    }

    /// Whether the text holds U+FFFD, which is also what V8 writes for a
    /// lone surrogate: a caller that must tell them apart reads it another way.
    pub fn maybe_replaced(&self) -> bool {
        self.as_str().contains('\u{FFFD}')
    }
}

/// `napi_get_value_string_utf8` into `buf` (with room for the NUL it
/// writes); the bytes written.
unsafe fn write_utf8(
    env: sys::napi_env,
    value: sys::napi_value,
    buf: *mut u8,
    size: usize,
) -> Result<usize> {
    let mut written = 0;
    check_status!(
        unsafe { sys::napi_get_value_string_utf8(env, value, buf.cast(), size, &mut written) },
        "Expected a string"
    )?;
    Ok(written)
}

impl FromNapiValue for Text {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> Result<Self> {
        let mut text = Text {
            inline: [0; INLINE],
            len: 0,
            heap: None,
        };
        let written = unsafe { write_utf8(env, value, text.inline.as_mut_ptr(), INLINE)? };
        // V8 writes whole characters only: a text cut short leaves up to 3 of
        // the buffer's bytes unused (before the NUL), so only one that ends
        // further from the end certainly fitted.
        if written + MAX_CHAR_BYTES < INLINE {
            text.len = written;
        } else {
            // It may not have fitted: ask for its length and read it whole.
            let mut len = 0;
            check_status!(unsafe {
                sys::napi_get_value_string_utf8(env, value, std::ptr::null_mut(), 0, &mut len)
            })?;
            let mut heap = vec![0u8; len + 1];
            let written = unsafe { write_utf8(env, value, heap.as_mut_ptr(), len + 1)? };
            heap.truncate(written);
            text.heap = Some(heap);
        }
        let bytes = text.heap.as_deref().unwrap_or(&text.inline[..text.len]);
        if std::str::from_utf8(bytes).is_err() {
            return Err(Error::new(Status::StringExpected, "not UTF-8"));
        }
        Ok(text)
    }
}

impl TypeName for Text {
    fn type_name() -> &'static str {
        "String"
    }

    fn value_type() -> ValueType {
        ValueType::String
    }
}

impl ValidateNapiValue for Text {}
