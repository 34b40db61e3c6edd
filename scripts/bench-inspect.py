"""Write large sparse model files for scripts/bench-inspect.sh, and summarise what the
inspect example printed about one of them.

    .tools/ml-venv/bin/python scripts/bench-inspect.py write OUTDIR SIZE_MB
    target/release/examples/inspect FILE | python3 scripts/bench-inspect.py summary

`summary` prints one line: `<ms> <peak RSS KiB> <what was read>`, or `ERROR <why>`.

- big.safetensors    one F32 tensor of SIZE_MB MiB (header by hand, data sparse)
- many.safetensors   100,000 small tensors (a ~10 MB header, like a large LLM checkpoint)
- big.onnx           a MatMul with one initializer of SIZE_MB MiB of raw_data, serialized
                     by onnx in parts so the raw_data can be a sparse hole
- big.gguf           gguf.GGUFWriter header for one F32 tensor of SIZE_MB MiB, data sparse
- big.pkl            a protocol 4 pickle of a bytes object of SIZE_MB MiB (BINBYTES8)

Sparse: the tensor bytes are a hole in the file, so writing takes no time and no disk,
and reading them would still cost what reading zeros costs. Introspection must not read
them at all.
"""

import json
import os
import struct
import sys

import gguf
import numpy as np
from onnx import TensorProto, helper


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(number, payload_len):
    """A length-delimited field's key and length."""
    return varint(number << 3 | 2) + varint(payload_len)


def sparse(path, head, hole, tail=b""):
    with open(path, "wb") as f:
        f.write(head)
        f.seek(hole, os.SEEK_CUR)
        f.write(tail)
        f.truncate()


def summary():
    lines = [json.loads(line) for line in sys.stdin]
    d, rss = lines[0], lines[-1]["peak_rss_kib"]
    if "info" not in d:
        print("ERROR", d.get("warning", "not recognised"))
        return
    i = d["info"]
    if i["format"] == "safetensors":
        what = "%d tensors (%d listed), %d params" % (
            i["tensor_count"], len(i["tensors"]), i["parameter_count"])
    elif i["format"] == "onnx":
        what = "%d node, %d initializer, %d params" % (
            i["node_count"], i["initializer_count"], i["parameter_count"])
    elif i["format"] == "gguf":
        what = "%d tensor, %d params" % (i["tensor_count"], i["parameter_count"])
    else:
        what = "%s, protocol %s, %d imports" % (i["format"], i.get("protocol"), len(i["imports"]))
    print("%.3f %d %s" % (d["ms"], rss, what))


def write():
    out, size_mb = sys.argv[2], int(sys.argv[3])
    os.makedirs(out, exist_ok=True)
    nbytes = size_mb << 20
    elements = nbytes // 4

    header = {"weight": {"dtype": "F32", "shape": [elements], "data_offsets": [0, nbytes]}}
    h = json.dumps(header).encode()
    sparse(os.path.join(out, "big.safetensors"), struct.pack("<Q", len(h)) + h, nbytes)

    many, offset = {}, 0
    for i in range(100_000):
        many[f"model.layers.{i // 10}.block.{i % 10}.weight"] = {
            "dtype": "BF16",
            "shape": [16, 16],
            "data_offsets": [offset, offset + 512],
        }
        offset += 512
    h = json.dumps(many).encode()
    sparse(os.path.join(out, "many.safetensors"), struct.pack("<Q", len(h)) + h, offset)

    # ONNX: the initializer without raw_data, then raw_data appended as field 9 (a
    # protobuf message may carry its fields in any order).
    init = TensorProto(name="W", data_type=TensorProto.FLOAT, dims=[elements // 1024, 1024])
    init_head = init.SerializeToString() + field(9, nbytes)
    init_len = len(init_head) + nbytes
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["X", "W"], ["Y"])],
        "big",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["batch", elements // 1024])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["batch", 1024])],
    )
    graph_rest = graph.SerializeToString()
    graph_len = len(field(5, init_len)) + init_len + len(graph_rest)
    model = helper.make_model(helper.make_graph([], "", [], []), opset_imports=[helper.make_opsetid("", 17)])
    model.ClearField("graph")
    head = model.SerializeToString() + field(7, graph_len) + field(5, init_len) + init_head
    sparse(os.path.join(out, "big.onnx"), head, nbytes, graph_rest)

    path = os.path.join(out, "big.gguf")
    w = gguf.GGUFWriter(path, "llama")
    w.add_tensor_info("token_embd.weight", [elements], np.dtype(np.float32), nbytes)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()
    w.close()
    with open(path, "r+b") as f:
        f.seek(0, os.SEEK_END)
        start = (f.tell() + 31) // 32 * 32
        f.truncate(start + nbytes)

    # A pickle of one big bytes object: PROTO 4, BINBYTES8 <n> <bytes>, STOP.
    sparse(
        os.path.join(out, "big.pkl"),
        b"\x80\x04\x8e" + struct.pack("<Q", nbytes),
        nbytes,
        b".",
    )


if __name__ == "__main__":
    {"write": write, "summary": summary}[sys.argv[1]]()
