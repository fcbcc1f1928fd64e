//! What a shared store holds for a connector: the keys, the token entry in the
//! JS package's format, and the sealed envelope that encrypts it at rest.

pub mod crypto;
pub mod fields;
pub mod keys;
pub mod stored;
