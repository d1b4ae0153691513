#!/usr/bin/python3
"""Writes gemm.onnx: Y = A · Bᵀ for float32 A [m, k] and B [n, k], any sizes; the near-duplicate search multiplies
blocks of the embedding matrix with it, so ONNX Runtime's SGEMM does the arithmetic. Debian's python3-onnx:
    /usr/bin/python3 src/Clip.Search/Models/make_gemm.py src/Clip.Search/Models/gemm.onnx
"""
import sys

import onnx
from onnx import TensorProto, helper

a = helper.make_tensor_value_info("a", TensorProto.FLOAT, ["m", "k"])
b = helper.make_tensor_value_info("b", TensorProto.FLOAT, ["n", "k"])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["m", "n"])
node = helper.make_node("Gemm", ["a", "b"], ["y"], transB=1)
graph = helper.make_graph([node], "a_times_b_transposed", [a, b], [y])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="clip-workers")
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, sys.argv[1])
