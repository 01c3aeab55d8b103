//! Writing models to stdout as a table, JSON, ndjson or CSV.
//!
//! ndjson, JSON and CSV stream: each connector is written as it comes, and
//! memory stays flat however long the listing. A table waits for the last
//! connector, since every row decides the column widths.

use std::io::{self, Write};

use serde::Serialize;
use totalcloud::model::Connector;

use crate::args::Format;
use crate::records::Record;
use crate::table::{self, Align, Column, Layout};

/// The columns a person scans in a listing. When the terminal is narrow the
/// name gives way first, then the id, then the state; the id and then the
/// account are left out when that is not enough.
const LISTING: Layout<6> = Layout {
    columns: [
        Column { header: "NAME", align: Align::Left, min: 20 },
        Column { header: "STATE", align: Align::Left, min: 7 },
        Column { header: "ACCOUNT", align: Align::Left, min: 12 },
        Column { header: "LAST SYNCED (UTC)", align: Align::Left, min: 16 },
        Column { header: "ASSETS", align: Align::Right, min: 6 },
        Column { header: "ID", align: Align::Left, min: 8 },
    ],
    shrink: &[0, 5, 1],
    optional: &[5, 2],
};

/// One model's fields; the values give way to a narrow terminal.
const FIELDS: Layout<2> = Layout {
    columns: [
        Column { header: "FIELD", align: Align::Left, min: 5 },
        Column { header: "VALUE", align: Align::Left, min: 10 },
    ],
    shrink: &[1],
    optional: &[],
};

/// Writes a listing one connector at a time, so that the first connector is
/// out before the last page has arrived.
pub struct ListingWriter<W: Write> {
    out: W,
    format: Format,
    count: u64,
    table: Vec<[String; 6]>,
    width: usize,
}

impl<W: Write> ListingWriter<W> {
    /// A writer in `format`; a table is fitted to `width` columns.
    pub fn new(out: W, format: Format, width: usize) -> io::Result<Self> {
        let mut writer = ListingWriter { out, format, count: 0, table: Vec::new(), width };
        if format == Format::Csv {
            // The header goes out even when nothing matches.
            writer.out.write_all(&csv_record(Connector::HEADER)?)?;
        }
        Ok(writer)
    }

    pub fn write(&mut self, connector: &Connector) -> io::Result<()> {
        match self.format {
            Format::Ndjson => write_line(&mut self.out, connector)?,
            Format::Json => {
                let separator = if self.count == 0 { "[\n" } else { ",\n" };
                self.out.write_all(separator.as_bytes())?;
                write_indented(&mut self.out, connector)?;
            }
            Format::Csv => self.out.write_all(&csv_record(&connector.record())?)?,
            Format::Table => self.table.push(listing_row(connector)),
        }
        self.count += 1;
        Ok(())
    }

    /// Connectors written so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Ends the document (the JSON array, the table) and flushes.
    pub fn finish(mut self) -> io::Result<u64> {
        match self.format {
            Format::Ndjson | Format::Csv => {}
            Format::Json if self.count == 0 => self.out.write_all(b"[]\n")?,
            Format::Json => self.out.write_all(b"\n]\n")?,
            Format::Table => {
                let rows = std::mem::take(&mut self.table);
                table::write(&mut self.out, &LISTING, rows, self.width)?;
            }
        }
        self.out.flush()?;
        Ok(self.count)
    }
}

/// Writes one connector or the base account: a line of JSON, a pretty
/// document, a CSV header and row, or a two-column table of its fields.
pub fn write_one<W, T>(mut out: W, value: &T, format: Format, width: usize) -> io::Result<()>
where
    W: Write,
    T: Serialize + Record,
{
    match format {
        Format::Ndjson => write_line(&mut out, value)?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, value)?;
            out.write_all(b"\n")?;
        }
        Format::Csv => {
            out.write_all(&csv_record(T::HEADER)?)?;
            out.write_all(&csv_record(&value.record())?)?;
        }
        Format::Table => table::write(&mut out, &FIELDS, field_rows(value)?, width)?,
    }
    out.flush()
}

fn write_line<W: Write, T: Serialize>(out: &mut W, value: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.write_all(b"\n")
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

/// One CSV record, CRLF-terminated as RFC 4180 asks (the csv crate writes LF
/// unless told). It is encoded in memory, so that the only I/O errors are
/// those of stdout itself, a closed pipe among them, unwrapped.
fn csv_record<S: AsRef<str>>(fields: &[S]) -> io::Result<Vec<u8>> {
    let mut encoder = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .buffer_capacity(256)
        .from_writer(Vec::new());
    encoder.write_record(fields.iter().map(|f| f.as_ref())).map_err(io::Error::other)?;
    encoder.into_inner().map_err(|e| e.into_error())
}

fn listing_row(c: &Connector) -> [String; 6] {
    let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_string());
    [
        text(&c.name),
        c.state.as_ref().map_or("-".to_string(), |s| s.to_string()),
        c.aws_account_id.as_ref().map_or("-".to_string(), |a| a.to_string()),
        c.last_synced_on
            .map_or("never".to_string(), |t| t.to_utc().format("%Y-%m-%d %H:%M").to_string()),
        c.total_assets.map_or("-".to_string(), |n| n.to_string()),
        text(&c.connector_id),
    ]
}

fn field_rows<T: Serialize>(value: &T) -> io::Result<Vec<[String; 2]>> {
    let json = serde_json::to_value(value).map_err(io::Error::other)?;
    Ok(match json {
        serde_json::Value::Object(fields) => {
            fields.into_iter().map(|(k, v)| [k, cell(&v)]).collect()
        }
        other => vec![["value".to_string(), cell(&other)]],
    })
}

fn cell(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "-".to_string(),
        other => other.to_string(),
    }
}
