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
use std::fmt;
use std::hash::BuildHasher;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::sync::{Arc, LazyLock, Mutex};

use hashbrown::HashTable;
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

/// The settings of a connector other than its refresh token, packed in one
/// run of bytes (see the module's documentation; `Layout` says where each
/// part lies). Reached as `Arc<SharedSettings>`: the reference counts and
/// the settings are one allocation. `Debug` redacts the secrets.
#[derive(PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct SharedSettings {
    bytes: [u8],
}

/// Where the parts of packed settings lie: a header of `HEADER` bytes —
/// the kinds (`u32`: two bits per text setting, `ZOHO_BIT`, `WIDE_BIT`),
/// `expires_in` and `refresh_in` (`i64`, `i64::MIN` for none), the client
/// authentication (`u8`) and the number of token parameters (`u16`) — then
/// where each text setting ends (`u16` each, `u32` with `WIDE_BIT`), the texts
/// one after another, and the token parameters, each key and value a `u32`
/// length and its bytes.
struct Layout;

impl Layout {
    const KINDS: usize = 0;
    const EXPIRES_IN: usize = 4;
    const REFRESH_IN: usize = 12;
    const CLIENT_AUTH: usize = 20;
    const PARAMS: usize = 21;
    const HEADER: usize = 23;
}

/// The bit of the kinds set when text ends take four bytes (texts over 64 KiB).
const WIDE_BIT: u32 = 1 << 30;

fn read_u32(bytes: &[u8], at: usize) -> u32 {
    bytes
        .get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}

fn read_u16(bytes: &[u8], at: usize) -> u16 {
    bytes
        .get(at..at + 2)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u16::from_le_bytes)
}

fn read_i64(bytes: &[u8], at: usize) -> i64 {
    bytes
        .get(at..at + 8)
        .and_then(|b| b.try_into().ok())
        .map_or(i64::MIN, i64::from_le_bytes)
}

impl SharedSettings {
    /// Packs `settings` (intern them to share them: `intern`).
    pub fn pack(settings: SettingsView<'_>) -> Vec<u8> {
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
        let text_len: usize = stored.iter().map(|(_, text)| text.len()).sum();
        let wide = text_len > usize::from(u16::MAX);
        let params_len: usize = provider
            .token_params
            .iter()
            .map(|(key, value)| 8 + key.len() + value.len())
            .sum();
        let mut bytes = Vec::with_capacity(
            Layout::HEADER + TEXTS * if wide { 4 } else { 2 } + text_len + params_len,
        );
        let mut kinds = 0u32;
        for (index, (kind, _)) in stored.iter().enumerate() {
            kinds |= (*kind as u32) << (2 * index);
        }
        if zoho.is_some() {
            kinds |= ZOHO_BIT;
        }
        if wide {
            kinds |= WIDE_BIT;
        }
        bytes.extend_from_slice(&kinds.to_le_bytes());
        bytes.extend_from_slice(&expires_in.unwrap_or(i64::MIN).to_le_bytes());
        bytes.extend_from_slice(&refresh_in.unwrap_or(i64::MIN).to_le_bytes());
        bytes.push(provider.client_auth as u8);
        // Token parameters are a handful at most; more are not kept.
        let params = provider.token_params.len().min(usize::from(u16::MAX));
        bytes.extend_from_slice(&(params as u16).to_le_bytes());
        let mut end = 0usize;
        for (_, text) in &stored {
            end += text.len();
            if wide {
                // Settings come from JSON text in a JS string: far below 4 GiB.
                bytes.extend_from_slice(&u32::try_from(end).unwrap_or(u32::MAX).to_le_bytes());
            } else {
                bytes.extend_from_slice(&(end as u16).to_le_bytes());
            }
        }
        for (_, text) in &stored {
            bytes.extend_from_slice(text.as_bytes());
        }
        for (key, value) in provider.token_params.iter().take(params) {
            for part in [key, value] {
                bytes.extend_from_slice(
                    &u32::try_from(part.len()).unwrap_or(u32::MAX).to_le_bytes(),
                );
                bytes.extend_from_slice(part.as_bytes());
            }
        }
        bytes
    }

    /// Packed bytes as settings.
    fn of_bytes(bytes: &[u8]) -> &SharedSettings {
        // SAFETY: `SharedSettings` is a `repr(transparent)` wrapper of `[u8]`.
        unsafe { &*(bytes as *const [u8] as *const SharedSettings) }
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
            expires_in: self.expires_in(),
            refresh_in: self.refresh_in(),
            secret_key: self.secret_key().map(str::to_owned),
            provider: ProviderOptions {
                client_auth: self.client_auth(),
                token_params: self
                    .token_params()
                    .into_iter()
                    .map(|(key, value)| (key.to_owned(), value.to_owned()))
                    .collect(),
                scope: self.scope().map(str::to_owned),
                authorize_url: owned(self.authorize_url()),
                revoke_url: owned(self.revoke_url()),
                authorization_scheme: self.authorization_scheme().to_owned(),
                api_domain: owned(self.api_domain()),
            },
        }
    }

    fn kinds(&self) -> u32 {
        read_u32(&self.bytes, Layout::KINDS)
    }

    fn end_width(&self) -> usize {
        if self.kinds() & WIDE_BIT != 0 {
            4
        } else {
            2
        }
    }

    /// Where text setting `index` ends, counted from the first text.
    fn end(&self, index: usize) -> usize {
        let width = self.end_width();
        let at = Layout::HEADER + index * width;
        if width == 4 {
            read_u32(&self.bytes, at) as usize
        } else {
            usize::from(read_u16(&self.bytes, at))
        }
    }

    /// Where the texts start.
    fn texts_start(&self) -> usize {
        Layout::HEADER + TEXTS * self.end_width()
    }

    fn kind(&self, text: Text) -> Kind {
        match (self.kinds() >> (2 * text as u32)) & 0b11 {
            1 => Kind::Stored,
            2 => Kind::Derived,
            _ => Kind::Absent,
        }
    }

    /// The stored text of `text` (empty when it is not stored).
    fn stored(&self, text: Text) -> &str {
        let index = text as usize;
        let base = self.texts_start();
        let start = if index == 0 { 0 } else { self.end(index - 1) };
        let bytes = self
            .bytes
            .get(base + start..base + self.end(index))
            .unwrap_or_default();
        debug_assert!(std::str::from_utf8(bytes).is_ok());
        // SAFETY: packed settings are made only by `pack`, which lays whole
        // `&str`s one after another and ends each text where its string ends.
        unsafe { std::str::from_utf8_unchecked(bytes) }
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
            _ => scheme_for(self.kinds() & ZOHO_BIT != 0),
        }
    }

    /// Configured `expires_in`, seconds (replaced by the provider's answer).
    pub fn expires_in(&self) -> Option<i64> {
        Some(read_i64(&self.bytes, Layout::EXPIRES_IN)).filter(|v| *v != i64::MIN)
    }

    /// Configured `refresh_in`, seconds: when set, a token is used for exactly this long.
    pub fn refresh_in(&self) -> Option<i64> {
        Some(read_i64(&self.bytes, Layout::REFRESH_IN)).filter(|v| *v != i64::MIN)
    }

    /// `token_endpoint_auth_method`.
    pub fn client_auth(&self) -> ClientAuth {
        ClientAuth::from_code(self.bytes.get(Layout::CLIENT_AUTH).copied().unwrap_or(0))
    }

    /// `token_params`: extra form parameters for every token request.
    pub fn token_params(&self) -> Vec<(&str, &str)> {
        let count = usize::from(read_u16(&self.bytes, Layout::PARAMS));
        let mut at = self.texts_start() + self.end(TEXTS - 1);
        let mut next = || {
            let len = read_u32(&self.bytes, at) as usize;
            let bytes = self.bytes.get(at + 4..at + 4 + len).unwrap_or_default();
            at += 4 + len;
            // SAFETY: as in `stored`: `pack` wrote whole `&str`s here.
            unsafe { std::str::from_utf8_unchecked(bytes) }
        };
        (0..count).map(|_| (next(), next())).collect()
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
            .field("expires_in", &self.expires_in())
            .field("refresh_in", &self.refresh_in())
            .field("secret_key", &self.secret_key().map(|_| "<redacted>"))
            .field("scope", &self.scope())
            .field("authorize_url", &self.authorize_url())
            .field("revoke_url", &self.revoke_url())
            .field("authorization_scheme", &self.authorization_scheme())
            .field("api_domain", &self.api_domain())
            .field("client_auth", &self.client_auth())
            .field("token_params", &self.token_params().len())
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

/// Shared settings in use, each once, with their hash (kept, so that growing
/// the set moves entries without reading every one's bytes).
static INTERNED: LazyLock<Mutex<HashTable<Interned>>> =
    LazyLock::new(|| Mutex::new(HashTable::new()));

/// An entry of the interned set.
struct Interned {
    hash: u64,
    settings: Arc<SharedSettings>,
}

/// The interned set's hash of `settings`.
fn hash_of(settings: &SharedSettings) -> u64 {
    FxBuildHasher.hash_one(settings)
}

/// One holder's reference to interned settings. The last holder to let go
/// takes the settings out of the process-wide set.
pub struct SharedRef(ManuallyDrop<Arc<SharedSettings>>);

/// The one copy of the packed settings `bytes` (from `SharedSettings::pack`)
/// in the process, made now if there is none.
pub fn intern(bytes: &[u8]) -> SharedRef {
    let settings = SharedSettings::of_bytes(bytes);
    let hash = hash_of(settings);
    let mut interned = lock(&INTERNED);
    if let Some(known) = interned.find(hash, |e| e.hash == hash && *e.settings == *settings) {
        return SharedRef(ManuallyDrop::new(known.settings.clone()));
    }
    let copy: Arc<[u8]> = Arc::from(bytes);
    // SAFETY: `SharedSettings` is a `repr(transparent)` wrapper of `[u8]`, so
    // the allocation `copy` points to is one of `SharedSettings` as well.
    let settings = unsafe { Arc::from_raw(Arc::into_raw(copy) as *const SharedSettings) };
    interned.insert_unique(
        hash,
        Interned {
            hash,
            settings: settings.clone(),
        },
        |e| e.hash,
    );
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
        if Arc::strong_count(&settings) == 2 {
            let hash = hash_of(&settings);
            if let Ok(known) = interned.find_entry(hash, |e| Arc::ptr_eq(&e.settings, &settings)) {
                known.remove();
            }
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
        let hash = hash_of(settings);
        lock(&INTERNED)
            .find(hash, |e| *e.settings == *settings)
            .is_some()
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
            let again = SharedSettings::pack(parts.view());
            let again = SharedSettings::of_bytes(&again);
            assert!(again == &**config.shared(), "{entry}");
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
        let shared: &SharedSettings = dc.shared();
        assert_eq!(
            shared.bytes.len() - shared.texts_start(),
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
        let packed = SharedSettings::pack(parts.view());
        let settings = SharedSettings::of_bytes(&packed);
        assert!(is_interned(settings));
        drop(a);
        assert!(is_interned(settings), "b still holds it");
        let kept = b.shared().clone();
        drop(b);
        assert!(is_interned(settings), "a kept reference holds it too");
        drop(kept);
        assert!(!is_interned(settings));
    }

    #[test]
    fn texts_over_64_kib_and_token_parameters_read_back() {
        let long = "x".repeat(70_000);
        let entry = json!({"client_id": "id", "client_secret": long, "auth_url": "https://a.example/t",
                           "refresh_url": "https://a.example/t", "token_params": {"audience": "api", "n": 1},
                           "refresh_in": 30});
        let config = ConnectorConfig::from_entry("crm", &entry).unwrap();
        assert_eq!(config.client_secret(), long);
        assert_eq!(config.refresh_url(), "https://a.example/t");
        assert_eq!(config.token_params(), vec![("audience", "api"), ("n", "1")]);
        assert_eq!((config.expires_in(), config.refresh_in()), (None, Some(30)));
    }

    #[test]
    fn debug_output_redacts_secrets() {
        let config = ConnectorConfig::from_entry("crm", &entries()[1]).unwrap();
        let shown = format!("{:?}", &**config.shared());
        assert!(
            !shown.contains("\"s\"") && !shown.contains("\"k\""),
            "{shown}"
        );
    }
}
