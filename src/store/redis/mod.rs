//! Redis, as one server, a cluster or a Sentinel-managed master (see
//! `topology` for the URLs and `docs/redis.md` for the design): one
//! multiplexed connection per store, shared by every connector, that
//! reconnects by itself (`link`). Values are set with `SET key value PX ttl`;
//! keys carry an optional prefix. The lease is `SET lock owner NX PX lease`
//! plus the fence in `<lock>:fence` in one script, renewed and released by
//! scripts that act only while the lock still holds the owner's token; fenced
//! writes compare the fence in the same script (`scripts`).
//!
//! In a cluster every script's keys must share a hash slot: the engine names
//! a connector's other keys `{<entry>}:…` ([`TokenStore::hash_tags`]), and
//! the prefix goes inside the braces, so they hash like the token entry's
//! own key, which keeps its name.
//!
//! Under Sentinel a lease, its renewals and every fenced write are followed
//! by `WAIT 1`: the owner acts only once a replica has them, so the replica a
//! failover promotes still knows the lease, its fence and the rotated
//! refresh token (see `docs/redis.md`). In a cluster the same `WAIT` goes to
//! the primary of the connector's hash slot, when that shard has a replica
//! online (`ROLE`): a shard without one has no replica to promote.

use std::time::Duration;

use futures::FutureExt;
use tokio::sync::OnceCell;

use super::{fence_key, hold_key, Fenced, StoreError, StoreFuture, StoreLock, TokenStore};

mod link;
mod scripts;
mod sentinel;
pub mod topology;

use link::{Connector, Link};
use topology::Topology;

/// The longest a lease or fenced write waits for a replica's acknowledgement
/// under Sentinel or in a replicated cluster shard (at most a quarter of the
/// store timeout). A replica that does not answer in time (it is down) does
/// not stop the fleet: the write stands on the master alone, and the
/// clock-based fence still never goes backwards.
const REPLICA_WAIT: Duration = Duration::from_millis(250);

/// How many times a script answered MOVED, ASK, TRYAGAIN or CLUSTERDOWN
/// (its slot is being resharded) is sent again, after a growing pause.
const SLOT_MOVE_RETRIES: u32 = 5;
const SLOT_MOVE_PAUSE: Duration = Duration::from_millis(30);

/// Whether `error` says the command's slot is moving between nodes.
fn slot_moving(error: &redis::RedisError) -> bool {
    use redis::ServerErrorKind::{Ask, ClusterDown, Moved, TryAgain};
    matches!(
        error.kind(),
        redis::ErrorKind::Server(Moved | Ask | TryAgain | ClusterDown)
    )
}

/// A Redis store.
pub struct RedisStore {
    connector: Connector,
    link: OnceCell<Link>,
    prefix: String,
    name: String,
    timeout: Duration,
    cluster: bool,
    replicated: bool,
}

/// `url` without its user name and password, for messages.
pub fn redacted_url(url: &url::Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

impl RedisStore {
    /// A store for a `redis://`, `rediss://`, `redis+cluster://` or
    /// `redis+sentinel://` URL. Nothing connects until the first operation,
    /// so a server that is down at start is only a failed operation, not a
    /// failed constructor. `timeout` bounds connecting and each answer.
    pub fn new(url: &str, prefix: &str, timeout: Duration) -> Result<Self, StoreError> {
        let topology = Topology::parse(url)?;
        let name = topology.name();
        let cluster = matches!(topology, Topology::Cluster(_));
        if cluster && prefix.contains(['{', '}']) {
            return Err(StoreError::new(format!(
                "{name}: a key prefix for a cluster may not contain braces (they choose the hash slot)"
            )));
        }
        let connector = Connector::new(&topology, timeout)
            .map_err(|e| StoreError::new(format!("{name}: not a usable Redis URL ({e})")))?;
        Ok(RedisStore {
            replicated: matches!(topology, Topology::Sentinel { .. }) || cluster,
            connector,
            link: OnceCell::new(),
            prefix: prefix.to_owned(),
            name,
            timeout,
            cluster,
        })
    }

    async fn link(&self) -> Result<Link, StoreError> {
        if !self.connector.keeps_links() {
            return self
                .connector
                .connect(self.timeout)
                .await
                .map_err(|e| self.error("cannot connect", e));
        }
        self.link
            .get_or_try_init(|| self.connector.connect(self.timeout))
            .await
            .cloned()
            .map_err(|e| self.error("cannot connect", e))
    }

    fn error(&self, what: &str, error: redis::RedisError) -> StoreError {
        self.connector.failed(&error);
        StoreError::new(format!("{}: {what}: {}", self.name, error))
    }

    /// The key stored for `key`: the prefix first, or inside a leading hash
    /// tag (`{k}…` → `{<prefix>k}…`) so that the tag still names the key
    /// `<prefix>k` it groups with.
    fn key(&self, key: &str) -> String {
        match key.strip_prefix('{') {
            Some(rest) if self.cluster => format!("{{{}{rest}", self.prefix),
            _ => format!("{}{key}", self.prefix),
        }
    }

    async fn query<T: redis::FromRedisValue>(
        &self,
        what: &str,
        command: &redis::Cmd,
    ) -> Result<T, StoreError> {
        let mut link = self.link().await?;
        command
            .query_async(&mut link)
            .await
            .map_err(|e| self.error(what, e))
    }

    async fn script<T: redis::FromRedisValue>(
        &self,
        what: &str,
        script: &redis::ScriptInvocation<'_>,
    ) -> Result<T, StoreError> {
        let mut link = self.link().await?;
        let mut attempt = 0;
        loop {
            match script.invoke_async(&mut link).await {
                Ok(value) => return Ok(value),
                // A slot that just moved: the client's map catches up (the
                // guard's timeout bounds these retries with the rest).
                Err(e) if self.cluster && attempt < SLOT_MOVE_RETRIES && slot_moving(&e) => {
                    attempt += 1;
                    tokio::time::sleep(SLOT_MOVE_PAUSE * attempt).await;
                }
                Err(e) => return Err(self.error(what, e)),
            }
        }
    }

    /// Under Sentinel, and in a cluster for the shard serving `key`: waits
    /// until a replica has this connection's writes (at most
    /// [`REPLICA_WAIT`]). With `required`, no acknowledgement in time is an
    /// error too: the master may be one the sentinels already replaced (a
    /// split brain), or alone, and a lease or write that only it has would
    /// not survive a failover. A lost connection always is. A cluster shard
    /// with no replica online has none to wait for (none could be promoted):
    /// its primary's word stands, as Redis's own does unless
    /// `min-replicas-to-write` says otherwise.
    async fn replicate(&self, what: &str, required: bool, key: &str) -> Result<(), StoreError> {
        if !self.replicated {
            return Ok(());
        }
        let mut link = self.link().await?;
        let key = self.key(key);
        if self.cluster && !self.shard_has_replica(&mut link, &key, what).await? {
            return Ok(());
        }
        let wait = REPLICA_WAIT.min(self.timeout / 4);
        let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(250).max(1);
        let mut command = redis::cmd("WAIT");
        command.arg(1).arg(wait_ms);
        let answer = link
            .on_master_of(&key, command)
            .await
            .map_err(|e| self.error(what, e))?;
        let acks: i64 = redis::from_redis_value(answer)
            .map_err(|e| self.error(what, redis::RedisError::from(e)))?;
        if required && acks < 1 {
            return Err(StoreError::new(format!(
                "{}: {what}: no replica acknowledged it within {wait_ms} ms",
                self.name
            )));
        }
        Ok(())
    }

    /// Whether the primary serving `key`'s slot has a replica online
    /// (`ROLE`). A node that answers as a replica is an error: the slot's
    /// primary just changed, and the write is retried against the new one.
    async fn shard_has_replica(
        &self,
        link: &mut Link,
        key: &str,
        what: &str,
    ) -> Result<bool, StoreError> {
        let answer = link
            .on_master_of(key, redis::cmd("ROLE"))
            .await
            .map_err(|e| self.error(what, e))?;
        let role: Vec<redis::Value> = redis::from_redis_value(answer)
            .map_err(|e| self.error(what, redis::RedisError::from(e)))?;
        let mut parts = role.into_iter();
        let name: Option<String> = parts.next().and_then(|v| redis::from_redis_value(v).ok());
        if name.as_deref() != Some("master") {
            return Err(StoreError::new(format!(
                "{}: {what}: the slot's primary changed (the node answered as a replica)",
                self.name
            )));
        }
        let replicas: Vec<redis::Value> = parts
            .nth(1)
            .and_then(|v| redis::from_redis_value(v).ok())
            .unwrap_or_default();
        Ok(!replicas.is_empty())
    }
}

impl RedisStore {
    /// Releases the lease `key` and its hold if `owner` has them.
    async fn release(&self, key: &str, owner: &str) -> Result<(), StoreError> {
        let script = redis::Script::new(scripts::UNLOCK);
        let mut invocation = script.key(self.key(key));
        invocation.key(self.key(&hold_key(key))).arg(owner);
        self.script::<i64>("unlock failed", &invocation)
            .await
            .map(drop)
    }

    /// The lease `key` for `owner`, held for `hold` too when given; waits
    /// for a replica under Sentinel before the owner may act on it.
    async fn lock_for(
        &self,
        key: &str,
        owner: &str,
        lease: Duration,
        hold: Option<Duration>,
    ) -> Result<Option<u64>, StoreError> {
        let script = redis::Script::new(scripts::LOCK);
        let mut invocation = script.key(self.key(key));
        invocation
            .key(self.key(&fence_key(key)))
            .key(self.key(&hold_key(key)))
            .arg(owner)
            .arg(millis(lease))
            .arg(
                hold.map(|hold| millis(hold).to_string())
                    .unwrap_or_default(),
            );
        let fence: u64 = self.script("lock failed", &invocation).await?;
        if fence > 0 {
            if let Err(error) = self.replicate("lock not replicated", true, key).await {
                // Not ours to act on: give it back (best effort; it lapses anyway).
                let _ = self.release(key, owner).await;
                return Err(error);
            }
        }
        Ok((fence > 0).then_some(fence))
    }
}

fn millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl TokenStore for RedisStore {
    fn name(&self) -> &str {
        &self.name
    }

    fn hash_tags(&self) -> bool {
        self.cluster
    }

    fn fails_over(&self) -> bool {
        self.replicated
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
            let script = redis::Script::new(scripts::PUT_IF_NEWER);
            let mut invocation = script.key(self.key(key));
            invocation.arg(value).arg(expires_at).arg(millis(ttl));
            self.script::<i64>("SET (if newer) failed", &invocation)
                .await
                .map(|written| written == 1)
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
        self.lock_for(key, owner, lease, None).boxed()
    }

    fn try_lock_holding<'a>(
        &'a self,
        key: &'a str,
        owner: &'a str,
        lease: Duration,
        hold: Duration,
    ) -> StoreFuture<'a, Option<u64>> {
        let hold = self.replicated.then_some(hold);
        self.lock_for(key, owner, lease, hold).boxed()
    }

    fn renew<'a>(&'a self, key: &'a str, owner: &'a str, lease: Duration) -> StoreFuture<'a, bool> {
        async move {
            let script = redis::Script::new(scripts::RENEW);
            let mut invocation = script.key(self.key(key));
            invocation.arg(owner).arg(millis(lease));
            let renewed = self
                .script::<i64>("lease renewal failed", &invocation)
                .await?
                == 1;
            if renewed {
                // The hold taken with the lease covers a renewal that only the
                // master has.
                self.replicate("lease renewal not replicated", false, key)
                    .await?;
            }
            Ok(renewed)
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
            let script = redis::Script::new(scripts::PUT_FENCED);
            let mut invocation = script.key(self.key(key));
            invocation
                .key(self.key(&fence_key(lock_key)))
                .arg(value)
                .arg(millis(ttl))
                .arg(fence)
                .arg(newer_than.map(|n| n.to_string()).unwrap_or_default());
            let written: i64 = self.script("SET (fenced) failed", &invocation).await?;
            if written == 1 {
                self.replicate("SET (fenced) not replicated", true, key)
                    .await?;
            }
            Ok(match written {
                1 => Fenced::Written,
                0 => Fenced::KeptNewer,
                _ => Fenced::FencedOut,
            })
        }
        .boxed()
    }

    fn unlock<'a>(&'a self, key: &'a str, owner: &'a str) -> StoreFuture<'a, ()> {
        self.release(key, owner).boxed()
    }
}
