//! DynamoDB JSON (`{"S": "x"}`, `{"N": "1"}`, base64 binaries …) ↔ [`AttributeValue`], with the
//! validation AWS applies to every incoming value (exactly one type, valid numbers, non-empty
//! duplicate-free sets, `NULL: true`).
//! See <https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_AttributeValue.html>.

use super::{normalize_set, AttributeValue, Item, Number};
use base64::Engine;
use serde_json::{Map, Value};

/// Why a JSON value is not a valid attribute value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueError {
    /// JSON of the wrong shape (AWS: SerializationException).
    Serialization(String),
    /// Well-formed but invalid (AWS: ValidationException).
    Validation(String),
}

fn b64(s: &str) -> Result<Vec<u8>, ValueError> {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|_| ValueError::Serialization("Base64 encoded length is expected a multiple of 4 bytes but found: ".to_string() + &s.len().to_string()))
}

pub(super) fn want_str(v: &Value) -> Result<&str, ValueError> {
    match v {
        Value::String(s) => Ok(s),
        Value::Number(_) => Err(ValueError::Serialization("NUMBER_VALUE cannot be converted to String".into())),
        Value::Bool(_) => Err(ValueError::Serialization("TRUE_VALUE cannot be converted to String".into())),
        Value::Object(_) => Err(ValueError::Serialization("Start of structure or map found where not expected.".into())),
        Value::Array(_) => Err(ValueError::Serialization("Start of list found where not expected".into())),
        Value::Null => Err(ValueError::Serialization("NULL_VALUE cannot be converted to String".into())),
    }
}

fn want_arr(v: &Value) -> Result<&Vec<Value>, ValueError> {
    match v {
        Value::Array(a) => Ok(a),
        _ => Err(ValueError::Serialization("Unexpected field type".into())),
    }
}

pub(super) fn number(s: &str) -> Result<Number, ValueError> {
    Number::parse(s).map_err(|e| ValueError::Validation(e.message(s)))
}

fn dup_error(items: &[String]) -> ValueError {
    ValueError::Validation(format!("One or more parameter values were invalid: Input collection [{}] contains duplicates.", items.join(", ")))
}

/// Parse one attribute value.
pub fn value_from_json(v: &Value) -> Result<AttributeValue, ValueError> {
    let obj = match v {
        Value::Object(o) => o,
        _ => return Err(not_an_object()),
    };
    let mut present = obj.iter().filter(|(_, x)| !x.is_null());
    let (k, x) = match (present.next(), present.next()) {
        (None, _) => return Err(empty_value()),
        (Some(_), Some(_)) => return Err(several_types()),
        (Some(kx), None) => kx,
    };
    typed(k, x)
}

pub(super) fn empty_value() -> ValueError {
    ValueError::Validation("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes".into())
}

pub(super) fn several_types() -> ValueError {
    ValueError::Validation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes".into())
}

/// The attribute value of type `k` holding the (non-null) JSON `x`.
pub(super) fn typed(k: &str, x: &Value) -> Result<AttributeValue, ValueError> {
    Ok(match k {
        "S" => AttributeValue::S(want_str(x)?.to_string()),
        "N" => AttributeValue::N(number(want_str(x)?)?),
        "B" => AttributeValue::B(b64(want_str(x)?)?),
        "BOOL" => match x {
            Value::Bool(b) => AttributeValue::Bool(*b),
            _ => return Err(ValueError::Serialization("Unexpected value type in payload".into())),
        },
        "NULL" => match x {
            Value::Bool(true) => AttributeValue::Null,
            Value::Bool(false) => return Err(ValueError::Validation("One or more parameter values were invalid: Null attribute value types must have the value of true".into())),
            _ => return Err(ValueError::Serialization("Unexpected value type in payload".into())),
        },
        "SS" => {
            let a = want_arr(x)?;
            if a.is_empty() {
                return Err(ValueError::Validation("One or more parameter values were invalid: An string set  may not be empty".into()));
            }
            let mut v = a.iter().map(|e| want_str(e).map(str::to_string)).collect::<Result<Vec<_>, _>>()?;
            let raw = v.clone();
            if normalize_set(&mut v) {
                return Err(dup_error(&raw));
            }
            AttributeValue::Ss(v)
        }
        "NS" => {
            let a = want_arr(x)?;
            if a.is_empty() {
                return Err(ValueError::Validation("One or more parameter values were invalid: An number set  may not be empty".into()));
            }
            let raw = a.iter().map(|e| want_str(e).map(str::to_string)).collect::<Result<Vec<_>, _>>()?;
            let mut v = raw.iter().map(|s| number(s)).collect::<Result<Vec<_>, _>>()?;
            if normalize_set(&mut v) {
                return Err(dup_error(&raw));
            }
            AttributeValue::Ns(v)
        }
        "BS" => {
            let a = want_arr(x)?;
            if a.is_empty() {
                return Err(ValueError::Validation("One or more parameter values were invalid: Binary sets should not be empty".into()));
            }
            let raw = a.iter().map(|e| want_str(e).map(str::to_string)).collect::<Result<Vec<_>, _>>()?;
            let mut v = raw.iter().map(|s| b64(s)).collect::<Result<Vec<_>, _>>()?;
            if normalize_set(&mut v) {
                return Err(dup_error(&raw));
            }
            AttributeValue::Bs(v)
        }
        "L" => AttributeValue::L(want_arr(x)?.iter().map(value_from_json).collect::<Result<_, _>>()?),
        "M" => match x {
            Value::Object(m) => AttributeValue::M(item_from_json_map(m)?),
            _ => return Err(ValueError::Serialization("Unexpected value type in payload".into())),
        },
        _ => return Err(ValueError::Validation("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes".into())),
    })
}

fn item_from_json_map(m: &Map<String, Value>) -> Result<Item, ValueError> {
    m.iter().map(|(k, v)| Ok((k.clone(), value_from_json(v)?))).collect()
}

/// Parse a map of attribute values (an item, a key, `ExpressionAttributeValues`).
pub fn item_from_json(v: &Value) -> Result<Item, ValueError> {
    match v {
        Value::Object(m) => item_from_json_map(m),
        _ => Err(ValueError::Serialization("Unexpected value type in payload".into())),
    }
}

impl AttributeValue {
    /// Render as DynamoDB JSON.
    pub fn to_json(&self) -> Value {
        let enc = |b: &[u8]| Value::String(base64::engine::general_purpose::STANDARD.encode(b));
        let (k, v) = match self {
            AttributeValue::S(s) => ("S", Value::String(s.clone())),
            AttributeValue::N(n) => ("N", Value::String(n.to_string())),
            AttributeValue::B(b) => ("B", enc(b)),
            AttributeValue::Bool(b) => ("BOOL", Value::Bool(*b)),
            AttributeValue::Null => ("NULL", Value::Bool(true)),
            AttributeValue::Ss(v) => ("SS", Value::Array(v.iter().map(|s| Value::String(s.clone())).collect())),
            AttributeValue::Ns(v) => ("NS", Value::Array(v.iter().map(|n| Value::String(n.to_string())).collect())),
            AttributeValue::Bs(v) => ("BS", Value::Array(v.iter().map(|b| enc(b)).collect())),
            AttributeValue::L(v) => ("L", Value::Array(v.iter().map(AttributeValue::to_json).collect())),
            AttributeValue::M(m) => ("M", item_to_json(m)),
        };
        let mut o = Map::with_capacity(1);
        o.insert(k.into(), v);
        Value::Object(o)
    }
}

/// Render an item as DynamoDB JSON.
pub fn item_to_json(item: &Item) -> Value {
    Value::Object(item.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
}

/// Serializes an item as DynamoDB JSON straight to the output (same bytes as
/// [`item_to_json`], without building a `Value` first).
pub struct ItemJson<'a>(pub &'a Item);

impl serde::Serialize for ItemJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter())
    }
}

struct B64<'a>(&'a [u8]);

impl serde::Serialize for B64<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(self.0))
    }
}

struct Num<'a>(&'a Number);

impl serde::Serialize for Num<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl serde::Serialize for AttributeValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(1))?;
        match self {
            AttributeValue::S(v) => m.serialize_entry("S", v)?,
            AttributeValue::N(n) => m.serialize_entry("N", &Num(n))?,
            AttributeValue::B(b) => m.serialize_entry("B", &B64(b))?,
            AttributeValue::Bool(b) => m.serialize_entry("BOOL", b)?,
            AttributeValue::Null => m.serialize_entry("NULL", &true)?,
            AttributeValue::Ss(v) => m.serialize_entry("SS", v)?,
            AttributeValue::Ns(v) => m.serialize_entry("NS", &v.iter().map(Num).collect::<Vec<_>>())?,
            AttributeValue::Bs(v) => m.serialize_entry("BS", &v.iter().map(|b| B64(b)).collect::<Vec<_>>())?,
            AttributeValue::L(v) => m.serialize_entry("L", v)?,
            AttributeValue::M(i) => m.serialize_entry("M", &ItemJson(i))?,
        }
        m.end()
    }
}

pub(super) fn not_an_object() -> ValueError {
    ValueError::Serialization("Unexpected value type in payload".into())
}

/// Marker prefix that carries a ValidationException through serde's error type; the wire
/// layer turns it back into the right error.
pub const VALIDATION_MARKER: &str = "\u{1}VALIDATION:";


#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trip_and_validation() {
        let v = json!({"M": {"a": {"SS": ["b", "a"]}, "n": {"N": "1.50"}, "l": {"L": [{"NULL": true}, {"B": "AAE="}]}}});
        let av = value_from_json(&v).unwrap();
        assert_eq!(av.to_json(), json!({"M": {"a": {"SS": ["a", "b"]}, "l": {"L": [{"NULL": true}, {"B": "AAE="}]}, "n": {"N": "1.5"}}}));
        // the direct serializer writes exactly what item_to_json renders
        let item: Item = [("z".to_string(), av.clone()), ("a".to_string(), AttributeValue::Bs(vec![vec![0, 1], vec![2]]))].into_iter().collect();
        assert_eq!(serde_json::to_vec(&ItemJson(&item)).unwrap(), serde_json::to_vec(&item_to_json(&item)).unwrap());
        assert!(matches!(value_from_json(&json!({})), Err(ValueError::Validation(_))));
        assert!(matches!(value_from_json(&json!({"S": "a", "N": "1"})), Err(ValueError::Validation(_))));
        assert!(matches!(value_from_json(&json!({"S": 1})), Err(ValueError::Serialization(_))));
        assert_eq!(
            value_from_json(&json!({"NS": ["1", "1.0"]})),
            Err(ValueError::Validation("One or more parameter values were invalid: Input collection [1, 1.0] contains duplicates.".into()))
        );
        assert!(matches!(value_from_json(&json!({"SS": []})), Err(ValueError::Validation(_))));
        assert!(matches!(value_from_json(&json!({"NULL": false})), Err(ValueError::Validation(_))));
        // The streaming decoder agrees with value_from_json, errors included.
        for v in [
            json!({"S": "a"}),
            json!({"N": "1.50"}),
            json!({"S": null, "N": "2"}),
            json!({"S": "a", "S": "b"}),
            json!({"S": 1}),
            json!({"S": true}),
            json!({"S": {"x": 1}}),
            json!({"N": ["1"]}),
            json!({"S": "a", "N": "1"}),
            json!({"S": 1, "N": "1"}),
            json!({}),
            json!({"N": "x1"}),
            json!({"X": "a"}),
            json!({"NULL": false}),
            json!({"M": {"a": {"S": 5}}}),
            json!({"L": [{"BOOL": true}, {"S": "x"}]}),
            json!("S"),
            json!([1]),
            json!(null),
        ] {
            let text = v.to_string();
            let streamed = serde_json::from_str::<AttributeValue>(&text).map_err(|e| e.to_string());
            let from_value = serde_json::from_value::<AttributeValue>(v.clone()).map_err(|e| e.to_string());
            let expected = value_from_json(&v).map_err(|e| match e {
                ValueError::Serialization(m) => m,
                ValueError::Validation(m) => format!("{VALIDATION_MARKER}{m}"),
            });
            let strip = |r: Result<AttributeValue, String>| r.map_err(|m| m.split(" at line ").next().unwrap_or_default().to_string());
            assert_eq!(strip(streamed), expected, "{text}");
            assert_eq!(strip(from_value), expected, "{text}");
        }
        assert_eq!(serde_json::from_str::<AttributeValue>(r#"{"S":"a","S":"b"}"#).unwrap(), AttributeValue::S("b".into()), "a repeated member replaces");
        assert_eq!(
            value_from_json(&json!({"N": "x1"})),
            Err(ValueError::Validation("The parameter cannot be converted to a numeric value: x1".into()))
        );
    }
}
