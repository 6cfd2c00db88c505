//! Listing speed over many keys, measured at the store level (rows inserted directly in one
//! transaction). Ignored by default: `cargo test -p amplocal-s3 --release --test list_perf -- --ignored --nocapture`.

use amplocal_core::{CoreCtx, CredentialMode, CredentialStore, InternalError, SeededIds, SystemClock};
use amplocal_s3::store::objects::{self, ListSpec, ObjectMeta, ObjectRow};
use amplocal_s3::store::{self, BucketRow};
use amplocal_s3::{Config, S3Service};
use std::sync::Arc;
use std::time::Instant;

fn row(key: String) -> ObjectRow {
    ObjectRow {
        bucket: "perf".into(),
        key,
        version_id: "null".into(),
        latest: true,
        delete_marker: false,
        blob: None,
        size: 4096,
        etag: "\"d41d8cd98f00b204e9800998ecf8427e\"".into(),
        mtime_ms: 1,
        meta: ObjectMeta::default(),
        checksum: None,
        parts: Vec::new(),
        tags: Vec::new(),
        seq: 0,
    }
}

#[test]
#[ignore]
fn list_page_of_1000() {
    let dir = tempfile::tempdir().unwrap();
    let core = CoreCtx::new(Arc::new(SystemClock), Arc::new(SeededIds::new(1)), CredentialStore::new(CredentialMode::Lenient), dir.path().to_path_buf());
    let svc = S3Service::new(core, Config::default()).unwrap();
    for total in [10_000usize, 100_000] {
        svc.db()
            .write_blocking(|tx| {
                if store::get_bucket(tx, "perf").map_err(|e| InternalError::new(e.to_string()))?.is_none() {
                    store::insert_bucket(tx, &BucketRow { name: "perf".into(), account: "a".into(), region: "us-east-1".into(), created_ms: 0, versioning: None })
                        .map_err(|e| InternalError::new(e.to_string()))?;
                }
                for i in 0..total {
                    objects::put(tx, &row(format!("dir{:02}/obj-{i:07}", i % 50))).map_err(|e| InternalError::new(e.to_string()))?;
                }
                Ok::<_, InternalError>(())
            })
            .unwrap();
        for delimiter in ["", "/"] {
            let started = Instant::now();
            let rounds = 20;
            for r in 0..rounds {
                let after = format!("dir{:02}/", r % 40);
                let spec = ListSpec { bucket: "perf", prefix: "", delimiter, after: Some(&after), max: 1000, versions: false, after_seq: None };
                let page = svc.db().read_blocking(|c| objects::list(c, &spec)).unwrap();
                assert!(!page.entries.is_empty());
            }
            println!("keys≈{total}: list page of 1000 (delimiter {delimiter:?}): {:.2} ms", started.elapsed().as_secs_f64() * 1000.0 / rounds as f64);
        }
    }
}
