//! `shelf tag REF KEY=VALUE...` and `shelf untag REF KEY`: tags after the fact, one event
//! per tag (the manifest stays immutable).

use anyhow::Result;
use clap::Args;
use shelf_format::{Event, Key, ModelIndex, Reference};

use super::super::args::{self, Assignment};
use super::super::{Context, ExitStatus};
use super::{VersionEvent, print_event, print_events, record};

#[derive(Debug, Args)]
pub struct TagArgs {
    #[arg(value_name = "REF")]
    pub reference: Reference,
    /// One or more tags, e.g. reviewed=yes ticket=RISK-42
    #[arg(value_name = "KEY=VALUE", required = true)]
    pub tags: Vec<Assignment>,
    /// Why (recorded in the audit trail)
    #[arg(long)]
    pub reason: Option<String>,
}

#[derive(Debug, Args)]
pub struct UntagArgs {
    #[arg(value_name = "REF")]
    pub reference: Reference,
    #[arg(value_parser = args::key)]
    pub key: Key,
    /// Why (recorded in the audit trail)
    #[arg(long)]
    pub reason: Option<String>,
}

/// One tag of a `shelf tag` command.
struct SetTag<'a> {
    args: &'a TagArgs,
    key: Key,
    value: String,
}

pub async fn run(args: TagArgs, ctx: &Context) -> Result<ExitStatus> {
    let tags = args::assignments("tag", &args.tags)?;
    // Each tag is one event: check them all (the library's text rules) before the first
    // is written.
    for (key, value) in &tags {
        shelf::texts::lifecycle(
            &args::default_author(None),
            args.reason.clone(),
            Event::Tag {
                version: 0,
                key: key.clone(),
                value: value.clone(),
            },
        )?;
    }
    let mut outcomes = Vec::with_capacity(tags.len());
    for (key, value) in tags {
        let tag = SetTag {
            args: &args,
            key,
            value,
        };
        outcomes.push(record(ctx, &tag).await?);
    }
    print_events(ctx, &outcomes)
}

pub async fn run_untag(args: UntagArgs, ctx: &Context) -> Result<ExitStatus> {
    let outcome = record(ctx, &args).await?;
    print_event(ctx, &outcome)
}

impl VersionEvent for SetTag<'_> {
    fn reference(&self) -> &Reference {
        &self.args.reference
    }

    fn reason(&self) -> Option<String> {
        self.args.reason.clone()
    }

    fn event(&self, _: &ModelIndex, version: u64) -> shelf::Result<Event> {
        Ok(Event::Tag {
            version,
            key: self.key.clone(),
            value: self.value.clone(),
        })
    }
}

impl VersionEvent for UntagArgs {
    fn reference(&self) -> &Reference {
        &self.reference
    }

    fn reason(&self) -> Option<String> {
        self.reason.clone()
    }

    fn event(&self, _: &ModelIndex, version: u64) -> shelf::Result<Event> {
        Ok(Event::Untag {
            version,
            key: self.key.clone(),
        })
    }
}
