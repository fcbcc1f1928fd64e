//! Helpers with no domain knowledge, used by `engine` and `store` alike: a
//! poison-tolerant lock, the clock, random numbers, nonzero ids, hex, one
//! back-off formula, memory trimming and the shape of diagnostic events. Nothing here imports from
//! `engine` or `store`.

pub mod backoff;
pub mod clock;
pub mod events;
pub mod hex;
pub mod ids;
pub mod memory;
pub mod random;
pub mod sync;
