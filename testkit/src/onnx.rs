//! ONNX models written message by message, with the field numbers of `onnx.proto`
//! (`ModelProto`, `GraphProto`, `NodeProto`, `TensorProto`, `ValueInfoProto`).

use crate::protobuf::Message;

/// `TensorProto.DataType.FLOAT`.
pub const FLOAT: u64 = 1;

/// One dimension of a `TensorShapeProto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dim<'a> {
    /// `dim_value`: a fixed size.
    Fixed(u64),
    /// `dim_param`: a symbolic size, e.g. `"batch"`.
    Param(&'a str),
}

/// A `ValueInfoProto` of a float tensor (a graph input or output) of shape `dims`.
pub fn value_info(name: &str, dims: &[Dim<'_>]) -> Message {
    let mut shape = Message::new();
    for dim in dims {
        let dim = match dim {
            Dim::Fixed(v) => Message::new().int(1, *v),
            Dim::Param(p) => Message::new().bytes(2, p),
        };
        shape = shape.message(1, dim);
    }
    let tensor = Message::new().int(1, FLOAT).message(2, shape);
    let ty = Message::new().message(1, tensor); // TypeProto.tensor_type
    Message::new().bytes(1, name).message(2, ty)
}

/// A `NodeProto` running `op_type` from `inputs` to `outputs`.
pub fn node(inputs: &[&str], outputs: &[&str], op_type: &str) -> Message {
    let mut node = Message::new();
    for input in inputs {
        node = node.bytes(1, input);
    }
    for output in outputs {
        node = node.bytes(2, output);
    }
    node.bytes(4, op_type)
}

/// An `OperatorSetIdProto`: `domain` (`""` is the default `ai.onnx`) at `version`.
pub fn opset(domain: &str, version: u64) -> Message {
    Message::new().bytes(1, domain).int(2, version)
}

/// A `ModelProto` of `graph`: IR version, producer name, the graph, the operator sets.
pub fn model(ir_version: u64, producer: &str, graph: Message, opsets: &[Message]) -> Vec<u8> {
    let mut model = Message::new()
        .int(1, ir_version)
        .bytes(2, producer)
        .message(7, graph);
    for opset in opsets {
        model = model.message(8, opset.clone());
    }
    model.into_bytes()
}

/// A one-layer model: IR 8 by `shelf-tests`, default operator set `opset`, graph `mlp`
/// with input `X [batch, width]`, a MatMul with the float initializer `W [width, 2]`
/// (dimensions unpacked, no data), output `Y [batch, 2]`.
pub fn matmul(opset_version: u64, width: u64) -> Vec<u8> {
    let w = Message::new()
        .int(1, width)
        .int(1, 2)
        .int(2, FLOAT)
        .bytes(8, "W");
    let graph = Message::new()
        .message(1, node(&["X", "W"], &["Y"], "MatMul"))
        .bytes(2, "mlp")
        .message(5, w)
        .message(
            11,
            value_info("X", &[Dim::Param("batch"), Dim::Fixed(width)]),
        )
        .message(12, value_info("Y", &[Dim::Param("batch"), Dim::Fixed(2)]));
    model(8, "shelf-tests", graph, &[opset("", opset_version)])
}
