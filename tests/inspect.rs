//! Model-file introspection on real files: `tests/fixtures/make_model_files.py` writes
//! them with the real libraries (safetensors, onnx, gguf, joblib + scikit-learn, pickle)
//! and, for Keras and PyTorch (whose wheels are multi-GB), to their published archive
//! layouts; it also writes `expected.json`, what the files hold, which every test here
//! compares against. Then: corrupted and truncated copies of every file give a warning
//! naming the file, never a panic.
//!
//! Needs the ML venv (`.tools/ml-venv`), which `scripts/setup.sh` installs and
//! `scripts/test.sh` runs first.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::{Value, json};
use shelf::{Inspection, inspect_file};
use shelf_format::inspect::{Dim, ModelFileInfo, Port, TensorInfo, architecture_diff};

struct Fixtures {
    dir: tempfile::TempDir,
    expected: Value,
}

fn fixtures() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let python = root.join(".tools/ml-venv/bin/python");
        assert!(
            python.exists(),
            "{} is missing: run `scripts/setup.sh ml_python` (scripts/test.sh runs setup first)",
            python.display()
        );
        let dir = tempfile::tempdir().unwrap();
        let output = Command::new(&python)
            .arg(root.join("tests/fixtures/make_model_files.py"))
            .arg(dir.path())
            .output()
            .expect("run make_model_files.py");
        assert!(
            output.status.success(),
            "make_model_files.py failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let expected =
            serde_json::from_slice(&std::fs::read(dir.path().join("expected.json")).unwrap())
                .unwrap();
        Fixtures { dir, expected }
    })
}

fn path(name: &str) -> PathBuf {
    fixtures().dir.path().join(name)
}

fn expected(key: &str) -> &'static Value {
    &fixtures().expected[key]
}

fn inspected(name: &str) -> ModelFileInfo {
    match inspect_file(&path(name)) {
        Inspection::Info(info) => info,
        other => panic!("{name}: {other:?}"),
    }
}

fn dims(v: &Value) -> Vec<Dim> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|d| match d {
            Value::String(s) => Dim::Symbolic(s.clone()),
            n => Dim::Fixed(n.as_i64().unwrap()),
        })
        .collect()
}

/// `tensors` as `{name: {"dtype", "shape"}}`, to compare with expected.json.
fn by_name(tensors: &[TensorInfo]) -> Value {
    let map: BTreeMap<&str, Value> = tensors
        .iter()
        .map(|t| {
            (
                t.name.as_str(),
                json!({"dtype": t.dtype, "shape": serde_json::to_value(&t.shape).unwrap()}),
            )
        })
        .collect();
    serde_json::to_value(map).unwrap()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn safetensors_from_the_safetensors_library() {
    let ModelFileInfo::Safetensors(info) = inspected("model.safetensors") else {
        panic!()
    };
    let want = expected("safetensors");
    assert_eq!(by_name(&info.tensors), want["tensors"]);
    assert_eq!(info.tensor_count, 4);
    assert_eq!(info.tensors_truncated, 0);
    assert_eq!(info.parameter_count, want["parameter_count"]);
    assert_eq!(
        serde_json::to_value(&info.metadata).unwrap(),
        want["metadata"]
    );
    assert_eq!(info.dtypes["F16"].tensors, 1);
    assert_eq!(info.dtypes["F16"].parameters, 48);
}

#[test]
fn onnx_from_onnx_helper() {
    let ModelFileInfo::Onnx(info) = inspected("model.onnx") else {
        panic!()
    };
    let want = expected("onnx");
    assert_eq!(info.ir_version, want["ir_version"].as_i64());
    let opsets: Vec<Value> = info
        .opsets
        .iter()
        .map(|o| json!([o.domain, o.version]))
        .collect();
    assert_eq!(Value::from(opsets), want["opsets"]);
    assert_eq!(
        info.producer_name.as_deref(),
        want["producer_name"].as_str()
    );
    assert_eq!(info.graph_name.as_deref(), want["graph_name"].as_str());
    for (got, want) in [
        (&info.inputs, &want["inputs"]),
        (&info.outputs, &want["outputs"]),
    ] {
        let want = want.as_array().unwrap();
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert_eq!(g.name, w[0]);
            assert_eq!(g.elem_type.as_deref(), w[1].as_str());
            assert_eq!(g.shape, Some(dims(&w[2])));
        }
    }
    assert_eq!(info.node_count, want["node_count"]);
    assert_eq!(
        serde_json::to_value(&info.op_types).unwrap(),
        want["op_types"]
    );
    assert_eq!(info.initializer_count, 3);
    let initializers: BTreeMap<&str, Value> = info
        .initializers
        .iter()
        .map(|t| (t.name.as_str(), serde_json::to_value(&t.shape).unwrap()))
        .collect();
    assert_eq!(
        serde_json::to_value(initializers).unwrap(),
        want["initializers"]
    );
    assert!(info.initializers.iter().all(|t| t.dtype == "float"));
    assert_eq!(info.parameter_count, want["parameter_count"]);
    assert!(!info.external_data);
    assert_eq!(
        serde_json::to_value(&info.metadata).unwrap(),
        want["metadata"]
    );
}

#[test]
fn gguf_from_the_gguf_writer() {
    let ModelFileInfo::Gguf(info) = inspected("model.gguf") else {
        panic!()
    };
    let want = expected("gguf");
    assert_eq!(info.version, 3);
    assert_eq!(info.architecture.as_deref(), want["architecture"].as_str());
    assert_eq!(info.name.as_deref(), want["name"].as_str());
    assert_eq!(by_name(&info.tensors), want["tensors"]);
    assert_eq!(info.tensor_count, 3);
    assert_eq!(info.parameter_count, want["parameter_count"]);
    for (key, value) in want["metadata"].as_object().unwrap() {
        assert_eq!(
            &serde_json::to_value(&info.metadata[key]).unwrap(),
            value,
            "{key}"
        );
    }
    assert_eq!(info.metadata_count, info.metadata.len() as u64);
}

#[test]
fn joblib_dumps_of_a_scikit_learn_model() {
    let want = expected("joblib");
    let class = want["class"].as_str().unwrap();
    for (name, compression) in [
        ("model.joblib", None),
        ("model-zlib.joblib", Some("zlib")),
        ("model.joblib.gz", Some("gzip")),
        ("bundle.joblib", None),
    ] {
        let ModelFileInfo::Pickle(info) = inspected(name) else {
            panic!("{name}")
        };
        assert!(info.unsafe_to_load, "{name}");
        assert!(info.joblib, "{name}");
        assert!(info.imports_complete, "{name}");
        assert_eq!(info.compression.as_deref(), compression, "{name}");
        assert!(info.protocol.is_some(), "{name}");
        for import in [
            class,
            "joblib.numpy_pickle.NumpyArrayWrapper",
            "numpy.dtype",
        ] {
            assert!(
                info.imports.iter().any(|i| i == import),
                "{name}: {import} not in {:?}",
                info.imports
            );
        }
        let arrays = if name == "bundle.joblib" {
            &want["bundle_arrays"]
        } else {
            &want["arrays"]
        };
        assert_eq!(info.arrays, *arrays, "{name}");
    }
    // bz2 is recognised and flagged, but not decompressed.
    let ModelFileInfo::Pickle(info) = inspected("model.joblib.bz2") else {
        panic!()
    };
    assert!(info.unsafe_to_load && info.joblib);
    assert_eq!(info.compression.as_deref(), Some("bz2"));
    assert!(!info.imports_complete);
    assert!(info.imports.is_empty());
}

#[test]
fn pickles_are_flagged_unsafe_with_their_imports() {
    let want = expected("pickle");
    let mut p2 = strings(&want["imports"]);
    p2.extend(strings(&want["imports_p2"]));
    p2.sort();
    for (name, protocol, imports) in [
        ("plain-p2.pkl", Some(2), p2),
        ("plain-p5.pkl", Some(5), strings(&want["imports"])),
        ("evil.pkl", None, strings(&want["evil_imports"])),
    ] {
        let ModelFileInfo::Pickle(info) = inspected(name) else {
            panic!("{name}")
        };
        assert!(info.unsafe_to_load, "{name}");
        assert!(!info.joblib, "{name}");
        assert_eq!(info.protocol, protocol, "{name}");
        assert_eq!(info.imports, imports, "{name}");
        assert!(info.imports_complete, "{name}");
    }
}

#[test]
fn keras_archive_in_the_keras_3_layout() {
    let ModelFileInfo::Keras(info) = inspected("model.keras") else {
        panic!()
    };
    let want = expected("keras");
    assert_eq!(
        info.keras_version.as_deref(),
        want["keras_version"].as_str()
    );
    assert_eq!(info.class_name.as_deref(), want["class_name"].as_str());
    assert_eq!(info.name.as_deref(), want["name"].as_str());
    let layers: Vec<Value> = info
        .layers
        .iter()
        .map(|l| json!([l.name, l.class_name]))
        .collect();
    assert_eq!(Value::from(layers), want["layers"]);
    assert_eq!(info.layer_count, 4);
    assert_eq!(info.layer_classes["Dense"], 2);
    assert!(info.weights_present);
    assert_eq!(info.entries.len(), 3);
}

#[test]
fn pytorch_archives_in_the_torch_save_layout() {
    let want = expected("pytorch");
    let ModelFileInfo::Pytorch(info) = inspected("model.pt") else {
        panic!()
    };
    assert_eq!(info.archive_name, "archive");
    assert_eq!(info.archive_version.as_deref(), Some("3"));
    assert_eq!(info.byteorder.as_deref(), Some("little"));
    assert_eq!(info.pickle_protocol, Some(2));
    assert_eq!(info.imports, strings(&want["imports"]));
    assert!(
        !info.unsafe_to_load,
        "a plain state dict loads with weights_only"
    );
    assert_eq!(info.storage_count, want["storage_count"]);
    assert_eq!(info.tensor_count, 3);
    assert_eq!(info.parameter_count, want["parameter_count"]);
    assert_eq!(by_name(&info.tensors), want["tensors"]);
    assert!(info.entries.iter().any(|e| e.path == "archive/data/0"));

    // A whole model pickled by reference: the class is an import, loading runs it.
    let ModelFileInfo::Pytorch(full) = inspected("full.pt") else {
        panic!()
    };
    assert!(full.unsafe_to_load);
    assert!(full.imports.iter().any(|i| i == "__main__.TinyNet"));
    assert_eq!(full.tensor_count, 3);
    assert_eq!(full.tensors[0].name, "state.fc1.weight");
}

#[test]
fn architecture_diff_between_two_onnx_versions() {
    let (v1, v2) = (inspected("model.onnx"), inspected("model-v2.onnx"));
    let diff = architecture_diff(&v1, &v2);
    assert_eq!(diff.parameter_delta(), Some(16));
    assert_eq!(diff.opset_changes.len(), 1);
    assert_eq!(
        (diff.opset_changes[0].old, diff.opset_changes[0].new),
        (Some(17), Some(18))
    );
    assert_eq!(diff.tensors_reshaped.len(), 1);
    assert_eq!(diff.tensors_reshaped[0].name, "W2");
    assert_eq!(
        diff.tensors_reshaped[0].new,
        vec![Dim::Fixed(8), Dim::Fixed(5)]
    );
    assert!(diff.tensors_added.is_empty() && diff.tensors_removed.is_empty());
    assert_eq!(diff.value_changes.len(), 1);
    assert_eq!(diff.value_changes[0].port, Port::Output);
    assert!(architecture_diff(&v1, &v1).is_empty());

    // The state dict against the whole-model pickle: every name moved under `state.`.
    let diff = architecture_diff(&inspected("model.pt"), &inspected("full.pt"));
    assert_eq!(diff.tensors_added.len(), 3);
    assert_eq!(diff.tensors_removed.len(), 3);
    assert_eq!(diff.parameter_delta(), Some(0));
}

#[test]
fn documents_are_canonical_json_that_round_trips() {
    for name in [
        "model.safetensors",
        "model.onnx",
        "model.gguf",
        "model.joblib",
        "model.keras",
        "model.pt",
    ] {
        let info = inspected(name);
        let bytes = shelf_format::to_canonical_vec(&info).unwrap();
        let back: ModelFileInfo = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back, info, "{name}");
        assert!(bytes.len() < 4096, "{name}: {} bytes", bytes.len());
    }
}

#[test]
fn other_files_are_not_model_files() {
    assert_eq!(inspect_file(&path("expected.json")), Inspection::NotAModel);
}

#[test]
fn truncated_and_corrupted_copies_give_a_warning_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut names: Vec<String> = std::fs::read_dir(fixtures().dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "expected.json")
        .collect();
    names.sort();
    assert_eq!(names.len(), 15, "{names:?}");
    for name in &names {
        let bytes = std::fs::read(path(name)).unwrap();
        let copy = dir.path().join(name);
        // bz2 is not decompressed, so a truncated one still reads as a flagged pickle.
        let compressed_unread = name.ends_with(".bz2");
        for cut in [bytes.len() - 1, bytes.len() / 2, 9, 1, 0] {
            std::fs::write(&copy, &bytes[..cut]).unwrap();
            match inspect_file(&copy) {
                Inspection::Malformed { warning, .. } => {
                    assert!(
                        warning.starts_with(&format!("{}: ", copy.display())),
                        "{warning}"
                    );
                }
                Inspection::Info(_) if compressed_unread && cut > 3 => {}
                other => panic!("{name} cut at {cut}: {other:?}"),
            }
        }
        // Flipped bytes anywhere: a warning or an info, never a panic.
        for at in (0..bytes.len()).step_by(bytes.len().div_ceil(64)) {
            let mut bad = bytes.clone();
            bad[at] ^= 0xff;
            if at + 1 < bad.len() {
                bad[at + 1] = bad[at + 1].wrapping_add(0x80);
            }
            std::fs::write(&copy, &bad).unwrap();
            let _ = inspect_file(&copy);
        }
    }
}
