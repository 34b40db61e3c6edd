//! GGUF (llama.cpp): magic `GGUF`, a version, tensor and metadata counts, the metadata
//! key-value pairs, then one descriptor per tensor (name, dimensions, ggml type, offset),
//! then the aligned tensor data, which is never read.

use std::fs::File;
use std::io::{BufReader, Read};

use shelf_format::inspect::{
    GgufInfo, MAX_INLINE_ARRAY, MAX_LISTED, MAX_METADATA, MetadataValue, ModelFileInfo, TensorInfo,
};

use super::{Problem, Result, clip, fixed_shape, text};

/// Longest key or string value read into memory; longer strings are skipped and shown
/// by their length.
const MAX_STRING: u64 = 1 << 20;
/// Deepest nesting of arrays in arrays.
const MAX_DEPTH: u32 = 4;
/// Most dimensions a tensor may have (ggml has 4).
const MAX_DIMS: u32 = 16;

/// Name, elements per block and bytes per block of a ggml type (gguf-py
/// `GGML_QUANT_SIZES`).
fn ggml_type(t: u32) -> Option<(&'static str, u64, u64)> {
    Some(match t {
        0 => ("F32", 1, 4),
        1 => ("F16", 1, 2),
        2 => ("Q4_0", 32, 18),
        3 => ("Q4_1", 32, 20),
        6 => ("Q5_0", 32, 22),
        7 => ("Q5_1", 32, 24),
        8 => ("Q8_0", 32, 34),
        9 => ("Q8_1", 32, 40),
        10 => ("Q2_K", 256, 84),
        11 => ("Q3_K", 256, 110),
        12 => ("Q4_K", 256, 144),
        13 => ("Q5_K", 256, 176),
        14 => ("Q6_K", 256, 210),
        15 => ("Q8_K", 256, 292),
        16 => ("IQ2_XXS", 256, 66),
        17 => ("IQ2_XS", 256, 74),
        18 => ("IQ3_XXS", 256, 98),
        19 => ("IQ1_S", 256, 50),
        20 => ("IQ4_NL", 32, 18),
        21 => ("IQ3_S", 256, 110),
        22 => ("IQ2_S", 256, 82),
        23 => ("IQ4_XS", 256, 136),
        24 => ("I8", 1, 1),
        25 => ("I16", 1, 2),
        26 => ("I32", 1, 4),
        27 => ("I64", 1, 8),
        28 => ("F64", 1, 8),
        29 => ("IQ1_M", 256, 56),
        30 => ("BF16", 1, 2),
        34 => ("TQ1_0", 256, 54),
        35 => ("TQ2_0", 256, 66),
        39 => ("MXFP4", 32, 17),
        _ => return None,
    })
}

/// Names of GGUF metadata value types, for array summaries.
fn value_type_name(t: u32) -> &'static str {
    match t {
        0 => "uint8",
        1 => "int8",
        2 => "uint16",
        3 => "int16",
        4 => "uint32",
        5 => "int32",
        6 => "float32",
        7 => "bool",
        8 => "string",
        9 => "array",
        10 => "uint64",
        11 => "int64",
        12 => "float64",
        _ => "unknown",
    }
}

/// Integers beyond ±2^53 are written as strings (docs/format.md §5.5.1).
fn int(v: i128) -> MetadataValue {
    const SAFE: i128 = 1 << 53;
    if (-SAFE..=SAFE).contains(&v) {
        MetadataValue::Int(v as i64)
    } else {
        MetadataValue::String(v.to_string())
    }
}

/// Floats that are NaN or infinite are written as strings.
fn float(v: f64) -> MetadataValue {
    if v.is_finite() {
        MetadataValue::Float(v)
    } else {
        MetadataValue::String(v.to_string())
    }
}

struct Reader {
    r: BufReader<File>,
    pos: u64,
    size: u64,
    /// GGUF version 1 wrote string lengths and counts as u32.
    v1: bool,
}

impl Reader {
    fn bytes<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut b = [0u8; N];
        self.r.read_exact(&mut b)?;
        self.pos += N as u64;
        Ok(b)
    }
    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.bytes()?))
    }
    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.bytes()?))
    }
    /// A length or count: u64, or u32 in version 1.
    fn len(&mut self) -> Result<u64> {
        if self.v1 {
            Ok(u64::from(self.u32()?))
        } else {
            self.u64()
        }
    }
    fn skip(&mut self, n: u64, what: &str) -> Result<()> {
        if n > self.size.saturating_sub(self.pos) {
            return Err(Problem(format!(
                "{what} of {n} bytes at byte {} runs past the end of the file ({} bytes; truncated?)",
                self.pos, self.size
            )));
        }
        let step = i64::try_from(n).map_err(|_| Problem(format!("{what} is too long")))?;
        self.r.seek_relative(step)?;
        self.pos += n;
        Ok(())
    }
    /// A string, or `None` (skipped) when longer than [`MAX_STRING`].
    fn string(&mut self, what: &str) -> Result<Option<String>> {
        let n = self.len()?;
        if n > MAX_STRING {
            self.skip(n, what)?;
            return Ok(None);
        }
        if n > self.size.saturating_sub(self.pos) {
            return Err(Problem(format!(
                "{what} of {n} bytes at byte {} runs past the end of the file ({} bytes; truncated?)",
                self.pos, self.size
            )));
        }
        let mut buf = vec![0u8; n as usize];
        self.r.read_exact(&mut buf)?;
        self.pos += n;
        Ok(Some(text(&buf)))
    }

    /// A value of type `t`; `keep` is false for elements of a summarised array (read past,
    /// not kept).
    fn value(&mut self, t: u32, depth: u32, keep: bool) -> Result<Option<MetadataValue>> {
        let v = match t {
            0 => int(self.bytes::<1>()?[0].into()),
            1 => int((self.bytes::<1>()?[0] as i8).into()),
            2 => int(u16::from_le_bytes(self.bytes()?).into()),
            3 => int(i16::from_le_bytes(self.bytes()?).into()),
            4 => int(self.u32()?.into()),
            5 => int(i32::from_le_bytes(self.bytes()?).into()),
            6 => float(f32::from_le_bytes(self.bytes()?).into()),
            7 => MetadataValue::Bool(self.bytes::<1>()?[0] != 0),
            8 if !keep => {
                let n = self.len()?;
                self.skip(n, "a string value")?;
                return Ok(None);
            }
            8 => match self.string("a string value")? {
                Some(s) => MetadataValue::String(s),
                None => MetadataValue::String("(a string over 1 MiB)".into()),
            },
            9 => {
                if depth >= MAX_DEPTH {
                    return Err(Problem("arrays nested too deeply".into()));
                }
                let item = self.u32()?;
                let count = self.len()?;
                let width = match item {
                    0 | 1 | 7 => Some(1),
                    2 | 3 => Some(2),
                    4..=6 => Some(4),
                    10..=12 => Some(8),
                    _ => None,
                };
                let inline = keep && count <= MAX_INLINE_ARRAY as u64 && item != 9;
                if let (Some(w), false) = (width, inline) {
                    let n = count
                        .checked_mul(w)
                        .ok_or_else(|| Problem(format!("an array of {count} items overflows")))?;
                    self.skip(n, "an array")?;
                } else {
                    let mut items = Vec::new();
                    for _ in 0..count {
                        let v = self.value(item, depth + 1, inline)?;
                        if let Some(v) = v {
                            items.push(v);
                        }
                    }
                    if inline {
                        return Ok(Some(MetadataValue::List(items)));
                    }
                }
                MetadataValue::String(format!("array of {count} {}", value_type_name(item)))
            }
            10 => int(self.u64()?.into()),
            11 => int(i64::from_le_bytes(self.bytes()?).into()),
            12 => float(f64::from_le_bytes(self.bytes()?)),
            other => {
                return Err(Problem(format!(
                    "unknown metadata value type {other} at byte {}",
                    self.pos
                )));
            }
        };
        Ok(keep.then_some(v))
    }
}

pub(super) fn inspect(file: File, size: u64) -> Result<ModelFileInfo> {
    let mut r = Reader {
        r: BufReader::with_capacity(1 << 16, file),
        pos: 0,
        size,
        v1: false,
    };
    if r.bytes::<4>()? != *b"GGUF" {
        return Err(Problem(
            "the file does not start with the magic \"GGUF\"".into(),
        ));
    }
    let version = r.u32()?;
    if !(1..=3).contains(&version) {
        return Err(Problem(format!(
            "unsupported version {version} (known: 1 to 3)"
        )));
    }
    r.v1 = version == 1;
    let tensor_count = r.len()?;
    let metadata_count = r.len()?;
    let mut info = GgufInfo {
        version,
        tensor_count,
        metadata_count,
        ..GgufInfo::default()
    };

    let mut alignment = 32u64;
    for _ in 0..metadata_count {
        let key = r
            .string("a metadata key")?
            .ok_or_else(|| Problem("a metadata key over 1 MiB".into()))?;
        let t = r.u32()?;
        let keep = info.metadata.len() < MAX_METADATA
            || matches!(key.as_str(), "general.architecture" | "general.name");
        let value = r
            .value(t, 0, keep)
            .map_err(|Problem(p)| Problem(format!("metadata {key:?}: {p}")))?;
        match (key.as_str(), &value) {
            ("general.architecture", Some(MetadataValue::String(s))) => {
                info.architecture = Some(s.clone())
            }
            ("general.name", Some(MetadataValue::String(s))) => info.name = Some(s.clone()),
            ("general.alignment", Some(MetadataValue::Int(a))) if *a > 0 => alignment = *a as u64,
            _ => {}
        }
        match value {
            Some(v) => {
                info.metadata.insert(clip(key), v);
            }
            None => info.metadata_truncated += 1,
        }
    }

    let mut ends = 0u64;
    for i in 0..tensor_count {
        let name = r
            .string("a tensor name")?
            .ok_or_else(|| Problem(format!("tensor {i}: a name over 1 MiB")))?;
        let n_dims = r.u32()?;
        if n_dims > MAX_DIMS {
            return Err(Problem(format!("tensor {name:?}: {n_dims} dimensions")));
        }
        let mut dims = Vec::with_capacity(n_dims as usize);
        for _ in 0..n_dims {
            dims.push(r.len()?);
        }
        let t = r.u32()?;
        let offset = r.u64()?;
        let elements = dims
            .iter()
            .try_fold(1u64, |n, d| n.checked_mul(*d))
            .ok_or_else(|| Problem(format!("tensor {name:?}: shape {dims:?} overflows")))?;
        let dtype = match ggml_type(t) {
            Some((dtype, block, bytes)) => {
                let size = (elements / block).checked_mul(bytes);
                ends = ends.max(
                    size.and_then(|s| s.checked_add(offset))
                        .ok_or_else(|| Problem(format!("tensor {name:?}: size overflows")))?,
                );
                dtype.to_string()
            }
            None => format!("type {t}"),
        };
        info.parameter_count = info.parameter_count.saturating_add(elements);
        let count = info.dtypes.entry(dtype.clone()).or_default();
        count.tensors += 1;
        count.parameters = count.parameters.saturating_add(elements);
        if info.tensors.len() < MAX_LISTED {
            info.tensors.push(TensorInfo {
                name,
                dtype,
                shape: fixed_shape(&dims)?,
            });
        } else {
            info.tensors_truncated += 1;
        }
    }
    // Tensor data starts at the next multiple of the alignment after the descriptors.
    let data_start = r.pos.div_ceil(alignment).saturating_mul(alignment);
    if tensor_count > 0 && data_start.saturating_add(ends) > size {
        return Err(Problem(format!(
            "tensor data ends at byte {} past the end of the file ({size} bytes; truncated?)",
            data_start.saturating_add(ends)
        )));
    }
    Ok(ModelFileInfo::Gguf(info))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{file_with, problem_of};
    use super::super::{Inspection, inspect_file};
    use shelf_format::ModelFileInfo;
    use shelf_format::inspect::MetadataValue;

    fn s(out: &mut Vec<u8>, text: &str) {
        out.extend((text.len() as u64).to_le_bytes());
        out.extend(text.as_bytes());
    }

    /// A version 3 file written to the spec: two metadata entries, one F32 tensor [4, 2].
    fn file(data: usize) -> Vec<u8> {
        let mut out = b"GGUF".to_vec();
        out.extend(3u32.to_le_bytes());
        out.extend(1u64.to_le_bytes());
        out.extend(3u64.to_le_bytes());
        s(&mut out, "general.architecture");
        out.extend(8u32.to_le_bytes());
        s(&mut out, "tiny");
        s(&mut out, "tokenizer.ggml.scores");
        out.extend(9u32.to_le_bytes());
        out.extend(6u32.to_le_bytes());
        out.extend(100u64.to_le_bytes());
        out.extend([0u8; 400]);
        s(&mut out, "tiny.context_length");
        out.extend(4u32.to_le_bytes());
        out.extend(2048u32.to_le_bytes());
        s(&mut out, "w");
        out.extend(2u32.to_le_bytes());
        out.extend(4u64.to_le_bytes());
        out.extend(2u64.to_le_bytes());
        out.extend(0u32.to_le_bytes());
        out.extend(0u64.to_le_bytes());
        while out.len() % 32 != 0 {
            out.push(0);
        }
        out.extend(std::iter::repeat_n(0u8, data));
        out
    }

    #[test]
    fn reads_a_file_written_to_the_spec() {
        let (_dir, path) = file_with("m.gguf", &file(32));
        let Inspection::Info(ModelFileInfo::Gguf(info)) = inspect_file(&path) else {
            panic!()
        };
        assert_eq!(info.architecture.as_deref(), Some("tiny"));
        assert_eq!(info.parameter_count, 8);
        assert_eq!(info.tensors[0].dtype, "F32");
        assert_eq!(
            info.metadata["tokenizer.ggml.scores"],
            MetadataValue::String("array of 100 float32".into())
        );
        assert_eq!(
            info.metadata["tiny.context_length"],
            MetadataValue::Int(2048)
        );
    }

    #[test]
    fn malformed_files_give_a_warning() {
        let good = file(32);
        let header_end = good.len() - 32;
        let mut bad_version = good.clone();
        bad_version[4] = 9;
        let mut bad_type = good.clone();
        // The value type of the first metadata entry.
        bad_type[24 + 8 + 20] = 77;
        let mut huge_count = good.clone();
        huge_count[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"GGUF".to_vec(), "ends early"),
            // The descriptors end at byte 589, then padding to 608.
            (good[..586].to_vec(), "ends early"),
            (good[..header_end + 8].to_vec(), "past the end of the file"),
            (good[..100].to_vec(), "ends early"),
            (good[..200].to_vec(), "past the end of the file"),
            (bad_version, "unsupported version 9"),
            (bad_type, "unknown metadata value type 77"),
            (huge_count, "ends early"),
        ];
        for (bytes, expected) in cases {
            let warning = problem_of("m.gguf", &bytes);
            assert!(warning.contains(expected), "{warning:?} lacks {expected:?}");
        }
        let warning = problem_of("m.gguf", b"GGUX\x03\0\0\0\0\0\0\0\0\0\0\0");
        assert!(warning.contains("magic"), "{warning}");
    }
}
