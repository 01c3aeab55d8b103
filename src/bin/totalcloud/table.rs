//! Tables for a person: columns two spaces apart, fitted to a width, never
//! wrapped.
//!
//! When the natural widths do not fit, the layout's shrinking columns give up
//! width in their order, each down to its minimum, and cut cells end in `…`.
//! If that is not enough, the optional columns are left out, in their order,
//! and the shrinking starts over. If even the remaining columns at their
//! minimums do not fit, the shrinking columns go down to one character, and
//! then every line is cut at the width as a last resort.

use std::io::{self, Write};

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

const GAP: &str = "  ";
const ELLIPSIS: char = '…';

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

#[derive(Clone, Copy, Debug)]
pub struct Column {
    pub header: &'static str,
    pub align: Align,
    /// The narrowest a shrinking column gets before optional columns go.
    pub min: usize,
}

/// The columns of a table and how they give way to a narrow terminal.
#[derive(Debug)]
pub struct Layout<const N: usize> {
    pub columns: [Column; N],
    /// Indices of the columns that shrink, first to last.
    pub shrink: &'static [usize],
    /// Indices of the columns left out when shrinking is not enough, first to last.
    pub optional: &'static [usize],
}

/// Writes the header and the rows, escaping control characters in cells.
pub fn write<W: Write, const N: usize>(
    out: &mut W,
    layout: &Layout<N>,
    rows: Vec<[String; N]>,
    width: usize,
) -> io::Result<()> {
    let header = layout.columns.map(|c| c.header.to_string());
    let rows: Vec<[String; N]> = rows.into_iter().map(|r| r.map(|c| escape(&c))).collect();
    let widths = fit(layout, natural_widths(&header, &rows), width);

    for row in std::iter::once(&header).chain(&rows) {
        let line = render_line(layout, row, &widths);
        writeln!(out, "{}", truncate(&line, width))?;
    }
    Ok(())
}

/// Escapes what would move the cursor or reorder the text: control
/// characters, and the bidirectional overrides a hostile name could use to
/// make itself look like another.
pub fn escape(cell: &str) -> String {
    if !cell.chars().any(is_unsafe) {
        return cell.to_string();
    }
    cell.chars()
        .map(|c| if is_unsafe(c) { c.escape_debug().to_string() } else { c.to_string() })
        .collect()
}

fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}')
        || matches!(c, '\u{2066}'..='\u{2069}')
}

/// Columns a cell takes on a terminal: two for most CJK characters, none for
/// combining marks.
fn width_of(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

fn natural_widths<const N: usize>(header: &[String; N], rows: &[[String; N]]) -> [usize; N] {
    let mut widths = header.each_ref().map(|h| width_of(h));
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width_of(cell));
        }
    }
    widths
}

/// The width of each column, `None` for a column left out.
fn fit<const N: usize>(
    layout: &Layout<N>,
    natural: [usize; N],
    width: usize,
) -> [Option<usize>; N] {
    let mut widths = natural.map(Some);
    let mut optional = layout.optional.iter();
    loop {
        let fitted = shrink(layout, widths, width, |column| column.min);
        if total(&fitted) <= width {
            return fitted;
        }
        match optional.next() {
            Some(&i) => widths[i] = None,
            None => return shrink(layout, fitted, width, |_| 1),
        }
    }
}

/// Narrows the shrinking columns in order, each down to `floor`, until the
/// table fits or none can give more.
fn shrink<const N: usize>(
    layout: &Layout<N>,
    mut widths: [Option<usize>; N],
    width: usize,
    floor: impl Fn(&Column) -> usize,
) -> [Option<usize>; N] {
    for &i in layout.shrink {
        let excess = total(&widths).saturating_sub(width);
        if let Some(w) = &mut widths[i] {
            let floor = floor(&layout.columns[i]).min(*w);
            *w -= excess.min(*w - floor);
        }
    }
    widths
}

fn total(widths: &[Option<usize>]) -> usize {
    let shown: Vec<usize> = widths.iter().flatten().copied().collect();
    shown.iter().sum::<usize>() + GAP.len() * shown.len().saturating_sub(1)
}

fn render_line<const N: usize>(
    layout: &Layout<N>,
    row: &[String; N],
    widths: &[Option<usize>; N],
) -> String {
    let cells: Vec<String> = layout
        .columns
        .iter()
        .zip(row)
        .zip(widths)
        .filter_map(|((column, cell), width)| width.map(|w| pad(&truncate(cell, w), w, column)))
        .collect();
    cells.join(GAP).trim_end().to_string()
}

fn pad(cell: &str, width: usize, column: &Column) -> String {
    let padding = " ".repeat(width.saturating_sub(width_of(cell)));
    match column.align {
        Align::Left => format!("{cell}{padding}"),
        Align::Right => format!("{padding}{cell}"),
    }
}

/// Cuts `text` to `width` columns, ending it with `…` when anything was cut.
fn truncate(text: &str, width: usize) -> String {
    if width_of(text) <= width {
        return text.to_string();
    }
    let mut kept = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        kept.push(c);
        used += w;
    }
    if width > 0 {
        kept.push(ELLIPSIS);
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAYOUT: Layout<3> = Layout {
        columns: [
            Column { header: "NAME", align: Align::Left, min: 6 },
            Column { header: "ID", align: Align::Left, min: 4 },
            Column { header: "N", align: Align::Right, min: 1 },
        ],
        shrink: &[0, 1],
        optional: &[1],
    };

    fn table(rows: &[[&str; 3]], width: usize) -> String {
        let rows = rows.iter().map(|r| r.map(str::to_string)).collect();
        let mut out = Vec::new();
        write(&mut out, &LAYOUT, rows, width).unwrap();
        String::from_utf8(out).unwrap()
    }

    const ROWS: [[&str; 3]; 2] =
        [["production-payments", "0123456789abcdef", "7"], ["qa", "fedcba9876543210", "1234"]];

    #[test]
    fn table_at_natural_width_aligns_numbers_right() {
        insta::assert_snapshot!(table(&ROWS, 80), @r"
        NAME                 ID                   N
        production-payments  0123456789abcdef     7
        qa                   fedcba9876543210  1234
        ");
    }

    #[test]
    fn table_shrinks_the_name_first_then_the_id() {
        insta::assert_snapshot!(table(&ROWS, 36), @"
        NAME          ID                   N
        production-…  0123456789abcdef     7
        qa            fedcba9876543210  1234
        ");
        insta::assert_snapshot!(table(&ROWS, 24), @"
        NAME    ID             N
        produ…  012345678…     7
        qa      fedcba987…  1234
        ");
    }

    #[test]
    fn table_leaves_out_optional_columns_before_going_below_minimums() {
        insta::assert_snapshot!(table(&ROWS, 15), @"
        NAME          N
        producti…     7
        qa         1234
        ");
    }

    #[test]
    fn table_goes_below_minimums_then_cuts_lines_as_a_last_resort() {
        insta::assert_snapshot!(table(&ROWS, 10), @"
        NAME     N
        pro…     7
        qa    1234
        ");
        let narrow = table(&ROWS, 5);

        assert!(narrow.lines().all(|l| width_of(l) <= 5), "{narrow}");
    }

    #[test]
    fn escape_shows_control_and_bidi_characters() {
        insta::assert_snapshot!(escape("plain name"), @"plain name");
        insta::assert_snapshot!(escape("two\nlines\tand\u{1b}[31mred"), @r"two\nlines\tand\u{1b}[31mred");
        insta::assert_snapshot!(escape("evil\u{202e}gnp.exe"), @r"evil\u{202e}gnp.exe");
    }

    #[test]
    fn truncate_counts_terminal_columns() {
        assert_eq!(truncate("東京-prod", 7), "東京-p…");
        assert_eq!(truncate("東京-prod", 4), "東…");
        assert_eq!(truncate("short", 5), "short");
        assert_eq!(truncate("short", 1), "…");
        assert_eq!(truncate("short", 0), "");
    }
}
