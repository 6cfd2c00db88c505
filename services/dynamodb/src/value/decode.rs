//! Decoding an `AttributeValue` straight from the JSON stream (serde `Deserialize`): the same
//! results and the same errors as [`super::value_from_json`] on a parsed `Value`, without
//! building a `Value` tree for the common `S` and `N` members (request bodies are decoded
//! into typed inputs this way). See <https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_AttributeValue.html>.

use super::json::{empty_value, not_an_object, number, several_types, typed, want_str, ValueError, VALIDATION_MARKER};
use super::AttributeValue;
use serde_json::{Map, Value};

fn de_error<E: serde::de::Error>(e: ValueError) -> E {
    match e {
        ValueError::Serialization(m) => E::custom(m),
        ValueError::Validation(m) => E::custom(format!("{VALIDATION_MARKER}{m}")),
    }
}

/// Decodes straight from the JSON stream what [`value_from_json`] decodes from a `Value` (same
/// results, same errors), without building a `Value` for the common `S` and `N` members.
impl<'de> serde::Deserialize<'de> for AttributeValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(AvVisitor)
    }
}

struct AvVisitor;

/// One member of an attribute-value object as read: an `S`/`N` string, or any other JSON.
enum Member {
    Str(String),
    /// `S`/`N` holding something other than a string: the error `want_str` gives for it.
    NotStr(ValueError),
    Json(Value),
}

impl Member {
    fn is_null(&self) -> bool {
        matches!(self, Member::Json(Value::Null))
    }
}

/// Reads an `S`/`N` member's value: a string, null, or the error `want_str` would give.
struct StrMember;

impl<'de> serde::de::DeserializeSeed<'de> for StrMember {
    type Value = Member;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Member, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for StrMember {
    type Value = Member;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Member, E> {
        Ok(Member::Str(v.to_string()))
    }
    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Member, E> {
        Ok(Member::Str(v))
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Member, E> {
        Ok(Member::Json(Value::Null))
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Member, E> {
        Ok(Member::Json(Value::Null))
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Member, E> {
        Ok(Member::NotStr(want_str(&Value::Bool(v)).err().unwrap_or_else(empty_value)))
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Member, E> {
        Ok(Member::NotStr(want_str(&Value::from(v)).err().unwrap_or_else(empty_value)))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Member, E> {
        Ok(Member::NotStr(want_str(&Value::from(v)).err().unwrap_or_else(empty_value)))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Member, E> {
        Ok(Member::NotStr(want_str(&Value::from(v)).err().unwrap_or_else(empty_value)))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Member, A::Error> {
        while m.next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?.is_some() {}
        Ok(Member::NotStr(want_str(&Value::Object(Map::new())).err().unwrap_or_else(empty_value)))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut s: A) -> Result<Member, A::Error> {
        while s.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(Member::NotStr(want_str(&Value::Array(Vec::new())).err().unwrap_or_else(empty_value)))
    }
}

impl<'de> serde::de::Visitor<'de> for AvVisitor {
    type Value = AttributeValue;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an attribute value object")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<AttributeValue, A::Error> {
        // Members in order, a repeated name replacing the earlier value in place (as a JSON
        // object read into a `Value` would).
        let mut members: Vec<(String, Member)> = Vec::with_capacity(1);
        while let Some(name) = m.next_key::<String>()? {
            let member = if name == "S" || name == "N" { m.next_value_seed(StrMember)? } else { Member::Json(m.next_value::<Value>()?) };
            match members.iter_mut().find(|(n, _)| *n == name) {
                Some(slot) => slot.1 = member,
                None => members.push((name, member)),
            }
        }
        let mut present = members.into_iter().filter(|(_, x)| !x.is_null());
        let (name, member) = match (present.next(), present.next()) {
            (None, _) => return Err(de_error(empty_value())),
            (Some(_), Some(_)) => return Err(de_error(several_types())),
            (Some(nm), None) => nm,
        };
        let r = match (name.as_str(), member) {
            (_, Member::NotStr(e)) => Err(e),
            ("S", Member::Str(s)) => Ok(AttributeValue::S(s)),
            ("N", Member::Str(s)) => number(&s).map(AttributeValue::N),
            (k, Member::Str(s)) => typed(k, &Value::String(s)),
            (k, Member::Json(x)) => typed(k, &x),
        };
        r.map_err(de_error)
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<AttributeValue, E> {
        Err(de_error(not_an_object()))
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<AttributeValue, E> {
        Err(de_error(not_an_object()))
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<AttributeValue, E> {
        Err(de_error(not_an_object()))
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<AttributeValue, E> {
        Err(de_error(not_an_object()))
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<AttributeValue, E> {
        Err(de_error(not_an_object()))
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<AttributeValue, E> {
        Err(de_error(not_an_object()))
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<AttributeValue, E> {
        Err(de_error(not_an_object()))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut s: A) -> Result<AttributeValue, A::Error> {
        while s.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Err(de_error(not_an_object()))
    }
}

