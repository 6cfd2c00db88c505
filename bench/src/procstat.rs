//! Process figures from Linux `/proc`: CPU time (user + system) and resident memory.
//! Elsewhere these read as `None`.

use std::time::Duration;

/// Clock ticks per second of `/proc/*/stat` (USER_HZ; 100 on every mainstream Linux ABI).
const TICKS_PER_SEC: u64 = 100;

/// User + system CPU time of process `pid` (`"self"` for this process).
pub fn cpu_time(pid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 1000 / TICKS_PER_SEC))
}

/// Resident set size of `pid` in KiB (`VmRSS`).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resident memory of `pid` split by backing, in KiB, from `/proc/<pid>/smaps_rollup`:
/// `(anonymous, file)` where file = `Rss` − `Anonymous` (code, read-only data and shared
/// mappings that the kernel can drop and re-read).
pub fn rss_split_kib(pid: u32) -> Option<(u64, u64)> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = rollup.lines().find(|l| l.starts_with(name))?;
        line[name.len()..].split_whitespace().next()?.parse().ok()
    };
    let (rss, anon) = (field("Rss:")?, field("Anonymous:")?);
    Some((anon, rss.saturating_sub(anon)))
}
