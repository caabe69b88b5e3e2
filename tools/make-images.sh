#!/bin/sh
# Regenerates the README's diagrams in tools/images/ from the graph files in
# tools/graphs/ and a generated 3000-node graph. Needs a built dagrad
# (default: build/release/bin/dagrad; or pass its path) and python3.
set -eu
cd "$(dirname "$0")/.."
dagrad=${1:-build/release/bin/dagrad}
images=tools/images
mkdir -p "$images"

# The course's pipeline, with values, gradients and the backward pass.
"$dagrad" dot tools/graphs/course.json -o "$images/course.svg" --values --grads --backward
# The demo's L1/L2 losses: yhat and y feed both, the first output is L1.
"$dagrad" dot tools/graphs/losses.json -o "$images/losses.svg" --values --grads

# A generated residual network: 500 layers of h = tanh(h W + b) + h, each in
# its own cluster "layerNNN/", 6 nodes a layer: 3008 nodes in all.
generated=$(mktemp --suffix=.json)
trap 'rm -f "$generated"' EXIT
python3 - "$generated" <<'PY'
import json, random, sys
random.seed(0)
layers, width = 500, 4
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
PY
"$dagrad" dot "$generated" -o "$images/generated-3000.svg" --max-nodes 40
ls -l "$images"
