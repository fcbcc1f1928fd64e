//! Redis: one multiplexed connection per store, shared by every connector, that
//! reconnects by itself (`redis::aio::ConnectionManager`). Values are set with
//! `SET key value PX ttl`; keys carry an optional prefix. The lease is
//! `SET lock owner NX PX lease` plus `INCR <lock>:fence` in one script,
//! renewed and released by scripts that act only while the lock still holds
//! the owner's token; fenced writes compare the fence in the same script.

use std::time::Duration;

use futures::FutureExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::OnceCell;

use super::{fence_key, Fenced, StoreError, StoreFuture, StoreLock, TokenStore};

/// Deletes KEYS[1] only if it holds ARGV[1].
const UNLOCK_SCRIPT: &str =
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/// Takes KEYS[1] for ARGV[1] with PX ARGV[2]; returns the new fence from
/// KEYS[2], or 0 when the lock is held.
const LOCK_SCRIPT: &str = "if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return redis.call('incr', KEYS[2]) else return 0 end";

/// Extends KEYS[1] to PX ARGV[2] if it holds ARGV[1]; 1 when extended.
const RENEW_SCRIPT: &str = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

/// Sets KEYS[1] to ARGV[1] with PX ARGV[2] unless the fence in KEYS[2] is
/// newer than ARGV[3] (-1) or, when ARGV[4] is not empty, KEYS[1] holds an
/// entry whose `expires_at` is later than ARGV[4] (0); 1 when written.
const PUT_FENCED_SCRIPT: &str = r#"
local fence = tonumber(redis.call('get', KEYS[2]) or '0')
if fence and fence > tonumber(ARGV[3]) then
  return -1
end
if ARGV[4] ~= '' then
  local current = redis.call('get', KEYS[1])
  if current then
    local ok, entry = pcall(cjson.decode, current)
    if ok and type(entry) == 'table' and tonumber(entry.expires_at) and tonumber(entry.expires_at) > tonumber(ARGV[4]) then
      return 0
    end
  end
end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"#;

/// Sets KEYS[1] to ARGV[1] with PX ARGV[3] unless it holds an entry whose
/// `expires_at` is later than ARGV[2]; returns 1 when written.
const PUT_IF_NEWER_SCRIPT: &str = r#"
local current = redis.call('get', KEYS[1])
if current then
  local ok, entry = pcall(cjson.decode, current)
  if ok and type(entry) == 'table' and tonumber(entry.expires_at) and tonumber(entry.expires_at) > tonumber(ARGV[2]) then
    return 0
  end
end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1
"#;

/// A Redis server reached through one reconnecting connection.
pub struct RedisStore {
    client: redis::Client,
    connection: OnceCell<ConnectionManager>,
    prefix: String,
    name: String,
    timeout: Duration,
}

/// `url` without its user name and password, for messages.
pub fn redacted_url(url: &url::Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

impl RedisStore {
    /// A store for a `redis://` or `rediss://` URL. Nothing connects until the
    /// first operation, so a server that is down at start is only a failed
    /// operation, not a failed constructor. `timeout` bounds connecting and
    /// each answer.
    pub fn new(url: &url::Url, prefix: &str, timeout: Duration) -> Result<Self, StoreError> {
        let name = redacted_url(url);
        let client = redis::Client::open(url.as_str())
            .map_err(|e| StoreError::new(format!("{name}: not a usable Redis URL ({e})")))?;
        Ok(RedisStore {
            client,
            connection: OnceCell::new(),
            prefix: prefix.to_owned(),
            name,
            timeout,
        })
    }

    async fn connection(&self) -> Result<ConnectionManager, StoreError> {
        let connection = self
            .connection
            .get_or_try_init(|| async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(self.timeout))
                    .set_response_timeout(Some(self.timeout))
                    .set_number_of_retries(2)
                    .set_max_delay(Duration::from_secs(2));
                self.client
                    .get_connection_manager_lazy(config)
                    .map_err(|e| self.error("cannot set up the connection", e))
            })
            .await?;
        Ok(connection.clone())
    }

    fn error(&self, what: &str, error: redis::RedisError) -> StoreError {
        StoreError::new(format!("{}: {what}: {}", self.name, error))
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    async fn query<T: redis::FromRedisValue>(
        &self,
        what: &str,
        command: &redis::Cmd,
    ) -> Result<T, StoreError> {
        let mut connection = self.connection().await?;
        command
            .query_async(&mut connection)
            .await
            .map_err(|e| self.error(what, e))
    }
}

fn millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl TokenStore for RedisStore {
    fn name(&self) -> &str {
        &self.name
    }

    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<String>> {
        async move {
            self.query("GET failed", redis::cmd("GET").arg(self.key(key)))
                .await
        }
        .boxed()
    }

    fn put<'a>(&'a self, key: &'a str, value: &'a str, ttl: Duration) -> StoreFuture<'a, ()> {
        async move {
            let command = redis::cmd("SET")
                .arg(self.key(key))
                .arg(value)
                .arg("PX")
                .arg(millis(ttl))
                .to_owned();
            self.query::<()>("SET failed", &command).await
        }
        .boxed()
    }

    fn put_if_newer<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        expires_at: i64,
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        async move {
            let mut connection = self.connection().await?;
            redis::Script::new(PUT_IF_NEWER_SCRIPT)
                .key(self.key(key))
                .arg(value)
                .arg(expires_at)
                .arg(millis(ttl))
                .invoke_async::<i64>(&mut connection)
                .await
                .map(|written| written == 1)
                .map_err(|e| self.error("SET (if newer) failed", e))
        }
        .boxed()
    }

    fn delete<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        async move {
            self.query::<()>("DEL failed", redis::cmd("DEL").arg(self.key(key)))
                .await
        }
        .boxed()
    }

    fn lock(&self) -> Option<&dyn StoreLock> {
        Some(self)
    }
}

impl StoreLock for RedisStore {
    fn try_lock<'a>(
        &'a self,
        key: &'a str,
        owner: &'a str,
        lease: Duration,
    ) -> StoreFuture<'a, Option<u64>> {
        async move {
            let mut connection = self.connection().await?;
            let fence: u64 = redis::Script::new(LOCK_SCRIPT)
                .key(self.key(key))
                .key(self.key(&fence_key(key)))
                .arg(owner)
                .arg(millis(lease))
                .invoke_async(&mut connection)
                .await
                .map_err(|e| self.error("lock failed", e))?;
            Ok((fence > 0).then_some(fence))
        }
        .boxed()
    }

    fn renew<'a>(&'a self, key: &'a str, owner: &'a str, lease: Duration) -> StoreFuture<'a, bool> {
        async move {
            let mut connection = self.connection().await?;
            redis::Script::new(RENEW_SCRIPT)
                .key(self.key(key))
                .arg(owner)
                .arg(millis(lease))
                .invoke_async::<i64>(&mut connection)
                .await
                .map(|renewed| renewed == 1)
                .map_err(|e| self.error("lease renewal failed", e))
        }
        .boxed()
    }

    fn put_fenced<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        ttl: Duration,
        newer_than: Option<i64>,
        lock_key: &'a str,
        fence: u64,
    ) -> StoreFuture<'a, Fenced> {
        async move {
            let mut connection = self.connection().await?;
            let written: i64 = redis::Script::new(PUT_FENCED_SCRIPT)
                .key(self.key(key))
                .key(self.key(&fence_key(lock_key)))
                .arg(value)
                .arg(millis(ttl))
                .arg(fence)
                .arg(newer_than.map(|n| n.to_string()).unwrap_or_default())
                .invoke_async(&mut connection)
                .await
                .map_err(|e| self.error("SET (fenced) failed", e))?;
            Ok(match written {
                1 => Fenced::Written,
                0 => Fenced::KeptNewer,
                _ => Fenced::FencedOut,
            })
        }
        .boxed()
    }

    fn unlock<'a>(&'a self, key: &'a str, owner: &'a str) -> StoreFuture<'a, ()> {
        async move {
            let mut connection = self.connection().await?;
            redis::Script::new(UNLOCK_SCRIPT)
                .key(self.key(key))
                .arg(owner)
                .invoke_async::<i64>(&mut connection)
                .await
                .map(drop)
                .map_err(|e| self.error("unlock failed", e))
        }
        .boxed()
    }
}
