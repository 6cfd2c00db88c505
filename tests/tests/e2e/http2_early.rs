//! HTTP/2 requests answered before their body is read (RFC 9113 §8.1): the gateway keeps
//! reading (and discarding) the rest of the upload instead of resetting the stream at once, so
//! a client still sending gets to finish (curl 7.88 failed such transfers with error 92 when
//! the RST_STREAM overtook its last DATA; see tests/python/test_http2.py for curl itself).
//! A hyper h2c client streams the body by hand, so the test controls when each chunk goes out.

use amplocal::deps::http_body_util::BodyExt;
use amplocal::deps::hyper;
use amplocal::deps::hyper::body::{Body, Bytes, Frame};
use amplocal::deps::hyper_util::rt::{TokioExecutor, TokioIo};
use amplocal::listener::DrainLimits;
use amplocal_tests::TestEnv;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::mpsc;

const BAD_SIG: &str = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00";

/// A request body whose chunks the test sends through a channel; ends when the sender drops.
struct ChanBody(mpsc::Receiver<Bytes>);

impl Body for ChanBody {
    type Data = Bytes;
    type Error = Infallible;
    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0.poll_recv(cx).map(|c| c.map(|b| Ok(Frame::data(b))))
    }
}

async fn h2c(env: &TestEnv) -> hyper::client::conn::http2::SendRequest<ChanBody> {
    let tcp = TcpStream::connect(env.addr).await.unwrap();
    let (send, conn) = hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tcp)).await.unwrap();
    tokio::spawn(conn);
    send
}

/// Send a bad-signature PUT whose body is still open when the 403 arrives; returns the
/// status, the response body and the chunk sender.
async fn early_403(env: &TestEnv, send: &mut hyper::client::conn::http2::SendRequest<ChanBody>) -> (u16, String, mpsc::Sender<Bytes>) {
    let (tx, rx) = mpsc::channel(1);
    tx.send(Bytes::from(vec![b'a'; 4096])).await.unwrap();
    let req = http::Request::put(format!("http://{}/h2early/key", env.addr))
        .header("authorization", BAD_SIG)
        .body(ChanBody(rx))
        .unwrap();
    let resp = send.send_request(req).await.unwrap();
    assert_eq!(resp.version(), http::Version::HTTP_2);
    let status = resp.status().as_u16();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned(), tx)
}

#[tokio::test]
async fn early_answer_lets_the_client_finish_its_upload() {
    let env = TestEnv::start().await;
    let mut send = h2c(&env).await;
    let (status, body, tx) = early_403(&env, &mut send).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("<Code>AccessDenied</Code>"), "{body}");
    // The response is complete; a reset would arrive right behind it. Give it time to, then
    // keep uploading: the stream must still take the client's data (the client's body is
    // dropped, and this send fails, once the stream is reset).
    tokio::time::sleep(Duration::from_millis(200)).await;
    for _ in 0..8 {
        tx.send(Bytes::from(vec![b'b'; 64 * 1024])).await.expect("stream reset before the client finished its upload");
    }
    drop(tx); // END_STREAM
    // The connection stays usable for further requests.
    let (status, _, tx) = early_403(&env, &mut send).await;
    assert_eq!(status, 403);
    drop(tx);
}

#[tokio::test]
async fn the_drain_is_bounded_by_time_for_a_client_that_stops_sending() {
    let limits = DrainLimits { bytes: 1 << 20, time: Duration::from_secs(1) };
    let env = TestEnv::builder().serve_options(|o| o.unread_body_drain = limits).start().await;
    let mut send = h2c(&env).await;
    let (status, _, tx) = early_403(&env, &mut send).await;
    assert_eq!(status, 403);
    // Still draining half a second later.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!tx.is_closed(), "stream reset before the drain time");
    // The client neither sends nor ends its body: the server gives up after its drain time and
    // resets the stream, which drops the client's body and closes this channel.
    tokio::time::timeout(Duration::from_secs(3), tx.closed()).await.expect("the server held an idle half-closed stream past its drain time");
}

#[tokio::test]
async fn the_drain_is_bounded_in_bytes() {
    let limits = DrainLimits { bytes: 256 * 1024, time: Duration::from_secs(30) };
    let env = TestEnv::builder().serve_options(|o| o.unread_body_drain = limits).start().await;
    let mut send = h2c(&env).await;
    let (status, _, tx) = early_403(&env, &mut send).await;
    assert_eq!(status, 403);
    // Past the byte limit the server stops reading and resets the stream: the client's body is
    // dropped long before 64 MiB went out.
    let mut sent = 0usize;
    while sent < 64 << 20 {
        if tx.send(Bytes::from(vec![b'c'; 64 * 1024])).await.is_err() {
            break;
        }
        sent += 64 * 1024;
    }
    assert!(sent < 8 << 20, "the server kept reading an unread body ({sent} bytes)");
}
