//! The tokio runtime the engine runs on, sized for a library inside Node.
//!
//! napi-rs would start a worker per core. Here the JS thread already takes a
//! core, and the engine's work is a few short tasks per refresh or store read:
//! a second worker mostly adds wake-ups between threads (measured in `npm run
//! bench`, rows (t2)). One worker by default; `ZC_CONNECTOR_THREADS` (1–16)
//! sets another count. scrypt runs on tokio's blocking pool, not a worker.

use napi::bindgen_prelude::create_custom_tokio_runtime;

/// Worker threads when `ZC_CONNECTOR_THREADS` is unset or not a count in 1–16.
const DEFAULT_WORKERS: usize = 1;

fn workers() -> usize {
    std::env::var("ZC_CONNECTOR_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| (1..=16).contains(n))
        .unwrap_or(DEFAULT_WORKERS)
}

/// Installs the runtime when the addon loads (a runtime that cannot be built
/// leaves napi-rs's default in place), then starts the warm-up (`warm_up`).
#[napi_derive::module_init]
fn init() {
    if let Ok(runtime) = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers())
        .thread_name("zc-connector")
        .enable_all()
        .build()
    {
        create_custom_tokio_runtime(runtime);
    }
    super::warm_up::start();
}
