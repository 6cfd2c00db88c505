//! SigV4 signing of generated requests with the `aws-sigv4` crate (the same code the AWS SDKs
//! use), so a load run exercises the emulator's signature verification like real clients do.

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use std::time::SystemTime;

/// Who signs and for which service.
#[derive(Debug, Clone)]
pub struct Signer {
    /// Access key id.
    pub key: String,
    /// Secret key.
    pub secret: String,
    /// Region of the scope.
    pub region: String,
    /// Signing name of the scope (`dynamodb`, `s3`, ...).
    pub service: String,
}

impl Signer {
    /// Add `Authorization`, `X-Amz-Date` (and content hash for S3) to `req`.
    pub fn sign(&self, req: &mut http::Request<bytes::Bytes>) -> anyhow::Result<()> {
        let identity = Credentials::new(&self.key, &self.secret, None, None, "amplocal-bench").into();
        let mut settings = SigningSettings::default();
        if self.service == "s3" {
            settings.payload_checksum_kind = aws_sigv4::http_request::PayloadChecksumKind::XAmzSha256;
        }
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(&self.service)
            .time(SystemTime::now())
            .settings(settings)
            .build()?
            .into();
        let uri = req.uri().to_string();
        let headers: Vec<(String, String)> =
            req.headers().iter().filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string()))).collect();
        let signable = SignableRequest::new(
            req.method().as_str(),
            &uri,
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            SignableBody::Bytes(req.body()),
        )?;
        let (instructions, _sig) = sign(signable, &params)?.into_parts();
        instructions.apply_to_request_http1x(req);
        Ok(())
    }
}
