//! Which Redis a store URL names: one server (`redis://`, `rediss://`), a
//! cluster (`redis+cluster://[user:pass@]host:port[,host:port…][?tls=1]`) or
//! a master found through Sentinel
//! (`redis+sentinel://[user:pass@]host:port[,host:port…]/<master>[/db][?tls=1]`).
//! A `#insecure` fragment accepts any TLS certificate (tests, private setups).
//! The credentials are the data nodes' (an ACL user, or a password alone);
//! sentinels that require their own take `sentinel_username` /
//! `sentinel_password` query parameters.

use std::fmt;

use super::super::StoreError;

/// A host and port.
#[derive(Clone, PartialEq, Eq)]
pub struct Node {
    /// Host name or IP address.
    pub host: String,
    /// TCP port.
    pub port: u16,
}

/// How a store connects.
#[derive(Clone, PartialEq, Eq)]
pub enum Topology {
    /// One server, by its `redis://` or `rediss://` URL.
    Single(url::Url),
    /// A cluster, reached through any of its seed nodes.
    Cluster(Seeds),
    /// The master Sentinel names `master`, in database `db`.
    Sentinel {
        /// The sentinels.
        seeds: Seeds,
        /// The monitored master's name.
        master: String,
        /// The database number on the master.
        db: i64,
        /// The sentinels' own user, if they require one.
        sentinel_username: Option<String>,
        /// The sentinels' own password, if they require one.
        sentinel_password: Option<String>,
    },
}

/// Seed nodes and how to talk to them.
#[derive(Clone, PartialEq, Eq)]
pub struct Seeds {
    /// The nodes given in the URL.
    pub nodes: Vec<Node>,
    /// The ACL user of the data nodes.
    pub username: Option<String>,
    /// The password of the data nodes.
    pub password: Option<String>,
    /// Whether to speak TLS (`?tls=1`).
    pub tls: bool,
    /// Whether to accept any certificate (`#insecure`).
    pub insecure: bool,
}

// Never shows credentials.
impl fmt::Debug for Topology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl fmt::Debug for Seeds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.hosts())
    }
}

impl Seeds {
    fn hosts(&self) -> String {
        self.nodes
            .iter()
            .map(|n| format!("{}:{}", n.host, n.port))
            .collect::<Vec<_>>()
            .join(",")
    }

    fn suffix(&self) -> &'static str {
        if self.tls {
            "?tls=1"
        } else {
            ""
        }
    }
}

impl Topology {
    /// The URL without user names, passwords or any query parameter but
    /// `tls`: what messages show.
    pub fn name(&self) -> String {
        match self {
            Topology::Single(url) => super::redacted_url(url),
            Topology::Cluster(seeds) => {
                format!("redis+cluster://{}{}", seeds.hosts(), seeds.suffix())
            }
            Topology::Sentinel {
                seeds, master, db, ..
            } => {
                let db = if *db == 0 {
                    String::new()
                } else {
                    format!("/{db}")
                };
                format!(
                    "redis+sentinel://{}/{master}{db}{}",
                    seeds.hosts(),
                    seeds.suffix()
                )
            }
        }
    }

    /// The topology `url` names (`redis`, `rediss`, `redis+cluster` or
    /// `redis+sentinel`). The error names what is wrong, never a credential.
    pub fn parse(url: &str) -> Result<Topology, StoreError> {
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| StoreError::new("not a URL"))?;
        match scheme {
            "redis" | "rediss" => {
                let parsed = url::Url::parse(url).map_err(|_| {
                    StoreError::new(format!("{scheme}://…: not a usable Redis URL"))
                })?;
                Ok(Topology::Single(parsed))
            }
            "redis+cluster" => {
                let parts = Parts::of(scheme, rest)?;
                if !parts.path.is_empty() && parts.path != "0" {
                    return Err(parts.invalid("a cluster has only database 0; drop the path"));
                }
                Ok(Topology::Cluster(parts.seeds()?))
            }
            "redis+sentinel" => {
                let parts = Parts::of(scheme, rest)?;
                let mut path = parts.path.split('/');
                let master = path.next().unwrap_or_default();
                if master.is_empty() {
                    return Err(
                        parts.invalid("name the master: redis+sentinel://host:port/<master>")
                    );
                }
                let master = decode(master);
                let db = match path.next() {
                    None | Some("") => 0,
                    Some(db) => db
                        .parse::<i64>()
                        .ok()
                        .filter(|db| *db >= 0)
                        .ok_or_else(|| parts.invalid("the database must be a number"))?,
                };
                if path.next().is_some() {
                    return Err(parts.invalid("the path is /<master>[/db]"));
                }
                Ok(Topology::Sentinel {
                    sentinel_username: parts.query("sentinel_username"),
                    sentinel_password: parts.query("sentinel_password"),
                    seeds: parts.seeds()?,
                    master,
                    db,
                })
            }
            _ => Err(StoreError::new(format!("unknown Redis scheme '{scheme}:'"))),
        }
    }
}

/// `%xx` escapes decoded (invalid ones are kept as they are).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(byte) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A multi-host URL taken apart.
struct Parts<'a> {
    scheme: &'a str,
    userinfo: Option<&'a str>,
    hosts: &'a str,
    path: &'a str,
    query: &'a str,
    insecure: bool,
}

impl<'a> Parts<'a> {
    fn of(scheme: &'a str, rest: &'a str) -> Result<Self, StoreError> {
        let (rest, fragment) = match rest.split_once('#') {
            Some((rest, fragment)) => (rest, Some(fragment)),
            None => (rest, None),
        };
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        // The password may hold '@': the hosts start after the last one.
        let (userinfo, hosts) = match authority.rsplit_once('@') {
            Some((userinfo, hosts)) => (Some(userinfo), hosts),
            None => (None, authority),
        };
        let parts = Parts {
            scheme,
            userinfo,
            hosts,
            path: path.trim_end_matches('/'),
            query,
            insecure: false,
        };
        match fragment {
            None | Some("") => Ok(parts),
            Some("insecure") => Ok(Parts {
                insecure: true,
                ..parts
            }),
            Some(_) => Err(parts.invalid("the only fragment is #insecure")),
        }
    }

    fn invalid(&self, why: &str) -> StoreError {
        StoreError::new(format!(
            "{}://{}: {why}",
            self.scheme,
            if self.hosts.is_empty() {
                "…"
            } else {
                self.hosts
            }
        ))
    }

    fn query(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.query.as_bytes())
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
            .filter(|value| !value.is_empty())
    }

    fn seeds(&self) -> Result<Seeds, StoreError> {
        let mut nodes = Vec::new();
        for host in self.hosts.split(',').filter(|h| !h.is_empty()) {
            let (name, port) = match host.rsplit_once(':') {
                Some((name, port)) if !name.ends_with(']') || host.starts_with('[') => (
                    name,
                    port.parse::<u16>()
                        .ok()
                        .filter(|p| *p > 0)
                        .ok_or_else(|| self.invalid("a port must be a number from 1 to 65535"))?,
                ),
                _ => (host, 6379),
            };
            let name = name.trim_start_matches('[').trim_end_matches(']');
            if name.is_empty() {
                return Err(self.invalid("a host is empty"));
            }
            nodes.push(Node {
                host: name.to_owned(),
                port,
            });
        }
        if nodes.is_empty() {
            return Err(self.invalid("name at least one host:port"));
        }
        for (key, value) in form_urlencoded::parse(self.query.as_bytes()) {
            match &*key {
                "tls" if matches!(&*value, "1" | "true" | "0" | "false") => {}
                "sentinel_username" | "sentinel_password" if self.scheme == "redis+sentinel" => {}
                _ => {
                    return Err(self.invalid(
                        "unknown query parameter (the parameters are tls=1 and, for Sentinel, sentinel_username and sentinel_password)",
                    ))
                }
            }
        }
        let tls = matches!(self.query("tls").as_deref(), Some("1" | "true"));
        let (username, password) = match self.userinfo {
            None => (None, None),
            Some(info) => {
                let (user, pass) = match info.split_once(':') {
                    Some((user, pass)) => (user, Some(pass)),
                    None => (info, None),
                };
                (
                    Some(decode(user)).filter(|u| !u.is_empty()),
                    pass.map(decode).filter(|p| !p.is_empty()),
                )
            }
        };
        Ok(Seeds {
            nodes,
            username,
            password,
            tls,
            insecure: self.insecure,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_and_sentinel_urls_are_taken_apart() {
        let Topology::Cluster(seeds) =
            Topology::parse("redis+cluster://app:p%40ss:w@10.0.0.1:7000,10.0.0.2:7001?tls=1")
                .unwrap()
        else {
            panic!("not a cluster");
        };
        assert_eq!(seeds.username.as_deref(), Some("app"));
        assert_eq!(seeds.password.as_deref(), Some("p@ss:w"));
        assert!(seeds.tls && !seeds.insecure);
        assert_eq!(seeds.nodes.len(), 2);
        assert_eq!(seeds.nodes[1].port, 7001);
        let topology = Topology::parse(
            "redis+sentinel://:hunter2@s1:26379,s2/mymaster/3?sentinel_password=s3cret#insecure",
        )
        .unwrap();
        let name = topology.name();
        assert_eq!(name, "redis+sentinel://s1:26379,s2:6379/mymaster/3");
        assert!(!format!("{topology:?}").contains("hunter2"));
        let Topology::Sentinel {
            seeds,
            master,
            db,
            sentinel_password,
            ..
        } = topology
        else {
            panic!("not sentinel");
        };
        assert_eq!((master.as_str(), db), ("mymaster", 3));
        assert_eq!(sentinel_password.as_deref(), Some("s3cret"));
        assert_eq!(seeds.password.as_deref(), Some("hunter2"));
        assert!(seeds.insecure);
    }

    #[test]
    fn bad_urls_are_explained_without_credentials() {
        for bad in [
            "redis+cluster://:hunter2@",
            "redis+cluster://:hunter2@h:notaport",
            "redis+cluster://:hunter2@h:1/2",
            "redis+cluster://:hunter2@h:1?tls=maybe",
            "redis+cluster://:hunter2@h:1?password=x",
            "redis+cluster://:hunter2@h:1#secure",
            "redis+sentinel://:hunter2@h:1",
            "redis+sentinel://:hunter2@h:1/m/x",
            "redis+sentinel://:hunter2@h:1/m/1/2",
            "redis+sentinel://:hunter2@h:70000/m",
            "redis+nothing://:hunter2@h:1",
        ] {
            let error = Topology::parse(bad)
                .err()
                .unwrap_or_else(|| panic!("{bad}"));
            assert!(!error.0.contains("hunter2"), "{bad}: {error}");
            assert!(!error.0.is_empty());
        }
        assert!(Topology::parse("redis+cluster://h").is_ok());
        assert!(Topology::parse("redis+cluster://[::1]:7000").is_ok());
    }
}
