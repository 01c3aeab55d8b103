//! What the tool decides from where its output goes: the default format,
//! the table width and whether to show progress.
//!
//! Each decision is a plain function of what was observed, so that it can be
//! tested without a terminal.

use std::io::{self, IsTerminal};

use crate::args::Format;

/// The width of a table when nothing better is known.
const DEFAULT_WIDTH: usize = 100;

/// What the process found out about its standard streams and environment.
#[derive(Clone, Debug)]
pub struct Surroundings {
    pub stdout_is_terminal: bool,
    pub stderr_is_terminal: bool,
    /// The width the terminal on stdout reports, if it is one and reports any.
    pub terminal_width: Option<usize>,
    /// The `COLUMNS` environment variable, unparsed.
    pub columns: Option<String>,
}

impl Surroundings {
    pub fn observe() -> Surroundings {
        let stdout = io::stdout();
        let terminal_width = terminal_size::terminal_size_of(&stdout).map(|(w, _)| w.0 as usize);
        Surroundings {
            stdout_is_terminal: stdout.is_terminal(),
            stderr_is_terminal: io::stderr().is_terminal(),
            terminal_width,
            columns: std::env::var("COLUMNS").ok(),
        }
    }

    /// A table for a person on a terminal; ndjson for a program reading a pipe.
    pub fn format(&self, chosen: Option<Format>) -> Format {
        match chosen {
            Some(format) => format,
            None if self.stdout_is_terminal => Format::Table,
            None => Format::Ndjson,
        }
    }

    /// The terminal's own width when it reports one, else `COLUMNS`, else 100.
    ///
    /// The terminal wins over `COLUMNS` because the variable goes stale when a
    /// window is resized; a terminal that reports 0 (a pseudo-terminal nobody
    /// sized) counts as reporting nothing.
    pub fn width(&self) -> usize {
        let columns = self.columns.as_deref().and_then(|c| c.trim().parse().ok());
        [self.terminal_width, columns]
            .into_iter()
            .flatten()
            .find(|&w| w > 0)
            .unwrap_or(DEFAULT_WIDTH)
    }

    /// A progress bar only for a person watching stderr who did not ask for quiet.
    pub fn progress(&self, quiet: bool) -> bool {
        self.stderr_is_terminal && !quiet
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piped() -> Surroundings {
        Surroundings {
            stdout_is_terminal: false,
            stderr_is_terminal: false,
            terminal_width: None,
            columns: None,
        }
    }

    fn terminal(width: usize) -> Surroundings {
        Surroundings {
            stdout_is_terminal: true,
            stderr_is_terminal: true,
            terminal_width: Some(width),
            columns: None,
        }
    }

    #[test]
    fn format_defaults_to_ndjson_on_a_pipe_and_table_on_a_terminal() {
        assert_eq!(piped().format(None), Format::Ndjson);
        assert_eq!(terminal(80).format(None), Format::Table);
    }

    #[test]
    fn format_chosen_wins_everywhere() {
        assert_eq!(piped().format(Some(Format::Table)), Format::Table);
        assert_eq!(terminal(80).format(Some(Format::Csv)), Format::Csv);
    }

    #[test]
    fn width_prefers_the_terminal_then_columns_then_100() {
        let columns = |c: &str| Surroundings { columns: Some(c.to_string()), ..piped() };
        let sized = |w: usize| Surroundings { columns: Some("60".to_string()), ..terminal(w) };

        assert_eq!(piped().width(), 100);
        assert_eq!(columns("60").width(), 60);
        assert_eq!(columns(" 72\n").width(), 72);
        assert_eq!(columns("wide").width(), 100);
        assert_eq!(columns("0").width(), 100);
        assert_eq!(sized(132).width(), 132);
        assert_eq!(sized(0).width(), 60);
    }

    #[test]
    fn progress_shows_only_on_a_terminal_stderr_without_quiet() {
        let stdout_piped = Surroundings { stdout_is_terminal: false, ..terminal(80) };

        assert!(terminal(80).progress(false));
        assert!(stdout_piped.progress(false));
        assert!(!terminal(80).progress(true));
        assert!(!piped().progress(false));
    }
}
