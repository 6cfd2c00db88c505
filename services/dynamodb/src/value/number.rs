//! DynamoDB's Number type: up to 38 significant decimal digits, magnitude 1E-130 …
//! 9.99…E+125, canonical output form (`"1.0"` → `"1"`), exact decimal arithmetic.
//! See <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html#HowItWorks.DataTypes.Number>.
//! Leaves out: nothing of the type itself; the order-preserving key encoding is in `key.rs`.

use num_bigint::{BigInt, Sign};
use std::cmp::Ordering;
use std::fmt;

/// Maximum number of significant digits.
pub const MAX_DIGITS: usize = 38;
/// Smallest allowed exponent `e` in `0.d1d2… × 10^e` (1E-130).
const MIN_EXP: i64 = -129;
/// Largest allowed exponent (9.99…E+125 = 0.999… × 10^126).
const MAX_EXP: i64 = 126;

/// A DynamoDB number, always canonical: value = `0.d1d2…dn × 10^exp`, `d1 != 0`, `dn != 0`;
/// zero has no digits, exponent 0 and is never negative.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Number {
    neg: bool,
    digits: Vec<u8>,
    exp: i32,
}

/// Why a string is not a storable number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberError {
    /// Not numeric at all.
    NotNumeric,
    /// More than 38 significant digits.
    Precision,
    /// Magnitude above 9.99…E+125.
    Overflow,
    /// Magnitude below 1E-130.
    Underflow,
}

impl NumberError {
    /// AWS's message for this error, `raw` being the offending text.
    pub fn message(&self, raw: &str) -> String {
        match self {
            NumberError::NotNumeric => format!("The parameter cannot be converted to a numeric value: {raw}"),
            NumberError::Precision => "Attempting to store more than 38 significant digits in a Number".into(),
            NumberError::Overflow => "Number overflow. Attempting to store a number with magnitude larger than supported range".into(),
            NumberError::Underflow => "Number underflow. Attempting to store a number with magnitude smaller than supported range".into(),
        }
    }
}

impl Number {
    /// Zero.
    pub fn zero() -> Self {
        Number { neg: false, digits: Vec::new(), exp: 0 }
    }

    /// Whether this is zero.
    pub fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// Whether this is negative.
    pub fn is_negative(&self) -> bool {
        self.neg
    }

    /// The significant digits (each 0..=9, no leading/trailing zeros).
    pub fn digits(&self) -> &[u8] {
        &self.digits
    }

    /// The exponent `e` of `0.d1d2… × 10^e`.
    pub fn exponent(&self) -> i32 {
        self.exp
    }

    /// Parse DynamoDB's textual number form (`-12.5e3`, `.5`, `7.`).
    pub fn parse(s: &str) -> Result<Number, NumberError> {
        let b = s.as_bytes();
        let mut i = 0;
        let mut neg = false;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            neg = b[i] == b'-';
            i += 1;
        }
        let mut mantissa: Vec<u8> = Vec::new();
        let mut int_len: i64 = 0;
        let mut seen_digit = false;
        while i < b.len() && b[i].is_ascii_digit() {
            mantissa.push(b[i] - b'0');
            int_len += 1;
            seen_digit = true;
            i += 1;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            while i < b.len() && b[i].is_ascii_digit() {
                mantissa.push(b[i] - b'0');
                seen_digit = true;
                i += 1;
            }
        }
        if !seen_digit {
            return Err(NumberError::NotNumeric);
        }
        let mut e: i64 = 0;
        if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
            i += 1;
            let mut eneg = false;
            if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
                eneg = b[i] == b'-';
                i += 1;
            }
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                e = e.saturating_mul(10).saturating_add(i64::from(b[i] - b'0'));
                i += 1;
            }
            if i == start {
                return Err(NumberError::NotNumeric);
            }
            if eneg {
                e = -e;
            }
        }
        if i != b.len() {
            return Err(NumberError::NotNumeric);
        }
        Self::from_parts(neg, mantissa, int_len.saturating_add(e))
    }

    /// Build from raw digits with `value = 0.digits × 10^exp`, normalizing and range-checking.
    fn from_parts(neg: bool, mut digits: Vec<u8>, mut exp: i64) -> Result<Number, NumberError> {
        let lead = digits.iter().take_while(|d| **d == 0).count();
        digits.drain(..lead);
        exp = exp.saturating_sub(lead as i64);
        while digits.last() == Some(&0) {
            digits.pop();
        }
        if digits.is_empty() {
            return Ok(Number::zero());
        }
        if digits.len() > MAX_DIGITS {
            return Err(NumberError::Precision);
        }
        if exp > MAX_EXP {
            return Err(NumberError::Overflow);
        }
        if exp < MIN_EXP {
            return Err(NumberError::Underflow);
        }
        // exp is within [-129, 126] here, so the cast is exact.
        Ok(Number { neg, digits, exp: exp as i32 })
    }

    fn to_bigint(&self) -> (BigInt, i64) {
        let mut s = String::with_capacity(self.digits.len());
        for d in &self.digits {
            s.push((b'0' + d) as char);
        }
        let mag = if s.is_empty() { BigInt::from(0) } else { s.parse::<BigInt>().unwrap_or_default() };
        let v = if self.neg { -mag } else { mag };
        (v, i64::from(self.exp) - self.digits.len() as i64)
    }

    fn from_bigint(v: BigInt, scale: i64) -> Result<Number, NumberError> {
        let neg = v.sign() == Sign::Minus;
        let s = v.magnitude().to_string();
        let digits: Vec<u8> = s.bytes().map(|c| c - b'0').collect();
        let len = digits.len() as i64;
        Self::from_parts(neg, digits, scale + len)
    }

    /// Exact sum (error when the result needs more than 38 digits or leaves the range).
    pub fn add(&self, other: &Number) -> Result<Number, NumberError> {
        let (a, sa) = self.to_bigint();
        let (b, sb) = other.to_bigint();
        let s = sa.min(sb);
        let a = a * BigInt::from(10).pow((sa - s) as u32);
        let b = b * BigInt::from(10).pow((sb - s) as u32);
        Self::from_bigint(a + b, s)
    }

    /// Exact difference.
    pub fn sub(&self, other: &Number) -> Result<Number, NumberError> {
        self.add(&other.negated())
    }

    /// The negation.
    pub fn negated(&self) -> Number {
        let mut n = self.clone();
        if !n.is_zero() {
            n.neg = !n.neg;
        }
        n
    }

    /// As an `i64` when it is an integer in range (TTL epochs, list indexes).
    pub fn to_i64(&self) -> Option<i64> {
        if self.is_zero() {
            return Some(0);
        }
        if i64::from(self.exp) < self.digits.len() as i64 || self.exp > 18 {
            return None;
        }
        let mut v: i64 = 0;
        for i in 0..self.exp as usize {
            v = v.checked_mul(10)?.checked_add(i64::from(*self.digits.get(i).unwrap_or(&0)))?;
        }
        Some(if self.neg { -v } else { v })
    }

    /// Approximate value as f64 for things that only need an approximation (TTL comparisons).
    pub fn to_f64(&self) -> f64 {
        self.to_string().parse().unwrap_or(0.0)
    }

    /// Storage size in bytes as DynamoDB accounts it: one byte per two significant digits
    /// (aligned on the decimal point) plus one, plus one for negatives.
    pub fn size(&self) -> usize {
        if self.is_zero() {
            return 1;
        }
        let len = self.digits.len() + usize::from(self.exp.rem_euclid(2) == 1);
        len.div_ceil(2) + 1 + usize::from(self.neg)
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        let sign = |n: &Number| if n.is_zero() { 0 } else if n.neg { -1 } else { 1 };
        let (a, b) = (sign(self), sign(other));
        if a != b {
            return a.cmp(&b);
        }
        if a == 0 {
            return Ordering::Equal;
        }
        let mag = self.exp.cmp(&other.exp).then_with(|| self.digits.cmp(&other.digits));
        if a < 0 {
            mag.reverse()
        } else {
            mag
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_zero() {
            return f.write_str("0");
        }
        let mut s = String::with_capacity(self.digits.len() + 8);
        if self.neg {
            s.push('-');
        }
        let ds: String = self.digits.iter().map(|d| (b'0' + d) as char).collect();
        let exp = self.exp as i64;
        let len = ds.len() as i64;
        if exp <= 0 {
            s.push_str("0.");
            for _ in 0..(-exp) {
                s.push('0');
            }
            s.push_str(&ds);
        } else if exp >= len {
            s.push_str(&ds);
            for _ in 0..(exp - len) {
                s.push('0');
            }
        } else {
            s.push_str(&ds[..exp as usize]);
            s.push('.');
            s.push_str(&ds[exp as usize..]);
        }
        f.write_str(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    #[test]
    fn canonical_forms() {
        for (i, o) in [("1.0", "1"), ("1e10", "10000000000"), ("-0", "0"), ("0.00100", "0.001"), ("+5", "5"), (".5", "0.5"), ("7.", "7"), ("-12.50e1", "-125"), ("1E-130", &format!("0.{}1", "0".repeat(129)))] {
            assert_eq!(n(i).to_string(), o, "{i}");
        }
    }

    #[test]
    fn errors() {
        assert_eq!(Number::parse("abc"), Err(NumberError::NotNumeric));
        assert_eq!(Number::parse(""), Err(NumberError::NotNumeric));
        assert_eq!(Number::parse("1e"), Err(NumberError::NotNumeric));
        assert_eq!(Number::parse("1.2.3"), Err(NumberError::NotNumeric));
        assert_eq!(Number::parse(&"1".repeat(39)), Err(NumberError::Precision));
        assert!(Number::parse(&"1".repeat(38)).is_ok());
        assert_eq!(Number::parse("1e126"), Err(NumberError::Overflow));
        assert!(Number::parse("9.9999999999999999999999999999999999999e125").is_ok());
        assert_eq!(Number::parse("1e-131"), Err(NumberError::Underflow));
        assert_eq!(Number::parse("1e99999999999999999999"), Err(NumberError::Overflow));
    }

    #[test]
    fn arithmetic_is_exact() {
        assert_eq!(n("0.1").add(&n("0.2")).unwrap().to_string(), "0.3");
        assert_eq!(n("5").sub(&n("7.5")).unwrap().to_string(), "-2.5");
        assert_eq!(n("1e20").add(&n("1")).unwrap().to_string(), "100000000000000000001");
        assert_eq!(n("-3").add(&n("3")).unwrap(), Number::zero());
        assert_eq!(n("1e37").add(&n("1e-10")), Err(NumberError::Precision));
    }

    #[test]
    fn ordering_and_ints() {
        let mut v: Vec<Number> = ["10", "-1.5", "0", "-10", "0.001", "1", "2", "-0.001", "1e100", "-1e100"].iter().map(|s| n(s)).collect();
        v.sort();
        let s: Vec<String> = v.iter().map(|x| x.to_string()).collect();
        assert_eq!(s[0], format!("-1{}", "0".repeat(100)));
        assert_eq!(&s[1..9], ["-10", "-1.5", "-0.001", "0", "0.001", "1", "2", "10"]);
        assert_eq!(n("1234").to_i64(), Some(1234));
        assert_eq!(n("-7").to_i64(), Some(-7));
        assert_eq!(n("1.5").to_i64(), None);
    }
}
