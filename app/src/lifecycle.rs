//! What the pages show about a model's lifecycle, computed from its state: the timeline,
//! what runs where, lineage, branches. Pure, tested natively. (Which version a reference
//! selects and how time travel reads the log are the format's read protocol.)

use std::collections::BTreeMap;

use shelf_format::{EventSummary, ModelName, TargetName, VersionSummary};

/// The audit trail, newest first (by log position: entry times come from the writers'
/// clocks, which may disagree, while the log's order is its `seq`).
pub fn newest_first(events: &[EventSummary]) -> Vec<&EventSummary> {
    let mut events: Vec<&EventSummary> = events.iter().collect();
    events.sort_by_key(|e| std::cmp::Reverse(e.seq));
    events
}

/// One target of the deployments view: its versions, largest share first, and the sum.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetRow {
    pub target: TargetName,
    /// (version, percent of the target's traffic).
    pub shares: Vec<(u64, f64)>,
    pub total: f64,
}

/// The deployments view: one row per target (in name order).
pub fn deployment_rows(deployments: &BTreeMap<TargetName, BTreeMap<u64, f64>>) -> Vec<TargetRow> {
    deployments
        .iter()
        .map(|(target, shares)| {
            let mut shares: Vec<(u64, f64)> = shares.iter().map(|(v, s)| (*v, *s)).collect();
            shares.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            TargetRow {
                target: target.clone(),
                total: shares.iter().map(|(_, s)| s).sum(),
                shares,
            }
        })
        .collect()
}

/// The targets `version` runs on, with its share of each.
pub fn deployed_to(
    deployments: &BTreeMap<TargetName, BTreeMap<u64, f64>>,
    version: u64,
) -> Vec<(TargetName, f64)> {
    deployments
        .iter()
        .filter_map(|(target, shares)| shares.get(&version).map(|s| (target.clone(), *s)))
        .collect()
}

/// The versions of `model` (in `versions`) whose parent is `model@version`.
pub fn children(versions: &[VersionSummary], model: &ModelName, version: u64) -> Vec<u64> {
    versions
        .iter()
        .filter(|v| {
            v.parent
                .as_ref()
                .is_some_and(|p| &p.model == model && p.version == version)
        })
        .map(|v| v.version)
        .collect()
}

/// Which versions the versions table shows, by branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BranchFilter {
    All,
    /// Versions pushed without a branch.
    NoBranch,
    Named(String),
}

impl BranchFilter {
    /// The value of the branch `<select>`: `*` all, `-` none (neither is a branch name:
    /// a branch starts with a letter or a digit), else the branch.
    pub fn parse(value: &str) -> BranchFilter {
        match value {
            "*" | "" => BranchFilter::All,
            "-" => BranchFilter::NoBranch,
            name => BranchFilter::Named(name.to_string()),
        }
    }

    pub fn keeps(&self, v: &VersionSummary) -> bool {
        match self {
            BranchFilter::All => true,
            BranchFilter::NoBranch => v.branch.is_none(),
            BranchFilter::Named(name) => v.branch.as_ref().is_some_and(|b| b.as_str() == name),
        }
    }
}

/// The branches of a model's versions, sorted, each once.
pub fn branches(versions: &[VersionSummary]) -> Vec<String> {
    let mut names: Vec<String> = versions
        .iter()
        .filter_map(|v| v.branch.as_ref().map(|b| b.to_string()))
        .collect();
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use shelf_format::{Digest, Parent};

    fn event(seq: u64, time: &str) -> EventSummary {
        EventSummary {
            seq,
            time: time.parse().unwrap(),
            actor: "ci".into(),
            event_type: "register".into(),
            version: Some(seq),
            summary: format!("registered v{seq}"),
            reason: None,
            problem: None,
        }
    }

    fn version(n: u64, branch: Option<&str>, parent: Option<(&str, u64)>) -> VersionSummary {
        VersionSummary {
            version: n,
            content_id: Digest::of(&n.to_le_bytes()),
            seq: n,
            created_at: "2026-11-01T00:00:00Z".parse().unwrap(),
            created_by: "ci".into(),
            description: String::new(),
            metrics: BTreeMap::new(),
            labels: BTreeMap::new(),
            artifacts: 0,
            size: 0,
            status: None,
            tags: BTreeMap::new(),
            evaluations: vec![],
            parent: parent.map(|(m, v)| Parent {
                model: ModelName::new(m).unwrap(),
                version: v,
                content_id: Digest::of(b"x"),
            }),
            branch: branch.map(|b| b.parse().unwrap()),
            subject: Default::default(),
            datasets: Vec::new(),
            idempotency_key: None,
        }
    }

    #[test]
    fn the_timeline_goes_by_log_position_not_by_clock() {
        // Entry 3's writer had a slow clock: it still comes first, being the newest.
        let events = [
            event(1, "2026-11-01T00:00:00Z"),
            event(2, "2026-11-03T00:00:00Z"),
            event(3, "2026-11-02T00:00:00Z"),
        ];
        let seqs: Vec<u64> = newest_first(&events).iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [3, 2, 1]);
        assert!(newest_first(&[]).is_empty());
    }

    #[test]
    fn deployments_by_target_largest_share_first() {
        let target = |s: &str| TargetName::new(s).unwrap();
        let deployments = BTreeMap::from([
            (target("us-prod"), BTreeMap::from([(4, 100.0)])),
            (target("eu-prod"), BTreeMap::from([(4, 10.0), (3, 90.0)])),
            (target("canary"), BTreeMap::from([(2, 12.5), (5, 12.5)])),
        ]);
        let rows = deployment_rows(&deployments);
        let flat: Vec<String> = rows
            .iter()
            .map(|r| {
                let shares: Vec<String> =
                    r.shares.iter().map(|(v, s)| format!("v{v} {s}")).collect();
                format!("{}: {} (total {})", r.target, shares.join(", "), r.total)
            })
            .collect();
        assert_eq!(
            flat,
            [
                "canary: v2 12.5, v5 12.5 (total 25)",
                "eu-prod: v3 90, v4 10 (total 100)",
                "us-prod: v4 100 (total 100)",
            ]
        );
        let on: Vec<(String, f64)> = deployed_to(&deployments, 4)
            .into_iter()
            .map(|(t, s)| (t.to_string(), s))
            .collect();
        assert_eq!(
            on,
            [
                ("eu-prod".to_string(), 10.0),
                ("us-prod".to_string(), 100.0)
            ]
        );
        assert!(deployed_to(&deployments, 1).is_empty());
    }

    #[test]
    fn lineage_and_branches() {
        let fraud = ModelName::new("fraud").unwrap();
        let versions = [
            version(1, None, None),
            version(2, Some("main"), Some(("fraud", 1))),
            version(3, Some("exp/lr"), Some(("fraud", 1))),
            version(4, Some("main"), Some(("other", 1))),
            version(5, Some("main"), Some(("fraud", 2))),
        ];
        assert_eq!(children(&versions, &fraud, 1), [2, 3]);
        assert_eq!(children(&versions, &fraud, 2), [5]);
        assert!(children(&versions, &fraud, 5).is_empty());
        assert_eq!(branches(&versions), ["exp/lr", "main"]);
        let kept = |filter: &str| -> Vec<u64> {
            let f = BranchFilter::parse(filter);
            versions
                .iter()
                .filter(|v| f.keeps(v))
                .map(|v| v.version)
                .collect()
        };
        assert_eq!(kept("*"), [1, 2, 3, 4, 5]);
        assert_eq!(kept("-"), [1]);
        assert_eq!(kept("main"), [2, 4, 5]);
        assert_eq!(kept("exp/lr"), [3]);
        assert!(kept("nope").is_empty());
    }
}
