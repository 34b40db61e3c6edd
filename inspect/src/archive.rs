//! Zip archives: Keras 3 (`.keras`: `config.json`, `metadata.json`, `model.weights.h5`)
//! and PyTorch (`torch.save`: `<name>/data.pkl`, `<name>/version`, `<name>/byteorder`,
//! `<name>/data/<key>` per storage). Only the central directory and small entries are
//! read; weights are never decompressed.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Cursor, Read};

use serde_json::Value;
use shelf_format::inspect::{
    ArchiveEntry, KerasInfo, LayerInfo, MAX_LISTED, ModelFileInfo, PytorchInfo,
};
use zip::ZipArchive;

use super::{Problem, Result, clip, pickle};

/// Most bytes read from one archive entry (`config.json`, `data.pkl`).
pub const MAX_ENTRY: u64 = 64 << 20;

/// What a PyTorch checkpoint's pickle may import and still load with
/// `torch.load(weights_only=True)`-like safety: tensor rebuilding, storage types, dtypes,
/// `OrderedDict`. Anything else (a model class, `__main__`, `builtins.eval`) makes the
/// archive unsafe to load without `weights_only=True`.
fn safe_torch_import(import: &str) -> bool {
    const EXACT: [&str; 13] = [
        "collections.OrderedDict",
        "torch._utils._rebuild_tensor",
        "torch._utils._rebuild_tensor_v2",
        "torch._utils._rebuild_tensor_v3",
        "torch._utils._rebuild_parameter",
        "torch._utils._rebuild_parameter_with_state",
        "torch._utils._rebuild_qtensor",
        "torch._utils._rebuild_sparse_tensor",
        "torch._tensor._rebuild_from_type_v2",
        "torch.storage.UntypedStorage",
        "torch.Size",
        "torch.device",
        "torch.nn.parameter.Parameter",
    ];
    const DTYPES: [&str; 16] = [
        "float32",
        "float64",
        "float16",
        "bfloat16",
        "int64",
        "int32",
        "int16",
        "int8",
        "uint8",
        "bool",
        "complex64",
        "complex128",
        "float",
        "double",
        "half",
        "long",
    ];
    if EXACT.contains(&import) {
        return true;
    }
    match import.strip_prefix("torch.") {
        Some(name) if !name.contains('.') => name.ends_with("Storage") || DTYPES.contains(&name),
        _ => false,
    }
}

struct Archive {
    zip: ZipArchive<BufReader<File>>,
    names: Vec<(String, u64)>,
}

impl Archive {
    /// Read an entry, at most [`MAX_ENTRY`] bytes.
    fn read(&mut self, name: &str) -> Result<Vec<u8>> {
        let entry = self
            .zip
            .by_name(name)
            .map_err(|e| Problem(format!("{name}: {e}")))?;
        if entry.size() > MAX_ENTRY {
            return Err(Problem(format!(
                "{name} is {} bytes, over the {MAX_ENTRY}-byte limit for what is read",
                entry.size()
            )));
        }
        let mut out = Vec::new();
        entry
            .take(MAX_ENTRY + 1)
            .read_to_end(&mut out)
            .map_err(|e| Problem(format!("{name}: {e}")))?;
        Ok(out)
    }

    fn has(&self, name: &str) -> bool {
        self.names.iter().any(|(n, _)| n == name)
    }

    fn entries(&self) -> (Vec<ArchiveEntry>, u64) {
        let listed = self
            .names
            .iter()
            .take(MAX_LISTED)
            .map(|(path, size)| ArchiveEntry {
                path: clip(path.clone()),
                size: *size,
            })
            .collect();
        (listed, self.names.len().saturating_sub(MAX_LISTED) as u64)
    }
}

pub(super) fn inspect(file: File, expect: Option<&'static str>) -> Result<Option<ModelFileInfo>> {
    let mut zip = ZipArchive::new(BufReader::with_capacity(1 << 16, file))
        .map_err(|e| Problem(format!("not a readable zip archive: {e}")))?;
    let mut names = Vec::with_capacity(zip.len().min(1 << 20));
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|e| Problem(format!("entry {i}: {e}")))?;
        names.push((entry.name().to_string(), entry.size()));
    }
    let mut archive = Archive { zip, names };

    let keras = archive.has("config.json") && archive.has("metadata.json");
    let pickle = archive
        .names
        .iter()
        .map(|(n, _)| n.as_str())
        .find(|n| *n == "data.pkl" || n.ends_with("/data.pkl"))
        .map(str::to_string);
    match (expect, pickle) {
        (Some("keras"), _) if !keras => Err(Problem(
            "a zip archive without config.json and metadata.json".into(),
        )),
        (Some("keras"), _) | (None, None) if keras => keras_info(&mut archive).map(Some),
        (_, Some(pickle)) => pytorch(&mut archive, &pickle).map(Some),
        (Some(_), None) => Err(Problem("a zip archive without a data.pkl".into())),
        (None, None) => Ok(None),
    }
}

fn json(archive: &mut Archive, name: &str) -> Result<Value> {
    let bytes = archive.read(name)?;
    serde_json::from_slice(&bytes).map_err(|e| Problem(format!("{name} is not valid JSON: {e}")))
}

fn string_at(v: &Value, path: &[&str]) -> Option<String> {
    let mut v = v;
    for key in path {
        v = v.get(key)?;
    }
    v.as_str().map(|s| clip(s.to_string()))
}

fn keras_info(archive: &mut Archive) -> Result<ModelFileInfo> {
    let config = json(archive, "config.json")?;
    let metadata = json(archive, "metadata.json")?;
    if !config.is_object() {
        return Err(Problem("config.json is not a JSON object".into()));
    }
    let (entries, entries_truncated) = archive.entries();
    let mut info = KerasInfo {
        keras_version: string_at(&metadata, &["keras_version"]),
        date_saved: string_at(&metadata, &["date_saved"]),
        class_name: string_at(&config, &["class_name"]),
        name: string_at(&config, &["config", "name"]),
        weights_present: archive.has("model.weights.h5"),
        entries,
        entries_truncated,
        ..KerasInfo::default()
    };
    let layers = config
        .get("config")
        .and_then(|c| c.get("layers"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut classes: BTreeMap<String, u64> = BTreeMap::new();
    for layer in layers {
        let class_name = string_at(layer, &["class_name"]).unwrap_or_else(|| "?".into());
        let name = string_at(layer, &["config", "name"])
            .or_else(|| string_at(layer, &["name"]))
            .unwrap_or_default();
        info.layer_count += 1;
        if classes.len() < MAX_LISTED || classes.contains_key(&class_name) {
            *classes.entry(class_name.clone()).or_default() += 1;
        }
        if info.layers.len() < MAX_LISTED {
            info.layers.push(LayerInfo { name, class_name });
        } else {
            info.layers_truncated += 1;
        }
    }
    info.layer_classes = classes;
    Ok(ModelFileInfo::Keras(info))
}

fn pytorch(archive: &mut Archive, pickle_name: &str) -> Result<ModelFileInfo> {
    let prefix = pickle_name.strip_suffix("data.pkl").unwrap_or_default();
    let small = |archive: &mut Archive, name: &str| -> Option<String> {
        let path = format!("{prefix}{name}");
        if !archive.has(&path) {
            return None;
        }
        let bytes = archive.read(&path).ok()?;
        Some(clip(String::from_utf8_lossy(&bytes).trim().to_string()))
    };
    let archive_version = small(archive, "version").or_else(|| small(archive, ".data/version"));
    let byteorder = small(archive, "byteorder");
    let data = archive.read(pickle_name)?;
    let mut src = BufReader::new(Cursor::new(data));
    let found = pickle::scan(&mut src, true)
        .map_err(|Problem(p)| Problem(format!("{pickle_name}: {p}")))?;
    let (entries, entries_truncated) = archive.entries();
    let complete = found.imports_complete();
    let imports: Vec<String> = found.imports.into_iter().collect();
    Ok(ModelFileInfo::Pytorch(PytorchInfo {
        archive_name: clip(prefix.trim_end_matches('/').to_string()),
        archive_version,
        byteorder,
        entries,
        entries_truncated,
        pickle_protocol: found.protocol,
        unsafe_to_load: !complete || !imports.iter().all(|i| safe_torch_import(i)),
        partial: found.lossy || !complete,
        imports,
        storage_count: found.storages.len() as u64,
        tensor_count: found.tensor_count,
        parameter_count: found.parameter_count,
        tensors_truncated: found.tensor_count - found.tensors.len() as u64,
        tensors: found.tensors,
    }))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::super::tests::{file_with, problem_of};
    use super::super::{Inspection, inspect_file};
    use super::*;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut w = zip::ZipWriter::new(&mut out);
        for (name, bytes) in entries {
            w.start_file(
                *name,
                zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Stored),
            )
            .unwrap();
            w.write_all(bytes).unwrap();
        }
        w.finish().unwrap();
        out.into_inner()
    }

    #[test]
    fn torch_imports_allowlist() {
        assert!(safe_torch_import("torch._utils._rebuild_tensor_v2"));
        assert!(safe_torch_import("torch.FloatStorage"));
        assert!(safe_torch_import("torch.bfloat16"));
        assert!(!safe_torch_import("torch.nn.modules.linear.Linear"));
        assert!(!safe_torch_import("__main__.Net"));
        assert!(!safe_torch_import("builtins.eval"));
        assert!(!safe_torch_import("torch.load"));
    }

    #[test]
    fn plain_zips_are_not_model_files_and_broken_ones_give_warnings() {
        let plain = zip_of(&[("a.csv", b"1,2")]);
        let (_dir, path) = file_with("data.zip", &plain);
        assert_eq!(inspect_file(&path), Inspection::NotAModel);

        let w = problem_of("m.keras", &plain);
        assert!(w.contains("without config.json"), "{w}");
        let w = problem_of("m.pt", &plain);
        assert!(w.contains("without a data.pkl"), "{w}");
        let w = problem_of(
            "m.keras",
            &zip_of(&[("config.json", b"{not json"), ("metadata.json", b"{}")]),
        );
        assert!(w.contains("config.json is not valid JSON"), "{w}");
        let w = problem_of(
            "m.pt",
            &zip_of(&[
                ("archive/data.pkl", b"\x80\x02}q\x00(X"),
                ("archive/version", b"3"),
            ]),
        );
        assert!(
            w.contains("archive/data.pkl: ") && w.contains("ends early"),
            "{w}"
        );
        let good = zip_of(&[
            ("archive/data.pkl", b"\x80\x02}q\x00."),
            ("archive/version", b"3"),
        ]);
        for cut in [4, 30, good.len() / 2, good.len() - 10] {
            let w = problem_of("m.pt", &good[..cut]);
            assert!(w.starts_with("m.pt: pytorch: "), "{w}");
        }
    }
}
