//! What the indexer read from a model file's headers (docs/format.md §5.5.1): format,
//! parameters, dtypes, tensors, ONNX graph inputs and outputs, GGUF metadata, Keras
//! layers, archive entries, and a warning for files that run code when loaded.
//!
//! Each format is first turned into the same plain parts (facts, tables, a warning), then
//! drawn by one view: one view type for every format keeps the wasm bundle small.

use std::collections::BTreeMap;
use std::sync::Arc;

use leptos::prelude::*;
use shelf_format::inspect::{
    ArchiveEntry, DtypeCount, ModelFileInfo, TensorInfo, ValueInfo, shape_text,
};

use crate::provenance::{FIRST_ROWS, metadata_text, truncated_note, value_text};
use crate::text;

/// One line of the facts list: label, CSS class, value, tooltip.
struct Fact {
    label: &'static str,
    class: &'static str,
    value: String,
    title: Option<String>,
}

/// A table of rows of text, of which the first [`FIRST_ROWS`] are drawn until "Show all";
/// `truncated` more were left out of the manifest by the indexer.
struct Table {
    title: &'static str,
    class: &'static str,
    heads: &'static [&'static str],
    rows: Vec<Vec<String>>,
    truncated: u64,
    what: &'static str,
}

/// The parts every format is drawn with.
#[derive(Default)]
struct Parts {
    /// For a file that runs code when loaded: its imports, whether the list is complete,
    /// and the advice.
    warning: Option<(Vec<String>, bool, &'static str)>,
    facts: Vec<Fact>,
    tables: Vec<Table>,
}

impl Parts {
    fn fact(&mut self, label: &'static str, class: &'static str, value: Option<String>) {
        if let Some(value) = value {
            self.facts.push(Fact {
                label,
                class,
                value,
                title: None,
            });
        }
    }

    fn parameters(&mut self, n: u64) {
        self.facts.push(Fact {
            label: "Parameters",
            class: "parameters",
            value: text::count(n),
            title: Some(format!("{} parameters", text::thousands(n))),
        });
    }

    fn tensors(&mut self, tensors: &[TensorInfo], truncated: u64) {
        if tensors.is_empty() && truncated == 0 {
            return;
        }
        self.tables.push(Table {
            title: "Tensors",
            class: "tensors",
            heads: &["Name", "Dtype", "Shape"],
            rows: tensors
                .iter()
                .map(|t| vec![t.name.clone(), t.dtype.clone(), shape_text(&t.shape)])
                .collect(),
            truncated,
            what: "tensors",
        });
    }

    fn entries(&mut self, entries: &[ArchiveEntry], truncated: u64) {
        if entries.is_empty() {
            return;
        }
        self.tables.push(Table {
            title: "Archive entries",
            class: "entries",
            heads: &["Path", "Size"],
            rows: entries
                .iter()
                .map(|e| vec![e.path.clone(), text::size(e.size)])
                .collect(),
            truncated,
            what: "entries",
        });
    }

    fn metadata(&mut self, rows: Vec<(String, String)>, truncated: u64) {
        if rows.is_empty() {
            return;
        }
        self.tables.push(Table {
            title: "Metadata",
            class: "metadata",
            heads: &["Key", "Value"],
            rows: rows.into_iter().map(|(k, v)| vec![k, v]).collect(),
            truncated,
            what: "metadata entries",
        });
    }

    fn io(&mut self, inputs: &[ValueInfo], outputs: &[ValueInfo]) {
        if inputs.is_empty() && outputs.is_empty() {
            return;
        }
        let rows = inputs
            .iter()
            .map(|v| ("input", v))
            .chain(outputs.iter().map(|v| ("output", v)))
            .map(|(port, v)| vec![v.name.clone(), port.to_string(), value_text(v)])
            .collect();
        self.tables.push(Table {
            title: "Inputs and outputs",
            class: "io",
            heads: &["Name", "Port", "Type and shape"],
            rows,
            truncated: 0,
            what: "inputs and outputs",
        });
    }
}

/// `MatMul×2, Relu×1`: a count per name.
fn tally(map: &BTreeMap<String, u64>) -> Option<String> {
    (!map.is_empty()).then(|| {
        map.iter()
            .map(|(k, n)| format!("{k}×{n}"))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

fn dtypes_text(dtypes: &BTreeMap<String, DtypeCount>) -> Option<String> {
    (!dtypes.is_empty()).then(|| {
        dtypes
            .iter()
            .map(|(k, c)| {
                format!(
                    "{k}: {} tensor{}, {} parameters",
                    text::thousands(c.tensors),
                    if c.tensors == 1 { "" } else { "s" },
                    text::count(c.parameters)
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    })
}

const PICKLE_ADVICE: &str = "It is a Python pickle: unpickling it runs whatever it names. Load it only if you trust who pushed it.";
const PYTORCH_ADVICE: &str = "Its pickle imports more than rebuilding tensors needs: load it only with torch.load(…, weights_only=True), or only if you trust who pushed it.";

/// The parts of one file's `info`.
fn parts(info: &ModelFileInfo) -> Parts {
    let mut p = Parts::default();
    p.fact("Format", "format", Some(info.format_name().to_string()));
    if let Some(n) = info.parameter_count() {
        p.parameters(n);
    }
    match info {
        ModelFileInfo::Safetensors(i) => {
            p.fact(
                "Tensors",
                "tensor-count",
                Some(text::thousands(i.tensor_count)),
            );
            p.fact("Dtypes", "dtypes", dtypes_text(&i.dtypes));
            p.fact("Header", "header-size", Some(text::size(i.header_size)));
            p.tensors(&i.tensors, i.tensors_truncated);
            let metadata = i.metadata.iter().map(|(k, v)| (k.clone(), v.clone()));
            p.metadata(metadata.collect(), i.metadata_truncated);
        }
        ModelFileInfo::Onnx(i) => {
            let opsets = i
                .opsets
                .iter()
                .map(|o| format!("{} {}", o.domain, o.version))
                .collect::<Vec<_>>();
            let producer = i.producer_name.clone().map(|p| match &i.producer_version {
                Some(v) => format!("{p} {v}"),
                None => p,
            });
            p.fact(
                "IR version",
                "ir-version",
                i.ir_version.map(|v| v.to_string()),
            );
            p.fact(
                "Opsets",
                "opsets",
                (!opsets.is_empty()).then(|| opsets.join(", ")),
            );
            p.fact("Producer", "producer", producer);
            p.fact(
                "Model version",
                "model-version",
                i.model_version.map(|v| v.to_string()),
            );
            p.fact("Graph", "graph-name", i.graph_name.clone());
            p.fact("Nodes", "node-count", Some(text::thousands(i.node_count)));
            p.fact("Operators", "op-types", tally(&i.op_types));
            p.fact(
                "Initializers",
                "initializer-count",
                Some(text::thousands(i.initializer_count)),
            );
            p.fact(
                "External data",
                "external-data",
                i.external_data
                    .then(|| "yes: some weights are stored outside this file".to_string()),
            );
            p.io(&i.inputs, &i.outputs);
            p.tensors(&i.initializers, i.initializers_truncated);
            let metadata = i.metadata.iter().map(|(k, v)| (k.clone(), v.clone()));
            p.metadata(metadata.collect(), i.metadata_truncated);
        }
        ModelFileInfo::Gguf(i) => {
            p.fact("Architecture", "architecture", i.architecture.clone());
            p.fact("Name", "name", i.name.clone());
            p.fact("GGUF version", "gguf-version", Some(i.version.to_string()));
            p.fact(
                "Tensors",
                "tensor-count",
                Some(text::thousands(i.tensor_count)),
            );
            p.fact("Dtypes", "dtypes", dtypes_text(&i.dtypes));
            p.fact(
                "Metadata entries",
                "metadata-count",
                Some(text::thousands(i.metadata_count)),
            );
            let metadata = i
                .metadata
                .iter()
                .map(|(k, v)| (k.clone(), metadata_text(v)));
            p.metadata(metadata.collect(), i.metadata_truncated);
            p.tensors(&i.tensors, i.tensors_truncated);
        }
        ModelFileInfo::Keras(i) => {
            p.fact("Keras version", "keras-version", i.keras_version.clone());
            p.fact("Saved", "date-saved", i.date_saved.clone());
            p.fact("Class", "class-name", i.class_name.clone());
            p.fact("Name", "name", i.name.clone());
            p.fact(
                "Layers",
                "layer-count",
                Some(text::thousands(i.layer_count)),
            );
            p.fact("Layer classes", "layer-classes", tally(&i.layer_classes));
            let weights = if i.weights_present {
                "in the archive"
            } else {
                "not in the archive"
            };
            p.fact("Weights", "weights-present", Some(weights.to_string()));
            if !i.layers.is_empty() {
                p.tables.push(Table {
                    title: "Layers",
                    class: "layers",
                    heads: &["Name", "Class"],
                    rows: i
                        .layers
                        .iter()
                        .map(|l| vec![l.name.clone(), l.class_name.clone()])
                        .collect(),
                    truncated: i.layers_truncated,
                    what: "layers",
                });
            }
            p.entries(&i.entries, i.entries_truncated);
        }
        ModelFileInfo::Pytorch(i) => {
            if i.unsafe_to_load {
                p.warning = Some((i.imports.clone(), !i.partial, PYTORCH_ADVICE));
            } else if !i.imports.is_empty() {
                p.fact("Imports", "imports", Some(i.imports.join(", ")));
            }
            let archive = match &i.archive_version {
                Some(v) => format!("{} (version {v})", i.archive_name),
                None => i.archive_name.clone(),
            };
            p.fact("Archive", "archive-name", Some(archive));
            p.fact("Byte order", "byteorder", i.byteorder.clone());
            p.fact(
                "Pickle protocol",
                "pickle-protocol",
                i.pickle_protocol.map(|v| v.to_string()),
            );
            p.fact(
                "Storages",
                "storage-count",
                Some(text::thousands(i.storage_count)),
            );
            p.fact(
                "Tensors",
                "tensor-count",
                Some(text::thousands(i.tensor_count)),
            );
            p.fact(
                "Partial",
                "partial",
                i.partial.then(|| {
                    "the pickle was too large to follow in full: tensors may be missing".into()
                }),
            );
            p.tensors(&i.tensors, i.tensors_truncated);
            p.entries(&i.entries, i.entries_truncated);
        }
        ModelFileInfo::Pickle(i) => {
            if i.unsafe_to_load {
                p.warning = Some((i.imports.clone(), i.imports_complete, PICKLE_ADVICE));
            }
            p.fact("Joblib", "joblib", i.joblib.then(|| "yes".to_string()));
            p.fact("Compression", "compression", i.compression.clone());
            p.fact(
                "Pickle protocol",
                "pickle-protocol",
                i.protocol.map(|v| v.to_string()),
            );
            p.fact(
                "Inline arrays",
                "arrays",
                (i.arrays > 0).then(|| text::thousands(i.arrays)),
            );
        }
        ModelFileInfo::Other => {}
    }
    p
}

fn table_view(table: Table) -> impl IntoView {
    let Table {
        title,
        class,
        heads,
        rows,
        truncated,
        what,
    } = table;
    let total = rows.len();
    let rows = Arc::new(rows);
    let all = RwSignal::new(false);
    let body = move || {
        let n = if all.get() {
            total
        } else {
            total.min(FIRST_ROWS)
        };
        rows[..n]
            .iter()
            .map(|cells| {
                let name = cells.first().cloned().unwrap_or_default();
                let cells = cells
                    .iter()
                    .map(|c| view! { <td>{c.clone()}</td> })
                    .collect_view();
                view! { <tr data-name=name>{cells}</tr> }
            })
            .collect_view()
    };
    view! {
        <h4>{title}</h4>
        <div class="table-scroll">
            <table class=format!("table {class}")>
                <thead><tr>{heads.iter().map(|h| view! { <th>{*h}</th> }).collect_view()}</tr></thead>
                <tbody>{body}</tbody>
            </table>
        </div>
        {(total > FIRST_ROWS).then(|| view! {
            <button class="show-all" class:hidden=move || all.get() on:click=move |_| all.set(true)>
                {format!("Show all {} {what}", text::thousands(total as u64))}
            </button>
        })}
        {truncated_note(truncated, what).map(|note| view! { <p class="muted truncated">{note}</p> })}
    }
}

/// Everything introspection found in one artifact.
#[component]
pub fn ModelFile(path: String, info: ModelFileInfo) -> impl IntoView {
    let format = info.format_name();
    let Parts {
        warning,
        facts,
        tables,
    } = parts(&info);
    let warning = warning.map(|(imports, complete, advice)| {
        view! {
            <div class="unsafe-warning" role="alert">
                <strong>"Unsafe to load: loading this file can run arbitrary code."</strong>
                <p>{advice}</p>
                {(!imports.is_empty()).then(|| view! {
                    <p>"It imports:"</p>
                    <ul class="imports">
                        {imports.into_iter().map(|i| view! { <li><code>{i}</code></li> }).collect_view()}
                    </ul>
                })}
                {(!complete).then(|| view! {
                    <p class="muted">"The scan did not reach the end of the file: it may import more."</p>
                })}
            </div>
        }
    });
    let facts = facts
        .into_iter()
        .map(|f| view! { <dt>{f.label}</dt><dd class=f.class title=f.title>{f.value}</dd> })
        .collect_view();
    let other = matches!(info, ModelFileInfo::Other).then(|| {
        view! { <p class="muted">"Written by a newer indexer in a format this page does not know."</p> }
    });
    view! {
        <section class="model-file" data-path=path.clone() data-format=format>
            <h3><code>{path.clone()}</code> " " <span class="badge format-badge">{format}</span></h3>
            {warning}
            <dl class="facts file-facts">{facts}</dl>
            {other}
            {tables.into_iter().map(table_view).collect_view()}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shelf_format::inspect::{
        GgufInfo, KerasInfo, LayerInfo, MetadataValue, PickleInfo, PytorchInfo,
    };

    fn facts(p: &Parts) -> Vec<(&str, &str)> {
        p.facts
            .iter()
            .map(|f| (f.label, f.value.as_str()))
            .collect()
    }

    fn titles(p: &Parts) -> Vec<(&str, usize, u64)> {
        p.tables
            .iter()
            .map(|t| (t.title, t.rows.len(), t.truncated))
            .collect()
    }

    #[test]
    fn gguf_shows_architecture_metadata_and_tensors() {
        let info = ModelFileInfo::Gguf(GgufInfo {
            version: 3,
            architecture: Some("llama".into()),
            name: Some("tiny".into()),
            tensor_count: 10_002,
            parameter_count: 7_241_732_096,
            metadata_count: 2,
            metadata: [
                (
                    "general.architecture".to_string(),
                    MetadataValue::String("llama".into()),
                ),
                (
                    "llama.rope.dims".to_string(),
                    MetadataValue::List(vec![MetadataValue::Int(64), MetadataValue::Int(64)]),
                ),
            ]
            .into(),
            tensors: vec![TensorInfo {
                name: "token_embd.weight".into(),
                dtype: "Q4_K".into(),
                shape: vec![],
            }],
            tensors_truncated: 10_001,
            ..Default::default()
        });
        let p = parts(&info);
        assert!(p.warning.is_none());
        assert_eq!(
            facts(&p)[..4],
            [
                ("Format", "gguf"),
                ("Parameters", "7.2 B"),
                ("Architecture", "llama"),
                ("Name", "tiny")
            ]
        );
        assert_eq!(titles(&p), [("Metadata", 2, 0), ("Tensors", 1, 10_001)]);
        assert_eq!(p.tables[0].rows[1], ["llama.rope.dims", "[64, 64]"]);
    }

    #[test]
    fn keras_shows_layers_and_pickles_warn() {
        let info = ModelFileInfo::Keras(KerasInfo {
            keras_version: Some("3.6.0".into()),
            class_name: Some("Sequential".into()),
            layer_count: 2,
            layer_classes: [("Dense".to_string(), 2)].into(),
            layers: vec![
                LayerInfo {
                    name: "dense".into(),
                    class_name: "Dense".into(),
                },
                LayerInfo {
                    name: "dense_1".into(),
                    class_name: "Dense".into(),
                },
            ],
            weights_present: true,
            ..Default::default()
        });
        let p = parts(&info);
        assert!(facts(&p).contains(&("Layer classes", "Dense×2")));
        assert!(facts(&p).contains(&("Weights", "in the archive")));
        assert_eq!(titles(&p), [("Layers", 2, 0)]);

        let unsafe_torch = ModelFileInfo::Pytorch(PytorchInfo {
            archive_name: "archive".into(),
            imports: vec!["builtins.exec".into(), "collections.OrderedDict".into()],
            unsafe_to_load: true,
            partial: true,
            ..Default::default()
        });
        let p = parts(&unsafe_torch);
        let (imports, complete, advice) = p.warning.as_ref().unwrap();
        assert_eq!(imports, &["builtins.exec", "collections.OrderedDict"]);
        assert!(!complete);
        assert!(advice.contains("weights_only=True"));
        // A safe PyTorch archive lists its imports as a fact instead.
        let safe_torch = ModelFileInfo::Pytorch(PytorchInfo {
            archive_name: "archive".into(),
            imports: vec!["torch._utils._rebuild_tensor_v2".into()],
            ..Default::default()
        });
        let p = parts(&safe_torch);
        assert!(p.warning.is_none());
        assert!(facts(&p).contains(&("Imports", "torch._utils._rebuild_tensor_v2")));

        let pickle = ModelFileInfo::Pickle(PickleInfo {
            imports: vec!["os.system".into()],
            imports_complete: true,
            ..Default::default()
        });
        let p = parts(&pickle);
        assert_eq!(p.warning.as_ref().unwrap().0, ["os.system"]);
        assert!(p.warning.as_ref().unwrap().1);
    }
}
