//! `shelf completions SHELL`: a completion script generated from the command line's
//! definition (clap_complete), so it never lags behind the commands.

use anyhow::Result;
use clap::{Args, CommandFactory as _};
use clap_complete::Shell;

use super::super::args::{ArgError, Cli};
use super::super::{Context, ExitStatus};

#[derive(Debug, Args)]
#[command(after_help = "Install, e.g.:
  bash: shelf completions bash > ~/.local/share/bash-completion/completions/shelf
  zsh:  shelf completions zsh > ~/.zfunc/_shelf   (with ~/.zfunc on $fpath)
  fish: shelf completions fish > ~/.config/fish/completions/shelf.fish")]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell
    pub shell: Shell,
}

pub async fn run(args: CompletionsArgs, ctx: &Context) -> Result<ExitStatus> {
    if ctx.printer.json() {
        return Err(
            ArgError("`shelf completions` prints a shell script: drop --json".into()).into(),
        );
    }
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "shelf", &mut script);
    ctx.printer.generated(&script)?;
    Ok(ExitStatus::Success)
}
