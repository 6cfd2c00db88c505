//! Input validation of the AWS AppSync scalars
//! (<https://docs.aws.amazon.com/appsync/latest/devguide/scalars.html>): `AWSDate`
//! (`YYYY-MM-DD[offset]`), `AWSTime` (`hh:mm[:ss[.sss]][offset]`), `AWSDateTime` (date `T` time
//! with a required offset), `AWSTimestamp` (integer seconds), `AWSEmail`, `AWSJSON` (a string
//! holding valid JSON), `AWSURL` (scheme required), `AWSPhone` and `AWSIPAddress` (v4/v6,
//! optional prefix length).
//!
//! Leaves out: the exact RFC 822 grammar for emails (a pragmatic local@domain check).

use async_graphql::Value;

fn digits(s: &str, n: usize) -> Option<u32> {
    if s.len() == n && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

fn valid_date(s: &str) -> bool {
    let mut parts = s.splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else { return false };
    let (Some(_), Some(m), Some(d)) = (digits(y, 4), digits(m, 2), digits(d, 2)) else { return false };
    (1..=12).contains(&m) && (1..=31).contains(&d)
}

fn valid_time(s: &str) -> bool {
    let (hms, frac) = match s.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    };
    if let Some(f) = frac {
        if f.is_empty() || f.len() > 9 || !f.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
    }
    let parts: Vec<&str> = hms.split(':').collect();
    if parts.len() < 2 || parts.len() > 3 || (frac.is_some() && parts.len() != 3) {
        return false;
    }
    let limits = [23, 59, 59];
    parts.iter().zip(limits).all(|(p, max)| digits(p, 2).is_some_and(|v| v <= max))
}

/// Split a trailing `Z` / `±hh:mm[:ss]` offset; returns (rest, had_offset, offset_valid).
fn split_offset(s: &str) -> (&str, bool, bool) {
    if let Some(rest) = s.strip_suffix('Z') {
        return (rest, true, true);
    }
    if let Some(pos) = s.rfind(['+', '-']) {
        let (rest, off) = s.split_at(pos);
        let off = &off[1..];
        let parts: Vec<&str> = off.split(':').collect();
        let ok = (2..=3).contains(&parts.len()) && parts.iter().all(|p| digits(p, 2).is_some());
        if ok {
            return (rest, true, true);
        }
        if rest.contains(':') || rest.len() > 10 {
            return (s, false, true);
        }
    }
    (s, false, true)
}

/// `AWSDate`.
pub fn aws_date(s: &str) -> bool {
    let (rest, _, ok) = split_offset(s);
    ok && valid_date(rest)
}

/// `AWSTime`.
pub fn aws_time(s: &str) -> bool {
    let (rest, _, ok) = split_offset(s);
    ok && valid_time(rest)
}

/// `AWSDateTime` (offset required).
pub fn aws_datetime(s: &str) -> bool {
    let Some((date, time)) = s.split_once('T') else { return false };
    let (time, had, ok) = split_offset(time);
    had && ok && valid_date(date) && valid_time(time)
}

/// `AWSEmail`.
pub fn aws_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else { return false };
    !local.is_empty() && !domain.is_empty() && !domain.starts_with('.') && !domain.ends_with('.') && !s.chars().any(char::is_whitespace)
}

/// `AWSURL`.
pub fn aws_url(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else { return false };
    !scheme.is_empty()
        && scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        && !rest.is_empty()
        && !s.chars().any(char::is_whitespace)
}

/// `AWSPhone`.
pub fn aws_phone(s: &str) -> bool {
    let body = s.strip_prefix('+').unwrap_or(s);
    let digit_count = body.chars().filter(char::is_ascii_digit).count();
    digit_count >= 3 && body.chars().all(|c| c.is_ascii_digit() || c == ' ' || c == '-' || c == '(' || c == ')' || c == '.')
}

/// `AWSIPAddress`.
pub fn aws_ip(s: &str) -> bool {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    match addr.parse::<std::net::IpAddr>() {
        Ok(ip) => match prefix {
            None => true,
            Some(p) => p.parse::<u8>().is_ok_and(|n| n <= if ip.is_ipv4() { 32 } else { 128 }),
        },
        Err(_) => false,
    }
}

/// `AWSJSON`: a string containing JSON.
pub fn aws_json(s: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(s).is_ok()
}

/// The validator for AWS scalar `name` over a GraphQL input value.
pub fn validate(name: &str, v: &Value) -> bool {
    match (name, v) {
        ("AWSTimestamp", Value::Number(n)) => n.is_i64() || n.is_u64(),
        ("AWSTimestamp", _) => false,
        (_, Value::String(s)) => match name {
            "AWSDate" => aws_date(s),
            "AWSTime" => aws_time(s),
            "AWSDateTime" => aws_datetime(s),
            "AWSEmail" => aws_email(s),
            "AWSJSON" => aws_json(s),
            "AWSURL" => aws_url(s),
            "AWSPhone" => aws_phone(s),
            "AWSIPAddress" => aws_ip(s),
            _ => true,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times() {
        for ok in ["1970-01-01", "2026-11-26Z", "2026-11-26+01:00", "2026-11-26-05:30:00"] {
            assert!(aws_date(ok), "{ok}");
        }
        for bad in ["26-11-2026", "2026-13-01", "2026-1-1", "", "2026-11-26T00:00Z"] {
            assert!(!aws_date(bad), "{bad}");
        }
        for ok in ["12:30", "12:30:15", "12:30:15.123", "23:59:59.999Z", "01:00+02:00"] {
            assert!(aws_time(ok), "{ok}");
        }
        for bad in ["24:00", "12", "12:60", "12:30.5", "noon"] {
            assert!(!aws_time(bad), "{bad}");
        }
        for ok in ["2026-11-26T12:30:15.123Z", "2026-11-26T12:30Z", "2026-11-26T12:30:15-07:00"] {
            assert!(aws_datetime(ok), "{ok}");
        }
        for bad in ["2026-11-26T12:30:15", "2026-11-26", "2026-11-26 12:30Z", "x"] {
            assert!(!aws_datetime(bad), "{bad}");
        }
    }

    #[test]
    fn others() {
        assert!(aws_email("a@b.co") && !aws_email("a@") && !aws_email("a b@c.d") && !aws_email("nope"));
        assert!(aws_url("https://example.com/x") && aws_url("mailto:a@b.c") && !aws_url("example.com") && !aws_url("://x"));
        assert!(aws_phone("+1 555-123-4567") && !aws_phone("phone") && !aws_phone("+"));
        assert!(aws_ip("10.0.0.1") && aws_ip("10.0.0.0/8") && aws_ip("::1") && !aws_ip("10.0.0.0/33") && !aws_ip("999.1.1.1"));
        assert!(aws_json("{\"a\":1}") && aws_json("[1]") && !aws_json("{a:1}"));
        assert!(validate("AWSTimestamp", &Value::from(1_700_000_000)) && !validate("AWSTimestamp", &Value::from("1")));
        assert!(!validate("AWSDateTime", &Value::from(5)));
    }
}
