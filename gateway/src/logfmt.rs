//! The `amplocal` binary's log line format: byte for byte tracing-subscriber's default `Full`
//! format without colours (`2026-01-02T03:04:05.123456Z  INFO amplocal::dispatch: request
//! service="s3" operation=GetObject status=200 ...`), written without most of its per-event
//! cost. Every AWS request logs one line, and the default formatter spent ~11k instructions on
//! it (a calendar date through `core::fmt` for each timestamp, and every field through
//! `write!` and a `{:?}` of the value): here the timestamp is plain integer arithmetic and
//! strings, integers and booleans are written directly.
//!
//! Anything out of the ordinary goes to tracing-subscriber's own code, so it reads exactly as
//! before: colours (a terminal), events inside spans, events from the `log` crate, and fields
//! named `r#…` or carrying an error.

use std::fmt::{self, Write as _};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::field::{RecordFields, VisitOutput};
use tracing_subscriber::fmt::format::{DefaultFields, DefaultVisitor, Format, Full, Writer};
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// The event format (see the module docs). Use with [`Fields`].
#[derive(Debug, Default)]
pub struct LineFormat {
    fallback: Format<Full, SystemTime>,
}

impl<S, N> FormatEvent<S, N> for LineFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        let meta = event.metadata();
        if writer.has_ansi_escapes() || meta.target() == "log" || ctx.event_scope().is_some() {
            return self.fallback.format_event(ctx, writer, event);
        }
        write_timestamp(&mut writer, std::time::SystemTime::now())?;
        writer.write_str(level_str(meta.level()))?;
        writer.write_char(' ')?;
        writer.write_str(meta.target())?;
        writer.write_str(": ")?;
        ctx.format_fields(writer.by_ref(), event)?;
        writer.write_char('\n')
    }
}

/// tracing-subscriber's level words, padded to five characters.
fn level_str(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "TRACE",
        Level::DEBUG => "DEBUG",
        Level::INFO => " INFO",
        Level::WARN => " WARN",
        Level::ERROR => "ERROR",
    }
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ ` (UTC, microseconds truncated), as tracing-subscriber's
/// `SystemTime` timer writes it; times it would write differently (before 1970, after 9999)
/// go through that timer.
fn write_timestamp(w: &mut Writer<'_>, now: std::time::SystemTime) -> fmt::Result {
    match timestamp(now) {
        Some(buf) => w.write_str(std::str::from_utf8(&buf).unwrap_or_default())?,
        None => {
            if SystemTime.format_time(w).is_err() {
                w.write_str("<unknown time>")?;
            }
        }
    }
    w.write_char(' ')
}

const MAX_SECS: u64 = 253_402_300_799; // 9999-12-31T23:59:59Z

fn timestamp(now: std::time::SystemTime) -> Option<[u8; 27]> {
    let d = now.duration_since(std::time::UNIX_EPOCH).ok()?;
    let secs = d.as_secs();
    if secs > MAX_SECS {
        return None;
    }
    let rem = secs % 86_400;
    let date = time::OffsetDateTime::from_unix_timestamp(i64::try_from(secs).ok()?).ok()?.date();
    let (year, month, day) = (u64::try_from(date.year()).ok()?, u64::from(u8::from(date.month())), u64::from(date.day()));
    let mut b = *b"0000-00-00T00:00:00.000000Z";
    let mut put = |at: usize, width: usize, mut v: u64| {
        for i in (at..at + width).rev() {
            if let Some(c) = b.get_mut(i) {
                *c = b'0' + (v % 10) as u8;
            }
            v /= 10;
        }
    };
    put(0, 4, year);
    put(5, 2, month);
    put(8, 2, day);
    put(11, 2, rem / 3_600);
    put(14, 2, rem / 60 % 60);
    put(17, 2, rem % 60);
    put(20, 6, u64::from(d.subsec_micros()));
    Some(b)
}

/// The field format (see the module docs): tracing-subscriber's `DefaultFields` output.
#[derive(Debug, Default, Clone, Copy)]
pub struct Fields;

impl<'writer> FormatFields<'writer> for Fields {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'writer>, fields: R) -> fmt::Result {
        if writer.has_ansi_escapes() {
            return DefaultFields::new().format_fields(writer, fields);
        }
        let mut v = FieldVisitor { writer, is_empty: true, result: Ok(()) };
        fields.record(&mut v);
        v.result
    }
}

struct FieldVisitor<'a> {
    writer: Writer<'a>,
    is_empty: bool,
    result: fmt::Result,
}

/// Names written as `name=value` by the fast path (`message` and `r#…` have special forms).
fn plain(name: &str) -> bool {
    name != "message" && !name.starts_with("r#")
}

/// tracing-subscriber's message sanitizing (its `EscapingWriter`): the C0 controls a terminal
/// escape sequence can use, DEL and the C1 controls are written escaped.
struct Escaping<'a, 'b>(&'a mut Writer<'b>);

impl fmt::Write for Escaping<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let b = s.as_bytes();
        // C1 controls are U+0080..=U+009F: 0xC2 0x80..=0xBF in UTF-8.
        if !b.iter().any(|&c| matches!(c, 0x1b | 0x07 | 0x08 | 0x0c | 0x7f | 0xc2)) {
            return self.0.write_str(s);
        }
        for ch in s.chars() {
            match ch {
                '\x1b' => self.0.write_str("\\x1b")?,
                '\x07' => self.0.write_str("\\x07")?,
                '\x08' => self.0.write_str("\\x08")?,
                '\x0c' => self.0.write_str("\\x0c")?,
                '\x7f' => self.0.write_str("\\x7f")?,
                c if ('\u{80}'..='\u{9f}').contains(&c) => write!(self.0, "\\u{{{:x}}}", c as u32)?,
                c => self.0.write_char(c)?,
            }
        }
        Ok(())
    }
}

impl FieldVisitor<'_> {
    /// `name=` after the separating space, or `false` when the field is not written at all
    /// (an earlier write failed, or `log.*` metadata the format already showed).
    fn start(&mut self, name: &str) -> bool {
        if self.result.is_err() || name.starts_with("log.") {
            return false;
        }
        if self.is_empty {
            self.is_empty = false;
        } else {
            self.result = self.writer.write_char(' ');
        }
        self.result = self.result.and_then(|()| self.writer.write_str(name)).and_then(|()| self.writer.write_char('='));
        self.result.is_ok()
    }

    /// The message: its `{:?}`, without a name, sanitized as tracing-subscriber does.
    fn message(&mut self, value: &dyn fmt::Debug) {
        if self.result.is_err() {
            return;
        }
        if self.is_empty {
            self.is_empty = false;
        } else {
            self.result = self.writer.write_char(' ');
        }
        self.result = self.result.and_then(|()| {
            if self.writer.sanitizes_ansi_escapes() {
                write!(Escaping(&mut self.writer), "{value:?}")
            } else {
                write!(self.writer, "{value:?}")
            }
        });
    }

    /// One field through tracing-subscriber's own visitor.
    fn delegate(&mut self, field: &Field, record: impl FnOnce(&mut DefaultVisitor<'_>, &Field)) {
        if self.result.is_err() || field.name().starts_with("log.") {
            return;
        }
        let mut v = DefaultVisitor::new(self.writer.by_ref(), self.is_empty);
        record(&mut v, field);
        self.result = v.finish();
        self.is_empty = false;
    }

    /// A plain-named integer field.
    fn integer(&mut self, field: &Field, negative: bool, mut v: u64) {
        if !self.start(field.name()) {
            return;
        }
        let mut buf = [0u8; 21];
        let mut i = buf.len();
        loop {
            i -= 1;
            if let Some(c) = buf.get_mut(i) {
                *c = b'0' + (v % 10) as u8;
            }
            v /= 10;
            if v == 0 {
                break;
            }
        }
        if negative {
            i -= 1;
            if let Some(c) = buf.get_mut(i) {
                *c = b'-';
            }
        }
        let digits = buf.get(i..).and_then(|d| std::str::from_utf8(d).ok()).unwrap_or_default();
        self.result = self.writer.write_str(digits);
    }
}

impl Visit for FieldVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            return self.message(&format_args!("{value}"));
        }
        if !plain(field.name()) {
            return self.delegate(field, |d, f| d.record_str(f, value));
        }
        if !self.start(field.name()) {
            return;
        }
        // `{:?}` of a str: quoted, with escapes; printable ASCII other than `"` and `\` is
        // written as it is.
        self.result = if value.bytes().all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\') {
            self.writer.write_char('"').and_then(|()| self.writer.write_str(value)).and_then(|()| self.writer.write_char('"'))
        } else {
            write!(self.writer, "{value:?}")
        };
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if !plain(field.name()) {
            return self.delegate(field, |d, f| d.record_u64(f, value));
        }
        self.integer(field, false, value);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if !plain(field.name()) {
            return self.delegate(field, |d, f| d.record_i64(f, value));
        }
        self.integer(field, value < 0, value.unsigned_abs());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        if !plain(field.name()) {
            return self.delegate(field, |d, f| d.record_bool(f, value));
        }
        if self.start(field.name()) {
            self.result = self.writer.write_str(if value { "true" } else { "false" });
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.delegate(field, |d, f| d.record_error(f, value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            return self.message(value);
        }
        if !plain(field.name()) {
            return self.delegate(field, |d, f| d.record_debug(f, value));
        }
        if self.start(field.name()) {
            self.result = write!(self.writer, "{value:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn timestamps_match_a_calendar() {
        let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
        let mut secs = 0u64;
        while secs < MAX_SECS {
            for nanos in [0u32, 999, 1_000, 123_456_789, 999_999_999] {
                let t = UNIX_EPOCH + Duration::new(secs, nanos);
                let ours = timestamp(t).map(|b| String::from_utf8_lossy(&b).into_owned());
                let dt = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(secs) * 1_000_000_000 + i128::from(nanos)).unwrap();
                assert_eq!(ours.as_deref(), Some(dt.format(&fmt).unwrap().as_str()), "{secs}.{nanos}");
            }
            secs = secs * 3 + 86_399; // 0, 1 day, ... through leap years and centuries
        }
        for secs in [951_782_400u64, 951_868_799, 4_107_542_399, 4_107_542_400, MAX_SECS] {
            let dt = time::OffsetDateTime::from_unix_timestamp(secs as i64).unwrap();
            assert_eq!(timestamp(UNIX_EPOCH + Duration::from_secs(secs)).map(|b| String::from_utf8_lossy(&b).into_owned()), Some(dt.format(&fmt).unwrap()));
        }
        assert!(timestamp(UNIX_EPOCH + Duration::from_secs(MAX_SECS + 1)).is_none());
        assert!(timestamp(UNIX_EPOCH - Duration::from_secs(1)).is_none());
    }

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// What `emit` logs with our format and with tracing-subscriber's default one, timestamps
    /// cut off (the two are taken at different instants).
    fn both(emit: impl Fn()) -> (String, String) {
        let ours = Buf::default();
        let theirs = Buf::default();
        let (o, t) = (ours.clone(), theirs.clone());
        let sub = tracing_subscriber::fmt().with_ansi(false).with_max_level(Level::TRACE).with_writer(move || o.clone()).fmt_fields(Fields).event_format(LineFormat::default()).finish();
        tracing::subscriber::with_default(sub, &emit);
        let sub = tracing_subscriber::fmt().with_ansi(false).with_max_level(Level::TRACE).with_writer(move || t.clone()).finish();
        tracing::subscriber::with_default(sub, &emit);
        let cut = |b: &Buf| {
            let s = String::from_utf8(b.0.lock().unwrap().clone()).unwrap();
            s.lines().map(|l| l.get(27..).unwrap_or_default().to_string()).collect::<Vec<_>>().join("\n")
        };
        (cut(&ours), cut(&theirs))
    }

    #[test]
    fn lines_read_exactly_as_the_default_format() {
        #[derive(Debug)]
        struct E;
        impl std::fmt::Display for E {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("boom")
            }
        }
        impl std::error::Error for E {}
        let (ours, theirs) = both(|| {
            let op = "PutItem";
            tracing::info!(service = "dynamodb", operation = %op, status = 200u16, duration_ms = %format_args!("{:.2}", 1.234), request_id = %"3968856d-92ca-421b-8a10-3a699fe4b685", "request");
            tracing::warn!(n = -42i64, big = u64::MAX, min = i64::MIN, ok = true, s = "needs \"escaping\"\\ and \u{1b}[31m", f = 1.5f64, "odd \u{1b} message {}", 7);
            tracing::error!(error = &E as &(dyn std::error::Error + 'static), r#type = "raw", "failed");
            tracing::debug!("only a message");
            tracing::info!(message = "str \u{9b}31m message \u{7f}", k = 1);
            tracing::info!("\u{1b}[2J\u{07}\u{08}\u{0c} é ü \u{85} done");
            tracing::trace!(target: "custom::target", empty = "", x = ?Some(1));
            let span = tracing::info_span!("outer", id = 3);
            let _g = span.enter();
            tracing::info!(inside = 1, "in a span");
        });
        assert_eq!(ours, theirs);
        assert_eq!(ours.lines().count(), 8, "{ours}");
        assert!(ours.contains(r"\x1b[2J\x07\x08\x0c é ü \u{85} done") && ours.contains(r"str \u{9b}31m message \x7f k=1"), "{ours}");
        assert!(ours.contains(" INFO amplocal::logfmt::tests: request service=\"dynamodb\" operation=PutItem status=200 duration_ms=1.23 request_id=3968856d"), "{ours}");
    }
}
