//! `connector.revoke()`: the refresh token is revoked at the provider, then
//! forgotten everywhere — the slot's token, and the access and rotated-refresh
//! entries in the store.

use std::sync::Arc;

use super::cached::Slot;
use super::shared::StoreRef;
use crate::engine::error::{ConnectorError, Result};
use crate::engine::oauth::OAuthClient;

/// Revokes the slot's refresh token and clears what was cached with it.
pub async fn revoke(client: &OAuthClient, slot: &Arc<Slot>, store: StoreRef) -> Result<()> {
    let refresh_token = slot.shared().refresh_token().ok_or_else(|| {
        ConnectorError::InvalidArgument(
            "Value provided for refresh_token is expected to be a non-empty and non-null string."
                .into(),
        )
    })?;
    client.revoke(slot.config(), &refresh_token).await?;
    slot.clear();
    if let Some(store) = store {
        slot.shared().forget(&store).await;
    }
    Ok(())
}
