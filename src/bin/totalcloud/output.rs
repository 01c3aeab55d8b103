//! Writing models to stdout as ndjson, JSON or a table.

use std::io::{self, Write};

use serde::Serialize;
use totalcloud::model::Connector;

use crate::args::Format;

/// Writes a listing one connector at a time, so that the first connector is
/// out before the last page has arrived.
pub struct ListingWriter<W: Write> {
    out: W,
    format: Format,
    count: usize,
    rows: Vec<[String; 6]>,
}

impl<W: Write> ListingWriter<W> {
    pub fn new(out: W, format: Format) -> Self {
        ListingWriter { out, format, count: 0, rows: Vec::new() }
    }

    pub fn write(&mut self, connector: &Connector) -> io::Result<()> {
        match self.format {
            Format::Ndjson => {
                serde_json::to_writer(&mut self.out, connector)?;
                self.out.write_all(b"\n")?;
            }
            Format::Json => {
                let separator = if self.count == 0 { "[\n" } else { ",\n" };
                self.out.write_all(separator.as_bytes())?;
                write_indented(&mut self.out, connector)?;
            }
            // Column widths depend on every row, so the table waits for the end.
            Format::Table => self.rows.push(row(connector)),
        }
        self.count += 1;
        Ok(())
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    pub fn finish(mut self) -> io::Result<usize> {
        match self.format {
            Format::Ndjson => {}
            Format::Json if self.count == 0 => self.out.write_all(b"[]\n")?,
            Format::Json => self.out.write_all(b"\n]\n")?,
            Format::Table => {
                let header = ["NAME", "STATE", "ACCOUNT", "LAST SYNCED", "ASSETS", "ID"];
                write_table(&mut self.out, header, &self.rows)?;
            }
        }
        self.out.flush()?;
        Ok(self.count)
    }
}

/// Writes one connector or the base account: a line of JSON, a pretty
/// document, or a two-column table of its fields.
pub fn write_one<W: Write, T: Serialize>(mut out: W, value: &T, format: Format) -> io::Result<()> {
    match format {
        Format::Ndjson => {
            serde_json::to_writer(&mut out, value)?;
            out.write_all(b"\n")?;
        }
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, value)?;
            out.write_all(b"\n")?;
        }
        Format::Table => {
            let json = serde_json::to_value(value).map_err(io::Error::other)?;
            let rows: Vec<[String; 2]> = match json {
                serde_json::Value::Object(fields) => {
                    fields.into_iter().map(|(k, v)| [k, cell(&v)]).collect()
                }
                other => vec![["value".to_string(), cell(&other)]],
            };
            write_table(&mut out, ["FIELD", "VALUE"], &rows)?;
        }
    }
    out.flush()
}

/// Pretty JSON of one array element, indented by two spaces.
fn write_indented<W: Write, T: Serialize>(out: &mut W, value: &T) -> io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.write_all(b"\n")?;
        }
        write!(out, "  {line}")?;
    }
    Ok(())
}

fn row(c: &Connector) -> [String; 6] {
    let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_string());
    [
        text(&c.name),
        c.state.as_ref().map_or("-".to_string(), |s| s.to_string()),
        c.aws_account_id.as_ref().map_or("-".to_string(), |a| a.to_string()),
        c.last_synced_on
            .map_or("never".to_string(), |t| t.to_utc().format("%Y-%m-%d %H:%M UTC").to_string()),
        c.total_assets.map_or("-".to_string(), |n| n.to_string()),
        text(&c.connector_id),
    ]
}

fn cell(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "-".to_string(),
        other => other.to_string(),
    }
}

/// Left-aligned columns two spaces apart; control characters in cells are
/// escaped so that a hostile name cannot break the layout.
fn write_table<W: Write, const N: usize>(
    out: &mut W,
    header: [&str; N],
    rows: &[[String; N]],
) -> io::Result<()> {
    let safe = |s: &str| -> String {
        if s.chars().any(char::is_control) {
            s.escape_debug().to_string()
        } else {
            s.to_string()
        }
    };
    let rows: Vec<[String; N]> = rows.iter().map(|r| r.each_ref().map(|c| safe(c))).collect();
    let mut widths = header.map(|h| h.chars().count());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }

    let header = header.map(str::to_string);
    for r in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = r.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
        writeln!(out, "{}", cells.join("  ").trim_end())?;
    }
    Ok(())
}
