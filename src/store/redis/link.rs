//! The connection a Redis store's commands go through, whatever the
//! topology: one server through redis-rs's reconnecting `ConnectionManager`;
//! a cluster through redis-rs's cluster client (slot map, MOVED/ASK and
//! node failures are its business); a Sentinel-managed master through
//! [`super::sentinel::SentinelLink`]. Each is cheap to clone and multiplexed:
//! every connector on one store shares it.

use std::time::Duration;

use redis::aio::{
    ConnectionLike, ConnectionManager, ConnectionManagerConfig, MultiplexedConnection,
};
use redis::cluster::ClusterClientBuilder;
use redis::cluster_async::ClusterConnection;
use redis::{
    Cmd, ConnectionAddr, ConnectionInfo, IntoConnectionInfo, Pipeline, RedisFuture, Value,
};

use super::sentinel::SentinelLink;
use super::topology::{Node, Seeds, Topology};

/// A connection of any topology.
#[derive(Clone)]
pub enum Link {
    /// One server.
    Single(ConnectionManager),
    /// A cluster.
    Cluster(ClusterConnection),
    /// The current master of a Sentinel-managed set.
    Sentinel(MultiplexedConnection),
}

impl ConnectionLike for Link {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Link::Single(c) => c.req_packed_command(cmd),
            Link::Cluster(c) => c.req_packed_command(cmd),
            Link::Sentinel(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Link::Single(c) => c.req_packed_commands(pipeline, offset, count),
            Link::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
            Link::Sentinel(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Link::Single(c) => c.get_db(),
            Link::Cluster(c) => c.get_db(),
            Link::Sentinel(c) => c.get_db(),
        }
    }
}

impl Link {
    /// Sends `cmd` to the master serving `key`'s hash slot (in a cluster;
    /// elsewhere to the one server or master there is), over the connection
    /// that node's earlier commands went through, so a `WAIT` counts them.
    pub async fn on_master_of(&mut self, key: &str, cmd: Cmd) -> redis::RedisResult<Value> {
        use redis::cluster_routing::{Route, RoutingInfo, SingleNodeRoutingInfo, SlotAddr};
        match self {
            Link::Cluster(c) => {
                let route = Route::with_key(key, SlotAddr::Master);
                let routing = RoutingInfo::SingleNode(SingleNodeRoutingInfo::SpecificNode(route));
                c.route_command(cmd, routing).await
            }
            other => cmd.query_async(other).await,
        }
    }
}

/// How many times a cluster command is retried (redirections, TRYAGAIN,
/// a node that failed over).
const CLUSTER_RETRIES: u32 = 12;

/// How to open a [`Link`]: made once per store, connected on first use.
pub enum Connector {
    /// One server.
    Single(redis::Client),
    /// A cluster.
    Cluster(redis::cluster::ClusterClient),
    /// A Sentinel-managed master.
    Sentinel(SentinelLink),
}

/// The roots TLS connections trust instead of the system's when
/// `SSL_CERT_FILE` names a readable PEM bundle (as OpenSSL does): the way to
/// trust a private CA. `None` leaves redis-rs's own roots.
pub fn pinned_roots() -> Option<redis::TlsCertificates> {
    let file = std::env::var_os("SSL_CERT_FILE")?;
    let pem = std::fs::read(file).ok()?;
    Some(redis::TlsCertificates {
        client_tls: None,
        root_cert: Some(pem),
    })
}

/// A node's address, with TLS when the seeds ask for it.
pub fn address(node: &Node, seeds: &Seeds) -> ConnectionAddr {
    if seeds.tls {
        ConnectionAddr::TcpTls {
            host: node.host.clone(),
            port: node.port,
            insecure: seeds.insecure,
            tls_params: None,
        }
    } else {
        ConnectionAddr::Tcp(node.host.clone(), node.port)
    }
}

impl Connector {
    /// The connector for `topology`; `timeout` bounds connecting and each
    /// answer. Errors are redis-rs's (the caller adds the store's name).
    pub fn new(topology: &Topology, timeout: Duration) -> redis::RedisResult<Self> {
        match topology {
            Topology::Single(url) => match (url.scheme(), pinned_roots()) {
                ("rediss", Some(roots)) => redis::Client::build_with_tls(url.as_str(), roots),
                _ => redis::Client::open(url.as_str()),
            }
            .map(Connector::Single),
            Topology::Cluster(seeds) => {
                let nodes = seeds
                    .nodes
                    .iter()
                    .map(|node| address(node, seeds).into_connection_info())
                    .collect::<redis::RedisResult<Vec<ConnectionInfo>>>()?;
                // A slot being resharded answers multi-key scripts TRYAGAIN
                // until its keys have moved: retried (with the cluster's
                // MOVED/ASK and node errors) within the store's timeout,
                // which bounds the whole operation anyway.
                let mut builder = ClusterClientBuilder::new(nodes)
                    .connection_timeout(timeout)
                    .response_timeout(timeout)
                    .retries(CLUSTER_RETRIES)
                    .min_retry_wait(20)
                    .max_retry_wait(150);
                if let Some(user) = &seeds.username {
                    builder = builder.username(user);
                }
                if let Some(password) = &seeds.password {
                    builder = builder.password(password);
                }
                if seeds.tls {
                    builder = builder.tls(if seeds.insecure {
                        redis::TlsMode::Insecure
                    } else {
                        redis::TlsMode::Secure
                    });
                    if let Some(roots) = pinned_roots().filter(|_| !seeds.insecure) {
                        builder = builder.certs(roots);
                    }
                }
                builder.build().map(Connector::Cluster)
            }
            Topology::Sentinel { .. } => {
                SentinelLink::new(topology, timeout).map(Connector::Sentinel)
            }
        }
    }

    /// Connects (a single server's connection manager connects lazily and
    /// reconnects by itself; a cluster's client maps the slots first).
    pub async fn connect(&self, timeout: Duration) -> redis::RedisResult<Link> {
        match self {
            Connector::Single(client) => {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(timeout))
                    .set_response_timeout(Some(timeout))
                    .set_number_of_retries(2)
                    .set_max_delay(Duration::from_secs(2));
                client.get_connection_manager_lazy(config).map(Link::Single)
            }
            Connector::Cluster(client) => client.get_async_connection().await.map(Link::Cluster),
            Connector::Sentinel(link) => link.connection().await.map(Link::Sentinel),
        }
    }

    /// Whether a link of this connector is kept once made: a sentinel's is
    /// re-made after failures (see [`Connector::failed`]), the others heal
    /// themselves.
    pub fn keeps_links(&self) -> bool {
        !matches!(self, Connector::Sentinel(_))
    }

    /// Tells the connector that a command on its link failed with `error`.
    pub fn failed(&self, error: &redis::RedisError) {
        if let Connector::Sentinel(link) = self {
            link.failed(error);
        }
    }
}
