//! The `shelf` command. Glue only: parsing, output and exit codes live in `cli`; the work
//! is done by the `shelf` library.

// The command's output layer: the one place that prints.
#[allow(clippy::print_stdout, clippy::print_stderr)]
mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
