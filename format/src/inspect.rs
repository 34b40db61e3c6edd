//! What the indexer read from a model file's own headers at push (docs/format.md §5.5.1),
//! and the architecture difference the compare view shows between two such files.
//!
//! The indexer fills these in without executing anything: headers are parsed, tensor data
//! is skipped over, pickles are scanned opcode by opcode. Every list that grows with the
//! model (tensors, archive entries, layers) is capped so that a manifest stays small for a
//! checkpoint with hundreds of thousands of tensors; the cap leaves a `…_truncated` count.
//!
//! Counts (`parameter_count`, `tensor_count`…) are `u64`. Written as JSON integers they
//! are exact for readers that keep 64-bit integers (Rust, Python); a JavaScript reader sees
//! them exactly up to 2^53 (9.0e15 parameters), far beyond any real model.
//!
//! Readers are tolerant: unknown fields are ignored, and a `format` this version does not
//! know reads as [`ModelFileInfo::Other`] instead of failing the whole manifest.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// At most this many tensors (or ONNX initializers, or archive entries, or layers) are
/// listed; the rest is counted in the matching `…_truncated` field.
pub const MAX_LISTED: usize = 10_000;

/// At most this many metadata entries are kept (GGUF key-value pairs, safetensors and
/// ONNX metadata); the rest is counted in `metadata_truncated`.
pub const MAX_METADATA: usize = 512;

/// Strings from a file (metadata values, chat templates…) longer than this many bytes
/// are cut at a character boundary and end with `…`.
pub const MAX_TEXT: usize = 1024;

/// Arrays in metadata with more elements than this are summarised as
/// `"array of N <type>"` (a tokenizer vocabulary has 32,000 to 256,000 entries).
pub const MAX_INLINE_ARRAY: usize = 16;

/// What introspection found in one model file: the `info` of an artifact. Internally
/// tagged by `format`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "format", rename_all = "lowercase")]
pub enum ModelFileInfo {
    /// A safetensors file (`.safetensors`): JSON header, then raw tensor data.
    Safetensors(SafetensorsInfo),
    /// An ONNX model (`.onnx`): a protobuf `ModelProto`.
    Onnx(OnnxInfo),
    /// A GGUF file (`.gguf`, llama.cpp): key-value metadata and tensor descriptors.
    Gguf(GgufInfo),
    /// A Keras 3 archive (`.keras`): a zip with `config.json`, `metadata.json` and
    /// `model.weights.h5`.
    Keras(KerasInfo),
    /// A PyTorch archive (`torch.save`, `.pt`/`.pth`/`.bin`): a zip with a pickle
    /// (`<name>/data.pkl`) and one entry per tensor storage.
    Pytorch(PytorchInfo),
    /// A Python pickle, including joblib dumps. Loading one runs arbitrary code.
    Pickle(PickleInfo),
    /// A format this reader does not know (written by a newer indexer). Never written.
    #[serde(other)]
    Other,
}

/// One dimension of a shape: a fixed size, or a symbolic name (ONNX `dim_param`, e.g.
/// `"batch"`; `"?"` when the file leaves the dimension unknown).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Dim {
    Fixed(i64),
    Symbolic(String),
}

impl std::fmt::Display for Dim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Dim::Fixed(n) => write!(f, "{n}"),
            Dim::Symbolic(s) => f.write_str(s),
        }
    }
}

/// A shape as text, e.g. `[batch, 3, 224, 224]`.
pub fn shape_text(shape: &[Dim]) -> String {
    let dims: Vec<String> = shape.iter().map(Dim::to_string).collect();
    format!("[{}]", dims.join(", "))
}

/// One tensor (a weight): its name, element type and shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TensorInfo {
    /// The tensor's name in the file, e.g. `model.layers.0.mlp.up_proj.weight`.
    pub name: String,
    /// The element type as the format names it: safetensors `F32`, `BF16`; ONNX `float`,
    /// `int64`; GGUF `F16`, `Q4_K`; PyTorch `float32`.
    pub dtype: String,
    /// The dimensions. GGUF lists them as stored, innermost first (as llama.cpp prints
    /// them); the other formats outermost first (as numpy and PyTorch do).
    pub shape: Vec<Dim>,
}

/// How many tensors have one element type, and how many parameters they hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DtypeCount {
    /// Tensors of this type.
    pub tensors: u64,
    /// Elements in those tensors.
    pub parameters: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A safetensors file.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SafetensorsInfo {
    /// Size of the JSON header in bytes (the file's first 8 bytes, little endian).
    pub header_size: u64,
    /// Number of tensors in the file.
    pub tensor_count: u64,
    /// Total number of elements over all tensors.
    pub parameter_count: u64,
    /// Tensor count and parameter count per element type, e.g. `"BF16"`.
    #[serde(default)]
    pub dtypes: BTreeMap<String, DtypeCount>,
    /// The tensors, sorted by name; at most [`MAX_LISTED`].
    #[serde(default)]
    pub tensors: Vec<TensorInfo>,
    /// How many tensors were left out of `tensors`; omitted when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub tensors_truncated: u64,
    /// The header's `__metadata__` (string to string, e.g. `"format": "pt"`); omitted
    /// when empty.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
    /// How many metadata entries were left out; omitted when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub metadata_truncated: u64,
}

/// An operator set an ONNX model imports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opset {
    /// The operator domain; the default domain (stored as `""`) is written `ai.onnx`.
    pub domain: String,
    /// Its version, e.g. `17`.
    pub version: i64,
}

/// A graph input or output of an ONNX model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueInfo {
    /// The input's or output's name.
    pub name: String,
    /// The element type of a tensor value (`float`, `int64`…); for other values (a
    /// sequence, a map) the kind (`sequence`, `map`, `optional`, `sparse_tensor`);
    /// omitted when the file does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elem_type: Option<String>,
    /// The shape of a tensor value, symbolic dimensions as strings (`"batch"`); omitted
    /// when the rank is unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shape: Option<Vec<Dim>>,
}

/// An ONNX model.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OnnxInfo {
    /// The ONNX IR version (`ModelProto.ir_version`); omitted when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ir_version: Option<i64>,
    /// The operator sets imported, in file order.
    #[serde(default)]
    pub opsets: Vec<Opset>,
    /// The tool that wrote the model, e.g. `pytorch`; omitted when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub producer_name: Option<String>,
    /// Its version, e.g. `2.5.0`; omitted when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub producer_version: Option<String>,
    /// `ModelProto.model_version`; omitted when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_version: Option<i64>,
    /// The main graph's name; omitted when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub graph_name: Option<String>,
    /// The graph's inputs that are not initializers (what a caller feeds), in order.
    #[serde(default)]
    pub inputs: Vec<ValueInfo>,
    /// The graph's outputs, in order.
    #[serde(default)]
    pub outputs: Vec<ValueInfo>,
    /// Nodes in the main graph (nodes of subgraphs, e.g. in `If` and `Loop`, are not
    /// counted).
    pub node_count: u64,
    /// Number of nodes per operator type; types outside the default domain are written
    /// `domain:Type`.
    #[serde(default)]
    pub op_types: BTreeMap<String, u64>,
    /// Initializers (weights) of the main graph.
    pub initializer_count: u64,
    /// Total number of elements over all initializers.
    pub parameter_count: u64,
    /// The initializers in file order; at most [`MAX_LISTED`].
    #[serde(default)]
    pub initializers: Vec<TensorInfo>,
    /// How many initializers were left out of `initializers`; omitted when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub initializers_truncated: u64,
    /// True when some initializer's data is stored outside the file (ONNX external
    /// data); omitted when false.
    #[serde(default, skip_serializing_if = "is_false")]
    pub external_data: bool,
    /// `ModelProto.metadata_props`; omitted when empty.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
    /// How many metadata entries were left out; omitted when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub metadata_truncated: u64,
}

/// A metadata value read from a file: a boolean, an integer, a float, a string, or a
/// short list of those. Long strings are cut ([`MAX_TEXT`]); arrays longer than
/// [`MAX_INLINE_ARRAY`] are the string `"array of N <type>"`. Integers beyond ±2^53 and
/// floats that are NaN or infinite are written as strings, so every reader sees them
/// exactly and the document stays canonical JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MetadataValue {
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    List(Vec<MetadataValue>),
}

/// A GGUF file (llama.cpp).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct GgufInfo {
    /// The GGUF version (1 to 3).
    pub version: u32,
    /// `general.architecture`, e.g. `llama`; omitted when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub architecture: Option<String>,
    /// `general.name`; omitted when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Number of tensors.
    pub tensor_count: u64,
    /// Total number of elements over all tensors.
    pub parameter_count: u64,
    /// Tensor count and parameter count per ggml type, e.g. `"Q4_K"`.
    #[serde(default)]
    pub dtypes: BTreeMap<String, DtypeCount>,
    /// Number of metadata key-value pairs in the file.
    pub metadata_count: u64,
    /// The metadata, key to value; at most [`MAX_METADATA`] entries, arrays summarised.
    #[serde(default)]
    pub metadata: BTreeMap<String, MetadataValue>,
    /// How many metadata entries were left out; omitted when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub metadata_truncated: u64,
    /// The tensors in file order; at most [`MAX_LISTED`].
    #[serde(default)]
    pub tensors: Vec<TensorInfo>,
    /// How many tensors were left out of `tensors`; omitted when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub tensors_truncated: u64,
}

/// One entry of a zip archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveEntry {
    /// The entry's path in the archive.
    pub path: String,
    /// Its uncompressed size in bytes.
    pub size: u64,
}

/// One top-level layer of a Keras model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerInfo {
    /// The layer's name, e.g. `dense_1`.
    pub name: String,
    /// Its class, e.g. `Dense`.
    pub class_name: String,
}

/// A Keras 3 archive (`.keras`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct KerasInfo {
    /// `keras_version` from `metadata.json`; omitted when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keras_version: Option<String>,
    /// `date_saved` from `metadata.json`, as written; omitted when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_saved: Option<String>,
    /// The model's class from `config.json`, e.g. `Sequential`, `Functional`; omitted
    /// when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_name: Option<String>,
    /// The model's name from `config.json`; omitted when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Number of top-level layers in `config.json`.
    pub layer_count: u64,
    /// Number of top-level layers per class, e.g. `"Dense": 2`.
    #[serde(default)]
    pub layer_classes: BTreeMap<String, u64>,
    /// The top-level layers in order; at most [`MAX_LISTED`].
    #[serde(default)]
    pub layers: Vec<LayerInfo>,
    /// How many layers were left out of `layers`; omitted when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub layers_truncated: u64,
    /// True when the archive holds the weights (`model.weights.h5`).
    pub weights_present: bool,
    /// The archive's entries; at most [`MAX_LISTED`].
    #[serde(default)]
    pub entries: Vec<ArchiveEntry>,
    /// How many entries were left out of `entries`; omitted when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub entries_truncated: u64,
}

/// A PyTorch archive written by `torch.save` (zip format, PyTorch 1.6 and later).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PytorchInfo {
    /// The archive's top folder, e.g. `archive` (entries are `<name>/data.pkl`…).
    pub archive_name: String,
    /// The archive format version (`<name>/version`), e.g. `3`; omitted when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive_version: Option<String>,
    /// `<name>/byteorder`, e.g. `little`; omitted when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byteorder: Option<String>,
    /// The archive's entries; at most [`MAX_LISTED`].
    #[serde(default)]
    pub entries: Vec<ArchiveEntry>,
    /// How many entries were left out of `entries`; omitted when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub entries_truncated: u64,
    /// The pickle protocol of `data.pkl`; omitted when it has no `PROTO` opcode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pickle_protocol: Option<u8>,
    /// Every `module.name` the pickle imports (GLOBAL, STACK_GLOBAL, INST), sorted and
    /// unique. Read, never executed.
    #[serde(default)]
    pub imports: Vec<String>,
    /// True when the pickle imports anything besides what rebuilding tensors needs
    /// (`collections.OrderedDict`, `torch._utils._rebuild_tensor_v2`, storage types,
    /// dtypes…): loading it without `weights_only=True` runs that code.
    pub unsafe_to_load: bool,
    /// Number of distinct tensor storages the pickle references.
    pub storage_count: u64,
    /// Number of tensors found in the pickled dictionaries.
    pub tensor_count: u64,
    /// Total number of elements over those tensors.
    pub parameter_count: u64,
    /// The tensors, named by their dictionary path (`encoder.0.weight`); at most
    /// [`MAX_LISTED`].
    #[serde(default)]
    pub tensors: Vec<TensorInfo>,
    /// How many tensors were left out of `tensors`; omitted when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub tensors_truncated: u64,
    /// True when the pickle was too large to follow in full (over a million values or
    /// ten thousand imports): tensors and imports may be missing, and `unsafe_to_load` is
    /// then true. Omitted when false.
    #[serde(default, skip_serializing_if = "is_false")]
    pub partial: bool,
}

/// A Python pickle or joblib file. Loading one runs whatever code it names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PickleInfo {
    /// Always `true`: unpickling can execute arbitrary code.
    pub unsafe_to_load: bool,
    /// True when the file is a joblib dump (it references joblib's array wrapper, or is
    /// named `.joblib`); omitted when false.
    #[serde(default, skip_serializing_if = "is_false")]
    pub joblib: bool,
    /// The compression around the pickle (`zlib`, `gzip`, `bz2`, `xz`, `lzma`, `lz4`), as
    /// joblib writes with `compress=`; omitted when uncompressed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression: Option<String>,
    /// The pickle protocol (0 to 5); omitted when unknown (not scanned).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<u8>,
    /// Every `module.name` the pickle imports (GLOBAL, STACK_GLOBAL, INST), sorted and
    /// unique. Read, never executed.
    #[serde(default)]
    pub imports: Vec<String>,
    /// False when the scan did not reach the end (a compression Shelf does not read, or a
    /// limit was reached): `imports` then lists only what was found.
    pub imports_complete: bool,
    /// numpy arrays stored inline by joblib; omitted when none.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub arrays: u64,
}

impl Default for PickleInfo {
    fn default() -> Self {
        PickleInfo {
            unsafe_to_load: true,
            joblib: false,
            compression: None,
            protocol: None,
            imports: Vec::new(),
            imports_complete: true,
            arrays: 0,
        }
    }
}

impl ModelFileInfo {
    /// Whether this build can read the introspection: not [`ModelFileInfo::Other`] (a
    /// format of a newer indexer), so it can be shown and compared.
    pub fn is_known(&self) -> bool {
        !matches!(self, ModelFileInfo::Other)
    }

    /// The value of the `format` tag: `safetensors`, `onnx`, `gguf`, `keras`, `pytorch`,
    /// `pickle`, or `other`.
    pub fn format_name(&self) -> &'static str {
        match self {
            ModelFileInfo::Safetensors(_) => "safetensors",
            ModelFileInfo::Onnx(_) => "onnx",
            ModelFileInfo::Gguf(_) => "gguf",
            ModelFileInfo::Keras(_) => "keras",
            ModelFileInfo::Pytorch(_) => "pytorch",
            ModelFileInfo::Pickle(_) => "pickle",
            ModelFileInfo::Other => "other",
        }
    }

    /// The total number of parameters, where the format says.
    pub fn parameter_count(&self) -> Option<u64> {
        match self {
            ModelFileInfo::Safetensors(i) => Some(i.parameter_count),
            ModelFileInfo::Onnx(i) => Some(i.parameter_count),
            ModelFileInfo::Gguf(i) => Some(i.parameter_count),
            ModelFileInfo::Pytorch(i) => Some(i.parameter_count),
            _ => None,
        }
    }

    /// The listed tensors (ONNX: initializers) and how many were left out of the list.
    pub fn tensors(&self) -> (&[TensorInfo], u64) {
        match self {
            ModelFileInfo::Safetensors(i) => (&i.tensors, i.tensors_truncated),
            ModelFileInfo::Onnx(i) => (&i.initializers, i.initializers_truncated),
            ModelFileInfo::Gguf(i) => (&i.tensors, i.tensors_truncated),
            ModelFileInfo::Pytorch(i) => (&i.tensors, i.tensors_truncated),
            _ => (&[], 0),
        }
    }

    /// True when loading the file can execute code (pickles, and PyTorch archives whose
    /// pickle imports more than tensor rebuilding needs).
    pub fn unsafe_to_load(&self) -> bool {
        match self {
            ModelFileInfo::Pickle(i) => i.unsafe_to_load,
            ModelFileInfo::Pytorch(i) => i.unsafe_to_load,
            _ => false,
        }
    }
}

/// An old and a new value.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Change<T> {
    pub old: T,
    pub new: T,
}

/// A tensor present in both files with another shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reshaped {
    pub name: String,
    pub old: Vec<Dim>,
    pub new: Vec<Dim>,
}

/// A tensor present in both files with another element type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DtypeChange {
    pub name: String,
    pub old: String,
    pub new: String,
}

/// An operator set whose version changed, or that only one side imports (`None` there).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpsetChange {
    pub domain: String,
    pub old: Option<i64>,
    pub new: Option<i64>,
}

/// Whether a [`ValueChange`] is about a graph input or a graph output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Port {
    Input,
    Output,
}

/// A graph input or output that was added (`old` is `None`), removed (`new` is `None`),
/// or changed its element type or shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueChange {
    pub port: Port,
    pub name: String,
    pub old: Option<ValueInfo>,
    pub new: Option<ValueInfo>,
}

/// Any other property that differs, by name (`format`, `architecture`, `ir_version`,
/// `node_count`, `layer_count`, `keras_version`…), with both values as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub field: String,
    pub old: String,
    pub new: String,
}

/// How the architecture of one model file differs from another's (old → new). Empty
/// lists mean no difference of that kind.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ArchitectureDiff {
    /// Both parameter counts, where the formats say (also when equal).
    pub parameter_count: Change<Option<u64>>,
    /// Tensors only in the new file, by name.
    pub tensors_added: Vec<TensorInfo>,
    /// Tensors only in the old file, by name.
    pub tensors_removed: Vec<TensorInfo>,
    /// Tensors in both with another shape, by name.
    pub tensors_reshaped: Vec<Reshaped>,
    /// Tensors in both with another element type, by name.
    pub dtype_changes: Vec<DtypeChange>,
    /// True when a tensor list was truncated ([`MAX_LISTED`]): the tensor differences
    /// then cover the listed tensors only.
    pub tensors_partial: bool,
    /// ONNX operator sets whose version changed, added or removed.
    pub opset_changes: Vec<OpsetChange>,
    /// ONNX graph inputs and outputs added, removed or changed.
    pub value_changes: Vec<ValueChange>,
    /// Other properties that differ.
    pub field_changes: Vec<FieldChange>,
}

impl ArchitectureDiff {
    /// True when nothing differs (equal parameter counts count as no difference).
    pub fn is_empty(&self) -> bool {
        self.parameter_count.old == self.parameter_count.new
            && self.tensors_added.is_empty()
            && self.tensors_removed.is_empty()
            && self.tensors_reshaped.is_empty()
            && self.dtype_changes.is_empty()
            && self.opset_changes.is_empty()
            && self.value_changes.is_empty()
            && self.field_changes.is_empty()
    }

    /// The parameter count's change (new − old), when both are known.
    pub fn parameter_delta(&self) -> Option<i128> {
        Some(i128::from(self.parameter_count.new?) - i128::from(self.parameter_count.old?))
    }
}

/// Scalar properties compared as text by [`architecture_diff`].
fn fields(info: &ModelFileInfo) -> Vec<(&'static str, String)> {
    let mut out = vec![("format", info.format_name().to_string())];
    let mut opt = |name: &'static str, v: &Option<String>| {
        if let Some(v) = v {
            out.push((name, v.clone()));
        }
    };
    match info {
        ModelFileInfo::Other => {}
        ModelFileInfo::Safetensors(i) => {
            out.push(("tensor_count", i.tensor_count.to_string()));
        }
        ModelFileInfo::Onnx(i) => {
            opt("ir_version", &i.ir_version.map(|v| v.to_string()));
            opt("producer", &i.producer_name);
            opt("graph_name", &i.graph_name);
            out.push(("node_count", i.node_count.to_string()));
            out.push(("initializer_count", i.initializer_count.to_string()));
        }
        ModelFileInfo::Gguf(i) => {
            opt("architecture", &i.architecture);
            opt("name", &i.name);
            out.push(("gguf_version", i.version.to_string()));
            out.push(("tensor_count", i.tensor_count.to_string()));
        }
        ModelFileInfo::Keras(i) => {
            opt("keras_version", &i.keras_version);
            opt("class_name", &i.class_name);
            out.push(("layer_count", i.layer_count.to_string()));
            let classes: Vec<String> = i
                .layer_classes
                .iter()
                .map(|(k, n)| format!("{k}×{n}"))
                .collect();
            out.push(("layer_classes", classes.join(", ")));
            out.push(("weights_present", i.weights_present.to_string()));
        }
        ModelFileInfo::Pytorch(i) => {
            out.push(("tensor_count", i.tensor_count.to_string()));
            out.push(("storage_count", i.storage_count.to_string()));
            out.push(("imports", i.imports.join(", ")));
        }
        ModelFileInfo::Pickle(i) => {
            out.push(("imports", i.imports.join(", ")));
        }
    }
    out
}

fn value_map(values: &[ValueInfo]) -> BTreeMap<&str, &ValueInfo> {
    let mut map = BTreeMap::new();
    for v in values {
        map.entry(v.name.as_str()).or_insert(v);
    }
    map
}

/// How `new` differs from `old` in architecture: parameter count, tensors added, removed,
/// reshaped or retyped (matched by name), ONNX operator sets and graph inputs/outputs, and
/// other properties (format, GGUF architecture, layer counts…). Pure; the compare view
/// renders it.
pub fn architecture_diff(old: &ModelFileInfo, new: &ModelFileInfo) -> ArchitectureDiff {
    let mut diff = ArchitectureDiff {
        parameter_count: Change {
            old: old.parameter_count(),
            new: new.parameter_count(),
        },
        ..ArchitectureDiff::default()
    };

    let (old_tensors, old_cut) = old.tensors();
    let (new_tensors, new_cut) = new.tensors();
    diff.tensors_partial = old_cut > 0 || new_cut > 0;
    let mut old_by_name: BTreeMap<&str, &TensorInfo> = BTreeMap::new();
    for t in old_tensors {
        old_by_name.entry(t.name.as_str()).or_insert(t);
    }
    let mut new_by_name: BTreeMap<&str, &TensorInfo> = BTreeMap::new();
    for t in new_tensors {
        new_by_name.entry(t.name.as_str()).or_insert(t);
    }
    for (name, t) in &new_by_name {
        match old_by_name.get(name) {
            None => diff.tensors_added.push((*t).clone()),
            Some(o) => {
                if o.shape != t.shape {
                    diff.tensors_reshaped.push(Reshaped {
                        name: name.to_string(),
                        old: o.shape.clone(),
                        new: t.shape.clone(),
                    });
                }
                if o.dtype != t.dtype {
                    diff.dtype_changes.push(DtypeChange {
                        name: name.to_string(),
                        old: o.dtype.clone(),
                        new: t.dtype.clone(),
                    });
                }
            }
        }
    }
    for (name, t) in &old_by_name {
        if !new_by_name.contains_key(name) {
            diff.tensors_removed.push((*t).clone());
        }
    }

    if let (ModelFileInfo::Onnx(a), ModelFileInfo::Onnx(b)) = (old, new) {
        let opsets = |i: &OnnxInfo| -> BTreeMap<String, i64> {
            i.opsets
                .iter()
                .map(|o| (o.domain.clone(), o.version))
                .collect()
        };
        let (oa, ob) = (opsets(a), opsets(b));
        let domains: BTreeSet<&String> = oa.keys().chain(ob.keys()).collect();
        for domain in domains {
            let (o, n) = (oa.get(domain).copied(), ob.get(domain).copied());
            if o != n {
                diff.opset_changes.push(OpsetChange {
                    domain: domain.clone(),
                    old: o,
                    new: n,
                });
            }
        }
        for (port, va, vb) in [
            (Port::Input, &a.inputs, &b.inputs),
            (Port::Output, &a.outputs, &b.outputs),
        ] {
            let (ma, mb) = (value_map(va), value_map(vb));
            let names: BTreeSet<&&str> = ma.keys().chain(mb.keys()).collect();
            for name in names {
                let (o, n) = (ma.get(name).copied(), mb.get(name).copied());
                if o != n {
                    diff.value_changes.push(ValueChange {
                        port,
                        name: name.to_string(),
                        old: o.cloned(),
                        new: n.cloned(),
                    });
                }
            }
        }
    }

    let (fa, fb) = (fields(old), fields(new));
    let mut names: Vec<&'static str> = fa.iter().chain(&fb).map(|(k, _)| *k).collect();
    let mut seen = BTreeSet::new();
    names.retain(|k| seen.insert(*k));
    let get = |f: &[(&'static str, String)], k: &str| {
        f.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    for name in names {
        let (o, n) = (get(&fa, name), get(&fb, name));
        if o != n {
            diff.field_changes.push(FieldChange {
                field: name.to_string(),
                old: o,
                new: n,
            });
        }
    }
    diff
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::to_canonical_vec;

    fn t(name: &str, dtype: &str, shape: &[i64]) -> TensorInfo {
        TensorInfo {
            name: name.into(),
            dtype: dtype.into(),
            shape: shape.iter().map(|d| Dim::Fixed(*d)).collect(),
        }
    }

    /// The `info` of a safetensors file holding `tensors` (`(name, dtype, shape)`), as the
    /// indexer reads it (written once, in shelf-testkit).
    fn safetensors(tensors: &[shelf_testkit::safetensors::Tensor]) -> ModelFileInfo {
        serde_json::from_value(shelf_testkit::safetensors::info(tensors)).unwrap()
    }

    fn onnx(opset: i64, batch: Dim, classes: i64) -> ModelFileInfo {
        ModelFileInfo::Onnx(OnnxInfo {
            ir_version: Some(9),
            opsets: vec![Opset {
                domain: "ai.onnx".into(),
                version: opset,
            }],
            inputs: vec![ValueInfo {
                name: "x".into(),
                elem_type: Some("float".into()),
                shape: Some(vec![batch.clone(), Dim::Fixed(4)]),
            }],
            outputs: vec![ValueInfo {
                name: "y".into(),
                elem_type: Some("float".into()),
                shape: Some(vec![batch, Dim::Fixed(classes)]),
            }],
            node_count: 2,
            initializer_count: 1,
            parameter_count: 4 * classes as u64,
            initializers: vec![t("W", "float", &[4, classes])],
            ..OnnxInfo::default()
        })
    }

    #[test]
    fn identical_files_have_no_difference() {
        let a = safetensors(&[("w", "F32", &[2, 3])]);
        let diff = architecture_diff(&a, &a);
        assert!(diff.is_empty(), "{diff:?}");
        assert_eq!(diff.parameter_delta(), Some(0));
        let o = onnx(17, Dim::Symbolic("batch".into()), 3);
        assert!(architecture_diff(&o, &o).is_empty());
    }

    #[test]
    fn tensors_added_removed_reshaped_and_retyped() {
        let a = safetensors(&[
            ("embed", "F32", &[100, 8]),
            ("head", "F32", &[8, 2]),
            ("old", "F32", &[3]),
        ]);
        let b = safetensors(&[
            ("embed", "BF16", &[100, 8]),
            ("head", "F32", &[8, 5]),
            ("new", "F32", &[4, 4]),
        ]);
        let diff = architecture_diff(&a, &b);
        assert_eq!(
            diff.parameter_count,
            Change {
                old: Some(819),
                new: Some(856)
            }
        );
        assert_eq!(diff.parameter_delta(), Some(37));
        assert_eq!(diff.tensors_added, vec![t("new", "F32", &[4, 4])]);
        assert_eq!(diff.tensors_removed, vec![t("old", "F32", &[3])]);
        assert_eq!(
            diff.tensors_reshaped,
            vec![Reshaped {
                name: "head".into(),
                old: vec![Dim::Fixed(8), Dim::Fixed(2)],
                new: vec![Dim::Fixed(8), Dim::Fixed(5)],
            }]
        );
        assert_eq!(
            diff.dtype_changes,
            vec![DtypeChange {
                name: "embed".into(),
                old: "F32".into(),
                new: "BF16".into()
            }]
        );
        assert!(!diff.tensors_partial);
        assert!(diff.opset_changes.is_empty());
        assert!(diff.field_changes.is_empty(), "{:?}", diff.field_changes);
        assert!(!diff.is_empty());
    }

    #[test]
    fn onnx_opset_inputs_and_outputs() {
        let a = onnx(17, Dim::Symbolic("batch".into()), 3);
        let b = onnx(18, Dim::Fixed(1), 3);
        let diff = architecture_diff(&a, &b);
        assert_eq!(
            diff.opset_changes,
            vec![OpsetChange {
                domain: "ai.onnx".into(),
                old: Some(17),
                new: Some(18)
            }]
        );
        assert_eq!(diff.value_changes.len(), 2);
        assert_eq!(diff.value_changes[0].port, Port::Input);
        assert_eq!(
            diff.value_changes[0].old.as_ref().unwrap().shape,
            Some(vec![Dim::Symbolic("batch".into()), Dim::Fixed(4)])
        );
        assert_eq!(
            diff.value_changes[0].new.as_ref().unwrap().shape,
            Some(vec![Dim::Fixed(1), Dim::Fixed(4)])
        );
        assert_eq!(diff.value_changes[1].port, Port::Output);
        assert!(diff.tensors_reshaped.is_empty());

        // More classes: the weight and the output change shape, the parameter count grows.
        let c = onnx(17, Dim::Symbolic("batch".into()), 5);
        let diff = architecture_diff(&a, &c);
        assert!(diff.opset_changes.is_empty());
        assert_eq!(diff.parameter_delta(), Some(8));
        assert_eq!(diff.tensors_reshaped[0].name, "W");
        assert_eq!(diff.value_changes.len(), 1);
        assert_eq!(diff.value_changes[0].name, "y");

        // An opset only one side imports.
        let mut d = onnx(17, Dim::Symbolic("batch".into()), 3);
        if let ModelFileInfo::Onnx(i) = &mut d {
            i.opsets.push(Opset {
                domain: "com.microsoft".into(),
                version: 1,
            });
        }
        let diff = architecture_diff(&a, &d);
        assert_eq!(
            diff.opset_changes,
            vec![OpsetChange {
                domain: "com.microsoft".into(),
                old: None,
                new: Some(1)
            }]
        );
    }

    #[test]
    fn different_formats_and_gguf_architecture() {
        let a = safetensors(&[("w", "F32", &[2])]);
        let g = |arch: &str| {
            ModelFileInfo::Gguf(GgufInfo {
                version: 3,
                architecture: Some(arch.into()),
                tensor_count: 1,
                parameter_count: 2,
                tensors: vec![t("w", "F16", &[2])],
                ..GgufInfo::default()
            })
        };
        let diff = architecture_diff(&a, &g("llama"));
        assert_eq!(
            diff.field_changes[0],
            FieldChange {
                field: "format".into(),
                old: "safetensors".into(),
                new: "gguf".into()
            }
        );
        assert_eq!(diff.dtype_changes.len(), 1);
        assert_eq!(diff.parameter_delta(), Some(0));

        let diff = architecture_diff(&g("llama"), &g("qwen2"));
        assert_eq!(
            diff.field_changes,
            vec![FieldChange {
                field: "architecture".into(),
                old: "llama".into(),
                new: "qwen2".into()
            }]
        );
        // Formats without tensors or a parameter count.
        let p = ModelFileInfo::Pickle(PickleInfo::default());
        let diff = architecture_diff(&p, &a);
        assert_eq!(
            diff.parameter_count,
            Change {
                old: None,
                new: Some(2)
            }
        );
        assert_eq!(diff.parameter_delta(), None);
        assert_eq!(diff.tensors_added.len(), 1);
    }

    #[test]
    fn truncated_lists_make_the_tensor_diff_partial() {
        let a = safetensors(&[("w", "F32", &[2])]);
        let mut b = a.clone();
        if let ModelFileInfo::Safetensors(i) = &mut b {
            i.tensors_truncated = 3;
        }
        assert!(architecture_diff(&a, &b).tensors_partial);
        assert!(!architecture_diff(&a, &a).tensors_partial);
    }

    #[test]
    fn keras_layers() {
        let k = |layers: &[(&str, &str)]| {
            let mut info = KerasInfo {
                keras_version: Some("3.6.0".into()),
                class_name: Some("Sequential".into()),
                layer_count: layers.len() as u64,
                weights_present: true,
                ..KerasInfo::default()
            };
            for (name, class) in layers {
                *info.layer_classes.entry(class.to_string()).or_default() += 1;
                info.layers.push(LayerInfo {
                    name: name.to_string(),
                    class_name: class.to_string(),
                });
            }
            ModelFileInfo::Keras(info)
        };
        let a = k(&[("d1", "Dense"), ("d2", "Dense")]);
        let b = k(&[("d1", "Dense"), ("drop", "Dropout"), ("d2", "Dense")]);
        let diff = architecture_diff(&a, &b);
        let fields: Vec<&str> = diff
            .field_changes
            .iter()
            .map(|c| c.field.as_str())
            .collect();
        assert_eq!(fields, ["layer_count", "layer_classes"]);
        assert_eq!(diff.field_changes[1].new, "Dense×2, Dropout×1");
        assert_eq!(diff.parameter_count.old, None);
    }

    #[test]
    fn documents_round_trip_canonically_and_omit_absent_fields() {
        let info = onnx(17, Dim::Symbolic("batch".into()), 3);
        let bytes = to_canonical_vec(&info).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.contains(r#""format":"onnx""#), "{text}");
        assert!(text.contains(r#""shape":["batch",4]"#), "{text}");
        assert!(!text.contains("null"), "{text}");
        assert!(!text.contains("initializers_truncated"), "{text}");
        assert!(!text.contains("external_data"), "{text}");
        let back: ModelFileInfo = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back, info);
        assert_eq!(to_canonical_vec(&back).unwrap(), bytes);

        let mut g = GgufInfo {
            version: 3,
            ..GgufInfo::default()
        };
        g.metadata.insert(
            "general.architecture".into(),
            MetadataValue::String("llama".into()),
        );
        g.metadata
            .insert("llama.context_length".into(), MetadataValue::Int(4096));
        g.metadata
            .insert("llama.rope.freq_base".into(), MetadataValue::Float(10000.0));
        g.metadata.insert(
            "x.list".into(),
            MetadataValue::List(vec![MetadataValue::Int(1), MetadataValue::Bool(true)]),
        );
        let info = ModelFileInfo::Gguf(g);
        let bytes = to_canonical_vec(&info).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.contains(r#""llama.rope.freq_base":10000.0"#), "{text}");
        assert!(text.contains(r#""llama.context_length":4096"#), "{text}");
        let back: ModelFileInfo = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back, info);

        let p = ModelFileInfo::Pickle(PickleInfo {
            protocol: Some(4),
            imports: vec!["sklearn.linear_model._logistic.LogisticRegression".into()],
            ..PickleInfo::default()
        });
        let text = String::from_utf8(to_canonical_vec(&p).unwrap()).unwrap();
        assert_eq!(
            text,
            r#"{"format":"pickle","imports":["sklearn.linear_model._logistic.LogisticRegression"],"imports_complete":true,"protocol":4,"unsafe_to_load":true}"#
        );
    }

    #[test]
    fn readers_tolerate_unknown_formats_and_fields() {
        let info: ModelFileInfo =
            serde_json::from_str(r#"{"format":"tflite","subgraphs":3}"#).unwrap();
        assert_eq!(info, ModelFileInfo::Other);
        let info: ModelFileInfo = serde_json::from_str(
            r#"{"format":"safetensors","header_size":10,"tensor_count":0,"parameter_count":0,"future":{"a":1}}"#,
        )
        .unwrap();
        assert_eq!(info.format_name(), "safetensors");
    }
}
