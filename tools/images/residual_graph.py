#!/usr/bin/env python3
"""Writes a generated residual network as a graph file: LAYERS layers of
h = tanh(h W + b) + h, each in its own cluster "layerNNN/", 6 nodes a layer
(500 layers: 3008 nodes). Usage: residual_graph.py OUT.json [LAYERS]"""
import json, random, sys
random.seed(0)
layers = int(sys.argv[2]) if len(sys.argv) > 2 else 500
width = 4
nodes = [{"name": "x", "op": "input", "shape": [2, width],
          "value": [round(random.uniform(-1, 1), 3) for _ in range(2 * width)]}]
h = "x"
for i in range(1, layers + 1):
    p = f"layer{i:03d}/"
    nodes += [
        {"name": p + "W", "op": "parameter", "shape": [width, width],
         "value": [round(random.gauss(0, 0.3), 3) for _ in range(width * width)]},
        {"name": p + "b", "op": "parameter", "shape": [1, width], "value": [0.0] * width},
        {"name": p + "matmul", "op": "matmul", "inputs": [h, p + "W"]},
        {"name": p + "add_bias", "op": "add", "inputs": [p + "matmul", p + "b"]},
        {"name": p + "tanh", "op": "tanh", "inputs": [p + "add_bias"]},
        {"name": p + "residual", "op": "add", "inputs": [p + "tanh", h]},
    ]
    h = p + "residual"
nodes += [{"name": "target", "op": "constant", "shape": [2, width], "value": [0.0] * (2 * width)},
          {"name": "loss", "op": "l2", "inputs": [h, "target"]}]
json.dump({"dagrad": 1, "nodes": nodes, "outputs": ["loss"]}, open(sys.argv[1], "w"))
