//! Stores named by URL: `redis://host:port/db` (`rediss://` for TLS, verified
//! against the system's and webpki roots; `#insecure` skips verification),
//! `redis+cluster://host:port,host:port[?tls=1]`,
//! `redis+sentinel://host:port,host:port/<master>[/db][?tls=1]`,
//! `file:///abs/path.json`,
//! `memory:`. Each distinct (URL, key prefix, timeout) is opened once per
//! process, so every connector on one Redis shares one connection.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use super::file::FileStore;
use super::guard::GuardedStore;
use super::memory::MemoryStore;
use super::redis::RedisStore;
use super::{StoreError, TokenStore};
use crate::support::sync::lock;

type Result<T> = std::result::Result<T, StoreError>;

/// The timeout of a store operation unless configured otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(2000);

/// How a URL store is opened.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StoreOptions {
    /// Prepended to every key (Redis only).
    pub key_prefix: String,
    /// Bound on each operation.
    pub timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            key_prefix: String::new(),
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

type Opened = HashMap<(String, StoreOptions), Arc<GuardedStore>>;

static OPENED: LazyLock<Mutex<Opened>> = LazyLock::new(Default::default);

fn invalid(message: String) -> StoreError {
    StoreError::new(message)
}

fn store_for(url: &str, options: &StoreOptions) -> Result<Arc<dyn TokenStore>> {
    if url == "memory:" || url == "memory://" {
        return Ok(Arc::new(MemoryStore::new()));
    }
    // Several hosts are not a URL the url crate takes: the Redis store parses these.
    if url.starts_with("redis+cluster://") || url.starts_with("redis+sentinel://") {
        return RedisStore::new(url, &options.key_prefix, options.timeout)
            .map(|s| Arc::new(s) as Arc<dyn TokenStore>)
            .map_err(|e| invalid(e.0));
    }
    let parsed = url::Url::parse(url).map_err(|_| {
        invalid(
            "The store must be a URL such as redis://host:6379/0 or file:///path/tokens.json"
                .into(),
        )
    })?;
    match parsed.scheme() {
        "redis" | "rediss" => {
            RedisStore::new(url, &options.key_prefix, options.timeout)
            .map(|s| Arc::new(s) as Arc<dyn TokenStore>)
                .map_err(|e| invalid(e.0))
        }
        "file" => {
            let path = parsed
                .to_file_path()
                .ok()
                .filter(|p| p.file_name().is_some())
                .ok_or_else(|| {
                    invalid(
                        "A file store needs an absolute file path: file:///path/tokens.json".into(),
                    )
                })?;
            // The file lock is awaited for at most three quarters of the timeout,
            // so an operation gives up by itself before its caller does.
            Ok(Arc::new(FileStore::with_wait(
                path,
                options.timeout * 3 / 4,
            )))
        }
        scheme => Err(invalid(format!(
            "Unknown store scheme '{scheme}:'; use redis://, rediss://, redis+cluster://, redis+sentinel://, file:// or memory:"
        ))),
    }
}

/// The store named by `url`, opened once per process. The error explains
/// what is wrong with the URL, without its credentials.
pub fn open_url(url: &str, options: &StoreOptions) -> Result<Arc<GuardedStore>> {
    let key = (url.to_owned(), options.clone());
    let mut opened = lock(&OPENED);
    if let Some(store) = opened.get(&key) {
        return Ok(store.clone());
    }
    let store = Arc::new(GuardedStore::new(store_for(url, options)?, options.timeout));
    opened.insert(key, store.clone());
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_open_once_and_bad_ones_are_explained() {
        let a = open_url(
            "file:///tmp/zc-open-test/tokens.json",
            &StoreOptions::default(),
        )
        .unwrap();
        let b = open_url(
            "file:///tmp/zc-open-test/tokens.json",
            &StoreOptions::default(),
        )
        .unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        let redis = open_url(
            "redis://user:hunter2@127.0.0.1:1/0",
            &StoreOptions::default(),
        )
        .unwrap();
        assert!(!redis.name().contains("hunter2"), "{}", redis.name());
        assert!(redis.can_lock());
        assert!(open_url("rediss://:hunter2@127.0.0.1:1/0", &StoreOptions::default()).is_ok());
        for bad in [
            "nonsense",
            "ftp://x/y",
            "file:///",
            "redis://:hunter2@h:notaport/0",
        ] {
            let error = open_url(bad, &StoreOptions::default()).err().unwrap();
            assert!(!error.to_string().is_empty(), "{bad}");
            assert!(!error.to_string().contains("hunter2"));
        }
    }
}
