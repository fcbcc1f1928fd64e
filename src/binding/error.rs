//! Engine errors become `CatalystConnectorError` instances in JavaScript.

use std::cell::RefCell;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::engine::error::ConnectorError;
use crate::support::clock::now_ms;

type ErrorArgs = FnArgs<(String, String, Null, u32)>;
type ErrorClass = FunctionRef<ErrorArgs, ()>;

thread_local! {
    /// The error class registered by `connector.js`, per JS thread (main or worker).
    static ERROR_CLASS: RefCell<Option<ErrorClass>> = const { RefCell::new(None) };
}

/// Registers the JS class that errors are instances of. Called once by
/// `connector.js`; internal.
#[napi(
    js_name = "registerErrorClass",
    ts_args_type = "errorClass: typeof CatalystConnectorError"
)]
pub fn register_error_class(error_class: Function<ErrorArgs, ()>) -> Result<()> {
    let reference = error_class.create_ref()?;
    ERROR_CLASS.with(|slot| *slot.borrow_mut() = Some(reference));
    Ok(())
}

/// A napi error that throws or rejects with a `CatalystConnectorError`
/// (or, before registration, a plain `Error` carrying the same code).
pub fn js_error(env: &Env, error: &ConnectorError) -> Error {
    let code = error.code().to_owned();
    let message = error.to_string();
    let status = u32::from(error.status_code());
    // While a failed refresh is backed off, callers learn when to come back.
    let retry_after = error.retry_at_ms().map(|at| (at - now_ms()).max(0) as f64);
    let instance = ERROR_CLASS.with(|slot| {
        let slot = slot.borrow();
        let class = slot.as_ref()?.borrow_back(env).ok()?;
        let instance = class
            .new_instance(FnArgs::from((code.clone(), message.clone(), Null, status)))
            .ok()?;
        if let Some(ms) = retry_after {
            // SAFETY: the class constructor returns an object (an Error instance).
            let mut object: Object = unsafe { instance.cast() }.ok()?;
            object.set_named_property("retryAfter", ms).ok()?;
        }
        Some(instance)
    });
    match instance {
        Some(instance) => Error::from(instance),
        None => Error::new(Status::GenericFailure, format!("{code}: {message}")),
    }
}
