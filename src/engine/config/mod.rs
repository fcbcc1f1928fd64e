//! A connector's configuration: the JS package's settings (validated with its
//! messages) and the provider options this package adds.

mod packed;
mod plain;
mod positional;
mod provider;
mod settings;

pub use packed::{interned_count, SettingsParts, SharedRef, SharedSettings};
pub use plain::PlainSettings;
pub use provider::{
    data_centre_endpoints, fill_data_centre, is_zoho_accounts, zoho_accounts, zoho_api_domain,
    ClientAuth, ProviderOptions,
};
pub use settings::{parse_int, ConnectorConfig, FieldRef, Fields, FIELDS};
