//! The cache hit's native side. `freshBoard()` hands JavaScript the engine's
//! freshness board (`engine::slot::board`) as a `Float64Array`, so a hit makes
//! no native call; `freshGeneration(handle)` is the fallback where there is no
//! board (a second JS environment in the process, a runtime that refuses
//! external buffers), as a raw Node-API callback: the generated wrapper's
//! argument handling costs about three times the work itself.

use std::ptr;

use napi::bindgen_prelude::*;
use napi::sys;
use napi_derive::napi;

use std::sync::atomic::{AtomicBool, Ordering};

use crate::engine::slot::{board, registry};
use crate::support::clock::coarse_now_ms;

/// The generation of the slot's token if it is fresh now, else 0.
fn fresh_generation(handle: u32) -> u32 {
    let now = coarse_now_ms();
    registry::with(handle, |slot| slot.fresh_generation(now)).unwrap_or(0)
}

/// `freshGeneration(handle: number): number` — a non-number handle reads as 0
/// (no slot), so the call answers 0 and the caller takes the slow path.
unsafe extern "C" fn fresh_generation_callback(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    let mut argc = 1usize;
    let mut argv = [ptr::null_mut(); 1];
    let mut handle = 0u32;
    let mut result = ptr::null_mut();
    // SAFETY: env and info come from Node for this call; argv has room for argc values.
    unsafe {
        let status = sys::napi_get_cb_info(
            env,
            info,
            &mut argc,
            argv.as_mut_ptr(),
            ptr::null_mut(),
            ptr::null_mut(),
        );
        if status == sys::Status::napi_ok && argc >= 1 {
            // On a non-number this leaves `handle` at 0 and raises no exception.
            sys::napi_get_value_uint32(env, argv[0], &mut handle);
        }
        sys::napi_create_uint32(env, fresh_generation(handle), &mut result);
    }
    result
}

/// Whether a JS environment already has the board (only the first gets it:
/// its hit counts are added without synchronisation).
static BOARD_GIVEN: AtomicBool = AtomicBool::new(false);

/// `freshBoard(): Float64Array | undefined` — the board over the engine's
/// memory (never freed), for the first JS environment that asks.
#[napi(js_name = "freshBoard", ts_return_type = "Float64Array | undefined")]
pub fn fresh_board(env: &Env) -> Result<Unknown<'_>> {
    let undefined = || -> Result<Unknown<'_>> { ().into_unknown(env) };
    let Some((memory, bytes)) = board::memory() else {
        return undefined();
    };
    if BOARD_GIVEN.swap(true, Ordering::AcqRel) {
        return undefined();
    }
    let mut buffer = ptr::null_mut();
    let mut array = ptr::null_mut();
    // SAFETY: the board's memory lives as long as the process and is never
    // freed, so no finalizer is needed; the typed array covers exactly it.
    let made = unsafe {
        sys::napi_create_external_arraybuffer(
            env.raw(),
            memory.cast(),
            bytes,
            None,
            ptr::null_mut(),
            &mut buffer,
        ) == sys::Status::napi_ok
            && sys::napi_create_typedarray(
                env.raw(),
                sys::TypedarrayType::float64_array,
                bytes / 8,
                buffer,
                0,
                &mut array,
            ) == sys::Status::napi_ok
    };
    if !made {
        BOARD_GIVEN.store(false, Ordering::Release);
        return undefined();
    }
    // SAFETY: `array` was just created in this env.
    unsafe { Unknown::from_napi_value(env.raw(), array) }
}

/// Adds the raw hot-path function to the module's exports.
#[napi(module_exports)]
pub fn export_hot_path(mut exports: Object, env: Env) -> Result<()> {
    let mut function = ptr::null_mut();
    let name = c"freshGeneration";
    // SAFETY: a plain function with a static name and no data pointer.
    let status = unsafe {
        sys::napi_create_function(
            env.raw(),
            name.as_ptr(),
            name.to_bytes().len() as isize,
            Some(fresh_generation_callback),
            ptr::null_mut(),
            &mut function,
        )
    };
    if status != sys::Status::napi_ok {
        return Err(Error::new(
            Status::GenericFailure,
            "could not create freshGeneration",
        ));
    }
    // SAFETY: `function` was just created in this env.
    let function = unsafe { Unknown::from_napi_value(env.raw(), function)? };
    exports.set_named_property("freshGeneration", function)
}
