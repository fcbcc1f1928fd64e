//! How a connector's settings (all but the refresh token) are held: packed,
//! one allocation for the struct and one for every text setting, because a
//! process serving many apps or tenants keeps one copy per configuration.
//!
//! The text settings lie one after another in one string. A setting the
//! engine can derive is not stored: the refresh URL when it is the auth URL,
//! and, on Zoho's accounts servers, the consent and revocation endpoints, the
//! API domain and the header scheme when they are the ones the data centre
//! gives. An accessor answers exactly what was validated either way.
//!
//! Equal settings are held once per process (`intern`): every configuration
//! that differs only in the refresh token shares them, and the copy goes with
//! its last holder (`SharedRef`'s `Drop`), so nothing outlives its connectors.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::sync::{Arc, LazyLock, Mutex};

use rustc_hash::FxBuildHasher;

use super::provider::{scheme_for, ClientAuth, ProviderOptions, ZohoServer};
use crate::support::sync::lock;

/// A connector's settings other than the refresh token, as plain values:
/// what validation produces and what tests edit (`SharedSettings::parts`).
#[derive(Clone, PartialEq, Eq)]
pub struct SettingsParts {
    /// The connector's name (the key in the connection JSON).
    pub name: String,
    /// OAuth client id.
    pub client_id: String,
    /// OAuth client secret (secret).
    pub client_secret: String,
    /// Token endpoint used for the authorization-code exchange.
    pub auth_url: String,
    /// Token endpoint used for refreshing.
    pub refresh_url: String,
    /// Redirect URL registered with the provider.
    pub redirect_url: Option<String>,
    /// Configured `expires_in`, seconds (replaced by the provider's answer).
    pub expires_in: Option<i64>,
    /// Configured `refresh_in`, seconds: when set, a token is used for exactly this long.
    pub refresh_in: Option<i64>,
    /// Key for encrypting stored tokens (secret).
    pub secret_key: Option<String>,
    /// Provider options, with the values derived for Zoho filled in.
    pub provider: ProviderOptions,
}

impl SettingsParts {
    /// The settings, borrowed.
    pub fn view(&self) -> SettingsView<'_> {
        SettingsView {
            name: &self.name,
            client_id: &self.client_id,
            client_secret: &self.client_secret,
            auth_url: &self.auth_url,
            refresh_url: &self.refresh_url,
            redirect_url: self.redirect_url.as_deref(),
            expires_in: self.expires_in,
            refresh_in: self.refresh_in,
            secret_key: self.secret_key.as_deref(),
            provider: &self.provider,
            zoho: None,
        }
    }
}

/// Validated settings, borrowed from where they were read (packing copies
/// each text once, into the packed string).
#[derive(Clone, Copy)]
pub struct SettingsView<'a> {
    /// The connector's name.
    pub name: &'a str,
    /// OAuth client id.
    pub client_id: &'a str,
    /// OAuth client secret (secret).
    pub client_secret: &'a str,
    /// Token endpoint used for the authorization-code exchange.
    pub auth_url: &'a str,
    /// Token endpoint used for refreshing.
    pub refresh_url: &'a str,
    /// Redirect URL registered with the provider.
    pub redirect_url: Option<&'a str>,
    /// Configured `expires_in`, seconds.
    pub expires_in: Option<i64>,
    /// Configured `refresh_in`, seconds.
    pub refresh_in: Option<i64>,
    /// Key for encrypting stored tokens (secret).
    pub secret_key: Option<&'a str>,
    /// Provider options, with the values derived for Zoho filled in.
    pub provider: &'a ProviderOptions,
    /// The Zoho server the refresh URL is on (`Some(None)`: none), when the
    /// caller found it already (`None`: packing finds it).
    pub zoho: Option<Option<&'a ZohoServer>>,
}

/// The text settings, in the order they lie in `SharedSettings::texts`.
#[derive(Clone, Copy)]
enum Text {
    Name,
    ClientId,
    ClientSecret,
    AuthUrl,
    RefreshUrl,
    RedirectUrl,
    SecretKey,
    Scope,
    AuthorizeUrl,
    RevokeUrl,
    Scheme,
    ApiDomain,
}

const TEXTS: usize = 12;

/// The bit of `SharedSettings::kinds` (past the texts' two bits each) set
/// when the refresh URL is on a Zoho accounts server.
const ZOHO_BIT: u32 = 1 << 31;

/// How one text setting is held (two bits of `SharedSettings::kinds`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Absent = 0,
    Stored = 1,
    /// Not stored: derived from the refresh URL (or, for the refresh URL, the auth URL).
    Derived = 2,
}

/// The settings of a connector other than its refresh token, packed (see
/// the module's documentation). `Debug` redacts the secrets.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SharedSettings {
    /// The stored text settings, one after another.
    texts: Box<str>,
    /// Where each text setting ends in `texts` (it starts where the one before ends).
    ends: [u32; TEXTS],
    /// Two bits per text setting: its `Kind`.
    kinds: u32,
    /// Configured `expires_in`, seconds (replaced by the provider's answer).
    pub expires_in: Option<i64>,
    /// Configured `refresh_in`, seconds: when set, a token is used for exactly this long.
    pub refresh_in: Option<i64>,
    client_auth: ClientAuth,
    token_params: Box<[(String, String)]>,
}

impl SharedSettings {
    /// Packs `settings`.
    pub fn new(settings: SettingsView<'_>) -> Self {
        let SettingsView {
            name,
            client_id,
            client_secret,
            auth_url,
            refresh_url,
            redirect_url,
            expires_in,
            refresh_in,
            secret_key,
            provider,
            zoho,
        } = settings;
        let found;
        let zoho = match zoho {
            Some(zoho) => zoho,
            None => {
                found = ZohoServer::of(refresh_url);
                found.as_ref()
            }
        };
        let derived = Derivation { zoho };
        let values: [(Option<&str>, Option<Cow<'_, str>>); TEXTS] = [
            (Some(name), None),
            (Some(client_id), None),
            (Some(client_secret), None),
            (Some(auth_url), None),
            (Some(refresh_url), Some(Cow::Borrowed(auth_url))),
            (redirect_url, None),
            (secret_key, None),
            (provider.scope.as_deref(), None),
            (provider.authorize_url.as_deref(), derived.authorize_url()),
            (provider.revoke_url.as_deref(), derived.revoke_url()),
            (
                Some(provider.authorization_scheme.as_str()),
                Some(Cow::Borrowed(derived.scheme())),
            ),
            (provider.api_domain.as_deref(), derived.api_domain()),
        ];
        // Per text setting: absent, derived, or the text to store.
        let stored = values.map(|(value, derivable)| match (value, derivable) {
            (None, _) => (Kind::Absent, ""),
            (Some(value), Some(derived)) if value == derived.as_ref() => (Kind::Derived, ""),
            (Some(value), _) => (Kind::Stored, value),
        });
        let mut texts = String::with_capacity(stored.iter().map(|(_, text)| text.len()).sum());
        let mut ends = [0u32; TEXTS];
        let mut kinds = 0u32;
        for (index, (kind, text)) in stored.into_iter().enumerate() {
            texts.push_str(text);
            kinds |= (kind as u32) << (2 * index);
            // Settings come from JSON text in a JS string: far below 4 GiB.
            ends[index] = u32::try_from(texts.len()).unwrap_or(u32::MAX);
        }
        if zoho.is_some() {
            kinds |= ZOHO_BIT;
        }
        SharedSettings {
            texts: texts.into_boxed_str(),
            ends,
            kinds,
            expires_in,
            refresh_in,
            client_auth: provider.client_auth,
            token_params: provider.token_params.clone().into_boxed_slice(),
        }
    }

    /// The settings as plain values.
    pub fn parts(&self) -> SettingsParts {
        let owned = |text: Option<Cow<'_, str>>| text.map(Cow::into_owned);
        SettingsParts {
            name: self.name().to_owned(),
            client_id: self.client_id().to_owned(),
            client_secret: self.client_secret().to_owned(),
            auth_url: self.auth_url().to_owned(),
            refresh_url: self.refresh_url().to_owned(),
            redirect_url: self.redirect_url().map(str::to_owned),
            expires_in: self.expires_in,
            refresh_in: self.refresh_in,
            secret_key: self.secret_key().map(str::to_owned),
            provider: ProviderOptions {
                client_auth: self.client_auth,
                token_params: self.token_params.to_vec(),
                scope: self.scope().map(str::to_owned),
                authorize_url: owned(self.authorize_url()),
                revoke_url: owned(self.revoke_url()),
                authorization_scheme: self.authorization_scheme().to_owned(),
                api_domain: owned(self.api_domain()),
            },
        }
    }

    fn kind(&self, text: Text) -> Kind {
        match (self.kinds >> (2 * text as u32)) & 0b11 {
            1 => Kind::Stored,
            2 => Kind::Derived,
            _ => Kind::Absent,
        }
    }

    /// The stored text of `text` (empty when it is not stored).
    fn stored(&self, text: Text) -> &str {
        let index = text as usize;
        let start = if index == 0 {
            0
        } else {
            self.ends[index - 1] as usize
        };
        self.texts
            .get(start..self.ends[index] as usize)
            .unwrap_or_default()
    }

    /// A setting that is stored or absent, never derived.
    fn plain(&self, text: Text) -> Option<&str> {
        (self.kind(text) == Kind::Stored).then(|| self.stored(text))
    }

    /// A setting that may be derived from the refresh URL.
    fn derivable(
        &self,
        text: Text,
        derive: fn(&Derivation<'_>) -> Option<Cow<'static, str>>,
    ) -> Option<Cow<'_, str>> {
        match self.kind(text) {
            Kind::Absent => None,
            Kind::Stored => Some(Cow::Borrowed(self.stored(text))),
            Kind::Derived => {
                let zoho = ZohoServer::of(self.refresh_url());
                derive(&Derivation {
                    zoho: zoho.as_ref(),
                })
            }
        }
    }

    /// The connector's name (the key in the connection JSON).
    pub fn name(&self) -> &str {
        self.stored(Text::Name)
    }

    /// OAuth client id.
    pub fn client_id(&self) -> &str {
        self.stored(Text::ClientId)
    }

    /// OAuth client secret (secret).
    pub fn client_secret(&self) -> &str {
        self.stored(Text::ClientSecret)
    }

    /// Token endpoint used for the authorization-code exchange.
    pub fn auth_url(&self) -> &str {
        self.stored(Text::AuthUrl)
    }

    /// Token endpoint used for refreshing.
    pub fn refresh_url(&self) -> &str {
        match self.kind(Text::RefreshUrl) {
            Kind::Derived => self.auth_url(),
            _ => self.stored(Text::RefreshUrl),
        }
    }

    /// Redirect URL registered with the provider.
    pub fn redirect_url(&self) -> Option<&str> {
        self.plain(Text::RedirectUrl)
    }

    /// Key for encrypting stored tokens (secret).
    pub fn secret_key(&self) -> Option<&str> {
        self.plain(Text::SecretKey)
    }

    /// `scope`: the default scope of authorization URLs.
    pub fn scope(&self) -> Option<&str> {
        self.plain(Text::Scope)
    }

    /// `authorize_url`: the consent page (filled for Zoho data centres).
    pub fn authorize_url(&self) -> Option<Cow<'_, str>> {
        self.derivable(Text::AuthorizeUrl, |d| d.authorize_url())
    }

    /// `revoke_url`: the revocation endpoint (derived for Zoho hosts).
    pub fn revoke_url(&self) -> Option<Cow<'_, str>> {
        self.derivable(Text::RevokeUrl, |d| d.revoke_url())
    }

    /// `api_domain`: where relative `fetch()` URLs go when the token answer
    /// named none (derived for Zoho).
    pub fn api_domain(&self) -> Option<Cow<'_, str>> {
        self.derivable(Text::ApiDomain, |d| d.api_domain())
    }

    /// The `Authorization` scheme for API calls.
    pub fn authorization_scheme(&self) -> &str {
        match self.kind(Text::Scheme) {
            Kind::Stored => self.stored(Text::Scheme),
            _ => scheme_for(self.kinds & ZOHO_BIT != 0),
        }
    }

    /// `token_endpoint_auth_method`.
    pub fn client_auth(&self) -> ClientAuth {
        self.client_auth
    }

    /// `token_params`: extra form parameters for every token request.
    pub fn token_params(&self) -> &[(String, String)] {
        &self.token_params
    }
}

impl fmt::Debug for SharedSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedSettings")
            .field("name", &self.name())
            .field("client_id", &self.client_id())
            .field("client_secret", &"<redacted>")
            .field("auth_url", &self.auth_url())
            .field("refresh_url", &self.refresh_url())
            .field("redirect_url", &self.redirect_url())
            .field("expires_in", &self.expires_in)
            .field("refresh_in", &self.refresh_in)
            .field("secret_key", &self.secret_key().map(|_| "<redacted>"))
            .field("scope", &self.scope())
            .field("authorize_url", &self.authorize_url())
            .field("revoke_url", &self.revoke_url())
            .field("authorization_scheme", &self.authorization_scheme())
            .field("api_domain", &self.api_domain())
            .field("client_auth", &self.client_auth)
            .field("token_params", &self.token_params.len())
            .finish()
    }
}

/// The settings a refresh URL implies: on a Zoho accounts server, its
/// consent and revocation endpoints, API domain and header scheme.
struct Derivation<'a> {
    zoho: Option<&'a ZohoServer>,
}

impl Derivation<'_> {
    fn authorize_url(&self) -> Option<Cow<'static, str>> {
        self.zoho.map(|z| Cow::Owned(z.authorize_url()))
    }

    fn revoke_url(&self) -> Option<Cow<'static, str>> {
        self.zoho.map(|z| Cow::Owned(z.revoke_url()))
    }

    fn api_domain(&self) -> Option<Cow<'static, str>> {
        self.zoho
            .and_then(|z| z.api_domain())
            .map(|domain| Cow::Owned(domain.to_owned()))
    }

    fn scheme(&self) -> &'static str {
        scheme_for(self.zoho.is_some())
    }
}

/// Shared settings in use, each once.
static INTERNED: LazyLock<Mutex<HashSet<Arc<SharedSettings>, FxBuildHasher>>> =
    LazyLock::new(|| Mutex::new(HashSet::default()));

/// One holder's reference to interned settings. The last holder to let go
/// takes the settings out of the process-wide set.
pub struct SharedRef(ManuallyDrop<Arc<SharedSettings>>);

/// The one copy of `settings` in the process (made now if there is none).
pub fn intern(settings: SharedSettings) -> SharedRef {
    let mut interned = lock(&INTERNED);
    if let Some(known) = interned.get(&settings) {
        return SharedRef(ManuallyDrop::new(known.clone()));
    }
    let settings = Arc::new(settings);
    interned.insert(settings.clone());
    SharedRef(ManuallyDrop::new(settings))
}

/// How many settings are interned (for tests and diagnostics).
pub fn interned_count() -> usize {
    lock(&INTERNED).len()
}

impl SharedRef {
    /// Whether `self` and `other` are the same copy.
    pub fn ptr_eq(&self, other: &SharedRef) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Clone for SharedRef {
    fn clone(&self) -> Self {
        SharedRef(ManuallyDrop::new(Arc::clone(&self.0)))
    }
}

impl Drop for SharedRef {
    fn drop(&mut self) {
        // Under the set's lock (ours dropped before it is released), so that
        // of two last holders letting go at once, the second sees the first gone.
        let mut interned = lock(&INTERNED);
        // SAFETY: `self.0` is taken once, here, and never used again.
        let settings = unsafe { ManuallyDrop::take(&mut self.0) };
        let last = Arc::strong_count(&settings) == 2
            && interned
                .get(&*settings)
                .is_some_and(|known| Arc::ptr_eq(known, &settings));
        if last {
            interned.remove(&*settings);
        }
        drop(settings);
        drop(interned);
    }
}

impl Deref for SharedRef {
    type Target = SharedSettings;

    fn deref(&self) -> &SharedSettings {
        &self.0
    }
}

impl PartialEq for SharedRef {
    fn eq(&self, other: &Self) -> bool {
        self.ptr_eq(other) || *self.0 == *other.0
    }
}

impl Eq for SharedRef {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::config::ConnectorConfig;
    use serde_json::json;

    fn is_interned(settings: &SharedSettings) -> bool {
        lock(&INTERNED).contains(settings)
    }

    fn entries() -> Vec<serde_json::Value> {
        vec![
            json!({"client_id": "id", "client_secret": "s", "auth_url": "https://a.example/t", "refresh_url": "https://a.example/t"}),
            json!({"client_id": "id", "client_secret": "s", "auth_url": "https://a.example/t", "refresh_url": "https://b.example/r",
                   "redirect_url": "https://app/cb", "secret_key": "k", "scope": "x y", "expires_in": 60, "refresh_in": 30,
                   "token_endpoint_auth_method": "client_secret_basic", "token_params": {"audience": "api"},
                   "authorization_scheme": "Token", "api_domain": "https://api.example", "authorize_url": "https://a.example/auth",
                   "revoke_url": "https://a.example/revoke"}),
            json!({"client_id": "id", "client_secret": "s", "data_centre": "eu"}),
            json!({"client_id": "id", "client_secret": "s", "data_centre": "in", "revoke_url": "https://other.example/revoke",
                   "authorization_scheme": "Bearer"}),
            json!({"client_id": "id", "client_secret": "s", "auth_url": "https://accounts.zoho.com/oauth/v2/token",
                   "refresh_url": "https://accounts.zoho.com/oauth/v2/token"}),
        ]
    }

    #[test]
    fn packed_settings_read_back_as_validated() {
        for entry in entries() {
            let config = ConnectorConfig::from_entry("crm", &entry).unwrap();
            let parts = config.parts();
            // Packing the parts again gives equal settings, read back the same.
            let again = SharedSettings::new(parts.view());
            assert!(again == **config.shared(), "{entry}");
            assert!(again.parts() == parts, "{entry}");
        }
    }

    #[test]
    fn zoho_endpoints_are_derived_not_stored() {
        let dc = ConnectorConfig::from_entry("crm", &entries()[2]).unwrap();
        assert_eq!(dc.refresh_url(), "https://accounts.zoho.eu/oauth/v2/token");
        assert_eq!(
            dc.authorize_url().as_deref(),
            Some("https://accounts.zoho.eu/oauth/v2/auth")
        );
        assert_eq!(
            dc.revoke_url().as_deref(),
            Some("https://accounts.zoho.eu/oauth/v2/token/revoke")
        );
        assert_eq!(dc.api_domain().as_deref(), Some("https://www.zohoapis.eu"));
        assert_eq!(dc.authorization_scheme(), "Zoho-oauthtoken");
        // Only the name, id, secret and one token URL are stored.
        assert_eq!(
            dc.shared().texts.len(),
            "crm".len() + 2 + 1 + dc.auth_url().len()
        );
        // A Zoho connector given its URLs (no data centre) has no consent page, as validated.
        let explicit = ConnectorConfig::from_entry("crm", &entries()[4]).unwrap();
        assert_eq!(explicit.authorize_url(), None);
        assert!(explicit.revoke_url().is_some());
        // Explicit values that differ from the derived ones are kept.
        let custom = ConnectorConfig::from_entry("crm", &entries()[3]).unwrap();
        assert_eq!(
            custom.revoke_url().as_deref(),
            Some("https://other.example/revoke")
        );
        assert_eq!(custom.authorization_scheme(), "Bearer");
    }

    #[test]
    fn the_interned_copy_goes_with_its_last_holder() {
        let entry = json!({"client_id": "interned-once", "client_secret": "s",
                           "auth_url": "https://a.example/t", "refresh_url": "https://a.example/t"});
        let a = ConnectorConfig::from_entry("crm", &entry).unwrap();
        let b = ConnectorConfig::with_refresh_token(a.shared().clone(), Some("rt".into()));
        let parts = a.parts();
        let settings = SharedSettings::new(parts.view());
        assert!(is_interned(&settings));
        drop(a);
        assert!(is_interned(&settings), "b still holds it");
        let kept = b.shared().clone();
        drop(b);
        assert!(is_interned(&settings), "a kept reference holds it too");
        drop(kept);
        assert!(!is_interned(&settings));
    }

    #[test]
    fn debug_output_redacts_secrets() {
        let config = ConnectorConfig::from_entry("crm", &entries()[1]).unwrap();
        let shown = format!("{:?}", **config.shared());
        assert!(
            !shown.contains("\"s\"") && !shown.contains("\"k\""),
            "{shown}"
        );
    }
}
