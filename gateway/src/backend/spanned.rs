//! A typed reader over the `toml` crate's spanned document (`DeTable`): every value is read
//! with its key path (`user_pool[0].client[1].id`) and source line, so a manifest error can
//! say `file:line: key.path: message`. Unknown keys are errors (see [`Table::finish`]).

use std::ops::Range;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// A manifest error: file, 1-based line, key path, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    /// The manifest path as given on the command line.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// Key path (empty for syntax errors).
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for ManifestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(f, "{}:{}: {}: {}", self.file, self.line, self.key, self.message)
        }
    }
}

impl std::error::Error for ManifestError {}

/// Where a manifest value came from: line and key path (kept on specs so provisioning errors
/// point at the manifest too).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Loc {
    /// 1-based line.
    pub line: usize,
    /// Key path.
    pub key: String,
}

/// The document being read: its display name and text.
#[derive(Debug)]
pub struct Source<'s> {
    /// File name for messages.
    pub file: &'s str,
    /// Full text.
    pub text: &'s str,
}

impl Source<'_> {
    /// 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end].iter().filter(|b| **b == b'\n').count() + 1
    }

    /// A located error.
    pub fn err(&self, loc: &Loc, message: impl Into<String>) -> ManifestError {
        ManifestError { file: self.file.to_string(), line: loc.line, key: loc.key.clone(), message: message.into() }
    }

    fn loc(&self, span: &Range<usize>, key: String) -> Loc {
        Loc { line: self.line(span.start), key }
    }
}

/// Result of the reader.
pub type Result<T> = std::result::Result<T, ManifestError>;

fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a datetime",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// One value with its location.
#[derive(Debug)]
pub struct Value<'a, 'i> {
    src: &'a Source<'a>,
    v: &'a Spanned<DeValue<'i>>,
    /// Location of the value.
    pub loc: Loc,
}

impl<'a, 'i> Value<'a, 'i> {
    fn wrong(&self, want: &str) -> ManifestError {
        self.src.err(&self.loc, format!("expected {want}, found {}", type_name(self.v.get_ref())))
    }

    /// A string.
    pub fn string(&self) -> Result<String> {
        match self.v.get_ref() {
            DeValue::String(s) => Ok(s.to_string()),
            _ => Err(self.wrong("a string")),
        }
    }

    /// A boolean.
    pub fn bool(&self) -> Result<bool> {
        match self.v.get_ref() {
            DeValue::Boolean(b) => Ok(*b),
            _ => Err(self.wrong("a boolean")),
        }
    }

    /// An integer.
    pub fn int(&self) -> Result<i64> {
        match self.v.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix()).map_err(|_| self.src.err(&self.loc, "integer out of range")),
            _ => Err(self.wrong("an integer")),
        }
    }

    /// The elements of an array.
    pub fn array(&self) -> Result<Vec<Value<'a, 'i>>> {
        match self.v.get_ref() {
            DeValue::Array(a) => Ok(a
                .iter()
                .enumerate()
                .map(|(i, e)| Value { src: self.src, v: e, loc: self.src.loc(&e.span(), format!("{}[{i}]", self.loc.key)) })
                .collect()),
            _ => Err(self.wrong("an array")),
        }
    }

    /// An array of strings.
    pub fn strings(&self) -> Result<Vec<String>> {
        self.array()?.iter().map(Value::string).collect()
    }

    /// A table.
    pub fn table(&self) -> Result<Table<'a, 'i>> {
        match self.v.get_ref() {
            DeValue::Table(t) => Ok(Table { src: self.src, t, loc: self.loc.clone(), used: Vec::new() }),
            _ => Err(self.wrong("a table")),
        }
    }

    /// An array of tables (`[[x]]` or `x = [{..}]`).
    pub fn tables(&self) -> Result<Vec<Table<'a, 'i>>> {
        self.array()?.iter().map(Value::table).collect()
    }

    /// The value as JSON (strings, numbers, booleans, arrays, tables; datetimes as strings).
    pub fn json(&self) -> Result<serde_json::Value> {
        Ok(match self.v.get_ref() {
            DeValue::String(s) => serde_json::Value::String(s.to_string()),
            DeValue::Integer(_) => self.int()?.into(),
            DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(serde_json::Value::Number).ok_or_else(|| self.src.err(&self.loc, "not a finite number"))?,
            DeValue::Boolean(b) => (*b).into(),
            DeValue::Datetime(d) => d.to_string().into(),
            DeValue::Array(_) => serde_json::Value::Array(self.array()?.iter().map(Value::json).collect::<Result<_>>()?),
            DeValue::Table(_) => {
                let mut t = self.table()?;
                let mut out = serde_json::Map::new();
                for k in t.keys() {
                    if let Some(v) = t.get(&k) {
                        out.insert(k, v.json()?);
                    }
                }
                serde_json::Value::Object(out)
            }
        })
    }
}

/// A table being read; [`Table::finish`] rejects the keys nobody asked for.
#[derive(Debug)]
pub struct Table<'a, 'i> {
    src: &'a Source<'a>,
    t: &'a DeTable<'i>,
    /// Location of the table (its header or opening brace).
    pub loc: Loc,
    used: Vec<String>,
}

impl<'a, 'i> Table<'a, 'i> {
    /// The document root.
    pub fn root(src: &'a Source<'a>, t: &'a Spanned<DeTable<'i>>) -> Self {
        Table { src, t: t.get_ref(), loc: Loc { line: 1, key: String::new() }, used: Vec::new() }
    }

    /// The source (for located errors).
    pub fn src(&self) -> &'a Source<'a> {
        self.src
    }

    fn path(&self, key: &str) -> String {
        if self.loc.key.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.loc.key)
        }
    }

    /// Every key of the table, marked as used.
    pub fn keys(&mut self) -> Vec<String> {
        let keys: Vec<String> = self.t.iter().map(|(k, _)| k.get_ref().to_string()).collect();
        self.used.extend(keys.iter().cloned());
        keys
    }

    /// The value under `key`, if present.
    pub fn get(&mut self, key: &str) -> Option<Value<'a, 'i>> {
        self.used.push(key.to_string());
        let (k, v) = self.t.iter().find(|(k, _)| k.get_ref() == key)?;
        let span = if matches!(v.get_ref(), DeValue::Table(_) | DeValue::Array(_)) { k.span() } else { v.span() };
        Some(Value { src: self.src, v, loc: self.src.loc(&span, self.path(key)) })
    }

    /// The value under `key`, or "missing required key" at the table.
    pub fn req(&mut self, key: &str) -> Result<Value<'a, 'i>> {
        let path = self.path(key);
        let line = self.loc.line;
        self.get(key).ok_or_else(|| self.src.err(&Loc { line, key: path }, "missing required key"))
    }

    /// An optional string.
    pub fn opt_string(&mut self, key: &str) -> Result<Option<(String, Loc)>> {
        self.get(key).map(|v| Ok((v.string()?, v.loc))).transpose()
    }

    /// A required string.
    pub fn string(&mut self, key: &str) -> Result<(String, Loc)> {
        let v = self.req(key)?;
        Ok((v.string()?, v.loc))
    }

    /// An optional boolean.
    pub fn opt_bool(&mut self, key: &str) -> Result<Option<bool>> {
        self.get(key).map(|v| v.bool()).transpose()
    }

    /// An optional integer.
    pub fn opt_int(&mut self, key: &str) -> Result<Option<(i64, Loc)>> {
        self.get(key).map(|v| Ok((v.int()?, v.loc))).transpose()
    }

    /// An optional array of strings (empty when absent).
    pub fn strings(&mut self, key: &str) -> Result<(Vec<String>, Loc)> {
        match self.get(key) {
            Some(v) => Ok((v.strings()?, v.loc)),
            None => Ok((Vec::new(), Loc { line: self.loc.line, key: self.path(key) })),
        }
    }

    /// An optional array of tables (empty when absent).
    pub fn tables(&mut self, key: &str) -> Result<Vec<Table<'a, 'i>>> {
        self.get(key).map(|v| v.tables()).transpose().map(Option::unwrap_or_default)
    }

    /// Reject keys that were never asked for.
    pub fn finish(self) -> Result<()> {
        let mut expected: Vec<&str> = self.used.iter().map(String::as_str).collect();
        expected.sort_unstable();
        expected.dedup();
        for (k, _) in self.t.iter() {
            if !self.used.iter().any(|u| u == k.get_ref().as_ref()) {
                let loc = self.src.loc(&k.span(), self.path(k.get_ref()));
                return Err(self.src.err(&loc, format!("unknown key (expected one of: {})", expected.join(", "))));
            }
        }
        Ok(())
    }
}

/// Parse TOML text; a syntax error names the line.
pub fn parse<'i>(src: &Source<'_>, text: &'i str) -> Result<Spanned<DeTable<'i>>> {
    DeTable::parse(text).map_err(|e| {
        let line = e.span().map(|s| src.line(s.start)).unwrap_or(1);
        let msg = e.message().trim().to_string();
        ManifestError { file: src.file.to_string(), line, key: String::new(), message: format!("invalid TOML: {msg}") }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<()> {
        let src = Source { file: "m.toml", text };
        let doc = parse(&src, text)?;
        let mut root = Table::root(&src, &doc);
        for mut t in root.tables("item")? {
            t.string("name")?;
            t.opt_int("size")?;
            t.strings("tags")?;
            t.finish()?;
        }
        root.finish()
    }

    #[test]
    fn errors_carry_line_and_key_path() {
        assert_eq!(read("[[item]]\nname = \"a\"\n\n[[item]]\nname = \"b\"\nsize = true\n").unwrap_err().to_string(), "m.toml:6: item[1].size: expected an integer, found a boolean");
        assert_eq!(read("[[item]]\nname = \"a\"\ntags = [\"x\", 3]\n").unwrap_err().to_string(), "m.toml:3: item[0].tags[1]: expected a string, found an integer");
        assert_eq!(read("\n\n[[item]]\nsize = 1\n").unwrap_err().to_string(), "m.toml:3: item[0].name: missing required key");
        assert_eq!(read("[[item]]\nname = \"a\"\ncolour = 1\n").unwrap_err().to_string(), "m.toml:3: item[0].colour: unknown key (expected one of: name, size, tags)");
        assert_eq!(read("other = 1\n").unwrap_err().to_string(), "m.toml:1: other: unknown key (expected one of: item)");
        assert!(read("[[item]]\nname = \"a\"\nsize = 0x10\ntags = []\n").is_ok());
        assert!(read("[[item]\n").unwrap_err().to_string().starts_with("m.toml:1: invalid TOML: "));
    }
}
