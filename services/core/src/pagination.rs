//! Opaque pagination tokens (`NextToken`, `PaginationToken`, continuation tokens): a version
//! byte plus a JSON payload, base64url-encoded. Tokens that do not decode are the caller's
//! error (each service maps `None` to its own invalid-token error).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{de::DeserializeOwned, Serialize};

const VERSION: u8 = 1;

/// Encode `state` as an opaque token.
pub fn encode<T: Serialize>(state: &T) -> String {
    let mut raw = vec![VERSION];
    // Serializing plain data structs to a Vec cannot fail.
    raw.extend(serde_json::to_vec(state).unwrap_or_default());
    URL_SAFE_NO_PAD.encode(raw)
}

/// Decode a token made by [`encode`]; `None` when it is not one.
pub fn decode<T: DeserializeOwned>(token: &str) -> Option<T> {
    let raw = URL_SAFE_NO_PAD.decode(token.trim_end_matches('=')).ok()?;
    let (v, rest) = raw.split_first()?;
    if *v != VERSION {
        return None;
    }
    serde_json::from_slice(rest).ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn roundtrip_and_garbage() {
        let t = super::encode(&("k", 3));
        assert_eq!(super::decode::<(String, i32)>(&t), Some(("k".into(), 3)));
        assert_eq!(super::decode::<(String, i32)>("!!!"), None);
        assert_eq!(super::decode::<(String, i32)>(""), None);
    }
}
