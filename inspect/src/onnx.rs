//! ONNX: a protobuf `ModelProto` (onnx/onnx.proto), read with a minimal wire-format
//! reader that keeps the few fields introspection needs and seeks over everything else,
//! tensor data (`raw_data`, `float_data`…) and node attributes included.
//!
//! Why not `prost`: it decodes a message from a byte slice, so a 2 GB model would have to
//! be read into memory (or copied by field) before decoding, and bringing in
//! `prost`/`prost-build` with a vendored `onnx.proto` (or hand-written message structs
//! that would still allocate every `raw_data`) is more weight than the ~200 lines here.
//! This reader streams from a `BufReader<File>`, never holds more than one string at a
//! time, and its memory does not grow with the size of the weights.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{BufReader, Read};

use shelf_format::inspect::{
    Dim, MAX_LISTED, MAX_METADATA, ModelFileInfo, OnnxInfo, Opset, TensorInfo, ValueInfo,
};

use super::{Problem, Result, clip, text};

/// Longest string read into memory; longer ones are skipped.
const MAX_STRING: u64 = 1 << 16;

/// Element type names (`TensorProto.DataType`).
fn elem_type(t: u64) -> String {
    let name = match t {
        1 => "float",
        2 => "uint8",
        3 => "int8",
        4 => "uint16",
        5 => "int16",
        6 => "int32",
        7 => "int64",
        8 => "string",
        9 => "bool",
        10 => "float16",
        11 => "double",
        12 => "uint32",
        13 => "uint64",
        14 => "complex64",
        15 => "complex128",
        16 => "bfloat16",
        17 => "float8e4m3fn",
        18 => "float8e4m3fnuz",
        19 => "float8e5m2",
        20 => "float8e5m2fnuz",
        21 => "uint4",
        22 => "int4",
        23 => "float4e2m1",
        24 => "float8e8m0",
        25 => "uint2",
        26 => "int2",
        0 => "undefined",
        other => return format!("type {other}"),
    };
    name.to_string()
}

/// The protobuf wire format over a file: varints, keys, length-delimited fields; every
/// length checked against the end of the message that holds it.
struct Pb {
    r: BufReader<File>,
    pos: u64,
}

impl Pb {
    fn byte(&mut self) -> Result<u8> {
        let mut b = [0u8; 1];
        self.r.read_exact(&mut b)?;
        self.pos += 1;
        Ok(b[0])
    }

    fn varint(&mut self) -> Result<u64> {
        let start = self.pos;
        let mut v = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7f).checked_shl(shift).unwrap_or(0);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(Problem(format!(
            "a varint at byte {start} is longer than 10 bytes"
        )))
    }

    /// The next field's number and wire type.
    fn key(&mut self) -> Result<(u64, u8)> {
        let key = self.varint()?;
        Ok((key >> 3, (key & 7) as u8))
    }

    fn seek_to(&mut self, to: u64) -> Result<()> {
        let step =
            i64::try_from(to - self.pos).map_err(|_| Problem("a field is too long".into()))?;
        self.r.seek_relative(step)?;
        self.pos = to;
        Ok(())
    }

    /// Read a length and return where the field ends, checked against `end`.
    fn len(&mut self, end: u64) -> Result<u64> {
        let at = self.pos;
        let n = self.varint()?;
        match self.pos.checked_add(n) {
            Some(e) if e <= end => Ok(e),
            _ => Err(Problem(format!(
                "a field of {n} bytes at byte {at} runs past the end of its message at byte {end} (truncated?)"
            ))),
        }
    }

    /// Skip a field of wire type `wire`.
    fn skip(&mut self, field: u64, wire: u8, end: u64) -> Result<()> {
        match wire {
            0 => {
                self.varint()?;
            }
            1 | 5 => {
                let n = if wire == 1 { 8 } else { 4 };
                if self.pos + n > end {
                    return Err(Problem(format!(
                        "field {field} runs past the end of its message"
                    )));
                }
                self.seek_to(self.pos + n)?;
            }
            2 => {
                let e = self.len(end)?;
                self.seek_to(e)?;
            }
            other => {
                return Err(Problem(format!(
                    "field {field} at byte {} has wire type {other}, which ONNX does not use (not an ONNX model?)",
                    self.pos
                )));
            }
        }
        Ok(())
    }

    fn string(&mut self, end: u64) -> Result<String> {
        let e = self.len(end)?;
        let n = e - self.pos;
        if n > MAX_STRING {
            self.seek_to(e)?;
            return Ok(format!("({n} bytes)"));
        }
        let mut buf = vec![0u8; n as usize];
        self.r.read_exact(&mut buf)?;
        self.pos = e;
        Ok(text(&buf))
    }

    /// Check that a message ended exactly at `end`.
    fn done(&self, end: u64, what: &str) -> Result<()> {
        if self.pos != end {
            return Err(Problem(format!(
                "{what} ends at byte {} instead of {end}",
                self.pos
            )));
        }
        Ok(())
    }

    /// Read the fields of the message ending at `end`, calling `f` with each field's
    /// number and wire type; `f` returns false for fields it does not read, which are
    /// skipped.
    fn fields(
        &mut self,
        end: u64,
        what: &str,
        mut f: impl FnMut(&mut Self, u64, u8) -> Result<bool>,
    ) -> Result<()> {
        while self.pos < end {
            let (field, wire) = self.key()?;
            if !f(self, field, wire)? {
                self.skip(field, wire, end)?;
            }
        }
        self.done(end, what)
    }
}

pub(super) fn inspect(file: File, size: u64) -> Result<ModelFileInfo> {
    let mut pb = Pb {
        r: BufReader::with_capacity(1 << 16, file),
        pos: 0,
    };
    let mut info = OnnxInfo::default();
    let mut graph = None;
    pb.fields(size, "the model", |pb, field, wire| {
        match (field, wire) {
            (1, 0) => info.ir_version = Some(pb.varint()? as i64),
            (2, 2) => info.producer_name = Some(pb.string(size)?),
            (3, 2) => info.producer_version = Some(pb.string(size)?),
            (5, 0) => info.model_version = Some(pb.varint()? as i64),
            (7, 2) => {
                let end = pb.len(size)?;
                graph = Some(read_graph(pb, end, &mut info)?);
            }
            (8, 2) => {
                let end = pb.len(size)?;
                let mut opset = Opset {
                    domain: String::new(),
                    version: 0,
                };
                pb.fields(end, "an opset_import", |pb, field, wire| {
                    match (field, wire) {
                        (1, 2) => opset.domain = pb.string(end)?,
                        (2, 0) => opset.version = pb.varint()? as i64,
                        _ => return Ok(false),
                    }
                    Ok(true)
                })?;
                if opset.domain.is_empty() {
                    opset.domain = "ai.onnx".into();
                }
                if info.opsets.len() < MAX_LISTED {
                    info.opsets.push(opset);
                }
            }
            (14, 2) => {
                let end = pb.len(size)?;
                let (k, v) = string_pair(pb, end)?;
                if info.metadata.len() < MAX_METADATA {
                    info.metadata.insert(k, v);
                } else {
                    info.metadata_truncated += 1;
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    let Some(initializer_names) = graph else {
        return Err(Problem(
            "no graph in the file (not an ONNX model, or an empty one)".into(),
        ));
    };
    info.inputs.retain(|i| !initializer_names.contains(&i.name));
    Ok(ModelFileInfo::Onnx(info))
}

/// A `StringStringEntryProto`.
fn string_pair(pb: &mut Pb, end: u64) -> Result<(String, String)> {
    let (mut k, mut v) = (String::new(), String::new());
    pb.fields(end, "a metadata entry", |pb, field, wire| {
        match (field, wire) {
            (1, 2) => k = pb.string(end)?,
            (2, 2) => v = pb.string(end)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok((k, v))
}

/// The main `GraphProto`; returns the initializers' names.
fn read_graph(pb: &mut Pb, end: u64, info: &mut OnnxInfo) -> Result<HashSet<String>> {
    let mut names = HashSet::new();
    let mut op_types: BTreeMap<String, u64> = BTreeMap::new();
    pb.fields(end, "the graph", |pb, field, wire| {
        match (field, wire) {
            (1, 2) => {
                let e = pb.len(end)?;
                let (mut op, mut domain) = (String::new(), String::new());
                pb.fields(e, "a node", |pb, field, wire| {
                    match (field, wire) {
                        (4, 2) => op = pb.string(e)?,
                        (7, 2) => domain = pb.string(e)?,
                        _ => return Ok(false),
                    }
                    Ok(true)
                })?;
                info.node_count += 1;
                let key = if domain.is_empty() || domain == "ai.onnx" {
                    op
                } else {
                    format!("{domain}:{op}")
                };
                if op_types.len() < MAX_LISTED || op_types.contains_key(&key) {
                    *op_types.entry(key).or_default() += 1;
                }
            }
            (2, 2) => info.graph_name = Some(pb.string(end)?),
            (5, 2) => {
                let e = pb.len(end)?;
                let (tensor, external) = read_tensor(pb, e)?;
                info.initializer_count += 1;
                info.external_data |= external;
                let elements = tensor
                    .shape
                    .iter()
                    .try_fold(1u64, |n, d| match d {
                        Dim::Fixed(d) => n.checked_mul(u64::try_from(*d).ok()?),
                        Dim::Symbolic(_) => None,
                    })
                    .ok_or_else(|| {
                        Problem(format!(
                            "initializer {:?} has an invalid shape {:?}",
                            tensor.name, tensor.shape
                        ))
                    })?;
                info.parameter_count = info.parameter_count.saturating_add(elements);
                names.insert(tensor.name.clone());
                if info.initializers.len() < MAX_LISTED {
                    info.initializers.push(tensor);
                } else {
                    info.initializers_truncated += 1;
                }
            }
            (11, 2) | (12, 2) => {
                let e = pb.len(end)?;
                let value = read_value_info(pb, e)?;
                let list = if field == 11 {
                    &mut info.inputs
                } else {
                    &mut info.outputs
                };
                if list.len() < MAX_LISTED {
                    list.push(value);
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    info.op_types = op_types;
    Ok(names)
}

/// A `TensorProto`'s name, type and dims, and whether its data is external.
fn read_tensor(pb: &mut Pb, end: u64) -> Result<(TensorInfo, bool)> {
    let mut tensor = TensorInfo {
        name: String::new(),
        dtype: elem_type(0),
        shape: Vec::new(),
    };
    let mut external = false;
    pb.fields(end, "an initializer", |pb, field, wire| {
        match (field, wire) {
            (1, 0) => tensor.shape.push(Dim::Fixed(pb.varint()? as i64)),
            (1, 2) => {
                let e = pb.len(end)?;
                while pb.pos < e {
                    tensor.shape.push(Dim::Fixed(pb.varint()? as i64));
                }
                pb.done(e, "packed dims")?;
            }
            (2, 0) => tensor.dtype = elem_type(pb.varint()?),
            (8, 2) => tensor.name = pb.string(end)?,
            (13, 2) => {
                external = true;
                return Ok(false);
            }
            (14, 0) => external |= pb.varint()? == 1,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok((tensor, external))
}

/// A `ValueInfoProto`: name, element type, shape.
fn read_value_info(pb: &mut Pb, end: u64) -> Result<ValueInfo> {
    let mut value = ValueInfo {
        name: String::new(),
        elem_type: None,
        shape: None,
    };
    pb.fields(end, "a graph input or output", |pb, field, wire| {
        match (field, wire) {
            (1, 2) => value.name = pb.string(end)?,
            (2, 2) => {
                // TypeProto: which kind of value.
                let e = pb.len(end)?;
                pb.fields(e, "a type", |pb, field, wire| {
                    match (field, wire) {
                        (1, 2) => {
                            let te = pb.len(e)?;
                            read_tensor_type(pb, te, &mut value)?;
                        }
                        (4, 2) => value.elem_type = Some("sequence".into()),
                        (5, 2) => value.elem_type = Some("map".into()),
                        (8, 2) => value.elem_type = Some("sparse_tensor".into()),
                        (9, 2) => value.elem_type = Some("optional".into()),
                        _ => return Ok(false),
                    }
                    // The kinds other than tensors are named only: skip their contents.
                    if field != 1 {
                        return Ok(false);
                    }
                    Ok(true)
                })?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(value)
}

/// `TypeProto.Tensor`: element type and shape.
fn read_tensor_type(pb: &mut Pb, end: u64, value: &mut ValueInfo) -> Result<()> {
    pb.fields(end, "a tensor type", |pb, field, wire| {
        match (field, wire) {
            (1, 0) => value.elem_type = Some(elem_type(pb.varint()?)),
            (2, 2) => {
                let se = pb.len(end)?;
                let mut shape = Vec::new();
                pb.fields(se, "a shape", |pb, field, wire| {
                    if (field, wire) != (1, 2) {
                        return Ok(false);
                    }
                    let de = pb.len(se)?;
                    let mut dim = Dim::Symbolic("?".into());
                    pb.fields(de, "a dimension", |pb, field, wire| {
                        match (field, wire) {
                            (1, 0) => dim = Dim::Fixed(pb.varint()? as i64),
                            (2, 2) => dim = Dim::Symbolic(clip(pb.string(de)?)),
                            _ => return Ok(false),
                        }
                        Ok(true)
                    })?;
                    if shape.len() < MAX_LISTED {
                        shape.push(dim);
                    }
                    Ok(true)
                })?;
                value.shape = Some(shape);
            }
            _ => return Ok(false),
        }
        Ok(true)
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::{file_with, problem_of};
    use super::super::{Inspection, inspect_file};
    use shelf_format::ModelFileInfo;
    use shelf_format::inspect::Dim;
    use shelf_testkit::onnx::{self, Dim::Fixed, Dim::Param};
    use shelf_testkit::protobuf::Message;

    /// A model written to onnx.proto: opset 17, one MatMul, one initializer W [4, 3]
    /// with raw data and packed dimensions, input x [batch, 4] (plus W listed as an
    /// input, as IR < 4 did).
    fn model() -> Vec<u8> {
        let w = Message::new()
            .packed(1, &[4, 3])
            .int(2, onnx::FLOAT)
            .bytes(8, "W")
            .bytes(9, [0u8; 48]);
        let graph = Message::new()
            .message(1, onnx::node(&["x", "W"], &["y"], "MatMul"))
            .bytes(2, "g")
            .message(5, w)
            .message(11, onnx::value_info("x", &[Param("batch"), Fixed(4)]))
            .message(11, onnx::value_info("W", &[Fixed(4), Fixed(3)]))
            .message(12, onnx::value_info("y", &[Param("batch"), Fixed(3)]));
        onnx::model(8, "hand", graph, &[onnx::opset("", 17)])
    }

    #[test]
    fn reads_a_model_written_to_the_proto() {
        let (_dir, path) = file_with("m.onnx", &model());
        let Inspection::Info(ModelFileInfo::Onnx(info)) = inspect_file(&path) else {
            panic!("{:?}", inspect_file(&path))
        };
        assert_eq!(info.ir_version, Some(8));
        assert_eq!(info.opsets[0].domain, "ai.onnx");
        assert_eq!(info.opsets[0].version, 17);
        assert_eq!(info.node_count, 1);
        assert_eq!(info.op_types["MatMul"], 1);
        assert_eq!(info.parameter_count, 12);
        assert_eq!(info.inputs.len(), 1, "W is an initializer, not an input");
        assert_eq!(
            info.inputs[0].shape,
            Some(vec![Dim::Symbolic("batch".into()), Dim::Fixed(4)])
        );
        assert_eq!(info.outputs[0].elem_type.as_deref(), Some("float"));
    }

    /// The test kit's model (used by the browser tests) reads as its doc says.
    #[test]
    fn reads_the_test_kit_matmul() {
        let (_dir, path) = file_with("m.onnx", &onnx::matmul(18, 8));
        let Inspection::Info(ModelFileInfo::Onnx(info)) = inspect_file(&path) else {
            panic!("{:?}", inspect_file(&path))
        };
        assert_eq!(info.ir_version, Some(8));
        assert_eq!(info.producer_name.as_deref(), Some("shelf-tests"));
        assert_eq!(info.graph_name.as_deref(), Some("mlp"));
        assert_eq!(
            (info.opsets[0].domain.as_str(), info.opsets[0].version),
            ("ai.onnx", 18)
        );
        assert_eq!(info.op_types["MatMul"], 1);
        assert_eq!((info.initializer_count, info.parameter_count), (1, 16));
        let shape = |v: &shelf_format::inspect::ValueInfo| (v.name.clone(), v.shape.clone());
        let batch = || Dim::Symbolic("batch".into());
        assert_eq!(
            info.inputs.iter().map(shape).collect::<Vec<_>>(),
            [("X".to_string(), Some(vec![batch(), Dim::Fixed(8)]))]
        );
        assert_eq!(
            info.outputs.iter().map(shape).collect::<Vec<_>>(),
            [("Y".to_string(), Some(vec![batch(), Dim::Fixed(2)]))]
        );
    }

    #[test]
    fn malformed_models_give_a_warning() {
        let good = model();
        let mut wire7 = good.clone();
        wire7[0] = 0x0f;
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (Vec::new(), "no graph"),
            (good[..good.len() - 5].to_vec(), "truncated?"),
            (good[..3].to_vec(), "ends early"),
            (wire7, "wire type 7"),
            (
                vec![
                    0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                ],
                "longer than 10 bytes",
            ),
            (
                vec![0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f],
                "runs past the end",
            ),
            (b"<html>not a model</html>".to_vec(), "onnx"),
        ];
        for (bytes, expected) in cases {
            let warning = problem_of("m.onnx", &bytes);
            assert!(warning.contains(expected), "{warning:?} lacks {expected:?}");
        }
    }

    #[test]
    fn every_truncation_of_a_model_is_a_warning_or_info_never_a_panic() {
        let good = model();
        for cut in 0..good.len() {
            let (_dir, path) = file_with("m.onnx", &good[..cut]);
            match inspect_file(&path) {
                Inspection::Malformed { .. } | Inspection::Info(_) => {}
                other => panic!("cut at {cut}: {other:?}"),
            }
        }
    }
}
