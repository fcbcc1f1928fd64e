//! The Redis store against real servers it starts itself on private ports of
//! 127.0.0.1: a 3-master cluster (hash-tagged keys: every script runs on one
//! slot, the token entry keeps its name) and a master + replica under 3
//! sentinels (a lease and its fence survive the master's death). Skipped,
//! saying so, when `redis-server`/`redis-cli` are missing.

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{config, token_server};
use zcatalyst_connector_rs::engine::entry::keys::Keys;
use zcatalyst_connector_rs::engine::slot::Slot;
use zcatalyst_connector_rs::store::open::{open_url, StoreOptions};
use zcatalyst_connector_rs::store::Fenced;

const BODY: &str = r#"{"access_token":"1000.cluster","expires_in":3600}"#;

fn missing() -> Option<&'static str> {
    let ok = |program: &str| {
        Command::new(program)
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !ok("redis-server") || !ok("redis-cli") {
        return Some("redis-server/redis-cli are not installed");
    }
    None
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `redis-cli -p port args…` (with `-c` it follows redirections); stdout.
fn cli(port: u16, args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(args)
        .output()
        .expect("redis-cli runs");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn wait_for(what: &str, mut check: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(20);
    while Instant::now() < end {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not happen within 20 s");
}

/// Servers that are killed when the test ends, however it ends.
struct Servers {
    children: Vec<(u16, Child)>,
    dir: std::path::PathBuf,
}

impl Servers {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("zc-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temp dir");
        Servers {
            children: Vec::new(),
            dir,
        }
    }

    fn start(&mut self, port: u16, args: &[&str]) {
        let dir = self.dir.join(port.to_string());
        std::fs::create_dir_all(&dir).expect("a data dir");
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&dir)
            .args(args)
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.children.push((port, child));
        wait_for("redis-server answers", || cli(port, &["PING"]) == "PONG");
    }

    fn kill(&mut self, port: u16) {
        for (p, child) in &mut self.children {
            if *p == port {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        for (_, child) in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_keeps_every_key_of_a_connector_on_one_slot() {
    if let Some(why) = missing() {
        println!("skipped: {why}");
        return;
    }
    let mut servers = Servers::new("cluster");
    let ports = [free_port(), free_port(), free_port()];
    for port in ports {
        servers.start(
            port,
            &["--cluster-enabled", "yes", "--cluster-node-timeout", "2000"],
        );
    }
    let nodes: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
    let mut create = Command::new("redis-cli");
    create.arg("--cluster").arg("create").args(&nodes);
    create.args(["--cluster-replicas", "0", "--cluster-yes"]);
    assert!(create.stdout(Stdio::null()).status().unwrap().success());
    wait_for("the cluster is ok", || {
        ports
            .iter()
            .all(|p| cli(*p, &["CLUSTER", "INFO"]).contains("cluster_state:ok"))
    });
    let url = format!("redis+cluster://{}", nodes.join(","));

    for prefix in ["", "app1:"] {
        let options = StoreOptions {
            key_prefix: prefix.to_owned(),
            ..StoreOptions::default()
        };
        let store = open_url(&url, &options).unwrap();
        assert!(store.can_lock() && store.hash_tags());
        let (token_url, count) = token_server(200, BODY, Duration::ZERO).await;
        let name = format!("cluster{}", prefix.len());
        let first = Arc::new(Slot::new(config(&token_url, &name)));
        let token = first.get(Some(store.clone())).await.unwrap();
        assert_eq!(token.access_token, "1000.cluster");
        let keys = Keys::under(first.cache_key(), first.config().name()).hash_tagged();
        // The writes finish after the token is handed out.
        let entry = format!("{prefix}{}", keys.entry);
        wait_for("the entry is written", || {
            cli(ports[0], &["-c", "GET", &entry]).contains("1000.cluster")
        });
        let fence = format!("{{{prefix}{}}}:lock:fence", keys.entry);
        assert!(!cli(ports[0], &["-c", "GET", &fence]).is_empty(), "{fence}");
        let slot = |key: &str| cli(ports[0], &["CLUSTER", "KEYSLOT", key]);
        assert_eq!(slot(&entry), slot(&fence), "{entry} and {fence}");
        // A second process adopts it: no second request.
        let second = Arc::new(Slot::new(config(&token_url, &name)));
        assert_eq!(
            second.get(Some(store.clone())).await.unwrap().access_token,
            "1000.cluster"
        );
        assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 1);

        // The lease and fenced writes across slots of one connector.
        let fence = store
            .try_lock(&keys.lock, "a", Duration::from_secs(4), None)
            .await;
        let fence = fence.unwrap().expect("the lease is free");
        assert_eq!(
            store
                .try_lock(&keys.lock, "b", Duration::from_secs(4), None)
                .await,
            Ok(None)
        );
        let wrote = store
            .put_fenced(
                &keys.rotation,
                "{}",
                Duration::from_secs(60),
                None,
                &keys.lock,
                fence,
            )
            .await;
        assert_eq!(wrote, Ok(Fenced::Written));
        store.unlock(&keys.lock, "a").await.unwrap();
        let newer = store
            .try_lock(&keys.lock, "b", Duration::from_secs(4), None)
            .await;
        assert!(newer.unwrap().unwrap() > fence, "fences only grow");
        let stale = store
            .put_fenced(
                &keys.rotation,
                "{}",
                Duration::from_secs(60),
                None,
                &keys.lock,
                fence,
            )
            .await;
        assert_eq!(stale, Ok(Fenced::FencedOut));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_sentinel_a_lease_and_its_fence_survive_a_failover() {
    if let Some(why) = missing() {
        println!("skipped: {why}");
        return;
    }
    let mut servers = Servers::new("sentinel");
    let (master, replica) = (free_port(), free_port());
    servers.start(master, &[]);
    servers.start(replica, &["--replicaof", "127.0.0.1", &master.to_string()]);
    wait_for("the replica is in sync", || {
        cli(replica, &["INFO", "replication"]).contains("master_link_status:up")
    });
    let sentinels = [free_port(), free_port(), free_port()];
    for port in sentinels {
        let file = servers.dir.join(format!("sentinel-{port}.conf"));
        let conf = format!(
            "port {port}\nbind 127.0.0.1\ndir {}\nsentinel monitor m 127.0.0.1 {master} 2\n\
             sentinel down-after-milliseconds m 400\nsentinel failover-timeout m 3000\n",
            servers.dir.display()
        );
        std::fs::write(&file, conf).unwrap();
        let child = Command::new("redis-server")
            .arg(&file)
            .arg("--sentinel")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        servers.children.push((port, child));
    }
    wait_for("the sentinels know the replica", || {
        sentinels.iter().all(|p| {
            let info = cli(*p, &["SENTINEL", "REPLICAS", "m"]);
            info.contains(&replica.to_string())
        })
    });
    let hosts: Vec<String> = sentinels.iter().map(|p| format!("127.0.0.1:{p}")).collect();
    let url = format!("redis+sentinel://{}/m", hosts.join(","));
    let store = open_url(&url, &StoreOptions::default()).unwrap();
    assert!(store.can_lock() && !store.hash_tags());

    let lease = Duration::from_secs(30);
    let first = store
        .try_lock("k:lock", "a", lease, None)
        .await
        .unwrap()
        .unwrap();
    store
        .put_fenced(
            "k:refresh_token",
            "rt-1",
            Duration::from_secs(60),
            None,
            "k:lock",
            first,
        )
        .await
        .unwrap();
    servers.kill(master);
    wait_for("the replica is promoted", || {
        cli(replica, &["ROLE"]).starts_with("master")
    });
    // The store finds the new master by itself; the first commands may fail.
    let end = Instant::now() + Duration::from_secs(20);
    let taken = loop {
        match store.try_lock("k:lock", "b", lease, None).await {
            Ok(taken) => break taken,
            Err(_) if Instant::now() < end => tokio::time::sleep(Duration::from_millis(100)).await,
            Err(e) => panic!("no answer after the failover: {e:?}"),
        }
    };
    assert_eq!(taken, None, "the promoted replica still knows a's lease");
    assert_eq!(store.get("k:refresh_token").await, Ok(Some("rt-1".into())));
    assert_eq!(store.renew("k:lock", "a", lease).await, Ok(true));
    store.unlock("k:lock", "a").await.unwrap();
    // The new master has no replica yet: no lease can be had (it would not
    // survive the next failover), and the attempt leaves no lock behind.
    let alone = store.try_lock("k:lock", "b", lease, None).await;
    assert!(
        matches!(&alone, Err(failure) if failure.error().is_some_and(|e| e.0.contains("no replica"))),
        "{alone:?}"
    );
    assert_eq!(store.get("k:lock").await, Ok(None));
    servers.start(master, &["--replicaof", "127.0.0.1", &replica.to_string()]);
    wait_for("the old master is back as a replica", || {
        cli(master, &["INFO", "replication"]).contains("master_link_status:up")
    });
    // The guard backs off after the failure above.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let second = store
        .try_lock("k:lock", "b", lease, None)
        .await
        .unwrap()
        .unwrap();
    assert!(
        second > first,
        "the fence went on growing: {first} then {second}"
    );
    let stale = store
        .put_fenced(
            "k:refresh_token",
            "rt-0",
            Duration::from_secs(60),
            None,
            "k:lock",
            first,
        )
        .await;
    assert_eq!(stale, Ok(Fenced::FencedOut));

    // A held lease (a rotating refresh) stays the owner's past its lapse,
    // until it is released.
    let held = store
        .try_lock(
            "h:lock",
            "a",
            Duration::from_millis(300),
            Some(Duration::from_secs(20)),
        )
        .await;
    assert!(held.unwrap().is_some());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(store.get("h:lock").await, Ok(None), "the lease lapsed");
    assert_eq!(
        store.try_lock("h:lock", "b", lease, None).await,
        Ok(None),
        "the hold stands"
    );
    store.unlock("h:lock", "a").await.unwrap();
    assert!(store
        .try_lock("h:lock", "b", lease, None)
        .await
        .unwrap()
        .is_some());
}
