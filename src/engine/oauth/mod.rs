//! Talking to an OAuth 2 provider: the token-endpoint client, what its answers
//! mean, consent-page URLs with PKCE, and which token URLs are allowed.

pub mod authorize;
pub mod client;
pub mod response;
pub mod url_policy;

pub use client::OAuthClient;
