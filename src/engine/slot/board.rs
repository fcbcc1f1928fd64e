//! The freshness board: one row per slot, in memory that JavaScript reads
//! directly (the binding wraps it in a `Float64Array`), so a cache hit in
//! `connector.js` makes no native call at all.
//!
//! Row `i` (the slot at registry index `i`) holds four `f64`:
//!
//! | cell | written by | meaning |
//! |---|---|---|
//! | 0 | engine | the token is served until this epoch ms (`-Infinity`: none; informative) |
//! | 1 | engine | the token's generation (0: none) |
//! | 2 | JS | hits served from the board (only the JS thread adds to it) |
//! | 3 | JS | the generation of the token string JavaScript keeps for the slot (-1: none) |
//!
//! A row matches only while its token is served: the engine's expiry thread
//! sets its generation to 0 shortly before `fresh_until`, so JavaScript reads
//! no clock. The engine writes a row whenever a slot's token is installed or cleared:
//! generation 0 first, then the expiry, then the new generation, so a reader
//! never pairs a new expiry with an old generation it has a string for.
//! Generations are unique in the process, so a row reused by another slot
//! never matches a string cached for the old one. JS compares cell 1 with
//! cell 3, the generation of the string it kept; the engine writes cell 3
//! only to reset it (to -1, never a generation) with the row. The
//! hits cell is read by `stats()` and by refresh-ahead's "was the token used"
//! test; nothing shared is written per hit but that plain store.
//!
//! The memory is reserved once (zeroed pages the kernel maps on first touch)
//! and never freed: the rows of `CAPACITY` slots are 16 MiB of address space,
//! resident only where rows were written. Slots past `CAPACITY` have no row
//! and are served by the native hit path.

use std::alloc::{alloc_zeroed, Layout};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, LazyLock, Mutex};
use std::time::Duration;

use crate::support::clock;
use crate::support::sync::lock;

/// Rows on the board.
pub const CAPACITY: usize = 1 << 19;
/// `f64` cells per row.
pub const ROW: usize = 4;

struct Cells(&'static [AtomicU64]);

static BOARD: LazyLock<Option<Cells>> = LazyLock::new(|| {
    let len = CAPACITY * ROW;
    let layout = Layout::array::<AtomicU64>(len).ok()?;
    // SAFETY: the layout is non-zero-sized; all-zero bytes are valid
    // `AtomicU64`s; the allocation is never freed, so the slice is 'static.
    unsafe {
        let memory = alloc_zeroed(layout).cast::<AtomicU64>();
        if memory.is_null() {
            return None;
        }
        Some(Cells(std::slice::from_raw_parts(memory, len)))
    }
});

fn cells() -> Option<&'static [AtomicU64]> {
    BOARD.as_ref().map(|cells| cells.0)
}

fn cell(index: usize, offset: usize) -> Option<&'static AtomicU64> {
    (index < CAPACITY).then_some(())?;
    cells()?.get(index * ROW + offset)
}

/// The board's memory, `(pointer, bytes)`, for the binding to hand to
/// JavaScript; `None` if it could not be reserved.
pub fn memory() -> Option<(*mut u8, usize)> {
    let cells = cells()?;
    Some((
        cells.as_ptr().cast_mut().cast::<u8>(),
        std::mem::size_of_val(cells),
    ))
}

/// A row stops matching this long before its token's `fresh_until`: the
/// expiry thread may wake late on a busy machine, and the native hit path
/// serves the last moments.
const EXPIRE_EARLY_MS: i64 = 250;

/// Rows to empty when their token stops being served: `(at, row,
/// generation)`, earliest first (a heap: 16 bytes an entry, no tree nodes).
struct Expiries {
    due: Mutex<BinaryHeap<Reverse<(i64, u32, u32)>>>,
    wake: Condvar,
}

static EXPIRIES: LazyLock<Expiries> = LazyLock::new(|| Expiries {
    due: Mutex::new(BinaryHeap::new()),
    wake: Condvar::new(),
});

/// Whether the expiry thread runs (started with the first row published);
/// without it rows never carry a generation, so JavaScript always asks the
/// native hit path.
static EXPIRY_THREAD: LazyLock<bool> = LazyLock::new(|| {
    std::thread::Builder::new()
        .name("zc-board".into())
        .spawn(expire_rows)
        .is_ok()
});

/// Empties each row whose time came, unless it was republished since.
fn expire_rows() {
    let expiries = &*EXPIRIES;
    let mut due = lock(&expiries.due);
    loop {
        let now = clock::now_ms();
        while let Some(&Reverse((at, row, generation))) = due.peek() {
            if at > now {
                break;
            }
            due.pop();
            if let Some(gen) = cell(row as usize, 1) {
                // Only the generation scheduled here: a newer one stays.
                let _ = gen.compare_exchange(
                    f64::from(generation).to_bits(),
                    0f64.to_bits(),
                    Ordering::AcqRel,
                    Ordering::Acquire,
                );
            }
        }
        due = match due.peek().map(|Reverse((at, _, _))| *at) {
            Some(at) => {
                let wait = Duration::from_millis(at.saturating_sub(now).max(1) as u64);
                match expiries.wake.wait_timeout(due, wait) {
                    Ok((guard, _)) => guard,
                    Err(poisoned) => poisoned.into_inner().0,
                }
            }
            None => match expiries.wake.wait(due) {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            },
        };
    }
}

fn expire_at(row: usize, at: i64, generation: u32) {
    let earliest = {
        let mut due = lock(&EXPIRIES.due);
        let first = due.peek().map(|Reverse((first, _, _))| *first);
        // Rows are handles (u32); the board has fewer than 2^32 rows.
        due.push(Reverse((at, row as u32, generation)));
        first.is_none_or(|first| at < first)
    };
    if earliest {
        EXPIRIES.wake.notify_one();
    }
}

/// Publishes row `index`: served until `fresh_until` (epoch ms; `i64::MIN`:
/// nothing) under `generation`. The row is emptied `EXPIRE_EARLY_MS` before
/// `fresh_until` by the expiry thread, so JavaScript need not read the clock.
pub fn publish(index: usize, fresh_until: i64, generation: u32) {
    let (Some(until), Some(gen)) = (cell(index, 0), cell(index, 1)) else {
        return;
    };
    let serve_until = fresh_until.saturating_sub(EXPIRE_EARLY_MS);
    let generation = if fresh_until != i64::MIN && serve_until > clock::now_ms() && *EXPIRY_THREAD {
        expire_at(index, serve_until, generation);
        generation
    } else {
        0
    };
    let until_value = if fresh_until == i64::MIN {
        f64::NEG_INFINITY
    } else {
        fresh_until as f64
    };
    gen.store(0f64.to_bits(), Ordering::Release);
    until.store(until_value.to_bits(), Ordering::Release);
    gen.store(f64::from(generation).to_bits(), Ordering::Release);
}

/// Makes the board and starts its expiry thread now, instead of with the
/// first slot (the addon's warm-up calls this off the JS thread).
pub fn start() {
    let _ = cells();
    let _ = *EXPIRY_THREAD;
}

/// Empties row `index` for a new slot: no token, hits back to zero, no
/// string kept by JavaScript (-1).
pub fn reset(index: usize) {
    publish(index, i64::MIN, 0);
    if let Some(hits) = cell(index, 2) {
        hits.store(0f64.to_bits(), Ordering::Release);
    }
    if let Some(kept) = cell(index, 3) {
        kept.store((-1f64).to_bits(), Ordering::Release);
    }
}

/// The hits JavaScript served from row `index`.
pub fn js_hits(index: usize) -> u64 {
    cell(index, 2).map_or(0, |hits| {
        let value = f64::from_bits(hits.load(Ordering::Acquire));
        if value.is_finite() && value > 0.0 {
            value as u64
        } else {
            0
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(index: usize, offset: usize) -> f64 {
        f64::from_bits(cell(index, offset).unwrap().load(Ordering::Acquire))
    }

    #[test]
    fn rows_carry_expiry_generation_and_hits() {
        let index = CAPACITY - 3;
        reset(index);
        assert_eq!(read(index, 0), f64::NEG_INFINITY);
        let until = clock::now_ms() + 3_600_000;
        publish(index, until, 42);
        assert_eq!((read(index, 0), read(index, 1)), (until as f64, 42.0));
        publish(index, clock::now_ms() + 100, 43); // inside the early margin: no match
        assert_eq!(read(index, 1), 0.0);
        cell(index, 2)
            .unwrap()
            .store(7f64.to_bits(), Ordering::Release);
        assert_eq!(js_hits(index), 7);
        reset(index);
        assert_eq!((read(index, 1), js_hits(index)), (0.0, 0));
        publish(CAPACITY, 1, 1); // past the board: ignored
        assert_eq!(js_hits(CAPACITY), 0);
        assert!(memory().is_some());
    }
}

#[cfg(test)]
mod expiry_tests {
    use super::*;

    #[test]
    fn rows_stop_matching_before_their_token_expires() {
        let index = CAPACITY - 7;
        reset(index);
        publish(index, clock::now_ms() + EXPIRE_EARLY_MS + 150, 77);
        assert_eq!(
            f64::from_bits(cell(index, 1).unwrap().load(Ordering::Acquire)),
            77.0
        );
        std::thread::sleep(Duration::from_millis(600));
        assert_eq!(
            f64::from_bits(cell(index, 1).unwrap().load(Ordering::Acquire)),
            0.0
        );
    }
}
