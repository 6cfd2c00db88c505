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

/// An item as DynamoDB JSON bytes, exactly as `serde_json::to_vec(&ItemJson(item))` writes them,
/// with a string escaper that skips eight bytes at a time while none needs escaping (a 1 KB
/// string attribute was a third of a PutItem's work on the writer thread).
pub fn item_json_bytes(item: &Item) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + super::item_size(item) * 9 / 8);
    push_item(&mut out, item);
    out
}

fn push_item(out: &mut Vec<u8>, item: &Item) {
    out.push(b'{');
    for (i, (k, v)) in item.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_json_str(out, k);
        out.push(b':');
        push_value(out, v);
    }
    out.push(b'}');
}

fn push_list<T>(out: &mut Vec<u8>, items: &[T], mut each: impl FnMut(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        each(out, x);
    }
    out.push(b']');
}

fn push_value(out: &mut Vec<u8>, v: &AttributeValue) {
    let b64 = |out: &mut Vec<u8>, b: &Vec<u8>| push_json_str(out, &base64::engine::general_purpose::STANDARD.encode(b));
    out.extend_from_slice(b"{\"");
    out.extend_from_slice(v.type_name().as_bytes());
    out.extend_from_slice(b"\":");
    match v {
        AttributeValue::S(s) => push_json_str(out, s),
        AttributeValue::N(n) => push_json_str(out, &n.to_string()),
        AttributeValue::B(b) => b64(out, b),
        AttributeValue::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        AttributeValue::Null => out.extend_from_slice(b"true"),
        AttributeValue::Ss(v) => push_list(out, v, |o, s| push_json_str(o, s)),
        AttributeValue::Ns(v) => push_list(out, v, |o, n| push_json_str(o, &n.to_string())),
        AttributeValue::Bs(v) => push_list(out, v, b64),
        AttributeValue::L(v) => push_list(out, v, push_value),
        AttributeValue::M(m) => push_item(out, m),
    }
    out.push(b'}');
}

/// Whether any of the eight bytes of `w` is a control character, `"` or `\` (the bytes JSON
/// strings escape). Exact: the word tests below have no false negatives, and a word they flag
/// is examined byte by byte anyway.
fn word_needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS != 0;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGHS != 0;
    below_space || has_zero(w ^ (ONES * u64::from(b'"'))) || has_zero(w ^ (ONES * u64::from(b'\\')))
}

/// Append `s` as a JSON string escaped as serde_json escapes: `"`, `\\`, `\b \f \n \r \t`, other
/// control characters as `\u00xx`; everything else (non-ASCII included) as is.
fn push_json_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        if let Some(word) = bytes.get(i..i + 8) {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            if !word_needs_escape(u64::from_le_bytes(w)) {
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        if b < 0x20 || b == b'"' || b == b'\\' {
            out.extend_from_slice(&bytes[start..i]);
            match b {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                0x08 => out.extend_from_slice(b"\\b"),
                0x0c => out.extend_from_slice(b"\\f"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                _ => out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]]),
            }
            start = i + 1;
        }
        i += 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
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

    /// The hand-written writer emits exactly serde_json's bytes: every byte value at every
    /// offset of an 8-byte word (and in the tail), unicode, and every attribute type.
    #[test]
    fn item_json_bytes_match_serde_json() {
        let check = |item: &Item| assert_eq!(item_json_bytes(item), serde_json::to_vec(&ItemJson(item)).unwrap(), "{item:?}");
        let mut strings = vec![String::new(), "é ሴ 😀 plain".to_string(), "x".repeat(1010), "\u{7f}\u{80}/<>'".to_string()];
        for c in 0u8..128 {
            for pos in 0..19 {
                let mut s = "abcdefghijklmnopqrs".as_bytes().to_vec();
                s[pos] = c;
                strings.push(String::from_utf8(s).unwrap());
            }
        }
        for s in &strings {
            check(&[(s.clone(), AttributeValue::S(s.clone()))].into_iter().collect());
        }
        let v = json!({"M": {"a": {"SS": ["b\"q", "a"]}, "n": {"N": "-1.50e3"}, "l": {"L": [{"NULL": true}, {"B": "AAE="}, {"BOOL": false}, {"BOOL": true}]},
            "ns": {"NS": ["3", "1"]}, "bs": {"BS": ["AAE=", "Ag=="]}, "e": {"M": {}}, "el": {"L": []}}});
        check(&[("k\n".to_string(), value_from_json(&v).unwrap()), ("s".to_string(), AttributeValue::S("\\\t".into()))].into_iter().collect());
        check(&Item::new());
    }

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
