//! The master of a Sentinel-managed set, found through redis-rs's
//! `SentinelClient` (it asks the sentinels in turn and checks that the node
//! it names answers `ROLE` as a master), kept as one multiplexed connection
//! and re-found after a failure that says the node is gone or demoted
//! (connection refused or dropped, a timeout, `READONLY`, `MASTERDOWN`). A
//! failover thus costs the commands in flight when the master died, and the
//! next command asks the sentinels again.

use std::sync::Mutex;
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::sentinel::{SentinelClient, SentinelClientBuilder, SentinelServerType};
use redis::{AsyncConnectionConfig, ErrorKind, RedisError, RedisResult, ServerErrorKind};

use super::link::address;
use super::topology::Topology;
use crate::support::sync::lock;

/// A Sentinel-managed master.
pub struct SentinelLink {
    client: tokio::sync::Mutex<SentinelClient>,
    current: Mutex<Option<MultiplexedConnection>>,
    config: AsyncConnectionConfig,
}

impl SentinelLink {
    /// For a `Topology::Sentinel` (any other is an error).
    pub fn new(topology: &Topology, timeout: Duration) -> RedisResult<Self> {
        let Topology::Sentinel {
            seeds,
            master,
            db,
            sentinel_username,
            sentinel_password,
        } = topology
        else {
            return Err(RedisError::from((
                ErrorKind::InvalidClientConfig,
                "not a Sentinel topology",
            )));
        };
        let sentinels = seeds.nodes.iter().map(|node| address(node, seeds));
        let mut builder =
            SentinelClientBuilder::new(sentinels, master, SentinelServerType::Master)?
                .set_client_to_redis_db(*db);
        if seeds.tls {
            let mode = if seeds.insecure {
                redis::TlsMode::Insecure
            } else {
                redis::TlsMode::Secure
            };
            builder = builder
                .set_client_to_redis_tls_mode(mode)
                .set_client_to_sentinel_tls_mode(mode);
            if let Some(roots) = super::link::pinned_roots().filter(|_| !seeds.insecure) {
                builder = builder
                    .set_client_to_redis_certificates(roots.clone())
                    .set_client_to_sentinel_certificates(roots);
            }
        }
        if let Some(user) = &seeds.username {
            builder = builder.set_client_to_redis_username(user);
        }
        if let Some(password) = &seeds.password {
            builder = builder.set_client_to_redis_password(password);
        }
        if let Some(user) = sentinel_username {
            builder = builder.set_client_to_sentinel_username(user);
        }
        if let Some(password) = sentinel_password {
            builder = builder.set_client_to_sentinel_password(password);
        }
        Ok(SentinelLink {
            client: tokio::sync::Mutex::new(builder.build()?),
            current: Mutex::new(None),
            config: AsyncConnectionConfig::new()
                .set_connection_timeout(Some(timeout))
                .set_response_timeout(Some(timeout)),
        })
    }

    /// The connection to the current master, found through the sentinels
    /// when there is none (one lookup at a time; the others wait for it).
    pub async fn connection(&self) -> RedisResult<MultiplexedConnection> {
        if let Some(connection) = lock(&self.current).clone() {
            return Ok(connection);
        }
        let mut client = self.client.lock().await;
        if let Some(connection) = lock(&self.current).clone() {
            return Ok(connection);
        }
        let connection = client
            .async_get_client()
            .await?
            .get_multiplexed_async_connection_with_config(&self.config)
            .await?;
        *lock(&self.current) = Some(connection.clone());
        Ok(connection)
    }

    /// Forgets the connection when `error` says its node is gone or no
    /// longer the master: the next command asks the sentinels.
    pub fn failed(&self, error: &RedisError) {
        if node_lost(error) {
            *lock(&self.current) = None;
        }
    }
}

/// Whether `error` means the node is unreachable or not a master any more.
pub fn node_lost(error: &RedisError) -> bool {
    error.is_io_error()
        || error.is_connection_dropped()
        || error.is_connection_refusal()
        || error.is_timeout()
        || error.is_unrecoverable_error()
        || matches!(
            error.kind(),
            ErrorKind::Server(ServerErrorKind::ReadOnly | ServerErrorKind::MasterDown)
        )
}
