//! XML for S3 bodies: a small writer for response documents and a tolerant reader (quick-xml)
//! that turns request documents into a tree, matching elements by local name (namespaces and
//! prefixes ignored, as S3 does). Text stays text: `0` is a key, never a number.

use crate::error::{S3Error, S3Result};
use quick_xml::events::Event;
use quick_xml::Reader;

/// The S3 XML namespace.
pub const NS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// Builds one XML document.
#[derive(Debug, Default)]
pub struct XmlWriter {
    buf: String,
}

impl XmlWriter {
    /// A document whose root element is `root` in the S3 namespace.
    pub fn new(root: &str) -> Self {
        let mut w = Self { buf: String::with_capacity(512) };
        w.buf.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        w.buf.push_str(&format!("<{root} xmlns=\"{NS}\">"));
        w
    }

    /// Open an element.
    pub fn open(&mut self, name: &str) -> &mut Self {
        self.buf.push('<');
        self.buf.push_str(name);
        self.buf.push('>');
        self
    }

    /// Close an element.
    pub fn close(&mut self, name: &str) -> &mut Self {
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push('>');
        self
    }

    /// `<name>text</name>` (escaped).
    pub fn elem(&mut self, name: &str, text: &str) -> &mut Self {
        self.open(name);
        self.buf.push_str(&quick_xml::escape::escape(text));
        self.close(name)
    }

    /// `<name>text</name>` when Some.
    pub fn opt(&mut self, name: &str, text: Option<&str>) -> &mut Self {
        if let Some(t) = text {
            self.elem(name, t);
        }
        self
    }

    /// Append raw, already-escaped XML.
    pub fn raw(&mut self, xml: &str) -> &mut Self {
        self.buf.push_str(xml);
        self
    }

    /// Close the root and return the text.
    pub fn finish(mut self, root: &str) -> String {
        self.close(root);
        self.buf
    }
}

/// A parsed element.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    /// Local name.
    pub name: String,
    /// Concatenated text content.
    pub text: String,
    /// Child elements.
    pub children: Vec<Node>,
}

impl Node {
    /// First child named `name`.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All children named `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Text of the first child named `name`.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }
}

fn local(name: &[u8]) -> String {
    let n = String::from_utf8_lossy(name);
    match n.rsplit_once(':') {
        Some((_, l)) => l.to_string(),
        None => n.into_owned(),
    }
}

/// Parse a document into its root node (`MalformedXML` on any error).
pub fn parse(bytes: &[u8]) -> S3Result<Node> {
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Node> = Vec::new();
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).map_err(|_| S3Error::MalformedXML)? {
            Event::Start(e) => stack.push(Node { name: local(e.name().as_ref()), ..Default::default() }),
            Event::Empty(e) => {
                let n = Node { name: local(e.name().as_ref()), ..Default::default() };
                match stack.last_mut() {
                    Some(p) => p.children.push(n),
                    None => return Ok(n),
                }
            }
            Event::End(_) => {
                let n = stack.pop().ok_or(S3Error::MalformedXML)?;
                match stack.last_mut() {
                    Some(p) => p.children.push(n),
                    None => return Ok(n),
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    let s = t.decode().map_err(|_| S3Error::MalformedXML)?;
                    let s = quick_xml::escape::unescape(&s).map_err(|_| S3Error::MalformedXML)?;
                    top.text.push_str(&s);
                }
            }
            Event::GeneralRef(r) => {
                if let Some(top) = stack.last_mut() {
                    let name = String::from_utf8_lossy(r.as_ref()).into_owned();
                    let raw = format!("&{name};");
                    let s = quick_xml::escape::unescape(&raw).map_err(|_| S3Error::MalformedXML)?;
                    top.text.push_str(&s);
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::Eof => return Err(S3Error::MalformedXML),
            _ => {}
        }
        buf.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_delete_with_entities() {
        let doc = br#"<?xml version="1.0"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet><Object><Key>0</Key></Object><Object><Key>a&amp;b &quot;c&quot;</Key><VersionId>v</VersionId></Object></Delete>"#;
        let n = parse(doc).unwrap();
        assert_eq!(n.name, "Delete");
        let keys: Vec<_> = n.all("Object").map(|o| o.text_of("Key").unwrap().to_string()).collect();
        assert_eq!(keys, vec!["0", "a&b \"c\""]);
        assert!(parse(b"<Delete><Object>").is_err());
        assert!(parse(b"not xml").is_err());
    }

    #[test]
    fn writer_escapes() {
        let mut w = XmlWriter::new("R");
        w.elem("Key", "a<b&\"c\"");
        assert_eq!(w.finish("R"), format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<R xmlns=\"{NS}\"><Key>a&lt;b&amp;&quot;c&quot;</Key></R>"));
    }
}
