//! A streaming `multipart/form-data` reader for POST Object: form fields are small and read
//! into memory (capped), the `file` part is streamed to the caller chunk by chunk and never
//! buffered whole. <https://www.rfc-editor.org/rfc/rfc7578>.

use crate::error::{S3Error, S3Result};
use axum::body::{Body, BodyDataStream};
use futures_util::StreamExt;

const MAX_HEADER: usize = 16 * 1024;

/// The headers of one part.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartHead {
    /// `name` from Content-Disposition.
    pub name: String,
    /// `filename`, for file parts.
    pub filename: Option<String>,
    /// Content-Type of the part.
    pub content_type: Option<String>,
}

/// Reads parts in order.
#[derive(Debug)]
pub struct FormReader {
    stream: BodyDataStream,
    buf: Vec<u8>,
    delim: Vec<u8>,
    eof: bool,
    finished: bool,
    started: bool,
}

fn bad() -> S3Error {
    S3Error::MalformedPOSTRequest
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        let off = hay[i..].iter().position(|b| *b == needle[0])?;
        i += off;
        if hay.len() - i < needle.len() {
            return None;
        }
        if &hay[i..i + needle.len()] == needle {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// The boundary of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    let (mime, params) = content_type.split_once(';')?;
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case("boundary").then(|| v.trim().trim_matches('"').to_string())
    })
}

fn param(header: &str, name: &str) -> Option<String> {
    header.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim().trim_matches('"').to_string())
    })
}

impl FormReader {
    /// A reader over `body` with `boundary`.
    pub fn new(body: Body, boundary: &str) -> Self {
        Self { stream: body.into_data_stream(), buf: Vec::new(), delim: format!("\r\n--{boundary}").into_bytes(), eof: false, finished: false, started: false }
    }

    async fn fill(&mut self) -> S3Result<bool> {
        if self.eof {
            return Ok(false);
        }
        match self.stream.next().await {
            Some(Ok(b)) => {
                self.buf.extend_from_slice(&b);
                Ok(true)
            }
            Some(Err(_)) => Err(S3Error::IncompleteBody),
            None => {
                self.eof = true;
                Ok(false)
            }
        }
    }

    /// After a delimiter: `--` ends the form, CRLF starts a part.
    async fn after_delimiter(&mut self) -> S3Result<()> {
        while self.buf.len() < 2 {
            if !self.fill().await? {
                self.finished = true;
                return Ok(());
            }
        }
        if self.buf.starts_with(b"--") {
            self.finished = true;
        } else if self.buf.starts_with(b"\r\n") {
            self.buf.drain(..2);
        } else {
            return Err(bad());
        }
        Ok(())
    }

    /// The next part's headers, or None at the end of the form.
    pub async fn next_part(&mut self) -> S3Result<Option<PartHead>> {
        if !self.started {
            self.started = true;
            // the first delimiter has no leading CRLF
            let first = self.delim[2..].to_vec();
            loop {
                if let Some(i) = find(&self.buf, &first) {
                    self.buf.drain(..i + first.len());
                    break;
                }
                if self.buf.len() > MAX_HEADER || !self.fill().await? {
                    return Err(bad());
                }
            }
            self.after_delimiter().await?;
        }
        if self.finished {
            return Ok(None);
        }
        let end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i;
            }
            if self.buf.len() > MAX_HEADER || !self.fill().await? {
                return Err(bad());
            }
        };
        let head = String::from_utf8_lossy(&self.buf[..end]).into_owned();
        self.buf.drain(..end + 4);
        let mut part = PartHead::default();
        for line in head.split("\r\n") {
            let Some((k, v)) = line.split_once(':') else { continue };
            if k.trim().eq_ignore_ascii_case("content-disposition") {
                part.name = param(v, "name").ok_or_else(bad)?;
                part.filename = param(v, "filename");
            } else if k.trim().eq_ignore_ascii_case("content-type") {
                part.content_type = Some(v.trim().to_string());
            }
        }
        Ok(Some(part))
    }

    /// The next piece of the current part's content; None once the part ended.
    pub async fn chunk(&mut self) -> S3Result<Option<Vec<u8>>> {
        loop {
            if let Some(i) = find(&self.buf, &self.delim) {
                if i > 0 {
                    let out: Vec<u8> = self.buf.drain(..i).collect();
                    return Ok(Some(out));
                }
                self.buf.drain(..self.delim.len());
                self.after_delimiter().await?;
                return Ok(None);
            }
            let keep = self.delim.len();
            if self.buf.len() > keep + 64 * 1024 {
                let n = self.buf.len() - keep;
                let out: Vec<u8> = self.buf.drain(..n).collect();
                return Ok(Some(out));
            }
            if !self.fill().await? {
                return Err(bad());
            }
        }
    }

    /// The whole content of a (small) field.
    pub async fn value(&mut self, limit: usize) -> S3Result<String> {
        let mut v = Vec::new();
        while let Some(c) = self.chunk().await? {
            v.extend_from_slice(&c);
            if v.len() > limit {
                return Err(S3Error::InvalidArgument("Form field too large".into()));
            }
        }
        String::from_utf8(v).map_err(|_| bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_fields_and_file_across_splits() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nuser/${filename}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nline1\r\n--Xy-near-miss\r\nend\r\n--XyZ--\r\n";
        for step in [1usize, 3, 7, 1000] {
            let chunks: Vec<Result<Vec<u8>, std::io::Error>> = body.as_bytes().chunks(step).map(|c| Ok(c.to_vec())).collect();
            let b = Body::from_stream(futures_util::stream::iter(chunks));
            let mut r = FormReader::new(b, "XyZ");
            let p = r.next_part().await.unwrap().unwrap();
            assert_eq!(p.name, "key");
            assert_eq!(r.value(100).await.unwrap(), "user/${filename}");
            let p = r.next_part().await.unwrap().unwrap();
            assert_eq!((p.name.as_str(), p.filename.as_deref(), p.content_type.as_deref()), ("file", Some("a.txt"), Some("text/plain")));
            let mut file = Vec::new();
            while let Some(c) = r.chunk().await.unwrap() {
                file.extend(c);
            }
            assert_eq!(file, b"line1\r\n--Xy-near-miss\r\nend");
            assert!(r.next_part().await.unwrap().is_none());
        }
        assert_eq!(boundary("multipart/form-data; boundary=\"abc\"").as_deref(), Some("abc"));
        assert_eq!(boundary("text/plain"), None);
    }
}
