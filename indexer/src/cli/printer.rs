//! Everything `shelf` prints goes through one [`Printer`]: results on stdout (text lines,
//! or exactly one JSON document with `--json`), and on stderr notes, warnings, summaries,
//! progress bars and errors.
//!
//! - `--json` turns the results into one document ([`Printer::document`]); stderr keeps
//!   its notes and warnings, so stdout stays one document.
//! - `-q` silences notes, warnings and summaries; results and errors still print.
//! - Progress bars show only on a terminal, and never with `-q`, `--json` or
//!   `--no-progress`.
//!
//! **Terminal safety.** Text a registry holds comes from whoever could write to the
//! bucket. Every human-readable line, on stdout and stderr alike, passes through
//! [`terminal_safe`] here and nowhere else, so that an escape sequence, a carriage return
//! or a bidi override in a description, an actor, a reason or a label is shown escaped
//! and never acted on by the terminal. One call prints one line: a newline inside a value
//! is escaped too, so a value can't forge lines (of `shelf log`, say). Multi-line text
//! (a description) is printed line by line by the caller. JSON documents are exact.

use std::fmt::Display;
use std::io::{IsTerminal as _, Write as _};

use anyhow::Result;
use serde::Serialize;
use shelf::{Reporter, Silent};
use shelf_format::units::terminal_safe;

use super::ExitStatus;
use super::args::Global;
use super::output;
use super::progress::Bars;

/// How and what to print, from the global flags.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    json: bool,
    quiet: bool,
    progress: bool,
}

impl Printer {
    pub fn new(global: &Global) -> Self {
        Printer {
            json: global.json,
            quiet: global.quiet,
            progress: !global.json
                && !global.quiet
                && !global.no_progress
                && std::io::stderr().is_terminal(),
        }
    }

    /// The printer of a command line clap refused (there are no flags to read).
    pub fn refused_command_line(json: bool) -> Self {
        Printer {
            json,
            quiet: false,
            progress: false,
        }
    }

    /// True with `--json`: results are one JSON document.
    pub fn json(&self) -> bool {
        self.json
    }

    /// The result of a command as one JSON document on stdout.
    pub fn document(&self, doc: &impl Serialize) -> Result<()> {
        let mut stdout = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut stdout, doc)?;
        writeln!(stdout)?;
        Ok(())
    }

    /// A JSON document on one line, flushed at once (for `serve`, whose caller reads the
    /// line while the command runs on).
    pub fn document_line(&self, doc: &impl Serialize) -> Result<()> {
        let mut stdout = std::io::stdout().lock();
        serde_json::to_writer(&mut stdout, doc)?;
        writeln!(stdout)?;
        stdout.flush()?;
        Ok(())
    }

    /// One line of results on stdout, escaped for the terminal.
    pub fn line(&self, text: impl AsRef<str>) -> Result<()> {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{}", terminal_safe(text.as_ref()))?;
        Ok(())
    }

    /// Text generated for another program (a completion script, a manual page), on stdout
    /// as it is.
    pub fn generated(&self, bytes: &[u8]) -> Result<()> {
        std::io::stdout().lock().write_all(bytes)?;
        Ok(())
    }

    /// Flush stdout (before a command blocks).
    pub fn flush(&self) -> Result<()> {
        std::io::stdout().flush()?;
        Ok(())
    }

    /// `note: …` on stderr, unless `-q`.
    pub fn note(&self, text: impl Display) {
        if !self.quiet {
            stderr_line(&format!("note: {text}"));
        }
    }

    /// `warning: …` on stderr, unless `-q`.
    pub fn warning(&self, text: impl Display) {
        if !self.quiet {
            stderr_line(&format!("warning: {text}"));
        }
    }

    /// What a command did, in a line on stderr (`1 artifact, 10 B uploaded`), unless `-q`.
    pub fn summary(&self, text: impl Display) {
        if !self.quiet {
            stderr_line(&text.to_string());
        }
    }

    /// An error on stderr (`error: …`, then `  Caused by: …` for each cause), always;
    /// with `--json` also the error document on stdout.
    pub fn error(&self, err: &anyhow::Error, status: ExitStatus) {
        let mut chain = err.chain();
        let message = chain.next().map(|c| c.to_string()).unwrap_or_default();
        // Store errors repeat their source in their own message: show each cause once.
        let mut causes: Vec<String> = Vec::new();
        for cause in chain.map(|c| c.to_string()) {
            let last = causes.last().unwrap_or(&message);
            if !last.contains(&cause) {
                causes.push(cause);
            }
        }
        stderr_line(&format!("error: {message}"));
        for cause in &causes {
            stderr_line(&format!("  Caused by: {cause}"));
        }
        if self.json {
            let _ = self.document(&output::Error::new(message, causes, status));
        }
    }

    /// Progress of transfers: bars on stderr, or nothing (see the module doc).
    pub fn reporter(&self) -> Box<dyn Reporter> {
        if self.progress {
            Box::new(Bars::new())
        } else {
            Box::new(Silent)
        }
    }
}

/// One line on stderr, escaped for the terminal.
pub fn stderr_line(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{}", terminal_safe(text));
}
