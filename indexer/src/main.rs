//! The `shelf` command. Glue only: parsing, output and exit codes live in `cli`; the work
//! is done by the `shelf` library.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
