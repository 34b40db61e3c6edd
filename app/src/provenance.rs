//! What the provenance views compute: the packages a filter keeps, the model versions
//! that used a dataset version, and how introspected values are written. Pure, tested
//! natively. (The architecture rows of the compare view are the format crate's
//! `diff::compare`, shared with `shelf compare`.)

use std::collections::BTreeMap;

use shelf_format::diff::ValueRow;
use shelf_format::inspect::{MetadataValue, ValueInfo, shape_text};
use shelf_format::{Catalog, ModelName, VersionRef, VersionSummary};

/// Tensors (and archive entries, layers) listed before "show all".
pub const FIRST_ROWS: usize = 50;

/// The packages whose name contains `filter` (case-insensitive; all when it is blank), in
/// name order.
pub fn filter_packages<'a>(
    packages: &'a BTreeMap<String, String>,
    filter: &str,
) -> Vec<(&'a str, &'a str)> {
    let filter = filter.trim().to_lowercase();
    packages
        .iter()
        .filter(|(name, _)| filter.is_empty() || name.to_lowercase().contains(&filter))
        .map(|(name, version)| (name.as_str(), version.as_str()))
        .collect()
}

/// The rows the compare view shows: the changed ones, or all.
pub fn shown_rows(rows: &[ValueRow], all: bool) -> Vec<ValueRow> {
    rows.iter().filter(|r| all || r.changed).cloned().collect()
}

/// `name@version`, as the catalog's `uses` lists a dataset version.
/// The models whose catalog entry says they use `dataset@version`, in name order.
pub fn using_models(catalog: &Catalog, dataset: &ModelName, version: u64) -> Vec<ModelName> {
    let wanted = VersionRef::new(dataset.clone(), version);
    catalog
        .models
        .iter()
        .filter(|(name, entry)| *name != dataset && entry.uses.contains(&wanted))
        .map(|(name, _)| name.clone())
        .collect()
}

/// The versions (of one model) that link `dataset@version`, each with the roles it was
/// linked for, in version order.
pub fn linking_versions(
    versions: &[VersionSummary],
    dataset: &ModelName,
    version: u64,
) -> Vec<(u64, Vec<String>)> {
    versions
        .iter()
        .filter_map(|v| {
            let roles: Vec<String> = v
                .datasets
                .iter()
                .filter(|d| {
                    d.registered
                        .as_ref()
                        .is_some_and(|r| &r.name == dataset && r.version == version)
                })
                .map(|d| d.role.clone())
                .collect();
            (!roles.is_empty()).then_some((v.version, roles))
        })
        .collect()
}

/// A graph input or output: `float [batch, 4]`; `?` for what the file leaves unsaid.
pub fn value_text(v: &ValueInfo) -> String {
    let elem = v.elem_type.as_deref().unwrap_or("?");
    match &v.shape {
        Some(shape) => format!("{elem} {}", shape_text(shape)),
        None => format!("{elem} (rank unknown)"),
    }
}

/// A metadata value as text: strings as they are, lists in brackets.
pub fn metadata_text(v: &MetadataValue) -> String {
    match v {
        MetadataValue::Bool(b) => b.to_string(),
        MetadataValue::Int(i) => i.to_string(),
        MetadataValue::Float(x) => x.to_string(),
        MetadataValue::String(s) => s.clone(),
        MetadataValue::List(items) => {
            let items: Vec<String> = items.iter().map(metadata_text).collect();
            format!("[{}]", items.join(", "))
        }
    }
}

/// The note under a list the indexer capped: `and 12 more not listed in the manifest`.
pub fn truncated_note(truncated: u64, what: &str) -> Option<String> {
    (truncated > 0).then(|| {
        format!(
            "and {} more {what} not listed in the manifest (the indexer lists at most {})",
            crate::text::thousands(truncated),
            crate::text::thousands(shelf_format::inspect::MAX_LISTED as u64)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shelf_format::inspect::Dim;
    use shelf_format::{
        CatalogEntry, DatasetLink, Digest, FORMAT_VERSION, Key, LogHead, RegisteredDataset,
    };

    fn name(s: &str) -> ModelName {
        ModelName::new(s).unwrap()
    }

    fn summary(version: u64, datasets: Vec<DatasetLink>) -> VersionSummary {
        VersionSummary {
            version,
            content_id: Digest::of(&[version as u8]),
            seq: version,
            created_at: "2026-11-01T00:00:00Z".parse().unwrap(),
            created_by: "ci".into(),
            description: String::new(),
            metrics: BTreeMap::new(),
            labels: BTreeMap::<Key, String>::new(),
            artifacts: 1,
            size: 1,
            status: None,
            tags: BTreeMap::new(),
            evaluations: Vec::new(),
            parent: None,
            branch: None,
            subject: Default::default(),
            datasets,
            idempotency_key: None,
        }
    }

    fn registered(role: &str, dataset: &str, version: u64) -> DatasetLink {
        DatasetLink {
            role: role.into(),
            registered: Some(RegisteredDataset {
                name: name(dataset),
                version,
                content_id: Digest::of(dataset.as_bytes()),
            }),
            uri: None,
            digest: None,
            size: None,
            verified: true,
        }
    }

    #[test]
    fn packages_filter_by_name() {
        let packages: BTreeMap<String, String> = [
            ("numpy", "2.1.0"),
            ("scikit-learn", "1.5.1"),
            ("scipy", "1.14.1"),
            ("torch", "2.5.0"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(filter_packages(&packages, "").len(), 4);
        assert_eq!(filter_packages(&packages, "  ").len(), 4);
        assert_eq!(
            filter_packages(&packages, "SCI"),
            [("scikit-learn", "1.5.1"), ("scipy", "1.14.1")]
        );
        assert_eq!(
            filter_packages(&packages, "learn "),
            [("scikit-learn", "1.5.1")]
        );
        assert!(filter_packages(&packages, "2.1").is_empty());
    }

    #[test]
    fn compare_rows_changed_or_all() {
        let row = |key: &str, changed| ValueRow {
            key: key.into(),
            values: vec![
                Some("1".into()),
                Some(if changed { "2" } else { "1" }.into()),
            ],
            changed,
        };
        let rows = [row("numpy", true), row("scipy", false), row("torch", true)];
        let keys = |rows: Vec<ValueRow>| rows.into_iter().map(|r| r.key).collect::<Vec<_>>();
        assert_eq!(keys(shown_rows(&rows, false)), ["numpy", "torch"]);
        assert_eq!(keys(shown_rows(&rows, true)), ["numpy", "scipy", "torch"]);
    }

    #[test]
    fn used_by_reads_the_catalog_then_the_indexes() {
        let entry = |uses: &[&str]| CatalogEntry {
            head: LogHead {
                seq: 1,
                digest: Digest::of(b"h"),
            },
            versions: 1,
            created_at: "2026-11-01T00:00:00Z".parse().unwrap(),
            updated_at: "2026-11-01T00:00:00Z".parse().unwrap(),
            latest: None,
            aliases: BTreeMap::new(),
            uses: uses.iter().map(|u| u.parse().unwrap()).collect(),
        };
        let catalog = Catalog {
            format: FORMAT_VERSION,
            kind: "catalog".into(),
            generation: 1,
            updated_at: "2026-11-01T00:00:00Z".parse().unwrap(),
            models: [
                ("fraud", entry(&["tx@1", "tx@2"])),
                ("churn", entry(&["tx@2"])),
                ("tx", entry(&[])),
                // `tx@10` and `tx@1` differ; `tx-eu@1` is another dataset.
                ("demand", entry(&["tx@10", "tx-eu@1"])),
            ]
            .into_iter()
            .map(|(n, e)| (name(n), e))
            .collect(),
        };
        assert_eq!(using_models(&catalog, &name("tx"), 1), [name("fraud")]);
        assert_eq!(
            using_models(&catalog, &name("tx"), 2),
            [name("churn"), name("fraud")]
        );
        assert!(using_models(&catalog, &name("tx"), 3).is_empty());

        let versions = [
            summary(1, vec![registered("train", "tx", 1)]),
            summary(
                2,
                vec![registered("train", "tx", 2), registered("test", "tx", 1)],
            ),
            summary(3, vec![registered("train", "tx", 10)]),
            summary(4, vec![registered("train", "tx-eu", 1)]),
            summary(5, Vec::new()),
        ];
        assert_eq!(
            linking_versions(&versions, &name("tx"), 1),
            [
                (1, vec!["train".to_string()]),
                (2, vec!["test".to_string()])
            ]
        );
        assert_eq!(
            linking_versions(&versions, &name("tx"), 2),
            [(2, vec!["train".to_string()])]
        );
        assert!(linking_versions(&versions, &name("tx"), 4).is_empty());
    }

    #[test]
    fn introspected_values_as_text() {
        let v = ValueInfo {
            name: "X".into(),
            elem_type: Some("float".into()),
            shape: Some(vec![Dim::Symbolic("batch".into()), Dim::Fixed(4)]),
        };
        assert_eq!(value_text(&v), "float [batch, 4]");
        let unknown = ValueInfo {
            name: "Y".into(),
            elem_type: None,
            shape: None,
        };
        assert_eq!(value_text(&unknown), "? (rank unknown)");
        assert_eq!(
            metadata_text(&MetadataValue::List(vec![
                MetadataValue::Int(1),
                MetadataValue::String("a".into()),
                MetadataValue::Bool(true),
            ])),
            "[1, a, true]"
        );
        assert_eq!(metadata_text(&MetadataValue::Float(0.5)), "0.5");
        assert_eq!(truncated_note(0, "tensors"), None);
        assert_eq!(
            truncated_note(2500, "tensors").unwrap(),
            "and 2,500 more tensors not listed in the manifest (the indexer lists at most 10,000)"
        );
    }
}
