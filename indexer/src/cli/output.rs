//! What `shelf` prints: results on stdout (text, or exactly one JSON document with
//! `--json`), warnings and errors on stderr.
//!
//! The JSON documents are specified in the README ("JSON output").

use std::io::Write as _;

use serde::Serialize;
use serde_json::json;
use shelf::pull::PullOutcome;
use shelf::site::SiteOutcome;
use shelf::{InitOutcome, Listing, ModelView, Problem, PushOutcome, ReindexReport, VerifyReport};
use shelf_format::lifecycle::percent;
use shelf_format::units::human_size;
use shelf_format::{ModelIndex, TargetName, Timestamp, VersionManifest, VersionSummary};

pub struct Out {
    json: bool,
}

/// True when the error is a closed stdout (e.g. `shelf list | head`): exit quietly.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn short_id(d: &shelf_format::Digest) -> String {
    format!("sha256:{}", &d.hex()[..12])
}

fn metrics_text(v: &VersionSummary) -> String {
    v.metrics
        .iter()
        .map(|(k, x)| format!("{k}={x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Warn about derived files an event could not refresh.
fn warn_derived(o: &shelf::EventOutcome) {
    for w in &o.warnings {
        eprintln!("warning: {w} (the event is recorded; `shelf reindex` repairs derived files)");
    }
}

/// The targets `version` runs on, with its share of each.
fn deployments_of(index: &ModelIndex, version: u64) -> Vec<(&TargetName, f64)> {
    index
        .deployments
        .iter()
        .filter_map(|(target, shares)| shares.get(&version).map(|t| (target, *t)))
        .collect()
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

impl Out {
    pub fn new(json: bool) -> Self {
        Out { json }
    }

    fn doc(&self, value: &impl Serialize) -> anyhow::Result<()> {
        let mut stdout = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut stdout, value)?;
        writeln!(stdout)?;
        Ok(())
    }

    fn line(&self, text: impl AsRef<str>) -> anyhow::Result<()> {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{}", text.as_ref())?;
        Ok(())
    }

    fn warn(&self, problems: &[Problem]) {
        for p in problems {
            eprintln!("warning: {p}");
        }
    }

    pub fn error(&mut self, err: &anyhow::Error, code: i32) {
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
        eprintln!("error: {message}");
        for cause in &causes {
            eprintln!("  Caused by: {cause}");
        }
        if self.json {
            let _ = self.doc(&json!({
                "error": { "message": message, "causes": causes, "exit_code": code }
            }));
        }
    }

    pub fn init(
        &self,
        location: &str,
        outcome: &InitOutcome,
        site: Option<&SiteOutcome>,
    ) -> anyhow::Result<()> {
        if self.json {
            return self.doc(&json!({
                "registry": location,
                "created": outcome.created,
                "descriptor": outcome.descriptor,
                "site": site,
            }));
        }
        match site {
            Some(site) => eprintln!(
                "web app published: {} files ({}); open {location}/index.html, or run `shelf serve`",
                site.files.len(),
                human_size(site.bytes)
            ),
            None if outcome.created => {
                eprintln!("note: this shelf was built without the web app; no page published")
            }
            None => {}
        }
        if outcome.created {
            self.line(format!(
                "created registry {:?} at {location} (conditional writes: {})",
                outcome.descriptor.name,
                serde_json::to_value(outcome.descriptor.conditional_writes)?
                    .as_str()
                    .unwrap_or_default()
            ))
        } else {
            self.line(format!(
                "registry {:?} already exists at {location} (created {} by {}); nothing changed",
                outcome.descriptor.name,
                outcome.descriptor.created_at,
                outcome.descriptor.created_by
            ))
        }
    }

    pub fn push(&self, o: &PushOutcome) -> anyhow::Result<()> {
        for note in &o.notes {
            eprintln!("note: {note}");
        }
        if !o.redacted.is_empty() {
            eprintln!(
                "note: redacted what looked like credentials in {}",
                o.redacted.join(", ")
            );
        }
        for w in &o.warnings {
            eprintln!(
                "warning: {w} (the version is committed; `shelf reindex` repairs derived files)"
            );
        }
        if self.json {
            let mut v = serde_json::to_value(o)?;
            v["ref"] = json!(format!("{}@{}", o.model, o.version));
            return self.doc(&v);
        }
        let unchanged = o.artifacts.iter().filter(|a| !a.uploaded).count();
        eprintln!(
            "{} artifact{}, {} uploaded{}",
            o.artifacts.len(),
            if o.artifacts.len() == 1 { "" } else { "s" },
            human_size(o.bytes_uploaded),
            if unchanged > 0 {
                format!(", {unchanged} already stored")
            } else {
                String::new()
            }
        );
        self.line(format!("{}@{} {}", o.model, o.version, o.content_id))
    }

    pub fn list(&self, listing: &Listing) -> anyhow::Result<()> {
        self.warn(&listing.problems);
        if self.json {
            return self.doc(listing);
        }
        if listing.models.is_empty() {
            eprintln!("no models yet: push one with `shelf push MODEL FILE...`");
            return Ok(());
        }
        let width = listing
            .models
            .iter()
            .map(|m| m.model.as_str().len())
            .max()
            .unwrap_or(5)
            .max(5);
        self.line(format!(
            "{:width$}  {:>6}  {:>8}  {:24}  {}",
            "MODEL", "LATEST", "VERSIONS", "UPDATED", "BY"
        ))?;
        for m in &listing.models {
            let latest = m.latest.as_ref();
            self.line(format!(
                "{:width$}  {:>6}  {:>8}  {:24}  {}",
                m.model.as_str(),
                latest.map_or("-".into(), |v| v.version.to_string()),
                m.versions,
                m.updated_at.map_or("-".into(), |t| t.to_string()),
                latest.map_or("-", |v| v.created_by.as_str()),
            ))?;
        }
        Ok(())
    }

    pub fn versions(&self, view: &ModelView) -> anyhow::Result<()> {
        self.warn(&view.problems);
        let index = &view.index;
        if self.json {
            return self.doc(&json!({
                "model": index.model,
                "versions": index.versions,
                "aliases": index.aliases,
                "problems": view.problems,
            }));
        }
        self.line(format!(
            "{:>7}  {:12}  {:24}  {:16}  {:>9}  {:21}  {}",
            "VERSION", "STATUS", "CREATED", "BY", "SIZE", "CONTENT ID", "METRICS / DESCRIPTION"
        ))?;
        for v in &index.versions {
            let mut tail: Vec<String> = index
                .aliases_of(v.version)
                .iter()
                .map(|a| format!("[{a}]"))
                .collect();
            if let Some(branch) = &v.branch {
                tail.push(format!("branch={branch}"));
            }
            if let Some(parent) = &v.parent {
                tail.push(format!("parent={parent}"));
            }
            let metrics = metrics_text(v);
            if !metrics.is_empty() {
                tail.push(metrics);
            }
            let description = first_line(&v.description);
            if !description.is_empty() {
                tail.push(description.to_string());
            }
            self.line(format!(
                "{:>7}  {:12}  {:24}  {:16}  {:>9}  {:21}  {}",
                v.version,
                v.effective_status().as_str(),
                v.created_at.to_string(),
                v.created_by,
                human_size(v.size),
                short_id(&v.content_id),
                tail.join("  ")
            ))?;
        }
        Ok(())
    }

    pub fn show(
        &self,
        index: &ModelIndex,
        summary: &VersionSummary,
        manifest: &VersionManifest,
        at: Option<Timestamp>,
        problems: &[Problem],
    ) -> anyhow::Result<()> {
        self.warn(problems);
        let aliases = index.aliases_of(summary.version);
        if self.json {
            return self.doc(&json!({
                "ref": format!("{}@{}", manifest.model, manifest.version),
                "as_of": at,
                "content_id": summary.content_id,
                "seq": summary.seq,
                "status": summary.effective_status(),
                "aliases": aliases,
                "tags": summary.tags,
                "evaluations": summary.evaluations,
                "deployments": deployments_of(index, summary.version),
                "manifest": manifest,
            }));
        }
        let mut lines = vec![format!("{}@{}", manifest.model, manifest.version)];
        if let Some(at) = at {
            lines.push(format!("as of:       {at}"));
        }
        lines.extend([
            format!("content id:  {}", summary.content_id),
            format!(
                "created:     {} by {}",
                manifest.created_at, manifest.created_by
            ),
            format!("status:      {}", summary.effective_status()),
        ]);
        if !aliases.is_empty() {
            let names: Vec<&str> = aliases.iter().map(|a| a.as_str()).collect();
            lines.push(format!("aliases:     {}", names.join(", ")));
        }
        if let Some(parent) = &manifest.parent {
            lines.push(format!("parent:      {parent} ({})", parent.content_id));
        }
        if let Some(branch) = &manifest.branch {
            lines.push(format!("branch:      {branch}"));
        }
        if !manifest.description.is_empty() {
            lines.push("description:".into());
            lines.extend(manifest.description.lines().map(|l| format!("  {l}")));
        }
        let pairs = |map: &mut dyn Iterator<Item = (String, String)>| -> Vec<String> {
            map.map(|(k, v)| format!("{k} = {v}")).collect()
        };
        for (title, items) in [
            (
                "metrics",
                pairs(
                    &mut manifest
                        .metrics
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string())),
                ),
            ),
            (
                "params",
                pairs(
                    &mut manifest
                        .params
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string())),
                ),
            ),
            (
                "labels",
                pairs(
                    &mut manifest
                        .labels
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.clone())),
                ),
            ),
            (
                "tags",
                pairs(&mut summary.tags.iter().map(|(k, v)| (k.to_string(), v.clone()))),
            ),
            (
                "evaluations",
                summary
                    .evaluations
                    .iter()
                    .map(|e| {
                        let on = e
                            .dataset
                            .as_ref()
                            .map_or(String::new(), |d| format!(" on {d}"));
                        let metrics: Vec<String> =
                            e.metrics.iter().map(|(k, v)| format!("{k}={v}")).collect();
                        format!(
                            "{}{on} by {}: {}",
                            e.measured_at,
                            e.actor,
                            metrics.join(" ")
                        )
                    })
                    .collect(),
            ),
            (
                "deployments",
                deployments_of(index, summary.version)
                    .iter()
                    .map(|(target, traffic)| format!("{target} {}%", percent(*traffic)))
                    .collect(),
            ),
            (
                "artifacts",
                manifest
                    .artifacts
                    .iter()
                    .map(|a| format!("{}  {}  {}", a.path, human_size(a.size), a.digest))
                    .collect(),
            ),
        ] {
            if !items.is_empty() {
                lines.push(format!("{title}:"));
                lines.extend(items.into_iter().map(|i| format!("  {i}")));
            }
        }
        self.line(lines.join("\n"))
    }

    pub fn pull(&self, o: &PullOutcome) -> anyhow::Result<()> {
        if self.json {
            return self.doc(o);
        }
        for f in &o.files {
            self.line(format!(
                "{}  {}  {}",
                if f.downloaded {
                    "downloaded"
                } else {
                    "unchanged "
                },
                human_size(f.size),
                o.directory.join(f.path.as_str()).display()
            ))?;
        }
        eprintln!(
            "{}@{} ({}): {} file{} verified",
            o.model,
            o.version,
            short_id(&o.content_id),
            o.files.len(),
            if o.files.len() == 1 { "" } else { "s" }
        );
        Ok(())
    }

    pub fn compare(
        &self,
        c: &shelf_format::diff::Comparison,
        arch: &[(String, String, shelf_format::inspect::ArchitectureDiff)],
    ) -> anyhow::Result<()> {
        if self.json {
            return self.doc(&super::compare::to_json(c, arch));
        }
        self.line(super::compare::to_text(c, arch))
    }

    pub fn reproduce(&self, o: &shelf::reproduce::ReproduceOutcome) -> anyhow::Result<()> {
        if self.json {
            return self.doc(o);
        }
        for gap in &o.gaps {
            eprintln!("missing: {gap}");
        }
        for f in &o.files {
            self.line(o.directory.join(f).display().to_string())?;
        }
        eprintln!(
            "{}@{}: reproduction kit written; start with {}",
            o.model,
            o.version,
            o.directory.join("REPRODUCE.md").display()
        );
        Ok(())
    }

    pub fn verify(&self, r: &VerifyReport) -> anyhow::Result<()> {
        if self.json {
            let mut v = serde_json::to_value(r)?;
            v["clean"] = json!(r.is_clean());
            return self.doc(&v);
        }
        for w in &r.warnings {
            eprintln!("warning: {w}");
        }
        for p in &r.problems {
            self.line(format!("problem: {p}"))?;
        }
        self.line(format!(
            "{}: {} models, {} log entries, {} versions, {} blobs ({}) checked; {} problem{}, {} warning{}",
            if r.is_clean() { "ok" } else { "FAILED" },
            r.models,
            r.log_entries,
            r.versions,
            r.blobs,
            human_size(r.bytes_hashed),
            r.problems.len(),
            if r.problems.len() == 1 { "" } else { "s" },
            r.warnings.len(),
            if r.warnings.len() == 1 { "" } else { "s" },
        ))
    }

    pub fn site(&self, location: &str, site: &SiteOutcome) -> anyhow::Result<()> {
        if self.json {
            return self.doc(&json!({ "registry": location, "site": site }));
        }
        self.line(format!(
            "published the web app at {location}: {} files ({})",
            site.files.len(),
            human_size(site.bytes)
        ))
    }

    /// The first line `shelf serve` prints, with the URL to open.
    pub fn serving(&self, url: &str) -> anyhow::Result<()> {
        if self.json {
            let mut stdout = std::io::stdout().lock();
            serde_json::to_writer(&mut stdout, &json!({ "url": url }))?;
            writeln!(stdout)?;
            stdout.flush()?;
            return Ok(());
        }
        self.line(url)?;
        std::io::stdout().flush()?;
        eprintln!("serving read-only; Ctrl-C stops");
        Ok(())
    }

    /// Several events recorded by one command (one per tag).
    pub fn events(&self, outcomes: &[shelf::EventOutcome]) -> anyhow::Result<()> {
        if self.json {
            for o in outcomes {
                warn_derived(o);
            }
            return self.doc(&json!({ "events": outcomes }));
        }
        for o in outcomes {
            self.event(o)?;
        }
        Ok(())
    }

    pub fn deployments(&self, d: &shelf::Deployments) -> anyhow::Result<()> {
        self.warn(&d.problems);
        if self.json {
            return self.doc(d);
        }
        let as_of = d.at.map_or(String::new(), |at| format!(" as of {at}"));
        if d.deployments.is_empty() {
            match d.at {
                Some(_) => eprintln!("nothing was deployed{as_of}"),
                None => eprintln!("nothing is deployed"),
            }
            return Ok(());
        }
        if !as_of.is_empty() {
            eprintln!("deployments{as_of}:");
        }
        let width = |f: &dyn Fn(&shelf::DeploymentRow) -> usize, min: usize| {
            d.deployments.iter().map(f).max().unwrap_or(min).max(min)
        };
        let tw = width(&|r| r.target.as_str().len(), 6);
        let mw = width(&|r| r.model.as_str().len(), 5);
        self.line(format!(
            "{:tw$}  {:mw$}  {:>7}  {:>8}",
            "TARGET", "MODEL", "VERSION", "TRAFFIC"
        ))?;
        for r in &d.deployments {
            self.line(format!(
                "{:tw$}  {:mw$}  {:>7}  {:>8}",
                r.target.as_str(),
                r.model.as_str(),
                r.version,
                format!("{}%", percent(r.traffic))
            ))?;
        }
        Ok(())
    }

    pub fn log(&self, log: &shelf::AuditLog) -> anyhow::Result<()> {
        self.warn(&log.problems);
        if self.json {
            return self.doc(log);
        }
        if log.events.is_empty() {
            eprintln!("no matching entries");
            return Ok(());
        }
        for line in &log.events {
            let e = &line.event;
            let mut text = format!(
                "{}  {}#{}  {}  {}",
                e.time, line.model, e.seq, e.actor, e.summary
            );
            if let Some(reason) = &e.reason {
                text.push_str(&format!("  — {}", first_line(reason)));
            }
            if let Some(problem) = &e.problem {
                text.push_str(&format!("  [NOT APPLIED: {problem}]"));
            }
            self.line(text)?;
        }
        Ok(())
    }

    pub fn event(&self, o: &shelf::EventOutcome) -> anyhow::Result<()> {
        warn_derived(o);
        if self.json {
            return self.doc(o);
        }
        self.line(format!("{}: {}", o.model, o.summary))
    }

    pub fn reindex(&self, r: &ReindexReport) -> anyhow::Result<()> {
        self.warn(&r.problems);
        if self.json {
            return self.doc(r);
        }
        for m in &r.models {
            self.line(format!("{}: {} versions", m.model, m.versions))?;
        }
        self.line(format!(
            "reindexed {} model{}; catalog generation {}",
            r.models.len(),
            if r.models.len() == 1 { "" } else { "s" },
            r.catalog_generation
                .map_or("unchanged".to_string(), |g| g.to_string())
        ))
    }
}
