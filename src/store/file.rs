//! A JSON file of entries, shared by the processes of one machine.
//!
//! Every write takes an exclusive `flock` on a sidecar `<file>.lock`, reads the
//! file, changes it, writes a temporary file (mode 0600) beside it, fsyncs it
//! and renames it over the original, then fsyncs the directory: readers see the
//! old file or the new one, never half of one, even after a `kill -9` mid-write.
//! A file that exists but is not a token file is reported and never overwritten.
//!
//! Writes of one process are queued and applied in batches (group commit):
//! one blocking thread takes the lock, applies every change queued so far in
//! order, and writes the file once for all of them. Many connectors refreshing
//! together on a busy disk (where one fsync can take a hundred milliseconds)
//! then cost a few file writes instead of three each, and one thread per
//! process contends for the lock instead of one per operation.
//!
//! The `flock` is taken without blocking (`LOCK_NB`), retried until a deadline
//! shorter than the store's operation timeout, counted from when the change was
//! queued: a change that cannot get the file fails on its own instead of being
//! applied long after its caller gave up (and, say, taking a fleet lease nobody
//! releases).
//! Leases are entries holding the owner's token that expire like any entry;
//! each comes with a fence from the counter entry `<lock>:fence`.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::FutureExt;
use serde::{Deserialize, Serialize};

use super::{entry_expires_at, fence_key, Fenced, StoreError, StoreFuture, StoreLock, TokenStore};
use crate::support::clock::now_ms;
use crate::support::sync::lock;

/// The `format` field that marks a file as ours.
const FORMAT: &str = "zcatalyst-connector-tokens/1";

#[derive(Serialize, Deserialize)]
struct Entry {
    value: String,
    /// Epoch milliseconds after which the entry is gone.
    expires_at: i64,
}

#[derive(Serialize, Deserialize)]
struct Contents {
    format: String,
    entries: BTreeMap<String, Entry>,
}

impl Default for Contents {
    fn default() -> Self {
        Contents {
            format: FORMAT.to_owned(),
            entries: BTreeMap::new(),
        }
    }
}

/// The file's entries by key.
type Entries = BTreeMap<String, Entry>;
/// Tells a queued change's caller how its batch ended (written or not).
type Finish = Box<dyn FnOnce(Result<(), StoreError>) + Send>;
/// A queued change: applied to the entries under the lock, or told why it
/// could not be; says whether it changed anything.
type Change = Box<dyn FnOnce(Result<&mut Entries, &StoreError>) -> (bool, Option<Finish>) + Send>;

/// A change waiting for the next batch, and when its caller stops waiting.
struct Queued {
    change: Change,
    deadline: Instant,
}

/// The changes not yet applied, and whether a thread is applying them.
#[derive(Default)]
struct Queue {
    changes: Vec<Queued>,
    writing: bool,
}

struct Paths {
    file: PathBuf,
    lock: PathBuf,
    name: String,
    /// How long an operation may wait for the file lock.
    wait: Duration,
    queue: Mutex<Queue>,
}

/// How long an operation waits for the file lock unless told otherwise.
const DEFAULT_WAIT: Duration = Duration::from_millis(1500);
/// Fence counters are kept this long (a year without a refresh is a dead connector).
const FENCE_TTL: Duration = Duration::from_secs(365 * 24 * 3600);

/// A token file at an absolute path.
pub struct FileStore {
    paths: Arc<Paths>,
}

impl FileStore {
    /// The store kept in `file` (created on the first write, with its
    /// directories, mode 0600 / 0700).
    pub fn new(file: PathBuf) -> Self {
        FileStore::with_wait(file, DEFAULT_WAIT)
    }

    /// The store kept in `file`, whose operations wait at most `wait` for the
    /// file lock (keep it below the operation timeout).
    pub fn with_wait(file: PathBuf, wait: Duration) -> Self {
        let mut lock = file.clone().into_os_string();
        lock.push(".lock");
        let name = format!("file://{}", file.display());
        FileStore {
            paths: Arc::new(Paths {
                file,
                lock: lock.into(),
                name,
                wait,
                queue: Mutex::default(),
            }),
        }
    }

    fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Paths) -> Result<T, StoreError> + Send + 'static,
    ) -> StoreFuture<'static, T> {
        let paths = self.paths.clone();
        async move {
            tokio::task::spawn_blocking(move || work(&paths))
                .await
                .unwrap_or_else(|_| Err(StoreError::new("the file store task was cancelled")))
        }
        .boxed()
    }

    /// Queues `change` for the next batch (starting a batch thread when none
    /// runs) and answers once the batch holding it is written.
    fn update<R: Send + 'static>(
        &self,
        change: impl FnOnce(&mut Entries) -> (bool, R) + Send + 'static,
    ) -> StoreFuture<'static, R> {
        let paths = self.paths.clone();
        async move {
            let (sender, receiver) = tokio::sync::oneshot::channel();
            let change: Change = Box::new(move |entries| match entries {
                Err(error) => {
                    let _ = sender.send(Err(error.clone()));
                    (false, None)
                }
                Ok(entries) => {
                    let (changed, result) = change(entries);
                    let finish: Finish = Box::new(move |written| {
                        let _ = sender.send(written.map(|()| result));
                    });
                    (changed, Some(finish))
                }
            });
            let deadline = Instant::now() + paths.wait;
            let start = {
                let mut queue = lock(&paths.queue);
                queue.changes.push(Queued { change, deadline });
                !std::mem::replace(&mut queue.writing, true)
            };
            if start {
                tokio::task::spawn_blocking(move || write_queued(&paths));
            }
            receiver
                .await
                .unwrap_or_else(|_| Err(StoreError::new("the file store task was cancelled")))
        }
        .boxed()
    }
}

fn io_error(paths: &Paths, what: &str, error: std::io::Error) -> StoreError {
    StoreError::new(format!("{}: cannot {what}: {error}", paths.name))
}

fn read(paths: &Paths) -> Result<Contents, StoreError> {
    let bytes = match fs::read(&paths.file) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Contents::default()),
        Err(e) => return Err(io_error(paths, "read the file", e)),
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Contents::default());
    }
    match serde_json::from_slice::<Contents>(&bytes) {
        Ok(contents) if contents.format == FORMAT => Ok(contents),
        _ => Err(StoreError::new(format!(
            "{}: the file is not a token file; it is left untouched",
            paths.name
        ))),
    }
}

/// The longest pause between two tries of the lock: short, so that a waiter
/// does not sleep through the moments the lock is free.
const MAX_PAUSE: Duration = Duration::from_millis(5);

fn lock_wait_exceeded(paths: &Paths) -> StoreError {
    StoreError::new(format!(
        "{}: another process held the file lock for more than {} ms",
        paths.name,
        paths.wait.as_millis()
    ))
}

/// Holds an exclusive `flock` on the lock file until dropped.
struct FileLock(File);

impl FileLock {
    /// Takes the lock, retrying until `deadline`.
    fn take(paths: &Paths, deadline: Instant) -> Result<Self, StoreError> {
        if let Some(dir) = paths.file.parent() {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|e| io_error(paths, "create the directory", e))?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&paths.lock)
            .map_err(|e| io_error(paths, "open the lock file", e))?;
        let mut pause = Duration::from_millis(1);
        loop {
            // SAFETY: flock on a descriptor we own; it only affects that descriptor.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
                return Ok(FileLock(file));
            }
            let error = std::io::Error::last_os_error();
            match error.kind() {
                ErrorKind::Interrupted => continue,
                ErrorKind::WouldBlock if Instant::now() < deadline => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(MAX_PAUSE);
                }
                ErrorKind::WouldBlock => return Err(lock_wait_exceeded(paths)),
                _ => return Err(io_error(paths, "lock the file", error)),
            }
        }
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        // SAFETY: as above; closing the file would release the lock anyway.
        unsafe { libc::flock(self.0.as_raw_fd(), libc::LOCK_UN) };
    }
}

fn write(paths: &Paths, contents: &Contents) -> Result<(), StoreError> {
    let dir = paths.file.parent().unwrap_or(Path::new("/"));
    let file_name = paths
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let json = serde_json::to_vec(contents)
        .map_err(|e| StoreError::new(format!("{}: cannot encode: {e}", paths.name)))?;
    let result = (|| {
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .mode(0o600)
            .open(&temp)?;
        file.write_all(&json)?;
        file.sync_all()?;
        fs::rename(&temp, &paths.file)?;
        File::open(dir)?.sync_all()
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&temp);
        io_error(paths, "write the file", e)
    })
}

/// Applies queued changes in batches until the queue is empty (on a blocking
/// thread; one at a time per store).
fn write_queued(paths: &Paths) {
    // A change that panics must not leave the queue marked as being written.
    struct Unwinding<'a>(&'a Paths);
    impl Drop for Unwinding<'_> {
        fn drop(&mut self) {
            if std::thread::panicking() {
                lock(&self.0.queue).writing = false;
            }
        }
    }
    let _unwinding = Unwinding(paths);
    loop {
        let batch = {
            let mut queue = lock(&paths.queue);
            if queue.changes.is_empty() {
                queue.writing = false;
                return;
            }
            std::mem::take(&mut queue.changes)
        };
        write_batch(paths, batch);
    }
}

/// Applies `batch` in order under one lock, dropping expired entries, and
/// writes the file once if any change changed something; a change whose
/// caller stopped waiting before the lock was taken is failed, not applied.
fn write_batch(paths: &Paths, batch: Vec<Queued>) {
    let latest = batch.iter().map(|queued| queued.deadline).max();
    let locked = FileLock::take(paths, latest.unwrap_or_else(Instant::now))
        .and_then(|held| read(paths).map(|contents| (held, contents)));
    let (held, mut contents) = match locked {
        Ok(locked) => locked,
        Err(error) => {
            for queued in batch {
                (queued.change)(Err(&error));
            }
            return;
        }
    };
    let now = now_ms();
    contents.entries.retain(|_, entry| entry.expires_at > now);
    let taken_at = Instant::now();
    let (mut changed, mut finishes) = (false, Vec::with_capacity(batch.len()));
    for queued in batch {
        if queued.deadline < taken_at {
            (queued.change)(Err(&lock_wait_exceeded(paths)));
            continue;
        }
        let (this_changed, finish) = (queued.change)(Ok(&mut contents.entries));
        changed |= this_changed;
        finishes.extend(finish);
    }
    let written = if changed {
        write(paths, &contents)
    } else {
        Ok(())
    };
    drop(held);
    for finish in finishes {
        finish(written.clone());
    }
}

fn deadline(ttl: Duration) -> i64 {
    now_ms().saturating_add(ttl.as_millis().min(i64::MAX as u128) as i64)
}

impl TokenStore for FileStore {
    fn name(&self) -> &str {
        &self.paths.name
    }

    fn get<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<String>> {
        let key = key.to_owned();
        self.run(move |paths| {
            let contents = read(paths)?;
            Ok(contents
                .entries
                .get(&key)
                .filter(|entry| entry.expires_at > now_ms())
                .map(|entry| entry.value.clone()))
        })
    }

    fn put<'a>(&'a self, key: &'a str, value: &'a str, ttl: Duration) -> StoreFuture<'a, ()> {
        let (key, value) = (key.to_owned(), value.to_owned());
        let expires_at = deadline(ttl);
        self.update(move |entries| {
            entries.insert(key, Entry { value, expires_at });
            (true, ())
        })
    }

    fn put_if_newer<'a>(
        &'a self,
        key: &'a str,
        value: &'a str,
        token_expires_at: i64,
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        let (key, value) = (key.to_owned(), value.to_owned());
        let expires_at = deadline(ttl);
        self.update(move |entries| {
            let newer_kept = entries
                .get(&key)
                .and_then(|entry| entry_expires_at(&entry.value))
                .is_some_and(|kept| kept > token_expires_at);
            if !newer_kept {
                entries.insert(key, Entry { value, expires_at });
            }
            (!newer_kept, !newer_kept)
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        let key = key.to_owned();
        self.update(move |entries| (entries.remove(&key).is_some(), ()))
    }

    fn lock(&self) -> Option<&dyn StoreLock> {
        Some(self)
    }
}

/// The fence counter's current value.
fn current_fence(entries: &Entries, lock_key: &str) -> u64 {
    entries
        .get(&fence_key(lock_key))
        .and_then(|entry| entry.value.parse().ok())
        .unwrap_or(0)
}

/// Leases are entries whose value is the owner's token, so they expire like
/// any entry; the `flock` around every update makes take, renew, release and
/// fenced writes atomic for the processes of the machine.
impl StoreLock for FileStore {
    fn try_lock<'a>(
        &'a self,
        key: &'a str,
        owner: &'a str,
        lease: Duration,
    ) -> StoreFuture<'a, Option<u64>> {
        let (key, owner) = (key.to_owned(), owner.to_owned());
        let expires_at = deadline(lease);
        self.update(move |entries| {
            if entries.contains_key(&key) {
                return (false, None);
            }
            let fence = current_fence(entries, &key) + 1;
            entries.insert(
                fence_key(&key),
                Entry {
                    value: fence.to_string(),
                    expires_at: deadline(FENCE_TTL),
                },
            );
            entries.insert(
                key,
                Entry {
                    value: owner,
                    expires_at,
                },
            );
            (true, Some(fence))
        })
    }

    fn renew<'a>(&'a self, key: &'a str, owner: &'a str, lease: Duration) -> StoreFuture<'a, bool> {
        let (key, owner) = (key.to_owned(), owner.to_owned());
        let expires_at = deadline(lease);
        self.update(move |entries| match entries.get_mut(&key) {
            Some(entry) if entry.value == owner => {
                entry.expires_at = expires_at;
                (true, true)
            }
            _ => (false, false),
        })
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
        let (key, value, lock_key) = (key.to_owned(), value.to_owned(), lock_key.to_owned());
        let expires_at = deadline(ttl);
        self.update(move |entries| {
            if current_fence(entries, &lock_key) > fence {
                return (false, Fenced::FencedOut);
            }
            let newer_kept = newer_than.is_some_and(|floor| {
                entries
                    .get(&key)
                    .and_then(|entry| entry_expires_at(&entry.value))
                    .is_some_and(|kept| kept > floor)
            });
            if newer_kept {
                return (false, Fenced::KeptNewer);
            }
            entries.insert(key, Entry { value, expires_at });
            (true, Fenced::Written)
        })
    }

    fn unlock<'a>(&'a self, key: &'a str, owner: &'a str) -> StoreFuture<'a, ()> {
        let (key, owner) = (key.to_owned(), owner.to_owned());
        self.update(move |entries| {
            let mine = entries.get(&key).is_some_and(|e| e.value == owner);
            if mine {
                entries.remove(&key);
            }
            (mine, ())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn temp_path(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("zc-file-store-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir.join("nested").join("tokens.json")
    }

    #[tokio::test]
    async fn writes_a_private_file_and_reads_it_back() {
        let path = temp_path("roundtrip");
        let store = FileStore::new(path.clone());
        assert_eq!(store.get("k").await.unwrap(), None);
        store.put("k", "v", Duration::from_secs(60)).await.unwrap();
        store.put("gone", "x", Duration::ZERO).await.unwrap();
        assert_eq!(store.get("k").await.unwrap().as_deref(), Some("v"));
        assert_eq!(store.get("gone").await.unwrap(), None);
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // A second store on the same file (another process) sees the entry.
        let other = FileStore::new(path.clone());
        assert_eq!(other.get("k").await.unwrap().as_deref(), Some("v"));
        other.delete("k").await.unwrap();
        assert_eq!(store.get("k").await.unwrap(), None);
    }

    #[tokio::test]
    async fn leaves_a_foreign_file_untouched() {
        let path = temp_path("foreign");
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, "not json at all").unwrap();
        let store = FileStore::new(path.clone());
        let error = store.get("k").await.unwrap_err();
        assert!(error.0.contains("not a token file"), "{error}");
        assert!(store.put("k", "v", Duration::from_secs(5)).await.is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), "not json at all");
    }

    #[tokio::test]
    async fn leases_have_one_owner_fences_and_writes_keep_the_newer_token() {
        let path = temp_path("lock");
        let (a, b) = (FileStore::new(path.clone()), FileStore::new(path));
        let ttl = Duration::from_secs(60);
        assert_eq!(a.try_lock("L", "owner-a", ttl).await.unwrap(), Some(1));
        assert_eq!(b.try_lock("L", "owner-b", ttl).await.unwrap(), None);
        b.unlock("L", "owner-b").await.unwrap(); // not b's: no effect
        assert!(!b.renew("L", "owner-b", ttl).await.unwrap());
        assert!(a.renew("L", "owner-a", ttl).await.unwrap());
        assert_eq!(b.try_lock("L", "owner-b", ttl).await.unwrap(), None);
        a.unlock("L", "owner-a").await.unwrap();
        assert_eq!(b.try_lock("L", "owner-b", ttl).await.unwrap(), Some(2));
        assert_eq!(a.try_lock("E", "x", Duration::ZERO).await.unwrap(), Some(1));
        assert_eq!(
            b.try_lock("E", "y", ttl).await.unwrap(),
            Some(2),
            "an expired lease is free, with a newer fence"
        );
        // The owner of fence 1 lost its lease to fence 2: its writes are refused.
        assert_eq!(
            a.put_fenced("v", "old", ttl, None, "E", 1).await.unwrap(),
            Fenced::FencedOut
        );
        assert_eq!(
            b.put_fenced("v", "new", ttl, None, "E", 2).await.unwrap(),
            Fenced::Written
        );
        assert_eq!(a.get("v").await.unwrap().as_deref(), Some("new"));

        let entry = |at: i64| format!(r#"{{"access_token":"t{at}","expires_at":{at}}}"#);
        assert!(a.put_if_newer("k", &entry(200), 200, ttl).await.unwrap());
        assert!(!b.put_if_newer("k", &entry(100), 100, ttl).await.unwrap());
        assert_eq!(a.get("k").await.unwrap(), Some(entry(200)));
        assert!(b.put_if_newer("k", &entry(300), 300, ttl).await.unwrap());
    }

    #[tokio::test]
    async fn concurrent_writers_lose_no_entry() {
        let path = temp_path("concurrent");
        let writes = (0..20).map(|i| {
            let store = FileStore::new(path.clone());
            tokio::spawn(async move {
                store
                    .put(&format!("k{i}"), "v", Duration::from_secs(60))
                    .await
            })
        });
        for write in writes {
            write.await.unwrap().unwrap();
        }
        let store = FileStore::new(path);
        for i in 0..20 {
            assert!(store.get(&format!("k{i}")).await.unwrap().is_some(), "k{i}");
        }
    }
}

#[cfg(test)]
mod lock_wait_tests {
    use super::*;

    #[tokio::test]
    async fn changes_queued_behind_a_held_lock_are_written_together_before_their_deadline() {
        let dir = std::env::temp_dir().join(format!("zc-file-batch-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let store = Arc::new(FileStore::with_wait(
            dir.join("tokens.json"),
            Duration::from_millis(1500),
        ));
        // Another process holds the file for most of the wait; 200 changes
        // (fifty connectors' leases, writes and releases) queue behind it.
        let held = FileLock::take(&store.paths, Instant::now()).unwrap();
        let writes: Vec<_> = (0..200)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    let key = format!("k{i}");
                    store.put(&key, "v", Duration::from_secs(60)).await
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(1000)).await;
        drop(held);
        for write in writes {
            write.await.unwrap().unwrap();
        }
        let other = FileStore::new(dir.join("tokens.json"));
        for i in 0..200 {
            assert!(other.get(&format!("k{i}")).await.unwrap().is_some(), "k{i}");
        }
    }

    #[tokio::test]
    async fn a_file_locked_elsewhere_fails_the_operation_by_its_deadline_and_leaves_nothing() {
        let dir = std::env::temp_dir().join(format!("zc-file-wait-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let path = dir.join("tokens.json");
        let store = FileStore::with_wait(path.clone(), Duration::from_millis(100));
        store
            .put("warm", "x", Duration::from_secs(60))
            .await
            .unwrap();
        // Another holder of the file lock (as another process would be).
        let held = FileLock::take(&store.paths, Instant::now()).unwrap();
        let started = std::time::Instant::now();
        let taken = store.try_lock("L", "me", Duration::from_secs(60)).await;
        assert!(taken.is_err(), "{taken:?}");
        assert!(started.elapsed() < Duration::from_secs(1));
        drop(held);
        // Nothing was taken behind the caller's back.
        assert_eq!(store.get("L").await.unwrap(), None);
        assert_eq!(
            store
                .try_lock("L", "me", Duration::from_secs(60))
                .await
                .unwrap(),
            Some(1)
        );
    }
}
