//! A keep-alive HTTP/1.1 client for AWS JSON-protocol calls (`X-Amz-Target` + JSON body),
//! SigV4-signed or not: the benches' setup calls, bulk loading and the Cognito bench's own
//! requests. One connection per client, reopened when the server closed it.

use crate::load::Target;
use crate::sigv4::Signer;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::Value;

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

/// One protocol flavour: `application/x-amz-json-1.0` + `DynamoDB_20120810`, or
/// `application/x-amz-json-1.1` + `AWSCognitoIdentityProviderService`, ...
#[derive(Debug, Clone, Copy)]
pub struct Protocol {
    /// The `content-type`.
    pub content_type: &'static str,
    /// The `X-Amz-Target` prefix before `.<Operation>`.
    pub target_prefix: &'static str,
}

/// One keep-alive connection sending JSON-protocol calls.
pub struct JsonClient {
    target: Target,
    protocol: Protocol,
    send: Option<Sender>,
}

impl JsonClient {
    /// A client for `target` (connects lazily).
    pub fn new(target: &Target, protocol: Protocol) -> Self {
        Self { target: target.clone(), protocol, send: None }
    }

    /// Call `op` with `body` once, signed by `signer` when given; the status and the parsed JSON
    /// answer (`null` when the body is not JSON). A failed exchange drops the connection.
    pub async fn call_once(&mut self, op: &str, body: &Value, signer: Option<&Signer>) -> anyhow::Result<(u16, Value)> {
        if let Some(s) = self.send.as_mut() {
            if s.ready().await.is_err() {
                self.send = None;
            }
        }
        let send = match self.send.as_mut() {
            Some(s) => s,
            None => {
                let tcp = tokio::net::TcpStream::connect(self.target.addr).await?;
                tcp.set_nodelay(true)?;
                let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await?;
                tokio::spawn(conn);
                self.send.insert(send)
            }
        };
        let mut req = http::Request::builder()
            .method("POST")
            .uri(format!("http://{}/", self.target.host))
            .header("host", &self.target.host)
            .header("content-type", self.protocol.content_type)
            .header("x-amz-target", format!("{}.{op}", self.protocol.target_prefix))
            .body(Bytes::from(body.to_string()))?;
        if let Some(signer) = signer {
            signer.sign(&mut req)?;
        }
        *req.uri_mut() = http::Uri::from_static("/");
        let res = async {
            let resp = send.send_request(req.map(Full::new)).await?;
            let status = resp.status().as_u16();
            let bytes = resp.into_body().collect().await?.to_bytes();
            Ok::<_, hyper::Error>((status, bytes))
        }
        .await;
        match res {
            Ok((status, bytes)) => Ok((status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))),
            Err(e) => {
                self.send = None;
                Err(e.into())
            }
        }
    }
}
