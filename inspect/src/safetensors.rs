//! safetensors: an 8-byte little-endian header length, a JSON header mapping tensor names
//! to `{dtype, shape, data_offsets}` (plus an optional `__metadata__` string map), then the
//! tensor data. Only the header is read.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;

use serde::Deserialize;
use shelf_format::inspect::{MAX_LISTED, MAX_METADATA, ModelFileInfo, SafetensorsInfo, TensorInfo};

use super::{Problem, Result, clip, fixed_shape};

/// The largest header the safetensors format allows (100 MB).
pub const MAX_HEADER: u64 = 100_000_000;

#[derive(Deserialize)]
struct RawTensor {
    dtype: String,
    shape: Vec<u64>,
    data_offsets: (u64, u64),
}

/// The header: `__metadata__` and the tensors in file order. Read by a visitor so that
/// each entry is decoded straight into its type (an untagged enum would buffer every
/// entry first: 250 ms instead of 90 ms on a 100,000-tensor header).
#[derive(Default)]
struct Header {
    metadata: BTreeMap<String, String>,
    tensors: Vec<(String, RawTensor)>,
}

impl<'de> Deserialize<'de> for Header {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Header;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object of tensors")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Header, A::Error> {
                use serde::de::Error;
                let mut header = Header::default();
                while let Some(key) = map.next_key::<String>()? {
                    if key == "__metadata__" {
                        header.metadata = map.next_value().map_err(|e| {
                            A::Error::custom(format!("__metadata__ is not a map of strings: {e}"))
                        })?;
                    } else {
                        let tensor = map.next_value::<RawTensor>().map_err(|e| {
                            A::Error::custom(format!(
                                "entry {key:?} is not a tensor (dtype, shape, data_offsets): {e}"
                            ))
                        })?;
                        header.tensors.push((key, tensor));
                    }
                }
                Ok(header)
            }
        }
        d.deserialize_map(Visit)
    }
}

/// Bytes per element of a safetensors dtype, where known.
fn dtype_size(dtype: &str) -> Option<u64> {
    Some(match dtype {
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" | "F8_E8M0" => 1,
        "U16" | "I16" | "F16" | "BF16" => 2,
        "U32" | "I32" | "F32" => 4,
        "U64" | "I64" | "F64" | "C64" => 8,
        _ => return None,
    })
}

pub(super) fn inspect(file: &mut File, size: u64) -> Result<ModelFileInfo> {
    if size < 8 {
        return Err(Problem(format!(
            "the file is {size} bytes, shorter than the 8-byte header length"
        )));
    }
    let mut len = [0u8; 8];
    file.read_exact(&mut len)?;
    let header_size = u64::from_le_bytes(len);
    if header_size > MAX_HEADER {
        return Err(Problem(format!(
            "header length {header_size} exceeds the format's limit of {MAX_HEADER} bytes"
        )));
    }
    if header_size > size - 8 {
        return Err(Problem(format!(
            "header length {header_size} exceeds the file size {size}"
        )));
    }
    let mut header = vec![0u8; header_size as usize];
    file.read_exact(&mut header)?;
    if header.first() != Some(&b'{') {
        return Err(Problem("the header is not a JSON object".into()));
    }
    let Header {
        metadata,
        mut tensors,
    } = serde_json::from_slice(&header)
        .map_err(|e| Problem(format!("the header is not valid safetensors JSON: {e}")))?;
    drop(header);
    let data_size = size - 8 - header_size;

    let mut info = SafetensorsInfo {
        header_size,
        ..SafetensorsInfo::default()
    };
    let total = metadata.len();
    for (k, v) in metadata.into_iter().take(MAX_METADATA) {
        info.metadata.insert(clip(k), clip(v));
    }
    info.metadata_truncated = (total - info.metadata.len()) as u64;

    tensors.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(w) = tensors.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(Problem(format!("tensor {:?} appears twice", w[0].0)));
    }
    for (name, tensor) in tensors {
        let RawTensor {
            dtype,
            shape,
            data_offsets: (begin, end),
        } = tensor;
        let elements = shape
            .iter()
            .try_fold(1u64, |n, d| n.checked_mul(*d))
            .ok_or_else(|| Problem(format!("tensor {name:?}: shape {shape:?} overflows")))?;
        if begin > end || end > data_size {
            return Err(Problem(format!(
                "tensor {name:?}: data offsets [{begin}, {end}] lie outside the {data_size} bytes of data (truncated file?)"
            )));
        }
        if let Some(width) = dtype_size(&dtype)
            && elements.checked_mul(width) != Some(end - begin)
        {
            return Err(Problem(format!(
                "tensor {name:?}: {} bytes of data for {elements} elements of {dtype}",
                end - begin
            )));
        }
        info.tensor_count += 1;
        info.parameter_count = info
            .parameter_count
            .checked_add(elements)
            .ok_or_else(|| Problem("the parameter count overflows".into()))?;
        let count = info.dtypes.entry(clip(dtype.clone())).or_default();
        count.tensors += 1;
        count.parameters = count.parameters.saturating_add(elements);
        if info.tensors.len() < MAX_LISTED {
            info.tensors.push(TensorInfo {
                name: clip(name),
                dtype: clip(dtype),
                shape: fixed_shape(&shape)?,
            });
        } else {
            info.tensors_truncated += 1;
        }
    }
    Ok(ModelFileInfo::Safetensors(info))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{file_with, problem_of};
    use super::super::{Inspection, inspect_file};
    use shelf_format::ModelFileInfo;
    use shelf_testkit::safetensors::{self, raw as file};

    #[test]
    fn reads_a_header_written_to_the_spec() {
        let bytes = file(
            r#"{"__metadata__":{"format":"pt"},"b":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"a":{"dtype":"BF16","shape":[],"data_offsets":[24,26]}}  "#,
            26,
        );
        let (_dir, path) = file_with("m.safetensors", &bytes);
        let info = match inspect_file(&path) {
            Inspection::Info(ModelFileInfo::Safetensors(i)) => i,
            other => panic!("{other:?}"),
        };
        assert_eq!(info.tensor_count, 2);
        assert_eq!(info.parameter_count, 7);
        assert_eq!(info.tensors[0].name, "a");
        assert!(info.tensors[0].shape.is_empty());
        assert_eq!(info.metadata["format"], "pt");
        assert_eq!(info.dtypes["F32"].parameters, 6);
    }

    /// The test kit's files (used by the browser tests) and the `info` it says they give
    /// (used by the format and app tests) agree with this parser.
    #[test]
    fn reads_what_the_test_kit_says_its_files_hold() {
        let tensors: &[safetensors::Tensor] = &[
            ("head.weight", "F32", &[2, 3]),
            ("embed.weight", "U8", &[10, 12]),
            ("head.bias", "F16", &[2]),
            ("scale", "BF16", &[]),
        ];
        let (_dir, path) = file_with("m.safetensors", &safetensors::file(tensors));
        let expected: ModelFileInfo = serde_json::from_value(safetensors::info(tensors)).unwrap();
        assert_eq!(inspect_file(&path), Inspection::Info(expected));
    }

    #[test]
    fn malformed_files_give_a_warning() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (vec![1, 2, 3], "shorter than the 8-byte header length"),
            (
                [&9_999_999u64.to_le_bytes()[..], b"{}"].concat(),
                "header length 9999999 exceeds the file size 10",
            ),
            (
                [&200_000_000u64.to_le_bytes()[..], b"{}"].concat(),
                "exceeds the format's limit",
            ),
            (file("{\"a\":", 0), "not valid safetensors JSON"),
            (
                file("{\"a\":{\"dtype\":\"F32\"}}", 0),
                "entry \"a\" is not a tensor",
            ),
            (
                file(
                    r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
                    4,
                ),
                "lie outside the 4 bytes of data (truncated file?)",
            ),
            (
                file(
                    r#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#,
                    8,
                ),
                "8 bytes of data for 3 elements of F32",
            ),
            (
                file(
                    r#"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#,
                    8,
                ),
                "overflows",
            ),
            (file(r#"{"a":{"b":"c"}}"#, 0), "entry \"a\" is not a tensor"),
        ];
        for (bytes, expected) in cases {
            let warning = problem_of("model.safetensors", &bytes);
            assert!(
                warning.contains("model.safetensors: ") && warning.contains(expected),
                "{warning:?} lacks {expected:?}"
            );
        }
    }
}
