#!/usr/bin/python3
"""Writes the tiny ONNX graphs the encoder-contract tests load (no weights, a few hundred bytes each).

Run from anywhere with Debian's python3-onnx: /usr/bin/python3 make_graphs.py
"""
import os

import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))


def save(name, nodes, inputs, outputs, initializers=()):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="clip-workers-tests")
    model.ir_version = 7
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, name + ".onnx"))


def vision(name, input_name="pixel_values", elem=TensorProto.FLOAT, height=224, width=224, output="image_embeds"):
    pooled = [helper.make_node("ReduceMean", [input_name], [output], axes=[2, 3], keepdims=0)]
    if elem != TensorProto.FLOAT:
        pooled = [helper.make_node("Cast", [input_name], ["as_float"], to=TensorProto.FLOAT),
                  helper.make_node("ReduceMean", ["as_float"], [output], axes=[2, 3], keepdims=0)]
    save(name, pooled,
         [helper.make_tensor_value_info(input_name, elem, ["batch", 3, height, width])],
         [helper.make_tensor_value_info(output, TensorProto.FLOAT, ["batch", 3])])


vision("vision_wrong_input_name", input_name="images")
vision("vision_wrong_crop", height=64, width=64)
vision("vision_int64_input", elem=TensorProto.INT64)
vision("vision_wrong_output_name", output="last_hidden_state")

# text_embeds = [sum of ids under the mask, number of tokens under the mask]: lets a test see
# that the encoder feeds attention_mask and pads with zeros.
save(
    "text_with_attention_mask",
    [
        helper.make_node("Mul", ["input_ids", "attention_mask"], ["masked"]),
        helper.make_node("ReduceSum", ["masked", "axis1"], ["id_sum"], keepdims=1),
        helper.make_node("ReduceSum", ["attention_mask", "axis1"], ["token_count"], keepdims=1),
        helper.make_node("Concat", ["id_sum", "token_count"], ["both"], axis=1),
        helper.make_node("Cast", ["both"], ["text_embeds"], to=TensorProto.FLOAT),
    ],
    [
        helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"]),
        helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "sequence"]),
    ],
    [helper.make_tensor_value_info("text_embeds", TensorProto.FLOAT, ["batch", 2])],
    # ReduceSum takes its axes as an input from opset 13.
    [helper.make_tensor("axis1", TensorProto.INT64, [1], [1])],
)

save(
    "text_extra_input",
    [helper.make_node("Cast", ["input_ids"], ["text_embeds"], to=TensorProto.FLOAT)],
    [
        helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", 4]),
        helper.make_tensor_value_info("token_type_ids", TensorProto.INT64, ["batch", 4]),
    ],
    [helper.make_tensor_value_info("text_embeds", TensorProto.FLOAT, ["batch", 4])],
)


# text_embeds = [sequence length fed, 1]: the ratio survives normalisation and shows how far the encoder padded.
def text_fed_length(name, sequence):
    save(
        name,
        [
            helper.make_node("Equal", ["input_ids", "input_ids"], ["everywhere"]),
            helper.make_node("Cast", ["everywhere"], ["ones"], to=TensorProto.INT64),
            helper.make_node("ReduceSum", ["ones", "axis1"], ["length"], keepdims=1),
            helper.make_node("ReduceMax", ["ones"], ["one"], axes=[1], keepdims=1),
            helper.make_node("Concat", ["length", "one"], ["both"], axis=1),
            helper.make_node("Cast", ["both"], ["text_embeds"], to=TensorProto.FLOAT),
        ],
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", sequence])],
        [helper.make_tensor_value_info("text_embeds", TensorProto.FLOAT, ["batch", 2])],
        [helper.make_tensor("axis1", TensorProto.INT64, [1], [1])],
    )


text_fed_length("text_dynamic_sequence", "sequence")
text_fed_length("text_fixed_sequence", 8)
print("wrote graphs to", HERE)
