//! `shelf serve`: the registry and its web app, read-only over HTTP.

use anyhow::Result;
use clap::Args;

use super::super::{Context, ExitStatus, output};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free one)
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: std::net::SocketAddr,
}

pub async fn run(args: ServeArgs, ctx: &Context) -> Result<ExitStatus> {
    let registry = ctx.registry()?;
    registry.descriptor().await?;
    let server = shelf::serve::Server::bind(registry, args.addr).await?;
    let url = format!("http://{}/", server.local_addr()?);
    // The first line, with the URL to open, as soon as it listens.
    if ctx.printer.json() {
        ctx.printer.document_line(&output::Serving { url: &url })?;
    } else {
        ctx.printer.line(&url)?;
        ctx.printer.flush()?;
        ctx.printer.summary("serving read-only; Ctrl-C stops");
    }
    server
        .run(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(ExitStatus::Success)
}
