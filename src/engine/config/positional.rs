//! The positional form of a configuration: the JSON array `connector.js`
//! sends to `openConnector`, the values of `FIELDS` in that order (`null` for
//! unset). One string crosses from JavaScript instead of an object read
//! property by property, and strings without escapes are read in place
//! (borrowed), so a configuration costs only the copies it keeps.

use std::borrow::Cow;
use std::fmt;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::provider::fill_data_centre;
use super::settings::{text, FieldRef, Fields, FIELDS};
use super::ConnectorConfig;
use crate::engine::error::{ConnectorError, Result};

/// One value of the array: text (borrowed where the JSON has no escapes), or
/// any other JSON value.
enum Field<'a> {
    Text(Cow<'a, str>),
    Other(Value),
}

impl<'de> Deserialize<'de> for Field<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        deserializer.deserialize_any(FieldVisitor)
    }
}

struct FieldVisitor;

impl<'de> Visitor<'de> for FieldVisitor {
    type Value = Field<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Self::Value, E> {
        Ok(Field::Text(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> std::result::Result<Self::Value, E> {
        Ok(Field::Text(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> std::result::Result<Self::Value, E> {
        Ok(Field::Text(Cow::Owned(v)))
    }

    fn visit_bool<E>(self, v: bool) -> std::result::Result<Self::Value, E> {
        Ok(Field::Other(Value::Bool(v)))
    }

    fn visit_i64<E>(self, v: i64) -> std::result::Result<Self::Value, E> {
        Ok(Field::Other(Value::Number(v.into())))
    }

    fn visit_u64<E>(self, v: u64) -> std::result::Result<Self::Value, E> {
        Ok(Field::Other(Value::Number(v.into())))
    }

    fn visit_f64<E>(self, v: f64) -> std::result::Result<Self::Value, E> {
        Ok(Field::Other(
            Number::from_f64(v).map_or(Value::Null, Value::Number),
        ))
    }

    fn visit_unit<E>(self) -> std::result::Result<Self::Value, E> {
        Ok(Field::Other(Value::Null))
    }

    fn visit_none<E>(self) -> std::result::Result<Self::Value, E> {
        Ok(Field::Other(Value::Null))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> std::result::Result<Self::Value, A::Error> {
        Value::deserialize(MapAccessDeserializer::new(map)).map(Field::Other)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> std::result::Result<Self::Value, A::Error> {
        Value::deserialize(SeqAccessDeserializer::new(seq)).map(Field::Other)
    }
}

/// The array, read as `Fields`.
struct Positional<'a>(Vec<Field<'a>>);

impl Fields for Positional<'_> {
    fn field(&self, key: &str) -> Option<FieldRef<'_>> {
        let index = FIELDS.iter().position(|name| *name == key)?;
        match self.0.get(index)? {
            Field::Text(text) => Some(FieldRef::Text(text)),
            Field::Other(Value::Null) => None,
            Field::Other(value) => Some(FieldRef::Value(value)),
        }
    }
}

impl ConnectorConfig {
    /// Validates a configuration in the positional form: `json` is an array
    /// of the values of `FIELDS`, in that order (`null` for unset). Anything
    /// else is refused like a connection entry that is not an object.
    pub fn from_positional(name: &str, json: &str) -> Result<Self> {
        let not_an_object = || {
            ConnectorError::Validation(format!(
                "Value provided for connector.{name} is expected to be a non-null json object."
            ))
        };
        let values: Vec<Field<'_>> = serde_json::from_str(json).map_err(|_| not_an_object())?;
        let fields = Positional(values);
        if text(&fields, "data_centre").is_none() {
            return ConnectorConfig::from_fields(name, &fields);
        }
        // Rare: a data centre fills URLs in, on the object form.
        let mut map = FIELDS
            .iter()
            .filter_map(|key| Some(((*key).to_owned(), fields.field(key)?.to_value())))
            .collect::<Map<_, _>>();
        fill_data_centre(name, &mut map)?;
        ConnectorConfig::from_fields(name, &map)
    }
}
