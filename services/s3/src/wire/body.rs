//! Request bodies: plain or aws-chunked (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`,
//! `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`, `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`), decoded
//! as they stream into a blob, with every chunk and trailer signature verified when the gateway
//! handed over the signing key. <https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html>.
//! Leaves out SigV4a (ECDSA) streaming.

use crate::checksum::{ChecksumAlg, Digests};
use crate::error::{S3Error, S3Result};
use crate::store::blob::StagedBlob;
use crate::S3Service;
use amplocal_core::ChunkSigning;
use axum::body::Body;
use bytes::Bytes;
use futures_util::StreamExt;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

const MAX_LINE: usize = 4096;
const MAX_TRAILERS: usize = 100;
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Header,
    Data(u64),
    DataEnd,
    Trailer,
    Done,
}

/// Incremental aws-chunked decoder.
#[derive(Debug)]
pub struct ChunkDecoder {
    state: State,
    line: Vec<u8>,
    signing: Option<ChunkSigning>,
    prev_sig: String,
    chunk_sig: Option<String>,
    chunk_hash: Sha256,
    /// Trailing headers received (`name`, `value`), without the trailer signature.
    pub trailers: Vec<(String, String)>,
    trailer_sig: Option<String>,
    decoded: u64,
}

fn hmac_hex(key: &[u8], msg: &str) -> String {
    // HMAC accepts keys of any length, so the error branch never runs; an empty string would
    // simply never match a signature.
    let Ok(mut m) = <Hmac<Sha256> as Mac>::new_from_slice(key) else { return String::new() };
    m.update(msg.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

impl ChunkDecoder {
    /// A decoder; `signing` is Some when chunk signatures must be checked.
    pub fn new(signing: Option<ChunkSigning>) -> Self {
        let prev_sig = signing.as_ref().map(|s| s.seed_signature.clone()).unwrap_or_default();
        Self { state: State::Header, line: Vec::new(), signing, prev_sig, chunk_sig: None, chunk_hash: Sha256::new(), trailers: Vec::new(), trailer_sig: None, decoded: 0 }
    }

    /// Bytes of payload decoded so far.
    pub fn decoded(&self) -> u64 {
        self.decoded
    }

    /// Whether the final chunk and trailers were read.
    pub fn done(&self) -> bool {
        self.state == State::Done
    }

    fn verify_chunk(&mut self, data_hash: String) -> S3Result<()> {
        let Some(s) = &self.signing else { return Ok(()) };
        let Some(given) = self.chunk_sig.take() else { return Err(S3Error::SignatureDoesNotMatch) };
        let sts = format!("AWS4-HMAC-SHA256-PAYLOAD\n{}\n{}\n{}\n{EMPTY_SHA256}\n{data_hash}", s.amz_date, s.scope, self.prev_sig);
        let want = hmac_hex(&s.signing_key, &sts);
        if want != given.to_ascii_lowercase() {
            return Err(S3Error::SignatureDoesNotMatch);
        }
        self.prev_sig = want;
        Ok(())
    }

    fn verify_trailer(&mut self) -> S3Result<()> {
        let Some(s) = &self.signing else { return Ok(()) };
        let Some(given) = self.trailer_sig.take() else {
            // signed payload without trailer: nothing to check
            return if self.trailers.is_empty() { Ok(()) } else { Err(S3Error::SignatureDoesNotMatch) };
        };
        let mut canonical = String::new();
        for (k, v) in &self.trailers {
            canonical.push_str(&format!("{k}:{v}\n"));
        }
        let sts = format!("AWS4-HMAC-SHA256-TRAILER\n{}\n{}\n{}\n{}", s.amz_date, s.scope, self.prev_sig, hex::encode(Sha256::digest(canonical.as_bytes())));
        if hmac_hex(&s.signing_key, &sts) != given.to_ascii_lowercase() {
            return Err(S3Error::SignatureDoesNotMatch);
        }
        Ok(())
    }

    fn take_line(&mut self, input: &Bytes, pos: &mut usize) -> S3Result<Option<String>> {
        while *pos < input.len() {
            let b = input[*pos];
            *pos += 1;
            if b == b'\n' {
                let mut l = std::mem::take(&mut self.line);
                if l.last() == Some(&b'\r') {
                    l.pop();
                }
                return String::from_utf8(l).map(Some).map_err(|_| S3Error::InvalidRequest("Invalid aws-chunked framing".into()));
            }
            self.line.push(b);
            if self.line.len() > MAX_LINE {
                return Err(S3Error::InvalidRequest("aws-chunked header line too long".into()));
            }
        }
        Ok(None)
    }

    /// Feed encoded bytes; returns the decoded payload slices.
    pub fn feed(&mut self, input: &Bytes) -> S3Result<Vec<Bytes>> {
        let mut out = Vec::new();
        let mut pos = 0usize;
        while pos < input.len() {
            match self.state {
                State::Header => {
                    let Some(line) = self.take_line(input, &mut pos)? else { break };
                    if line.is_empty() {
                        continue;
                    }
                    let (size, ext) = line.split_once(';').unwrap_or((line.as_str(), ""));
                    let size = u64::from_str_radix(size.trim(), 16).map_err(|_| S3Error::InvalidRequest("Invalid aws-chunked chunk size".into()))?;
                    self.chunk_sig = ext.trim().strip_prefix("chunk-signature=").map(str::to_string);
                    if size == 0 {
                        self.verify_chunk(EMPTY_SHA256.to_string())?;
                        self.state = State::Trailer;
                    } else {
                        self.chunk_hash = Sha256::new();
                        self.state = State::Data(size);
                    }
                }
                State::Data(remaining) => {
                    let n = (input.len() - pos).min(remaining.min(usize::MAX as u64) as usize);
                    let slice = input.slice(pos..pos + n);
                    if self.signing.is_some() {
                        self.chunk_hash.update(&slice);
                    }
                    self.decoded += n as u64;
                    out.push(slice);
                    pos += n;
                    let left = remaining - n as u64;
                    self.state = if left == 0 { State::DataEnd } else { State::Data(left) };
                }
                State::DataEnd => {
                    let Some(line) = self.take_line(input, &mut pos)? else { break };
                    if !line.is_empty() {
                        return Err(S3Error::InvalidRequest("Invalid aws-chunked framing".into()));
                    }
                    if self.signing.is_some() {
                        let h = std::mem::take(&mut self.chunk_hash);
                        self.verify_chunk(hex::encode(h.finalize()))?;
                    }
                    self.state = State::Header;
                }
                State::Trailer => {
                    let Some(line) = self.take_line(input, &mut pos)? else { break };
                    if line.is_empty() {
                        self.verify_trailer()?;
                        self.state = State::Done;
                        continue;
                    }
                    let (k, v) = line.split_once(':').ok_or_else(|| S3Error::InvalidRequest("Invalid aws-chunked trailer".into()))?;
                    let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_string());
                    if k == "x-amz-trailer-signature" {
                        self.trailer_sig = Some(v);
                    } else if self.trailers.len() < MAX_TRAILERS {
                        self.trailers.push((k, v));
                    } else {
                        return Err(S3Error::InvalidRequest("Too many aws-chunked trailers".into()));
                    }
                }
                State::Done => break,
            }
        }
        Ok(out)
    }

    /// Finish at end of stream: a body that stops before the final chunk is incomplete. A
    /// trailer section cut short after the final chunk (no blank line) is accepted.
    pub fn finish(&mut self) -> S3Result<()> {
        match self.state {
            State::Done => Ok(()),
            State::Trailer => {
                if !self.line.is_empty() {
                    let l = String::from_utf8_lossy(&std::mem::take(&mut self.line)).trim().to_string();
                    self.feed(&Bytes::from(format!("{l}\r\n\r\n")))?;
                    return Ok(());
                }
                self.verify_trailer()?;
                self.state = State::Done;
                Ok(())
            }
            _ => Err(S3Error::IncompleteBody),
        }
    }
}

/// How a request body is framed.
#[derive(Debug, Clone, Default)]
pub struct Framing {
    /// aws-chunked.
    pub chunked: bool,
    /// Signing material for chunk signatures (signed streaming with a verified key).
    pub signing: Option<ChunkSigning>,
    /// `x-amz-decoded-content-length`.
    pub decoded_length: Option<u64>,
}

/// The staged body and the checksums carried in its trailer.
#[derive(Debug)]
pub struct Received {
    /// The durable blob.
    pub blob: StagedBlob,
    /// `x-amz-checksum-*` trailers.
    pub trailer_checksums: Vec<(ChecksumAlg, String)>,
}

/// Stream `body` into a new blob, decoding aws-chunked and computing `digests`.
pub async fn receive(svc: &S3Service, body: Body, framing: Framing, digests: Digests) -> S3Result<Received> {
    // the announced decoded length: a large body streams to its threads from the first byte
    let expected = if framing.chunked { framing.decoded_length } else { axum::body::HttpBody::size_hint(&body).exact() };
    let mut w = svc.blobs().writer(digests, expected).await?;
    let mut stream = body.into_data_stream();
    let mut dec = framing.chunked.then(|| ChunkDecoder::new(framing.signing.clone()));
    while let Some(frame) = stream.next().await {
        let data = frame.map_err(|_| S3Error::IncompleteBody)?;
        match &mut dec {
            Some(d) => {
                for piece in d.feed(&data)? {
                    w.write_bytes(piece).await?;
                }
            }
            None => w.write_bytes(data).await?,
        }
    }
    let mut trailer_checksums = Vec::new();
    if let Some(d) = &mut dec {
        d.finish()?;
        for (k, v) in &d.trailers {
            if let Some(alg) = ChecksumAlg::from_header(k) {
                trailer_checksums.push((alg, v.clone()));
            }
        }
    }
    if let Some(n) = framing.decoded_length {
        if n != w.size() {
            return Err(S3Error::IncompleteBody);
        }
    }
    let blob = w.finish().await?;
    Ok(Received { blob, trailer_checksums })
}

/// Read a small body fully (XML documents), capped at `limit` bytes.
pub async fn read_small(body: Body, limit: usize) -> S3Result<Bytes> {
    axum::body::to_bytes(body, limit).await.map_err(|_| S3Error::MalformedXML)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(dec: &mut ChunkDecoder, wire: &[u8], step: usize) -> S3Result<Vec<u8>> {
        let mut out = Vec::new();
        for piece in wire.chunks(step) {
            for b in dec.feed(&Bytes::copy_from_slice(piece))? {
                out.extend_from_slice(&b);
            }
        }
        dec.finish()?;
        Ok(out)
    }

    #[test]
    fn unsigned_trailer_any_split() {
        let wire = b"a\r\nchunk-one \r\n9\r\nchunk-two\r\n0\r\nx-amz-checksum-crc32:s4R9Pg==\r\n\r\n";
        for step in [1, 2, 3, 7, 100] {
            let mut d = ChunkDecoder::new(None);
            assert_eq!(decode_all(&mut d, wire, step).unwrap(), b"chunk-one chunk-two");
            assert_eq!(d.trailers, vec![("x-amz-checksum-crc32".to_string(), "s4R9Pg==".to_string())]);
        }
    }

    #[test]
    fn truncated_is_incomplete() {
        let mut d = ChunkDecoder::new(None);
        assert!(matches!(decode_all(&mut d, b"a\r\nchunk", 3), Err(S3Error::IncompleteBody)));
    }

    /// The AWS documentation example (sigv4-streaming): 65 KiB of 'a' in 64 KiB + 1 KiB chunks.
    #[test]
    fn aws_doc_vector_signed_chunks() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let k = |key: &[u8], msg: &str| {
            let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap();
            m.update(msg.as_bytes());
            m.finalize().into_bytes().to_vec()
        };
        let key = k(&k(&k(&k(format!("AWS4{secret}").as_bytes(), "20130524"), "us-east-1"), "s3"), "aws4_request");
        let signing = ChunkSigning {
            signing_key: key,
            seed_signature: "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9".into(),
            amz_date: "20130524T000000Z".into(),
            scope: "20130524/us-east-1/s3/aws4_request".into(),
        };
        let mut wire = Vec::new();
        wire.extend_from_slice(b"10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n");
        wire.extend(std::iter::repeat_n(b'a', 65536));
        wire.extend_from_slice(b"\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n");
        wire.extend(std::iter::repeat_n(b'a', 1024));
        wire.extend_from_slice(b"\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n");
        let mut d = ChunkDecoder::new(Some(signing.clone()));
        assert_eq!(decode_all(&mut d, &wire, 5000).unwrap().len(), 66560);
        // one flipped signature byte fails
        let mut bad = wire.clone();
        bad[30] = if bad[30] == b'0' { b'1' } else { b'0' };
        let mut d = ChunkDecoder::new(Some(signing));
        assert!(matches!(decode_all(&mut d, &bad, 5000), Err(S3Error::SignatureDoesNotMatch)));
    }
}
