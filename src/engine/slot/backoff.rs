//! How long a failed refresh is backed off: the provider's `Retry-After`
//! when it sent one (at most ten minutes), else 1 s doubling per consecutive
//! failure to 30 s, jittered. Until then callers get the failure at once
//! and no request is sent; the next attempt is made by one caller.

use std::time::Duration;

use crate::engine::error::ConnectorError;
use crate::support::{backoff, random};

/// The first back-off step.
pub const FIRST: Duration = Duration::from_secs(1);
/// The longest step without a `Retry-After`.
pub const CAP: Duration = Duration::from_secs(30);
/// The longest `Retry-After` honoured.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(600);

/// When the attempt after failure number `attempt` (1-based) is due.
pub fn retry_at(now_ms: i64, attempt: u32, error: &ConnectorError) -> i64 {
    let wait = match error.retry_after() {
        Some(hint) => hint.min(MAX_RETRY_AFTER),
        None => backoff::delay(FIRST, CAP, attempt, random::unit()),
    };
    now_ms.saturating_add(wait.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_wins_and_is_bounded() {
        let hinted = ConnectorError::HttpStatus {
            status: 429,
            retry_after: Some(Duration::from_secs(2)),
        };
        assert_eq!(retry_at(1_000, 9, &hinted), 3_000);
        let greedy = ConnectorError::HttpStatus {
            status: 429,
            retry_after: Some(Duration::from_secs(86_400)),
        };
        assert_eq!(retry_at(0, 1, &greedy), 600_000);
        let plain = ConnectorError::HttpStatus {
            status: 500,
            retry_after: None,
        };
        for attempt in 1..8 {
            let wait = retry_at(0, attempt, &plain);
            let step = (1_000i64 << (attempt - 1)).min(30_000);
            assert!((step / 2..=step).contains(&wait), "{attempt}: {wait}");
        }
    }
}
