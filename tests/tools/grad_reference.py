#!/usr/bin/env python3
"""An independent implementation of `dagrad grad`, in NumPy, for the seed ops.

Reads each graph file given, evaluates its first output and the gradient with
respect to every input and parameter by its own hand-written forward and
backward passes (no code shared with dagrad), runs `dagrad grad --json` on the
same file, and checks that every value and gradient agrees to 1e-9 relative.

    grad_reference.py DAGRAD_EXECUTABLE FILE...

Agreement per element: |dagrad - numpy| <= 1e-9 * max(|dagrad|, |numpy|), or
<= 1e-12 * (largest magnitude in that tensor), for elements that cancel to
nearly zero (a softmax gradient summing to 0, for example).
"""
import json
import subprocess
import sys

import numpy as np

RELATIVE = 1e-9
CANCELLATION = 1e-12


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def reshape(x, shape):
    return x.reshape(shape)


# Each op: forward(inputs, attrs) -> y, and backward(inputs, attrs, y, dy) -> [dinput].
def sigmoid_backward(inputs, attrs, y, dy):
    return [dy * y * (1 - y)]


def softmax_backward(inputs, attrs, y, dy):
    return [y * (dy - (dy * y).sum(axis=-1, keepdims=True))]


def normalize_rows_forward(inputs, attrs):
    x = inputs[0]
    norm = np.sqrt((x * x).sum(axis=-1, keepdims=True))
    return x / np.maximum(norm, 1e-12)


def normalize_rows_backward(inputs, attrs, y, dy):
    x = inputs[0]
    norm = np.sqrt((x * x).sum(axis=-1, keepdims=True))
    # d(x/|x|) = (dy - y (dy . y)) / |x|; below the clamp y = x / 1e-12 is linear.
    projected = (dy - y * (dy * y).sum(axis=-1, keepdims=True)) / np.maximum(norm, 1e-12)
    return [np.where(norm > 1e-12, projected, dy / 1e-12)]


OPS = {
    "sigmoid": (lambda i, a: sigmoid(i[0]), sigmoid_backward),
    "softmax": (lambda i, a: softmax(i[0]), softmax_backward),
    "normalize_rows": (normalize_rows_forward, normalize_rows_backward),
    "reshape": (lambda i, a: reshape(i[0], a["shape"]), lambda i, a, y, dy: [dy.reshape(i[0].shape)]),
    "l1": (lambda i, a: np.abs(i[1] - i[0]).sum(),
           lambda i, a, y, dy: [dy * np.sign(i[0] - i[1]), dy * np.sign(i[1] - i[0])]),
    "l2": (lambda i, a: ((i[1] - i[0]) ** 2).sum(),
           lambda i, a, y, dy: [2 * dy * (i[0] - i[1]), 2 * dy * (i[1] - i[0])]),
}


def reference(path):
    with open(path) as f:
        document = json.load(f)
    nodes = {n["name"]: n for n in document["nodes"]}
    order, seen = [], set()

    def visit(name):  # graph files here are small: recursion is fine
        if name in seen:
            return
        seen.add(name)
        for i in nodes[name].get("inputs", []):
            visit(i)
        order.append(name)

    for n in document["nodes"]:
        visit(n["name"])
    values = {}
    for name in order:
        n = nodes[name]
        if n["op"] in ("input", "parameter", "constant"):
            values[name] = np.array(n["value"], dtype=np.float64).reshape(n["shape"])
        else:
            forward, _ = OPS[n["op"]]
            values[name] = np.asarray(forward([values[i] for i in n["inputs"]], n.get("attrs", {})), dtype=np.float64)

    loss = document["outputs"][0]
    grads = {loss: np.ones_like(values[loss])}
    for name in reversed(order):
        n = nodes[name]
        if name not in grads or n["op"] in ("input", "parameter", "constant"):
            continue
        _, backward = OPS[n["op"]]
        inputs = [values[i] for i in n["inputs"]]
        for input_name, g in zip(n["inputs"], backward(inputs, n.get("attrs", {}), values[name], grads[name])):
            grads[input_name] = grads.get(input_name, 0) + g
    outputs = {name: values[name] for name in document["outputs"]}
    leaves = [n["name"] for n in document["nodes"] if n["op"] in ("input", "parameter")]
    gradients = {name: np.broadcast_to(grads.get(name, 0.0), values[name].shape) for name in leaves}
    return outputs, gradients


def compare(what, expected, got):
    """Returns a list of problems (empty when they agree)."""
    shape = list(np.shape(expected))
    if got["shape"] != shape:
        return [f"{what}: shape {got['shape']}, expected {shape}"]
    actual = np.array(got["value"], dtype=np.float64)
    wanted = np.asarray(expected, dtype=np.float64).reshape(-1)
    scale = CANCELLATION * max(np.abs(wanted).max(initial=0.0), np.abs(actual).max(initial=0.0))
    error = np.abs(actual - wanted)
    bad = (error > RELATIVE * np.maximum(np.abs(actual), np.abs(wanted))) & (error > scale)
    return [f"{what}[{i}]: dagrad {actual[i]!r}, numpy {wanted[i]!r}" for i in np.flatnonzero(bad)]


def main():
    dagrad, files = sys.argv[1], sys.argv[2:]
    if not files:
        sys.exit("usage: grad_reference.py DAGRAD_EXECUTABLE FILE...")
    problems, compared = [], 0
    for path in files:
        result = subprocess.run([dagrad, "grad", "--json", path], capture_output=True, text=True)
        if result.returncode != 0:
            problems.append(f"{path}: dagrad grad failed ({result.returncode}): {result.stderr.strip()}")
            continue
        got = json.loads(result.stdout)
        outputs, gradients = reference(path)
        if set(got["outputs"]) != set(outputs) or set(got["gradients"]) != set(gradients):
            problems.append(f"{path}: dagrad names {sorted(got['outputs'])} / {sorted(got['gradients'])}, "
                            f"numpy {sorted(outputs)} / {sorted(gradients)}")
            continue
        for name, value in outputs.items():
            problems += compare(f"{path}: output {name}", value, got["outputs"][name])
            compared += value.size
        for name, value in gradients.items():
            problems += compare(f"{path}: gradient {name}", value, got["gradients"][name])
            compared += value.size
    for p in problems:
        print(p)
    print(f"{len(files)} files, {compared} numbers compared, {len(problems)} disagreements")
    sys.exit(1 if problems or compared == 0 else 0)


if __name__ == "__main__":
    main()
