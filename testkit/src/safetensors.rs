//! safetensors files: an 8-byte little-endian header length, a JSON header naming each
//! tensor's dtype, shape and data offsets, then the tensor data.

use serde_json::{Map, Value, json};

/// A tensor: `(name, dtype, shape)`, e.g. `("head.weight", "F32", &[2, 3])`.
pub type Tensor<'a> = (&'a str, &'a str, &'a [u64]);

/// The metadata every [`file`] carries (`__metadata__`), as PyTorch's exporter writes it.
pub const METADATA: (&str, &str) = ("format", "pt");

/// A file of `header` (taken as is, valid JSON or not) followed by `data` zero bytes.
pub fn raw(header: &str, data: usize) -> Vec<u8> {
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend(header.as_bytes());
    out.resize(out.len() + data, 0);
    out
}

/// Bytes per element of `dtype`. Panics on a dtype this kit has no width for.
pub fn width(dtype: &str) -> u64 {
    match dtype {
        "U8" | "I8" | "BOOL" | "F8_E4M3" | "F8_E5M2" => 1,
        "F16" | "BF16" | "I16" | "U16" => 2,
        "F32" | "I32" | "U32" => 4,
        "F64" | "I64" | "U64" => 8,
        other => panic!("shelf-testkit has no width for dtype {other}"),
    }
}

fn elements(shape: &[u64]) -> u64 {
    shape.iter().product()
}

/// The JSON header of [`file`]: the tensors laid out one after the other in the order
/// given, and [`METADATA`].
fn header(tensors: &[Tensor<'_>]) -> (Vec<u8>, u64) {
    let mut header = Map::new();
    let mut offset = 0u64;
    for (name, dtype, shape) in tensors {
        let size = elements(shape) * width(dtype);
        header.insert(
            name.to_string(),
            json!({"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + size]}),
        );
        offset += size;
    }
    header.insert("__metadata__".into(), json!({METADATA.0: METADATA.1}));
    let bytes = serde_json::to_vec(&Value::Object(header)).expect("a JSON map serializes");
    (bytes, offset)
}

/// A safetensors file written to the spec: `tensors` laid out one after the other, with
/// zeroed data, and [`METADATA`].
pub fn file(tensors: &[Tensor<'_>]) -> Vec<u8> {
    let (header, data) = header(tensors);
    let mut out = (header.len() as u64).to_le_bytes().to_vec();
    out.extend(header);
    out.resize(out.len() + data as usize, 0);
    out
}

/// What the indexer reads from [`file`]`(tensors)`: the artifact's `info` document
/// (`docs/format.md` §5.5.1), as JSON, for tests that need a manifest's `info` without
/// a file (deserialize it into `shelf_format::ModelFileInfo`). Tensors are listed by
/// name; fewer than the 10,000 the indexer lists at most, so nothing is truncated.
/// `shelf-inspect`'s tests check that its parser reads exactly this from the file.
pub fn info(tensors: &[Tensor<'_>]) -> Value {
    let (header, _) = header(tensors);
    let mut dtypes = Map::new();
    for (_, dtype, shape) in tensors {
        let count = dtypes
            .entry(dtype.to_string())
            .or_insert_with(|| json!({"tensors": 0, "parameters": 0}));
        count["tensors"] = json!(count["tensors"].as_u64().unwrap_or(0) + 1);
        count["parameters"] = json!(count["parameters"].as_u64().unwrap_or(0) + elements(shape));
    }
    let mut listed: Vec<&Tensor<'_>> = tensors.iter().collect();
    listed.sort_by_key(|(name, _, _)| *name);
    let listed: Vec<Value> = listed
        .into_iter()
        .map(|(name, dtype, shape)| json!({"name": name, "dtype": dtype, "shape": shape}))
        .collect();
    json!({
        "format": "safetensors",
        "header_size": header.len(),
        "tensor_count": tensors.len(),
        "parameter_count": tensors.iter().map(|(_, _, shape)| elements(shape)).sum::<u64>(),
        "dtypes": dtypes,
        "tensors": listed,
        "metadata": {METADATA.0: METADATA.1},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lays_tensors_out_one_after_the_other() {
        let bytes = file(&[("b", "F32", &[2, 3]), ("a", "BF16", &[])]);
        let len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let header: Value = serde_json::from_slice(&bytes[8..8 + len]).unwrap();
        assert_eq!(header["b"]["data_offsets"], json!([0, 24]));
        assert_eq!(header["a"]["data_offsets"], json!([24, 26]));
        assert_eq!(header["__metadata__"]["format"], "pt");
        assert_eq!(bytes.len(), 8 + len + 26);
        assert_eq!(raw("{}", 3), b"\x02\0\0\0\0\0\0\0{}\0\0\0");
    }

    #[test]
    fn info_counts_what_the_file_holds() {
        let info = info(&[("b", "F32", &[2, 3]), ("a", "F32", &[4]), ("c", "U8", &[])]);
        assert_eq!(info["tensor_count"], 3);
        assert_eq!(info["parameter_count"], 6 + 4 + 1);
        assert_eq!(
            info["dtypes"]["F32"],
            json!({"tensors": 2, "parameters": 10})
        );
        let names: Vec<&str> = info["tensors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["a", "b", "c"]);
    }
}
