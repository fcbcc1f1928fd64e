//! Turning an authorization code into tokens, and the new refresh token into a slot.

use std::sync::Arc;

use super::registry::{self, SlotId};
use super::shared::StoreRef;
use crate::engine::config::ConnectorConfig;
use crate::engine::error::Result;
use crate::engine::oauth::OAuthClient;
use crate::engine::token::Token;

/// Exchanges `code` at `config.auth_url`. The returned refresh token replaces
/// the configured one: the token is published in the slot of the updated
/// configuration, whose handle is returned with the token, and written to
/// `store` (a store failure is counted, not reported: the exchange succeeded),
/// which background refreshes of that slot then use.
pub async fn exchange_code(
    client: &OAuthClient,
    config: &ConnectorConfig,
    code: &str,
    code_verifier: Option<&str>,
    store: StoreRef,
    refresh_ahead: bool,
) -> Result<(SlotId, Arc<Token>)> {
    let result = client.exchange_code(config, code, code_verifier).await;
    if let Some(slot) = registry::find(config) {
        slot.count_token_request(result.is_ok());
    }
    let token = Arc::new(result?);
    let mut updated = config.clone();
    updated.refresh_token = token.refresh_token.as_deref().map(str::to_owned);
    let (id, slot) = registry::open(updated);
    slot.set_caller_options(&store, refresh_ahead);
    slot.publish(token.clone());
    if let Some(store) = store {
        let _ = slot.shared().save(&store, &token).await;
    }
    Ok((id, token))
}
