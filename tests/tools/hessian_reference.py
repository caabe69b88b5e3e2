#!/usr/bin/env python3
"""An independent reference for `dagrad hessian`: second derivatives of graph
files by finite differences of a high-precision forward pass.

Each graph file's first output is evaluated by this script's own forward
implementation of the ops in Python's `decimal` at 80 significant digits
(no code shared with dagrad, no gradient code at all), and every Hessian
entry d2 L / (dx_p dx_q) over the inputs and parameters (in graph-file
order, as `dagrad hessian` takes them) is the central difference

    (L(x + h e_p + h e_q) - L(x + h e_p - h e_q) - L(x - h e_p + h e_q)
     + L(x - h e_p - h e_q)) / (4 h^2)

with h = 1e-20: truncation error O(h^2) ~ 1e-40 and rounding ~ 1e-80 / h^2
~ 1e-40, far below the 1e-9 relative the test asks for. The output is the
`dagrad hessian --json` format, at 17 significant digits, keyed by file:

    hessian_reference.py FILE... > hessian_reference.json
"""
import json
import os
import sys
from decimal import Decimal, getcontext

getcontext().prec = 80
H = Decimal("1e-20")
ONE = Decimal(1)


def sigmoid(values):
    return [ONE / (ONE + (-v).exp()) for v in values]


def rows(values, shape):
    width = shape[-1] if shape else 1
    return [values[k:k + width] for k in range(0, len(values), width)]


def softmax(values, shape):
    out = []
    for row in rows(values, shape):
        top = max(row)
        exps = [(v - top).exp() for v in row]
        total = sum(exps)
        out += [e / total for e in exps]
    return out


def normalize_rows(values, shape):
    out = []
    for row in rows(values, shape):
        norm = sum(v * v for v in row).sqrt()
        out += [v / max(norm, Decimal("1e-12")) for v in row]
    return out


def reshape_shape(shape, target):
    count = 1
    for d in shape:
        count *= d
    known = 1
    for d in target:
        if d != -1:
            known *= d
    return [count // known if d == -1 else d for d in target]


def evaluate(graph, leaf_values):
    """The first output's value; leaf_values maps leaf names to flat lists."""
    nodes = {node["name"]: node for node in graph["nodes"]}
    memo = {}

    def visit(name):
        if name in memo:
            return memo[name]
        node = nodes[name]
        op = node["op"]
        if op in ("input", "parameter", "constant"):
            values = leaf_values.get(name) or [Decimal(float(v)) for v in node["value"]]
            result = (values, list(node["shape"]))
        else:
            inputs = [visit(i) for i in node["inputs"]]
            (x, shape) = inputs[0]
            if op == "sigmoid":
                result = (sigmoid(x), shape)
            elif op == "softmax":
                result = (softmax(x, shape), shape)
            elif op == "normalize_rows":
                result = (normalize_rows(x, shape), shape)
            elif op == "reshape":
                result = (x, reshape_shape(shape, node["attrs"]["shape"]))
            elif op == "l2":
                result = ([sum((b - a) ** 2 for a, b in zip(x, inputs[1][0]))], [])
            elif op == "l1":
                result = ([sum(abs(b - a) for a, b in zip(x, inputs[1][0]))], [])
            else:
                raise SystemExit(f"hessian_reference.py: op {op} is not implemented here")
        memo[name] = result
        return result

    return visit(graph["outputs"][0])[0][0]


def hessian(graph):
    leaves = [n for n in graph["nodes"] if n["op"] in ("input", "parameter")]
    base = {n["name"]: [Decimal(float(v)) for v in n["value"]] for n in leaves}
    # Flat positions over the concatenated leaves.
    positions = [(n["name"], k) for n in leaves for k in range(len(n["value"]))]

    def loss_at(moves):
        values = {name: list(v) for name, v in base.items()}
        for (name, k), step in moves:
            values[name][k] += step
        return evaluate(graph, values)

    count = len(positions)
    entries = [[None] * count for _ in range(count)]
    for p in range(count):
        for q in range(p, count):
            a, b = positions[p], positions[q]
            value = (loss_at([(a, H), (b, H)]) - loss_at([(a, H), (b, -H)]) - loss_at([(a, -H), (b, H)])
                     + loss_at([(a, -H), (b, -H)])) / (4 * H * H)
            entries[p][q] = entries[q][p] = value
    result = {}
    offset = {}
    start = 0
    for n in leaves:
        offset[n["name"]] = start
        start += len(n["value"])
    for a in leaves:
        row = {}
        for b in leaves:
            values = []
            for i in range(len(a["value"])):
                for j in range(len(b["value"])):
                    values.append(float(f"{entries[offset[a['name']] + i][offset[b['name']] + j]:.17g}"))
            row[b["name"]] = {"shape": list(a["shape"]) + list(b["shape"]), "value": values}
        result[a["name"]] = row
    return {"hessian": result}


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: hessian_reference.py FILE... > hessian_reference.json")
    reference = {}
    for path in sys.argv[1:]:
        with open(path) as f:
            reference[os.path.basename(path)] = hessian(json.load(f))
    json.dump(reference, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
