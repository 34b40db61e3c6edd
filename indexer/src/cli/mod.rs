//! The `shelf` command: glue between the command line and the library.
//!
//! - [`args`]: the command line (clap derive), typed values;
//! - [`commands`]: one module per command, each a thin layer over a library call;
//! - [`printer`]: everything printed, with `--json`, `-q` and `--no-progress` honoured
//!   and text made safe for the terminal in one place;
//! - [`output`]: the JSON documents, one wire struct per command;
//! - here: `main`, logging, exit codes and the dispatch.

mod args;
mod commands;
mod output;
mod printer;
mod progress;

use std::borrow::Cow;
use std::process::ExitCode;

use anyhow::Result;
use clap::Parser as _;
use shelf::Registry;
use shelf_format::units::terminal_safe;

use args::{Cli, Command, Global};
use printer::Printer;

/// How `shelf` exits (documented in `--help` and the README). Each command returns one;
/// errors are classified by [`classify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Success.
    Success = 0,
    /// The operation failed, or `verify` found problems.
    Failure = 1,
    /// The command line or an input was invalid; nothing was written.
    Usage = 2,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status as u8)
    }
}

/// What every command gets: the global flags and the printer.
pub struct Context {
    pub global: Global,
    pub printer: Printer,
}

impl Context {
    /// The registry location: `--registry`, `$SHELF_REGISTRY`, or `./shelf-registry`.
    pub fn location(&self) -> String {
        self.global.location()
    }

    /// Open the registry at [`Context::location`].
    pub fn registry(&self) -> Result<Registry> {
        Ok(Registry::open(&self.location())?)
    }

    /// Who records a lifecycle event: $SHELF_AUTHOR, git's user.name, the OS user.
    pub fn actor(&self) -> String {
        args::default_author(None)
    }
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return command_line_error(err),
    };
    init_tracing(cli.global.verbose, cli.global.quiet);
    let ctx = Context {
        printer: Printer::new(&cli.global),
        global: cli.global,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let err = anyhow::Error::from(e).context("cannot start the async runtime");
            ctx.printer.error(&err, ExitStatus::Failure);
            return ExitStatus::Failure.into();
        }
    };
    match runtime.block_on(run(cli.command, &ctx)) {
        Ok(status) => status.into(),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            let status = classify(&err);
            ctx.printer.error(&err, status);
            status.into()
        }
    }
}

/// The dispatch: one line per command.
async fn run(command: Command, ctx: &Context) -> Result<ExitStatus> {
    use commands::*;
    match command {
        Command::Init(args) => init::run(args, ctx).await,
        Command::Push(args) => push::run(*args, ctx).await,
        Command::Dataset(command) => dataset::run(command, ctx).await,
        Command::List => list::run(ctx).await,
        Command::Versions(args) => versions::run(args, ctx).await,
        Command::Show(args) => show::run(args, ctx).await,
        Command::Pull(args) => pull::run(args, ctx).await,
        Command::Compare(args) => compare::run(args, ctx).await,
        Command::Reproduce(args) => reproduce::run(args, ctx).await,
        Command::Verify => verify::run(ctx).await,
        Command::Reindex => reindex::run(ctx).await,
        Command::Alias(command) => alias::run(command, ctx).await,
        Command::Rollback(args) => rollback::run(args, ctx).await,
        Command::Status(args) => status::run(args, ctx).await,
        Command::Tag(args) => tag::run(args, ctx).await,
        Command::Untag(args) => tag::run_untag(args, ctx).await,
        Command::Eval(args) => eval::run(args, ctx).await,
        Command::Deploy(args) => deploy::run(args, ctx).await,
        Command::Undeploy(args) => deploy::run_undeploy(args, ctx).await,
        Command::Deployments(args) => deployments::run(args, ctx).await,
        Command::Log(args) => log::run(args, ctx).await,
        Command::Serve(args) => serve::run(args, ctx).await,
        Command::Site(command) => site::run(command, ctx).await,
        Command::Completions(args) => completions::run(args, ctx).await,
        Command::Man(args) => man::run(args, ctx).await,
    }
}

fn init_tracing(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("SHELF_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("shelf={level}")));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

/// The exit status of a failed command: what the user typed wrong (bad names, values,
/// files, locations) exits 2, everything else 1. The library error says which it is.
fn classify(err: &anyhow::Error) -> ExitStatus {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<shelf::Error>() {
            return match e.exit_code() {
                shelf::error::EXIT_USAGE => ExitStatus::Usage,
                _ => ExitStatus::Failure,
            };
        }
        if cause.downcast_ref::<shelf_format::FormatError>().is_some()
            || cause.downcast_ref::<args::ArgError>().is_some()
        {
            return ExitStatus::Usage;
        }
    }
    ExitStatus::Failure
}

/// True when the error is a closed stdout (e.g. `shelf list | head`): exit quietly.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// clap's message for a refused value, argument or command that holds characters a
/// terminal acts on, with the value escaped as a whole (so that a newline in it starts no
/// line). clap's own rendering drops escape sequences from the value it quotes, so it can't
/// just be escaped after the fact. `None` when the value is safe as it is.
fn escaped_message(err: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let get = |kind| match err.get(kind) {
        Some(ContextValue::String(s)) => Some(s.as_str()),
        _ => None,
    };
    let unsafe_text = |s: &str| matches!(terminal_safe(s), Cow::Owned(_));
    let head = match err.kind() {
        ErrorKind::ValueValidation | ErrorKind::InvalidValue => {
            let value = get(ContextKind::InvalidValue).filter(|v| unsafe_text(v))?;
            let arg = get(ContextKind::InvalidArg).unwrap_or("?");
            let cause = std::error::Error::source(err)
                .map(|c| format!(": {c}"))
                .unwrap_or_default();
            format!(
                "invalid value '{}' for '{arg}'{cause}",
                terminal_safe(value)
            )
        }
        ErrorKind::UnknownArgument => {
            let arg = get(ContextKind::InvalidArg).filter(|v| unsafe_text(v))?;
            format!("unexpected argument '{}' found", terminal_safe(arg))
        }
        ErrorKind::InvalidSubcommand => {
            let name = get(ContextKind::InvalidSubcommand).filter(|v| unsafe_text(v))?;
            format!("unrecognized subcommand '{}'", terminal_safe(name))
        }
        _ => return None,
    };
    Some(format!(
        "error: {head}\n\nFor more information, try '--help'."
    ))
}

/// A command line clap refused: help and `--version` print as clap prints them; an error
/// exits 2 with clap's message (escaped for the terminal like any other line), and with
/// `--json` also the error document.
fn command_line_error(err: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        err.exit();
    }
    let escaped = escaped_message(&err);
    let text = escaped.clone().unwrap_or_else(|| err.render().to_string());
    if escaped.is_none()
        && text
            .lines()
            .all(|l| matches!(terminal_safe(l), Cow::Borrowed(_)))
    {
        // Nothing to escape: clap's own rendering, in colour on a terminal.
        let _ = err.print();
    } else {
        for line in text.lines() {
            printer::stderr_line(line);
        }
    }
    let json = std::env::args_os()
        .skip(1)
        .take_while(|a| a != "--")
        .any(|a| a == "--json");
    let printer = Printer::refused_command_line(json);
    if printer.json() {
        let message = text
            .lines()
            .next()
            .unwrap_or_default()
            .trim_start_matches("error: ")
            .to_string();
        let _ = printer.document(&output::Error::new(message, Vec::new(), ExitStatus::Usage));
    }
    ExitStatus::Usage.into()
}
