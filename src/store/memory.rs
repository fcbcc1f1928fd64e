//! An in-process store: entries with deadlines in a map. The connector's own
//! default needs no store (its slots are the process-wide cache); this one
//! serves `memory:` URLs, tests and embedders who want the store contract
//! without a server.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::support::sync::lock;
use futures::FutureExt;

use super::{StoreFuture, TokenStore};

/// Entries with deadlines, behind one lock.
#[derive(Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<String, (String, Instant)>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, Instant)>> {
        lock(&self.entries)
    }
}

impl TokenStore for MemoryStore {
    fn name(&self) -> &str {
        "memory:"
    }

    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<String>> {
        let mut entries = self.entries();
        let value = match entries.get(key) {
            Some((value, deadline)) if *deadline > Instant::now() => Some(value.clone()),
            Some(_) => {
                entries.remove(key);
                None
            }
            None => None,
        };
        async move { Ok(value) }.boxed()
    }

    fn put<'a>(&'a self, key: &'a str, value: &'a str, ttl: Duration) -> StoreFuture<'a, ()> {
        let deadline = Instant::now() + ttl;
        self.entries()
            .insert(key.to_owned(), (value.to_owned(), deadline));
        async { Ok(()) }.boxed()
    }

    fn delete<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        self.entries().remove(key);
        async { Ok(()) }.boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn entries_expire_and_can_be_deleted() {
        let store = MemoryStore::new();
        store.put("a", "1", Duration::from_secs(60)).await.unwrap();
        store.put("b", "2", Duration::ZERO).await.unwrap();
        assert_eq!(store.get("a").await.unwrap().as_deref(), Some("1"));
        assert_eq!(store.get("b").await.unwrap(), None);
        store.delete("a").await.unwrap();
        assert_eq!(store.get("a").await.unwrap(), None);
    }
}
