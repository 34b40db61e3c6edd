//! `shelf man`: the manual page, generated from the command line's definition
//! (clap_mangen): `shelf(1)` on stdout, or with `--dir` one page per command.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use clap::{Args, CommandFactory as _};

use super::super::args::{ArgError, Cli};
use super::super::{Context, ExitStatus};

#[derive(Debug, Args)]
#[command(
    after_help = "Read it with `shelf man | man -l -`; install with `shelf man --dir /usr/local/share/man/man1`."
)]
pub struct ManArgs {
    /// Write shelf.1 and one page per command (shelf-push.1, shelf-alias-set.1…) into
    /// this folder instead of printing shelf.1
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub async fn run(args: ManArgs, ctx: &Context) -> Result<ExitStatus> {
    if ctx.printer.json() {
        return Err(ArgError("`shelf man` prints a manual page: drop --json".into()).into());
    }
    let command = Cli::command();
    match args.dir {
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command).render(&mut page)?;
            ctx.printer.generated(&page)?;
        }
        Some(dir) => {
            std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
            clap_mangen::generate_to(command, &dir)
                .with_context(|| format!("write manual pages into {}", dir.display()))?;
            ctx.printer
                .summary(format!("wrote the manual pages into {}", dir.display()));
        }
    }
    Ok(ExitStatus::Success)
}
