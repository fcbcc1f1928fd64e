//! What a slot tells the application: rotations (with the new secrets, for
//! the application to keep) and diagnostics (refreshes, failures, store
//! outages, lock waits; never a secret). The listener is the latest caller's.

use std::sync::Arc;

use crate::support::events::Event;

/// What the application is told when the provider rotates the refresh token.
#[derive(Clone, PartialEq, Eq)]
pub struct TokensEvent {
    /// The connector's name.
    pub connector_name: String,
    /// The new refresh token (secret).
    pub refresh_token: String,
    /// The access token that came with it (secret).
    pub access_token: String,
    /// When that access token stops being served, epoch ms.
    pub expires_at: i64,
}

impl std::fmt::Debug for TokensEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokensEvent")
            .field("connector_name", &self.connector_name)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// One event of a slot.
#[derive(Debug, Clone)]
pub enum SlotEvent {
    /// The provider rotated the refresh token.
    Tokens(TokensEvent),
    /// A diagnostic for logs (no secrets).
    Diagnostic(Event),
}

/// A callback for a slot's events (called on tokio's threads; it must not block).
pub type SlotListener = Arc<dyn Fn(SlotEvent) + Send + Sync>;
