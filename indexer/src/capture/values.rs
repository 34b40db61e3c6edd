//! `--metrics FILE` and `--params FILE`: JSON or YAML, flat or nested, as training scripts
//! and DVC write them, flattened to dotted keys (`{"test": {"f1": 0.9}}` → `test.f1`).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;
use shelf_format::{Key, ParamValue};

use crate::error::{Error, Result};

/// Largest metrics or params file read, in bytes.
pub const MAX_VALUES_FILE: u64 = 16 * 1024 * 1024;

/// Read a JSON or YAML file into a JSON value: `.json` is JSON, `.yaml`/`.yml` YAML, any
/// other name is tried as JSON, then YAML.
pub fn read_tree(path: &Path) -> Result<Value> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io("read", path, e))?;
    if meta.len() > MAX_VALUES_FILE {
        return Err(Error::Usage(format!(
            "{} is {} bytes; a metrics or params file is at most {MAX_VALUES_FILE} bytes",
            path.display(),
            meta.len()
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let json = || serde_json::from_str::<Value>(&text).map_err(|e| e.to_string());
    let yaml = || {
        let value = serde_yaml_ng::from_str::<serde_yaml_ng::Value>(&text)
            .map_err(|e| format!("not valid YAML: {e}"))?;
        yaml_to_json("", value)
    };
    let parsed = match ext.as_deref() {
        Some("json") => json().map_err(|e| format!("not valid JSON: {e}")),
        Some("yaml" | "yml") => yaml(),
        _ => json().or_else(|_| yaml().map_err(|e| format!("neither JSON nor YAML ({e})"))),
    };
    parsed.map_err(|e| Error::Usage(format!("{}: {e}", path.display())))
}

/// A YAML value as JSON. YAML can say `.nan` and `.inf`, JSON cannot: those are refused,
/// naming where they are; non-string keys are written as text.
fn yaml_to_json(at: &str, value: serde_yaml_ng::Value) -> std::result::Result<Value, String> {
    use serde_yaml_ng::Value as Y;
    let child = |k: &str| {
        if at.is_empty() {
            k.to_string()
        } else {
            format!("{at}.{k}")
        }
    };
    Ok(match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                let x = n.as_f64().unwrap_or(f64::NAN);
                if !x.is_finite() {
                    return Err(format!(
                        "{at} is {x}; a metric value must be a finite number",
                        at = if at.is_empty() { "the value" } else { at }
                    ));
                }
                Value::from(x)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| yaml_to_json(&child(&i.to_string()), v))
                .collect::<std::result::Result<_, _>>()?,
        ),
        Y::Mapping(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                let k = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => serde_yaml_ng::to_string(&other)
                        .map_err(|e| e.to_string())?
                        .trim()
                        .to_string(),
                };
                let v = yaml_to_json(&child(&k), v)?;
                out.insert(k, v);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => yaml_to_json(at, tagged.value)?,
    })
}

/// Flatten nested objects and arrays to dotted keys. Key parts that break the key rule
/// (`macro avg`) have each offending character replaced by `_`.
pub fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
    let join = |part: &str| {
        let part: String = part
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/' | ':') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if prefix.is_empty() {
            part
        } else {
            format!("{prefix}.{part}")
        }
    };
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                flatten(&join(k), v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&join(&i.to_string()), v, out);
            }
        }
        leaf => out.push((prefix.to_string(), leaf.clone())),
    }
}

fn key(file: &Path, raw: &str) -> Result<Key> {
    Key::new(raw).map_err(|e| Error::Usage(format!("{}: {e}", file.display())))
}

/// The metrics of a `--metrics [SPLIT=]FILE`: every number, under `SPLIT.` when given
/// (`--metrics test=eval.json`). Non-numbers (strings, booleans, nulls) are skipped and
/// named in the returned notes; NaN and infinities are refused.
pub fn metrics_file(spec: &str) -> Result<(BTreeMap<Key, f64>, Vec<String>)> {
    let (split, file) = split_spec(spec);
    let tree = read_tree(file)?;
    if !tree.is_object() {
        return Err(Error::Usage(format!(
            "{}: a metrics file holds an object of names to numbers",
            file.display()
        )));
    }
    let mut leaves = Vec::new();
    flatten(split.unwrap_or(""), &tree, &mut leaves);
    let mut metrics = BTreeMap::new();
    let mut skipped = Vec::new();
    for (name, value) in leaves {
        match value.as_f64() {
            Some(x) if x.is_finite() => {
                metrics.insert(key(file, &name)?, x);
            }
            Some(x) => {
                return Err(Error::Usage(format!(
                    "{}: metric {name} is {x}; a metric value must be a finite number",
                    file.display()
                )));
            }
            None => skipped.push(name),
        }
    }
    let notes = if skipped.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "{}: skipped {} value{} that are not numbers: {}",
            file.display(),
            skipped.len(),
            if skipped.len() == 1 { "" } else { "s" },
            skipped.join(", ")
        )]
    };
    Ok((metrics, notes))
}

/// The params of a `--params FILE`: strings, integers, floats and booleans as they are;
/// a null becomes the string `null`.
pub fn params_file(path: &Path) -> Result<BTreeMap<Key, ParamValue>> {
    let tree = read_tree(path)?;
    if !tree.is_object() {
        return Err(Error::Usage(format!(
            "{}: a params file holds an object of names to values",
            path.display()
        )));
    }
    let mut leaves = Vec::new();
    flatten("", &tree, &mut leaves);
    let mut params = BTreeMap::new();
    for (name, value) in leaves {
        let value = match value {
            Value::Bool(b) => ParamValue::Bool(b),
            Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => ParamValue::Int(i),
                (None, Some(x)) if x.is_finite() => ParamValue::Float(x),
                _ => ParamValue::String(n.to_string()),
            },
            Value::String(s) => ParamValue::String(s),
            Value::Null => ParamValue::String("null".into()),
            Value::Array(_) | Value::Object(_) => unreachable!("flattened"),
        };
        params.insert(key(path, &name)?, value);
    }
    Ok(params)
}

/// `test=eval.json` → (Some("test"), "eval.json"); `eval.json` → (None, "eval.json").
/// A part before `=` counts as a split only when it is a plain word (so `a=b.json` paths
/// with `=` elsewhere still work).
fn split_spec(spec: &str) -> (Option<&str>, &Path) {
    match spec.split_once('=') {
        Some((split, file))
            if !split.is_empty()
                && split
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') =>
        {
            (Some(split), Path::new(file))
        }
        _ => (None, Path::new(spec)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn nested_json_and_yaml_flatten_to_dotted_keys() {
        let dir = tempfile::tempdir().unwrap();
        let json = write(
            dir.path(),
            "metrics.json",
            r#"{"train": {"f1": 0.95, "loss": 0.1}, "test": {"f1": 0.91, "auc": 0.97,
                "macro avg": {"precision": 0.9}}, "model": "gbt", "classes": [0.5, 0.7]}"#,
        );
        let (metrics, notes) = metrics_file(json.to_str().unwrap()).unwrap();
        let got: Vec<(String, f64)> = metrics.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        assert_eq!(
            got,
            vec![
                ("classes.0".into(), 0.5),
                ("classes.1".into(), 0.7),
                ("test.auc".into(), 0.97),
                ("test.f1".into(), 0.91),
                ("test.macro_avg.precision".into(), 0.9),
                ("train.f1".into(), 0.95),
                ("train.loss".into(), 0.1),
            ]
        );
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0].contains("skipped 1 value that are not numbers: model"),
            "{notes:?}"
        );

        let yaml = write(
            dir.path(),
            "eval.yaml",
            "precision: 0.8\nrecall: 0.7\nper_class:\n  fraud: {f1: 0.6}\n",
        );
        let (metrics, _) = metrics_file(&format!("validation={}", yaml.display())).unwrap();
        let keys: Vec<String> = metrics.keys().map(|k| k.to_string()).collect();
        assert_eq!(
            keys,
            [
                "validation.per_class.fraud.f1",
                "validation.precision",
                "validation.recall"
            ]
        );

        let params = write(
            dir.path(),
            "params.yaml",
            "train:\n  lr: 0.05\n  max_depth: 8\n  early_stopping: true\n  objective: binary\n  seed: null\n",
        );
        let params = params_file(&params).unwrap();
        let shown: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
        assert_eq!(
            shown,
            [
                "train.early_stopping=Bool(true)",
                "train.lr=Float(0.05)",
                "train.max_depth=Int(8)",
                "train.objective=String(\"binary\")",
                "train.seed=String(\"null\")",
            ]
        );
    }

    #[test]
    fn bad_files_are_refused_naming_the_file_and_the_rule() {
        let dir = tempfile::tempdir().unwrap();
        let broken = write(dir.path(), "m.json", "{\"f1\": 0.9,");
        let err = metrics_file(broken.to_str().unwrap()).unwrap_err();
        assert!(err.is_usage());
        assert!(err.to_string().contains("m.json: not valid JSON"), "{err}");
        let nan = write(dir.path(), "m.yaml", "f1: .nan\n");
        let err = metrics_file(nan.to_str().unwrap()).unwrap_err();
        assert!(
            err.to_string()
                .contains("f1 is NaN; a metric value must be a finite number"),
            "{err}"
        );
        let list = write(dir.path(), "l.json", "[1, 2]");
        let err = metrics_file(list.to_str().unwrap()).unwrap_err();
        assert!(
            err.to_string().contains("an object of names to numbers"),
            "{err}"
        );
        let err = metrics_file(dir.path().join("missing.json").to_str().unwrap()).unwrap_err();
        assert!(
            err.is_usage() && err.to_string().contains("missing.json"),
            "{err}"
        );
        let weird = write(dir.path(), "p.yaml", "\"\": 1\n");
        let err = params_file(&weird).unwrap_err();
        assert!(err.to_string().contains("invalid key"), "{err}");
    }
}
