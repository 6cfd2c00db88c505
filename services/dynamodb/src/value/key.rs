//! Order-preserving byte encoding of key attribute values, so SQLite's memcmp order on BLOB
//! columns equals DynamoDB's order: strings as UTF-8 bytes, binaries as raw unsigned bytes,
//! numbers in a sortable decimal encoding (sign class, biased exponent byte, one byte per digit,
//! complemented and terminated for negatives). Each key column holds one scalar type, so no type
//! tag is needed.

use super::{AttributeValue, Number};

/// Encode a scalar key value (`S`, `N` or `B`); other types have no key encoding.
pub fn encode(v: &AttributeValue) -> Option<Vec<u8>> {
    match v {
        AttributeValue::S(s) => Some(s.as_bytes().to_vec()),
        AttributeValue::B(b) => Some(b.clone()),
        AttributeValue::N(n) => Some(encode_number(n)),
        _ => None,
    }
}

/// Sortable encoding of a number.
pub fn encode_number(n: &Number) -> Vec<u8> {
    if n.is_zero() {
        return vec![0x02];
    }
    // exponent is within [-129, 126]; +129 maps it to [0, 255].
    let e = (n.exponent() + 129).clamp(0, 255) as u8;
    let mut out = Vec::with_capacity(n.digits().len() + 3);
    if n.is_negative() {
        out.push(0x01);
        out.push(255 - e);
        out.extend(n.digits().iter().map(|d| 11 - d));
        out.push(0xFF);
    } else {
        out.push(0x03);
        out.push(e);
        out.extend(n.digits().iter().map(|d| d + 1));
    }
    out
}

/// Decode a key value of type `ty` (`S`, `N`, `B`) from its encoding.
pub fn decode(ty: &str, b: &[u8]) -> Option<AttributeValue> {
    match ty {
        "S" => String::from_utf8(b.to_vec()).ok().map(AttributeValue::S),
        "B" => Some(AttributeValue::B(b.to_vec())),
        "N" => decode_number(b).map(AttributeValue::N),
        _ => None,
    }
}

fn decode_number(b: &[u8]) -> Option<Number> {
    match b.first()? {
        0x02 => Some(Number::zero()),
        0x03 => {
            let e = i32::from(*b.get(1)?) - 129;
            let ds: String = b[2..].iter().map(|d| (b'0' + d - 1) as char).collect();
            Number::parse(&format!("0.{ds}e{e}")).ok()
        }
        0x01 => {
            let e = i32::from(255 - *b.get(1)?) - 129;
            let body = b.get(2..b.len().checked_sub(1)?)?;
            let ds: String = body.iter().map(|d| (b'0' + 11 - d) as char).collect();
            Number::parse(&format!("-0.{ds}e{e}")).ok()
        }
        _ => None,
    }
}

/// A key component inside a composite (multi-attribute) index key: 0x00 escaped as
/// 0x00 0xFF, terminated by 0x00 0x01, so concatenations sort component by component.
pub fn component(raw: &[u8]) -> Vec<u8> {
    let mut out = escaped(raw);
    out.extend([0x00, 0x01]);
    out
}

/// `raw` with 0x00 escaped (no terminator): the prefix form of a component (`begins_with`).
pub fn escaped(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + 2);
    for b in raw {
        out.push(*b);
        if *b == 0 {
            out.push(0xFF);
        }
    }
    out
}

/// The smallest byte string greater than every string starting with `prefix` (for
/// `begins_with` ranges); `None` when there is no upper bound (all bytes 0xFF).
pub fn prefix_successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut p = prefix.to_vec();
    while let Some(last) = p.pop() {
        if last < 0xFF {
            p.push(last + 1);
            return Some(p);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn random_number(r: &mut rand::rngs::StdRng) -> Number {
        let len = r.gen_range(1..=38);
        let digits: String = (0..len).map(|_| char::from(b'0' + r.gen_range(0..10u8))).collect();
        let sign = if r.gen_bool(0.5) { "-" } else { "" };
        let e: i32 = r.gen_range(-120..=80);
        Number::parse(&format!("{sign}{digits}e{e}")).unwrap_or_else(|_| Number::zero())
    }

    #[test]
    fn number_encoding_preserves_order_and_round_trips() {
        let mut r = rand::rngs::StdRng::seed_from_u64(7);
        let mut v: Vec<Number> = (0..5000).map(|_| random_number(&mut r)).collect();
        for s in ["0", "1", "-1", "0.1", "-0.1", "0.12", "-0.12", "10", "-10", "9.9999999999999999999999999999999999999e125", "1e-130", "-1e-130"] {
            v.push(Number::parse(s).unwrap());
        }
        for n in &v {
            assert_eq!(decode_number(&encode_number(n)).as_ref(), Some(n));
        }
        for w in v.windows(2) {
            let (a, b) = (&w[0], &w[1]);
            assert_eq!(a.cmp(b), encode_number(a).cmp(&encode_number(b)), "{a} vs {b}");
        }
        let mut sorted = v.clone();
        sorted.sort();
        let mut by_enc = v.clone();
        by_enc.sort_by_key(encode_number);
        assert_eq!(sorted, by_enc);
    }

    #[test]
    fn strings_and_binaries_order_bytewise() {
        let mut r = rand::rngs::StdRng::seed_from_u64(9);
        for _ in 0..2000 {
            let a: Vec<u8> = (0..r.gen_range(0..6)).map(|_| r.gen()).collect();
            let b: Vec<u8> = (0..r.gen_range(0..6)).map(|_| r.gen()).collect();
            let ea = encode(&AttributeValue::B(a.clone())).unwrap();
            let eb = encode(&AttributeValue::B(b.clone())).unwrap();
            assert_eq!(a.cmp(&b), ea.cmp(&eb));
        }
        let s = ["A", "a", "z", "\u{bf}", "ab", ""];
        let mut by_enc: Vec<&str> = s.to_vec();
        by_enc.sort_by_key(|x| encode(&AttributeValue::s(*x)).unwrap());
        assert_eq!(by_enc, ["", "A", "a", "ab", "z", "\u{bf}"]);
    }

    #[test]
    fn malformed_encodings_do_not_panic() {
        for b in [&[][..], &[0x01], &[0x01, 0x80], &[0x03], &[0x09, 1, 2]] {
            let _ = decode_number(b);
        }
    }

    #[test]
    fn composite_keys_sort_component_wise() {
        let parts: Vec<Vec<Vec<u8>>> = vec![vec![vec![], vec![1]], vec![vec![0], vec![]], vec![vec![0, 0], vec![5]], vec![vec![1], vec![]], vec![vec![1, 0], vec![0]], vec![vec![0xFF], vec![0]]];
        let enc = |p: &Vec<Vec<u8>>| p.iter().flat_map(|c| component(c)).collect::<Vec<u8>>();
        let mut by_parts = parts.clone();
        by_parts.sort();
        let mut by_enc = parts.clone();
        by_enc.sort_by_key(enc);
        assert_eq!(by_parts, by_enc);
    }

    #[test]
    fn successor() {
        assert_eq!(prefix_successor(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_successor(&[0x61, 0xFF]), Some(vec![0x62]));
        assert_eq!(prefix_successor(&[0xFF, 0xFF]), None);
    }
}
