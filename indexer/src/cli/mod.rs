//! Command-line parsing, output and exit codes of `shelf`.

mod args;
mod compare;
mod output;
mod progress;

use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::process::ExitCode;

use anyhow::Result;
use clap::Parser as _;
use shelf::{InitOptions, PushRequest, Registry, Reporter, Silent};
use shelf_format::{
    AliasName, BranchName, Event, Key, ModelName, ParamValue, Reference, Status, TargetName,
};

use args::{Cli, Command};
use output::Out;

/// Exit codes, documented in `--help` and the README.
#[derive(Debug, Clone, Copy)]
enum Exit {
    /// Success.
    Ok = 0,
    /// The operation failed, or `verify` found problems.
    Failure = 1,
    /// The command line or an input was invalid; nothing was written.
    Usage = 2,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.global.verbose, cli.global.quiet);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(Exit::Failure as u8);
        }
    };
    let json = cli.global.json;
    let mut out = Out::new(json);
    let result = runtime.block_on(run(cli, &mut out));
    let code = match result {
        Ok(code) => code,
        Err(err) => {
            if output::is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            let code = classify(&err);
            out.error(&err, code as i32);
            code
        }
    };
    ExitCode::from(code as u8)
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

/// Usage errors (bad names, values, files, locations) exit 2; everything else 1.
fn classify(err: &anyhow::Error) -> Exit {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<shelf::Error>() {
            return if e.is_usage() {
                Exit::Usage
            } else {
                Exit::Failure
            };
        }
        if cause.downcast_ref::<shelf_format::FormatError>().is_some()
            || cause.downcast_ref::<args::ArgError>().is_some()
        {
            return Exit::Usage;
        }
    }
    Exit::Failure
}

fn reporter(cli: &args::Global) -> Box<dyn Reporter> {
    if cli.json || cli.quiet || cli.no_progress || !std::io::stderr().is_terminal() {
        Box::new(Silent)
    } else {
        Box::new(progress::Bars::new())
    }
}

fn open(cli: &args::Global) -> Result<Registry> {
    let location = cli.location();
    Ok(Registry::open(&location)?)
}

async fn run(cli: Cli, out: &mut Out) -> Result<Exit> {
    let reporter = reporter(&cli.global);
    match cli.command {
        Command::Init(args) => {
            let location = cli.global.location();
            let parsed = shelf::Location::parse(&location)?;
            let registry = Registry::new(parsed.open(true)?, parsed.display());
            let name = args.name.unwrap_or_else(|| default_name(&parsed));
            let outcome = registry
                .init(&InitOptions {
                    name,
                    actor: args::default_author(None),
                    single_writer: args.single_writer,
                })
                .await
                .map_err(anyhow::Error::from)
                .map_err(|e| {
                    if matches!(e.downcast_ref(), Some(shelf::Error::UnsafeStore { .. })) {
                        e.context("refusing to create a registry that concurrent writers could corrupt (hint: pass --single-writer if only one writer will ever push)")
                    } else {
                        e
                    }
                })?;
            // The page is part of the registry: publish it with a new registry. A second
            // init changes nothing (`shelf site deploy` updates the page).
            let site = if outcome.created && !shelf::site::files().is_empty() {
                Some(registry.deploy_site().await?)
            } else {
                None
            };
            out.init(registry.location(), &outcome, site.as_ref())?;
        }
        Command::Push(args) => {
            let registry = open(&cli.global)?;
            let request = push_request(*args)?;
            let outcome = registry.push(&request, reporter.as_ref()).await?;
            out.push(&outcome)?;
        }
        Command::Dataset(args::DatasetCommand::Push(args)) => {
            let registry = open(&cli.global)?;
            let mut request = PushRequest::new(
                args.name.parse()?,
                args.paths,
                args::default_author(args.author),
            );
            request.subject = shelf_format::Subject::Dataset;
            request.description = args.description.unwrap_or_default();
            request.metrics = parse_metrics(&args.metrics)?;
            request.labels = parse_map(&args.labels, "label", |v| Ok(v.to_string()))?;
            (request.code, request.run) = capture_code(&args.capture);
            request.follow_symlinks = args.follow_symlinks;
            let outcome = registry.push(&request, reporter.as_ref()).await?;
            out.push(&outcome)?;
        }
        Command::List => {
            let registry = open(&cli.global)?;
            let listing = registry.list().await?;
            out.list(&listing)?;
        }
        Command::Versions(args) => {
            let registry = open(&cli.global)?;
            let model = args.model.parse()?;
            let branch: Option<BranchName> = args.branch.as_deref().map(str::parse).transpose()?;
            let mut view = registry.model(&model).await?;
            if let Some(branch) = &branch {
                view.index
                    .versions
                    .retain(|v| v.branch.as_ref() == Some(branch));
            }
            out.versions(&view)?;
        }
        Command::Show(args) => {
            let registry = open(&cli.global)?;
            let reference: Reference = args.reference.parse()?;
            let at = parse_time("--at", args.at.as_deref())?;
            let (index, summary, problems) = match at {
                None => {
                    let (view, summary) = registry.resolve(&reference).await?;
                    (view.index, summary, view.problems)
                }
                Some(at) => {
                    let (index, summary) = registry.resolve_at(&reference, at).await?;
                    (index, summary, Vec::new())
                }
            };
            let manifest = registry.manifest(&reference.model, &summary).await?;
            out.show(&index, &summary, &manifest, at, &problems)?;
        }
        Command::Pull(args) => {
            let registry = open(&cli.global)?;
            let reference: Reference = args.reference.parse()?;
            let dir = args.output.unwrap_or_else(|| ".".into());
            let outcome = registry.pull(&reference, &dir, reporter.as_ref()).await?;
            out.pull(&outcome)?;
        }
        Command::Compare(args) => {
            let registry = open(&cli.global)?;
            let mut manifests = Vec::with_capacity(args.references.len());
            for raw in &args.references {
                let reference: Reference = raw.parse()?;
                let (_, summary) = registry.resolve(&reference).await?;
                manifests.push(registry.manifest(&reference.model, &summary).await?);
            }
            let comparison = shelf_format::diff::compare(&manifests);
            let arch = compare::architecture(&manifests);
            out.compare(&comparison, &arch)?;
        }
        Command::Reproduce(args) => {
            let registry = open(&cli.global)?;
            let reference: Reference = args.reference.parse()?;
            let dir = match args.output {
                Some(dir) => dir,
                None => {
                    let (_, summary) = registry.resolve(&reference).await?;
                    format!(
                        "reproduce-{}-{}",
                        reference.model.as_str().replace('/', "-"),
                        summary.version
                    )
                    .into()
                }
            };
            let outcome = registry.reproduce(&reference, &dir).await?;
            out.reproduce(&outcome)?;
        }
        Command::Verify => {
            let registry = open(&cli.global)?;
            let report = registry.verify(reporter.as_ref()).await?;
            out.verify(&report)?;
            if !report.is_clean() {
                return Ok(Exit::Failure);
            }
        }
        Command::Alias(args::AliasCommand::Set(args)) => {
            let registry = open(&cli.global)?;
            let reference: Reference = args.reference.parse()?;
            let alias: AliasName = args.alias.parse()?;
            let expect = match args.expect_current.as_deref() {
                None => None,
                Some("none") => Some(None),
                Some(n) => Some(Some(n.trim_start_matches('v').parse::<u64>().map_err(
                    |_| {
                        args::ArgError(format!(
                            "--expect-current {n:?} is not a version number or `none`"
                        ))
                    },
                )?)),
            };
            let outcome = registry
                .append_version_event(&reference, &actor(), Some(args.reason), |index, version| {
                    let current = index.alias_version(&alias);
                    if let Some(expected) = expect {
                        if current != expected {
                            let show =
                                |v: Option<u64>| v.map_or("unset".to_string(), |v| format!("v{v}"));
                            return Err(shelf::Error::Moved {
                                what: format!("alias {alias} of {}", reference.model),
                                expected: show(expected),
                                found: show(current),
                            });
                        }
                    }
                    Ok(Event::AliasSet {
                        alias: alias.clone(),
                        version,
                        rollback: false,
                    })
                })
                .await?;
            out.event(&outcome)?;
        }
        Command::Alias(args::AliasCommand::Rm(args)) => {
            let registry = open(&cli.global)?;
            let model: ModelName = args.model.parse()?;
            let alias: AliasName = args.alias.parse()?;
            let outcome = registry
                .append_event(&model, &actor(), args.reason, |_| {
                    Ok(Event::AliasUnset {
                        alias: alias.clone(),
                    })
                })
                .await?;
            out.event(&outcome)?;
        }
        Command::Rollback(args) => {
            let registry = open(&cli.global)?;
            let model: ModelName = args.model.parse()?;
            let alias: AliasName = args.alias.parse()?;
            let outcome = registry
                .append_event(&model, &actor(), Some(args.reason), |index| {
                    let (_, to) = index
                        .rollback_target(&alias)
                        .map_err(|r| shelf::Error::Usage(r.to_string()))?;
                    Ok(Event::AliasSet {
                        alias: alias.clone(),
                        version: to,
                        rollback: true,
                    })
                })
                .await?;
            out.event(&outcome)?;
        }
        Command::Status(args) => {
            let registry = open(&cli.global)?;
            let reference: Reference = args.reference.parse()?;
            let status: Status = args.status.parse()?;
            let outcome = registry
                .append_version_event(&reference, &actor(), Some(args.reason), |_, version| {
                    Ok(Event::Status { version, status })
                })
                .await?;
            out.event(&outcome)?;
        }
        Command::Tag(args) => {
            let registry = open(&cli.global)?;
            let reference: Reference = args.reference.parse()?;
            let tags = parse_map(&args.tags, "tag", |v| Ok(v.to_string()))?;
            // Each tag is one event: check them all before the first is written.
            for (key, value) in &tags {
                shelf::texts::lifecycle(
                    &actor(),
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
                let outcome = registry
                    .append_version_event(
                        &reference,
                        &actor(),
                        args.reason.clone(),
                        |_, version| {
                            Ok(Event::Tag {
                                version,
                                key: key.clone(),
                                value: value.clone(),
                            })
                        },
                    )
                    .await?;
                outcomes.push(outcome);
            }
            out.events(&outcomes)?;
        }
        Command::Untag(args) => {
            let registry = open(&cli.global)?;
            let reference: Reference = args.reference.parse()?;
            let key = Key::new(args.key)?;
            let outcome = registry
                .append_version_event(&reference, &actor(), args.reason, |_, version| {
                    Ok(Event::Untag {
                        version,
                        key: key.clone(),
                    })
                })
                .await?;
            out.event(&outcome)?;
        }
        Command::Eval(args) => {
            let registry = open(&cli.global)?;
            let reference: Reference = args.reference.parse()?;
            let metrics = parse_metrics(&args.metrics)?;
            let now = shelf_format::Timestamp::from_datetime(chrono::Utc::now());
            let measured_at = parse_time("--at", args.at.as_deref())?.unwrap_or(now);
            if measured_at.millis() > now.millis() + MAX_CLOCK_SKEW_MS {
                return Err(args::ArgError(format!(
                    "--at {measured_at} is in the future (now is {now}): an evaluation records metrics already measured"
                ))
                .into());
            }
            let outcome = registry
                .append_version_event(&reference, &actor(), args.reason, |_, version| {
                    Ok(Event::Evaluation {
                        version,
                        metrics: metrics.clone(),
                        dataset: args.dataset.clone(),
                        measured_at,
                    })
                })
                .await?;
            out.event(&outcome)?;
        }
        Command::Deploy(args) => {
            let registry = open(&cli.global)?;
            let reference: Reference = args.reference.parse()?;
            let target: TargetName = args.target.parse()?;
            let traffic = args.traffic;
            if !(traffic > 0.0 && traffic <= shelf_format::lifecycle::MAX_TRAFFIC) {
                return Err(args::ArgError(format!(
                    "--traffic {traffic} is out of range: traffic is a percentage above 0 and at most 100"
                ))
                .into());
            }
            let outcome = registry
                .append_version_event(&reference, &actor(), Some(args.reason), |_, version| {
                    Ok(Event::Deployment {
                        version,
                        target: target.clone(),
                        traffic,
                    })
                })
                .await?;
            out.event(&outcome)?;
        }
        Command::Undeploy(args) => {
            let registry = open(&cli.global)?;
            let reference: Reference = args.reference.parse()?;
            let target: TargetName = args.target.parse()?;
            let outcome = registry
                .append_version_event(&reference, &actor(), Some(args.reason), |_, version| {
                    Ok(Event::Undeployment {
                        version,
                        target: target.clone(),
                    })
                })
                .await?;
            out.event(&outcome)?;
        }
        Command::Deployments(args) => {
            let registry = open(&cli.global)?;
            let model: Option<ModelName> = args.model.as_deref().map(str::parse).transpose()?;
            let at = parse_time("--at", args.at.as_deref())?;
            let deployments = registry.deployments(model.as_ref(), at).await?;
            out.deployments(&deployments)?;
        }
        Command::Log(args) => {
            let registry = open(&cli.global)?;
            let filter = shelf::LogFilter {
                model: args.model.as_deref().map(str::parse).transpose()?,
                since: parse_time("--since", args.since.as_deref())?,
                actor: args.actor,
                action: args.action,
            };
            let log = registry.audit_log(&filter).await?;
            out.log(&log)?;
        }
        Command::Serve(args) => {
            let registry = open(&cli.global)?;
            registry.descriptor().await?;
            let server = shelf::serve::Server::bind(registry, args.addr).await?;
            let addr = server.local_addr()?;
            out.serving(&format!("http://{addr}/"))?;
            server
                .run(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await?;
        }
        Command::Site(args::SiteCommand::Deploy) => {
            let registry = open(&cli.global)?;
            let outcome = registry.deploy_site().await?;
            out.site(registry.location(), &outcome)?;
        }
        Command::Reindex => {
            let registry = open(&cli.global)?;
            let report = registry.reindex().await?;
            out.reindex(&report)?;
        }
    }
    Ok(Exit::Ok)
}

/// The request of `shelf push`: flags, files, and what is captured from this machine.
fn push_request(args: args::PushArgs) -> Result<PushRequest> {
    let mut request = PushRequest::new(
        args.model.parse()?,
        args.paths,
        args::default_author(args.author),
    );
    request.description = args.description.unwrap_or_default();
    request.labels = parse_map(&args.labels, "label", |v| Ok(v.to_string()))?;
    request.parent = args.parent.as_deref().map(str::parse).transpose()?;
    request.branch = args.branch.as_deref().map(str::parse).transpose()?;
    // Files first, then flags: a key given in both (or in two files) is an error.
    let mut metrics = Vec::new();
    for spec in &args.metrics_files {
        let (found, notes) = shelf::capture::values::metrics_file(spec)?;
        for note in notes {
            eprintln!("note: {note}");
        }
        metrics.extend(found.into_iter().map(|(k, v)| (k, v, spec.clone())));
    }
    metrics.extend(
        parse_metrics(&args.metrics)?
            .into_iter()
            .map(|(k, v)| (k, v, "--metric".to_string())),
    );
    request.metrics = merge_unique("metric", metrics)?;
    let mut params = Vec::new();
    for file in &args.params_files {
        let found = shelf::capture::values::params_file(file)?;
        params.extend(
            found
                .into_iter()
                .map(|(k, v)| (k, v, file.display().to_string())),
        );
    }
    params.extend(
        parse_map(&args.params, "param", |v| {
            Ok(ParamValue::String(v.to_string()))
        })?
        .into_iter()
        .map(|(k, v)| (k, v, "--param".to_string())),
    );
    request.params = merge_unique("param", params)?;
    request.datasets = args
        .datasets
        .iter()
        .map(|d| d.parse())
        .collect::<shelf::Result<_>>()?;
    if !args.no_env {
        let (environment, notes) =
            shelf::capture::environment::capture(&shelf::capture::environment::EnvOptions {
                python: args.python,
                packages_from_lock: args.env_lock.is_some(),
                container_image: args.image,
            })?;
        for note in notes {
            eprintln!("note: {note}");
        }
        request.environment = Some(environment);
    } else if args.image.is_some() || args.env_lock.is_some() {
        return Err(args::ArgError(
            "--no-env skips the environment: drop --image and --env-lock, or --no-env".into(),
        )
        .into());
    }
    request.env_lock = args.env_lock;
    request.follow_symlinks = args.follow_symlinks;
    let (code, run) = capture_code(&args.capture);
    request.code = code;
    let mut run = run.unwrap_or_default();
    run.url = args.run_url;
    run.experiment = args.experiment;
    request.run = (run != shelf_format::Run::default()).then_some(run);
    Ok(request)
}

/// The git state (unless `--no-code`) and the command, from the capture flags.
fn capture_code(
    args: &args::CaptureArgs,
) -> (Option<shelf_format::Code>, Option<shelf_format::Run>) {
    let code = if args.no_code {
        None
    } else {
        let dir = args.code_dir.clone().unwrap_or_else(|| ".".into());
        shelf::capture::code::capture(&dir)
    };
    let run = args.command.as_ref().map(|command| shelf_format::Run {
        command: Some(command.clone()),
        ..Default::default()
    });
    (code, run)
}

/// Merge values from several sources; the same key from two sources is an error naming both.
fn merge_unique<T>(what: &str, items: Vec<(Key, T, String)>) -> Result<BTreeMap<Key, T>> {
    let mut out = BTreeMap::new();
    let mut from: BTreeMap<Key, String> = BTreeMap::new();
    for (key, value, source) in items {
        if let Some(first) = from.get(&key) {
            return Err(args::ArgError(format!(
                "{what} {key:?} is given twice (in {first} and in {source})"
            ))
            .into());
        }
        from.insert(key.clone(), source);
        out.insert(key, value);
    }
    Ok(out)
}

/// How far in the future an evaluation's `--at` may be, for clocks that disagree a little.
const MAX_CLOCK_SKEW_MS: i64 = 60_000;

/// Parse an optional RFC 3339 time given with `flag`; the error names the flag and value.
fn parse_time(flag: &str, raw: Option<&str>) -> Result<Option<shelf_format::Timestamp>> {
    raw.map(|raw| {
        raw.parse::<shelf_format::Timestamp>()
            .map_err(|e| anyhow::Error::from(e).context(format!("{flag} {raw:?}")))
    })
    .transpose()
}

/// Who records a lifecycle event: $SHELF_AUTHOR, git's user.name, the OS user.
fn actor() -> String {
    args::default_author(None)
}

fn default_name(location: &shelf::Location) -> String {
    match location {
        shelf::Location::S3 { bucket, prefix }
        | shelf::Location::Gcs { bucket, prefix }
        | shelf::Location::Azure {
            container: bucket,
            prefix,
            ..
        } => prefix
            .rsplit('/')
            .find(|p| !p.is_empty())
            .unwrap_or(bucket)
            .to_string(),
        shelf::Location::Local { path } => std::path::absolute(path)
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "shelf".into()),
        shelf::Location::Memory => "memory".into(),
    }
}

fn split_assignment<'a>(what: &str, raw: &'a str) -> Result<(Key, &'a str)> {
    let (key, value) = raw
        .split_once('=')
        .ok_or_else(|| args::ArgError(format!("{what} {raw:?} is not of the form key=value")))?;
    Ok((Key::new(key)?, value))
}

fn parse_map<T>(
    raw: &[String],
    what: &str,
    value: impl Fn(&str) -> Result<T>,
) -> Result<BTreeMap<Key, T>> {
    let mut out = BTreeMap::new();
    for item in raw {
        let (key, v) = split_assignment(what, item)?;
        if out.contains_key(&key) {
            return Err(args::ArgError(format!("{what} {key:?} is given twice")).into());
        }
        out.insert(key, value(v)?);
    }
    Ok(out)
}

fn parse_metrics(raw: &[String]) -> Result<BTreeMap<Key, f64>> {
    parse_map(raw, "metric", |v| {
        let x: f64 = v
            .trim()
            .parse()
            .map_err(|_| args::ArgError(format!("metric value {v:?} is not a number")))?;
        if !x.is_finite() {
            return Err(args::ArgError(format!(
                "metric value {v:?} is not a finite number (NaN and infinities are refused)"
            ))
            .into());
        }
        Ok(x)
    })
}
