//! Ops-level tests (no HTTP): listing order, delimiter grouping across pages, markers inside a
//! common prefix, versions pagination, versioning semantics and in-place overwrites in
//! never-versioned buckets, over a temp data dir with a
//! manual clock and seeded ids.

use amplocal_core::{CoreCtx, CredentialMode, CredentialStore, ManualClock, RequestContext, SeededIds};
use amplocal_s3::checksum::Digests;
use amplocal_s3::ops::integrity::Declared;
use amplocal_s3::ops::list::{self, ListInput};
use amplocal_s3::ops::object::{self, PutObjectInput, WriteConditions};
use amplocal_s3::ops::{bucket, ms};
use amplocal_s3::store::objects::{Entry, ObjectMeta};
use amplocal_s3::{Config, S3Service};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

struct Fixture {
    svc: S3Service,
    clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)));
        let core = CoreCtx::new(clock.clone(), Arc::new(SeededIds::new(7)), CredentialStore::new(CredentialMode::Lenient), dir.path().to_path_buf());
        Self { svc: S3Service::new(core, Config::default()).unwrap(), clock, _dir: dir }
    }

    fn ctx(&self) -> RequestContext {
        RequestContext::new("rid", "000000000000", "us-east-1", self.clock.now_time())
    }

    async fn put(&self, b: &str, key: &str, data: &[u8]) -> Option<String> {
        self.clock.advance(Duration::from_millis(5));
        let mut w = self.svc.blobs().writer(Digests::new(false, &[]), None).await.unwrap();
        w.write(data).await.unwrap();
        let body = w.finish().await.unwrap();
        let input = PutObjectInput {
            bucket: b.into(),
            key: key.into(),
            meta: ObjectMeta::default(),
            tags: Vec::new(),
            body,
            declared: Declared::default(),
            cond: WriteConditions::default(),
        };
        object::put_object(&self.svc, &self.ctx(), input).await.unwrap().version_id
    }

    async fn list(&self, input: ListInput) -> (Vec<String>, bool) {
        let page = list::list(&self.svc, input).await.unwrap();
        let names = page
            .entries
            .iter()
            .map(|e| match e {
                Entry::Object(o) if o.delete_marker => format!("{}@{}(dm)", o.key, o.version_id),
                Entry::Object(o) => o.key.clone(),
                Entry::Prefix(p) => format!("[{p}]"),
            })
            .collect();
        (names, page.truncated)
    }
}

trait NowTime {
    fn now_time(&self) -> SystemTime;
}

impl NowTime for ManualClock {
    fn now_time(&self) -> SystemTime {
        use amplocal_core::Clock;
        self.now()
    }
}

fn spec(b: &str, prefix: &str, delimiter: &str, after: Option<&str>, max: usize) -> ListInput {
    ListInput { bucket: b.into(), prefix: prefix.into(), delimiter: delimiter.into(), after: after.map(String::from), max, ..Default::default() }
}

#[tokio::test]
async fn byte_order_delimiters_and_markers() {
    let f = Fixture::new();
    bucket::create_bucket(&f.svc, &f.ctx(), "b1b".into(), None).await.unwrap();
    // byte order: "A" < "a" < "a/" < "a0" < "é" (0xC3) < "😀" (0xF0)
    for k in ["😀", "é", "a0", "a/x/1", "a/x/2", "a/y", "a/", "a", "A", "b/1", "b/2"] {
        f.put("b1b", k, k.as_bytes()).await;
    }
    let (all, t) = f.list(spec("b1b", "", "", None, 1000)).await;
    assert_eq!(all, ["A", "a", "a/", "a/x/1", "a/x/2", "a/y", "a0", "b/1", "b/2", "é", "😀"]);
    assert!(!t);
    let (d, _) = f.list(spec("b1b", "", "/", None, 1000)).await;
    assert_eq!(d, ["A", "a", "[a/]", "a0", "[b/]", "é", "😀"]);
    let (d, _) = f.list(spec("b1b", "a/", "/", None, 1000)).await;
    assert_eq!(d, ["a/", "[a/x/]", "a/y"]);
    // a marker inside a common prefix does not repeat that prefix
    let (d, _) = f.list(spec("b1b", "", "/", Some("a/x/1"), 1000)).await;
    assert_eq!(d, ["a0", "[b/]", "é", "😀"]);
    let (d, _) = f.list(spec("b1b", "", "/", Some("a/"), 1000)).await;
    assert_eq!(d, ["a0", "[b/]", "é", "😀"]);
    // paging by 2 with a delimiter visits every entry exactly once
    let mut after: Option<String> = None;
    let mut seen = Vec::new();
    loop {
        let page = list::list(&f.svc, spec("b1b", "", "/", after.as_deref(), 2)).await.unwrap();
        for e in &page.entries {
            seen.push(match e {
                Entry::Object(o) => o.key.clone(),
                Entry::Prefix(p) => format!("[{p}]"),
            });
        }
        if !page.truncated {
            break;
        }
        after = Some(match page.entries.last().unwrap() {
            Entry::Object(o) => o.key.clone(),
            Entry::Prefix(p) => p.clone(),
        });
    }
    assert_eq!(seen, ["A", "a", "[a/]", "a0", "[b/]", "é", "😀"]);
    // exact page boundary: truncated only when more exists
    let (p, t) = f.list(spec("b1b", "b/", "", None, 2)).await;
    assert_eq!((p.len(), t), (2, false));
    let (p, t) = f.list(spec("b1b", "b/", "", None, 1)).await;
    assert_eq!((p, t), (vec!["b/1".to_string()], true));
    let (p, t) = f.list(spec("b1b", "", "", None, 0)).await;
    assert!(p.is_empty() && !t);
    // multi-character delimiter
    let (d, _) = f.list(spec("b1b", "", "x/", None, 1000)).await;
    assert!(d.contains(&"[a/x/]".to_string()));
}

#[tokio::test]
async fn versions_pagination_and_markers() {
    let f = Fixture::new();
    bucket::create_bucket(&f.svc, &f.ctx(), "ver".into(), None).await.unwrap();
    bucket::put_versioning(&f.svc, "ver".into(), "Enabled".into()).await.unwrap();
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(f.put("ver", "k", format!("v{i}").as_bytes()).await.unwrap());
    }
    f.put("ver", "z", b"z").await;
    let del = amplocal_s3::ops::delete::delete_object(&f.svc, &f.ctx(), "ver".into(), "k".into(), None, None).await.unwrap();
    assert!(del.delete_marker);
    let all = ListInput { bucket: "ver".into(), max: 1000, versions: true, ..Default::default() };
    let (v, _) = f.list(all.clone()).await;
    assert_eq!(v.len(), 5);
    assert!(v[0].ends_with("(dm)"), "{v:?}");
    // page through two at a time with key + version markers
    let mut seen = 0;
    let mut key_marker: Option<String> = None;
    let mut version_marker: Option<String> = None;
    loop {
        let page = list::list(&f.svc, ListInput { max: 2, after: key_marker.clone(), version_marker: version_marker.clone(), ..all.clone() }).await.unwrap();
        seen += page.entries.len();
        if !page.truncated {
            break;
        }
        let Entry::Object(o) = page.entries.last().unwrap() else { panic!() };
        key_marker = Some(o.key.clone());
        version_marker = Some(o.version_id.clone());
    }
    assert_eq!(seen, 5);
    // live listing hides the key behind its delete marker
    let (live, _) = f.list(spec("ver", "", "", None, 1000)).await;
    assert_eq!(live, ["z"]);
    // suspended: a new PUT replaces the `null` version only
    bucket::put_versioning(&f.svc, "ver".into(), "Suspended".into()).await.unwrap();
    assert_eq!(f.put("ver", "k", b"null1").await.as_deref(), Some("null"));
    assert_eq!(f.put("ver", "k", b"null2").await.as_deref(), Some("null"));
    let (v, _) = f.list(ListInput { prefix: "k".into(), ..all.clone() }).await;
    assert_eq!(v.len(), 5, "{v:?}"); // 3 versions + marker + one null
    assert!(ms(f.clock.now_time()) > 0);
}

/// A never-versioned bucket rewrites its `null` versions in place: overwrites keep one row per
/// key, a replaced file-backed body is removed, and versions enabled later still order after
/// the `null` version.
#[tokio::test]
async fn unversioned_overwrite_then_versioning() {
    let f = Fixture::new();
    bucket::create_bucket(&f.svc, &f.ctx(), "plain".into(), None).await.unwrap();
    // 2 MiB: a file-backed body; then a small one in the row replaces it
    f.put("plain", "k", &vec![7u8; 2 << 20]).await;
    let blobs = |d: &std::path::Path| walk(&d.join("s3").join("blobs"));
    let before = blobs(f._dir.path());
    assert_eq!(before, 1, "one body file");
    assert_eq!(f.put("plain", "k", b"small").await, None);
    assert_eq!(blobs(f._dir.path()), 0, "the replaced body file is removed");
    f.put("plain", "k", b"small again").await;
    f.put("plain", "j", b"j").await;
    let all = ListInput { bucket: "plain".into(), max: 1000, versions: true, ..Default::default() };
    let (v, _) = f.list(all.clone()).await;
    assert_eq!(v, ["j", "k"]);
    let got = object::get_object(&f.svc, object::GetObjectInput { bucket: "plain".into(), key: "k".into(), inline_max: 1 << 20, ..Default::default() }).await.unwrap();
    assert_eq!(got.data.as_deref(), Some(&b"small again"[..]));
    bucket::put_versioning(&f.svc, "plain".into(), "Enabled".into()).await.unwrap();
    let id = f.put("plain", "k", b"versioned").await.unwrap();
    let page = list::list(&f.svc, ListInput { prefix: "k".into(), ..all }).await.unwrap();
    let order: Vec<(String, bool)> = page
        .entries
        .iter()
        .filter_map(|e| match e {
            Entry::Object(o) => Some((o.version_id.clone(), o.latest)),
            Entry::Prefix(_) => None,
        })
        .collect();
    assert_eq!(order, [(id, true), ("null".to_string(), false)]);
}

/// Files under `dir` (recursively), not counting the temp directory.
fn walk(dir: &std::path::Path) -> usize {
    let Ok(rd) = std::fs::read_dir(dir) else { return 0 };
    rd.flatten()
        .map(|e| {
            let p = e.path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n == "tmp") {
                    0
                } else {
                    walk(&p)
                }
            } else {
                1
            }
        })
        .sum()
}
