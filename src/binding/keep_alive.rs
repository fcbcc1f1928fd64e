//! Keeps Node running until a refresh's store writes are done.
//!
//! Callers get a new token as soon as the provider answers; writing it to the
//! store (and releasing the fleet lock) finishes afterwards. A process that
//! exits right after its first call would otherwise drop those writes — and
//! leave its lock for the others to wait out. A referenced threadsafe function
//! holds the event loop open until the writes finish (each is bounded by the
//! store's timeout); released from any thread, it costs nothing afterwards.

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::threadsafe_function::ThreadsafeFunction;

use crate::engine::slot::Slot;

type Holder = ThreadsafeFunction<(), (), (), Status, false, false>;

/// A hold on the event loop, made on the JS thread; dropping it lets go.
pub struct KeepAlive {
    _holder: Holder,
}

impl KeepAlive {
    /// Holds the event loop open from now on.
    pub fn new(env: &Env) -> Result<Self> {
        let noop = env.create_function_from_closure::<(), (), _>("zcStoreWrite", |_| Ok(()))?;
        let holder: Holder = noop
            .build_threadsafe_function::<()>()
            .callee_handled::<false>()
            .build()?;
        Ok(KeepAlive { _holder: holder })
    }

    /// Lets go once `slot`'s pending store writes have finished (in the
    /// background: the caller does not wait).
    pub fn release_after_writes(self, slot: Arc<Slot>) {
        napi::tokio::spawn(async move {
            slot.flush().await;
            drop(self);
        });
    }
}
