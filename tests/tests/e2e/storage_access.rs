//! Amplify Storage access rules on a manifest bucket (`amplocal_s3::access`): two signed-in
//! identity-pool users and a guest, through aws-sdk-s3 with their GetCredentialsForIdentity
//! credentials, get what Amplify's IAM roles give them on AWS (own private / protected prefixes,
//! others' protected read-only, public for all, `s3:prefix`-limited lists) and 403 `AccessDenied`
//! otherwise; static test/test keys and buckets not from the manifest are not restricted.

use amplocal_tests::backend::BackendServer;
use aws_sdk_cognitoidentityprovider::types::AuthFlowType;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use std::path::PathBuf;
use std::time::Duration;

const BUCKET: &str = "storage-access-files";
const POOL: &str = "us-east-1_StorageAcc1";
const WEB: &str = "storageaccesswebclient0001";
const IDENTITY_POOL: &str = "us-east-1:5a0e0000-0000-4000-8000-00000000acc1";

struct Who {
    id: String,
    s3: aws_sdk_s3::Client,
}

fn s3_with(s: &BackendServer, c: &aws_sdk_cognitoidentity::types::Credentials) -> aws_sdk_s3::Client {
    let creds = aws_credential_types::Credentials::new(
        c.access_key_id().expect("key"),
        c.secret_key().expect("secret"),
        c.session_token().map(str::to_string),
        None,
        "identity-pool",
    );
    let conf = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(&s.endpoint)
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(creds))
        .build();
    aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&conf).force_path_style(true).build())
}

/// Sign in (USER_PASSWORD_AUTH) and get identity-pool credentials; `None` = a guest.
async fn identity(s: &BackendServer, user: Option<(&str, &str)>) -> Who {
    let ci = s.cognito_identity();
    let login = format!("cognito-idp.us-east-1.amazonaws.com/{POOL}");
    let token = match user {
        None => None,
        Some((u, p)) => {
            let out = s.cognito_idp().initiate_auth().client_id(WEB).auth_flow(AuthFlowType::UserPasswordAuth).auth_parameters("USERNAME", u).auth_parameters("PASSWORD", p).send().await.expect("sign in");
            Some(out.authentication_result().and_then(|r| r.id_token()).expect("id token").to_string())
        }
    };
    let mut get_id = ci.get_id().identity_pool_id(IDENTITY_POOL);
    if let Some(t) = &token {
        get_id = get_id.logins(&login, t);
    }
    let id = get_id.send().await.expect("get id").identity_id.expect("identity id");
    let mut get_creds = ci.get_credentials_for_identity().identity_id(&id);
    if let Some(t) = &token {
        get_creds = get_creds.logins(&login, t);
    }
    let out = get_creds.send().await.expect("credentials");
    Who { s3: s3_with(s, out.credentials().expect("credentials")), id }
}

/// The request failed with 403 AccessDenied "Access Denied" (HEAD: 403 without a body).
fn assert_denied<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(what: &str, r: Result<T, SdkError<E>>) {
    let e = r.expect_err(what);
    assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(403), "{what}: {e:?}");
    if !what.starts_with("head") {
        assert_eq!((e.code(), e.message()), (Some("AccessDenied"), Some("Access Denied")), "{what}: {e:?}");
    }
}

async fn put(c: &aws_sdk_s3::Client, bucket: &str, key: &str, body: &str) -> Result<(), String> {
    c.put_object().bucket(bucket).key(key).body(ByteStream::from(body.as_bytes().to_vec())).send().await.map(|_| ()).map_err(|e| format!("{e:?}"))
}

async fn get(c: &aws_sdk_s3::Client, key: &str) -> String {
    let out = c.get_object().bucket(BUCKET).key(key).send().await.unwrap_or_else(|e| panic!("get {key}: {e:?}"));
    String::from_utf8(out.body.collect().await.expect("body").to_vec()).expect("utf8")
}

async fn list(c: &aws_sdk_s3::Client, prefix: &str) -> Vec<String> {
    let out = c.list_objects_v2().bucket(BUCKET).prefix(prefix).send().await.unwrap_or_else(|e| panic!("list {prefix}: {e:?}"));
    out.contents().iter().filter_map(|o| o.key().map(str::to_string)).collect()
}

fn delete_of(keys: &[&str]) -> Delete {
    Delete::builder().set_objects(Some(keys.iter().map(|k| ObjectIdentifier::builder().key(*k).build().expect("id")).collect())).build().expect("delete")
}

#[tokio::test]
async fn identity_pool_callers_get_amplify_storage_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/backend/storage/amplocal.toml");
    let s = BackendServer::start(dir.path(), &fixture).await.expect("start");
    let ann = identity(&s, Some(("ann@example.com", "Ann-pass-1!"))).await;
    let ben = identity(&s, Some(("ben@example.com", "Ben-pass-1!"))).await;
    let guest = identity(&s, None).await;
    assert!(ann.id != ben.id && ben.id != guest.id);
    let (a, b, g) = (ann.id.as_str(), ben.id.as_str(), guest.id.as_str());
    let (ann_priv, ann_prot, ben_priv) = (format!("private/{a}/a.txt"), format!("protected/{a}/p.txt"), format!("private/{b}/b.txt"));

    // Own prefixes: write, read, list.
    put(&ann.s3, BUCKET, &ann_priv, "ann private").await.expect("ann private");
    put(&ann.s3, BUCKET, &ann_prot, "ann protected").await.expect("ann protected");
    put(&ann.s3, BUCKET, "public/ann.txt", "ann public").await.expect("ann public");
    put(&ben.s3, BUCKET, &ben_priv, "ben private").await.expect("ben private");
    assert_eq!(get(&ann.s3, &ann_priv).await, "ann private");
    ann.s3.head_object().bucket(BUCKET).key(&ann_priv).send().await.expect("head own");
    assert_eq!(list(&ann.s3, &format!("private/{a}/")).await, std::slice::from_ref(&ann_priv));
    assert_eq!(list(&ben.s3, &format!("private/{b}/")).await, std::slice::from_ref(&ben_priv));
    assert_eq!(list(&ben.s3, "public/").await, ["public/ann.txt"]);

    // The other user's private prefix: nothing.
    assert_denied("get other's private", ben.s3.get_object().bucket(BUCKET).key(&ann_priv).send().await);
    assert_denied("head other's private", ben.s3.head_object().bucket(BUCKET).key(&ann_priv).send().await);
    assert_denied("put other's private", ben.s3.put_object().bucket(BUCKET).key(format!("private/{a}/x")).body(ByteStream::from_static(b"x")).send().await);
    assert_denied("delete other's private", ben.s3.delete_object().bucket(BUCKET).key(&ann_priv).send().await);
    assert_denied("list other's private", ben.s3.list_objects_v2().bucket(BUCKET).prefix(format!("private/{a}/")).send().await);
    for prefix in ["", "private/", "protected/", "other/"] {
        assert_denied(&format!("list {prefix:?}"), ann.s3.list_objects_v2().bucket(BUCKET).prefix(prefix).send().await);
    }
    assert_denied("list v1 other's private", ben.s3.list_objects().bucket(BUCKET).prefix(format!("private/{a}/")).send().await);
    // a prefix that only starts like the owner's id is not the owner's
    assert_denied("list lookalike", ann.s3.list_objects_v2().bucket(BUCKET).prefix(format!("private/{a}x/")).send().await);

    // The other user's protected prefix: read and list, no write or delete.
    assert_eq!(get(&ben.s3, &ann_prot).await, "ann protected");
    assert_eq!(list(&ben.s3, &format!("protected/{a}/")).await, std::slice::from_ref(&ann_prot));
    assert_denied("put other's protected", ben.s3.put_object().bucket(BUCKET).key(&ann_prot).body(ByteStream::from_static(b"x")).send().await);
    assert_denied("delete other's protected", ben.s3.delete_object().bucket(BUCKET).key(&ann_prot).send().await);

    // Copies need write on the target and read on the source; DeleteObjects every key; multipart write.
    assert_denied("copy from other's private", ben.s3.copy_object().bucket(BUCKET).key(format!("private/{b}/stolen")).copy_source(format!("{BUCKET}/{ann_priv}")).send().await);
    ben.s3.copy_object().bucket(BUCKET).key(format!("private/{b}/copy")).copy_source(format!("{BUCKET}/{ann_prot}")).send().await.expect("copy other's protected into own private");
    // DeleteObjects is judged per key, as on AWS: 200, an AccessDenied entry for the other's key,
    // and the own key deleted.
    let spare = format!("private/{b}/spare.txt");
    put(&ben.s3, BUCKET, &spare, "spare").await.expect("put spare");
    let out = ben.s3.delete_objects().bucket(BUCKET).delete(delete_of(&[&spare, &ann_priv])).send().await.expect("mixed DeleteObjects answers 200");
    assert_eq!(out.deleted().iter().filter_map(|d| d.key()).collect::<Vec<_>>(), vec![spare.as_str()], "own key deleted");
    let errors: Vec<_> = out.errors().iter().map(|e| (e.key().unwrap_or_default(), e.code().unwrap_or_default(), e.message().unwrap_or_default())).collect();
    assert_eq!(errors, vec![(ann_priv.as_str(), "AccessDenied", "Access Denied")], "other's key refused per key");
    assert_eq!(get(&ann.s3, &ann_priv).await, "ann private", "the refused key was not deleted");
    assert!(ben.s3.get_object().bucket(BUCKET).key(&spare).send().await.is_err(), "the allowed key is gone");
    let gone = format!("private/{b}/gone.txt");
    put(&ben.s3, BUCKET, &gone, "x").await.expect("put gone");
    let out = ben.s3.delete_objects().bucket(BUCKET).delete(delete_of(&[&gone])).send().await.expect("delete own objects");
    assert_eq!(out.deleted().len(), 1);
    assert_denied("multipart into other's private", ben.s3.create_multipart_upload().bucket(BUCKET).key(format!("private/{a}/m")).send().await);
    let up = ann.s3.create_multipart_upload().bucket(BUCKET).key(format!("private/{a}/m")).send().await.expect("own multipart");
    assert_denied("abort other's upload", ben.s3.abort_multipart_upload().bucket(BUCKET).key(format!("private/{a}/m")).upload_id(up.upload_id().expect("id")).send().await);
    ann.s3.abort_multipart_upload().bucket(BUCKET).key(format!("private/{a}/m")).upload_id(up.upload_id().expect("id")).send().await.expect("abort own");

    // Outside the access levels and bucket-level calls: denied.
    assert_denied("put outside the levels", ann.s3.put_object().bucket(BUCKET).key("other/x").body(ByteStream::from_static(b"x")).send().await);
    assert_denied("bucket cors", ann.s3.get_bucket_cors().bucket(BUCKET).send().await);
    assert_denied("object tagging", ann.s3.get_object_tagging().bucket(BUCKET).key(&ann_priv).send().await);

    // Guests: public read/write/delete, protected read, no private, no owner rights.
    put(&guest.s3, BUCKET, "public/g.txt", "guest").await.expect("guest public");
    assert_eq!(get(&guest.s3, "public/ann.txt").await, "ann public");
    assert_eq!(get(&guest.s3, &ann_prot).await, "ann protected");
    assert_eq!(list(&guest.s3, &format!("protected/{a}/")).await, std::slice::from_ref(&ann_prot));
    guest.s3.delete_object().bucket(BUCKET).key("public/g.txt").send().await.expect("guest delete public");
    assert_denied("guest own protected", guest.s3.put_object().bucket(BUCKET).key(format!("protected/{g}/x")).body(ByteStream::from_static(b"x")).send().await);
    assert_denied("guest own private", guest.s3.put_object().bucket(BUCKET).key(format!("private/{g}/x")).body(ByteStream::from_static(b"x")).send().await);
    assert_denied("guest other's private", guest.s3.get_object().bucket(BUCKET).key(&ann_priv).send().await);
    assert_denied("guest list private", guest.s3.list_objects_v2().bucket(BUCKET).prefix(format!("private/{g}/")).send().await);

    // Presigned URLs are checked the same way.
    let http = reqwest::Client::new();
    let presign = |c: &aws_sdk_s3::Client, key: String| {
        let c = c.clone();
        async move { c.get_object().bucket(BUCKET).key(key).presigned(PresigningConfig::expires_in(Duration::from_secs(300)).expect("cfg")).await.expect("presign").uri().to_string() }
    };
    let own = http.get(presign(&ann.s3, ann_priv.clone()).await).send().await.expect("own url");
    assert_eq!((own.status().as_u16(), own.text().await.expect("text")), (200, "ann private".to_string()));
    let other = http.get(presign(&ben.s3, ann_priv.clone()).await).send().await.expect("other url");
    assert_eq!(other.status().as_u16(), 403);
    assert!(other.text().await.expect("text").contains("<Code>AccessDenied</Code>"));

    // Static keys see everything; buckets not from the manifest are not restricted.
    let admin = s.s3();
    assert_eq!(get(&admin, &ann_priv).await, "ann private");
    let all = list(&admin, "").await;
    assert!(all.contains(&ann_priv) && all.contains(&ben_priv) && all.contains(&format!("private/{b}/copy")), "{all:?}");
    admin.delete_object().bucket(BUCKET).key(&ann_prot).send().await.expect("admin delete");
    admin.create_bucket().bucket("storage-access-other").send().await.expect("other bucket");
    put(&ben.s3, "storage-access-other", "anything.txt", "free").await.expect("unrestricted bucket");
    let out = ben.s3.list_objects_v2().bucket("storage-access-other").send().await.expect("list unrestricted");
    assert_eq!(out.key_count(), Some(1));
    s.stop().await;
}
