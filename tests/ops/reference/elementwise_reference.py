#!/usr/bin/env python3
"""Reference values for the elementwise ops of issue 11, from PyTorch's own
definitions written out with Python's math module (torch is not needed, and
no code is shared with dagrad). tests/ops/elementwise_reference_test.cpp
compares dagrad's forward values and gradients with the file this writes:

    python3 tests/ops/reference/elementwise_reference.py > tests/ops/reference/elementwise_reference.json

Each formula is the one in PyTorch's CPU kernels and derivatives.yaml
(ATen/native/cpu/Activation.cpp, UnaryOpsKernel.cpp, BinaryOpsKernel.cpp),
including their rules at kinks and ties. Gradients are for a seed of ones
(d sum(y) / d input), one list per differentiable input, summed back to the
input's shape where it was broadcast. Floats are written with repr(), which
reads back to the same double.
"""
import json
import math
import sys

SQRT1_2 = math.sqrt(0.5)
BIG = [-1000.0, -40.0, 40.0, 1000.0]


def unary(op, xs, value, slope, attrs=None):
    return {"op": op, "attrs": attrs or {}, "inputs": [{"shape": [len(xs)], "values": xs}],
            "value": [value(x) for x in xs], "gradients": [[slope(x) for x in xs]]}


def sign(x):
    return (x > 0) - (x < 0)


def pow_slope(p):
    # derivatives.yaml pow_backward: 0 for exponent 0, else p * x^(p - 1)
    return lambda x: 0.0 if p == 0 else p * math.pow(x, p - 1)


def clamp(lo, hi):
    return lambda x: min(max(x, lo), hi)


def leaky_relu(s):
    return lambda x: x if x > 0 else x * s


def elu(alpha):
    return lambda x: x if x > 0 else alpha * math.expm1(x)


def elu_slope(alpha):
    # elu_backward (is_result false): x <= 0 takes the exponential branch
    return lambda x: 1.0 if x > 0 else alpha * math.exp(x)


def gelu(x):
    return x * 0.5 * (1 + math.erf(x * SQRT1_2))


def gelu_slope(x):
    # GeluBackwardKernel: kBeta = M_2_SQRTPI * M_SQRT1_2 * 0.5
    cdf = 0.5 * (1 + math.erf(x * SQRT1_2))
    pdf = (2 / math.sqrt(math.pi)) * SQRT1_2 * 0.5 * math.exp(-0.5 * x * x)
    return cdf + x * pdf


def softplus(beta, threshold):
    return lambda x: x if x * beta > threshold else math.log1p(math.exp(x * beta)) / beta


def softplus_slope(beta, threshold):
    def slope(x):
        if x * beta > threshold:
            return 1.0
        z = math.exp(x * beta)
        return z / (z + 1)
    return slope


def log_sigmoid(x):
    return min(x, 0) - math.log1p(math.exp(-abs(x)))


def log_sigmoid_slope(x):
    # log_sigmoid_backward: max_deriv - sign * z / (1 + z), z = e^-|x|
    negative = x < 0
    z = math.exp(-abs(x))
    return (1.0 if negative else 0.0) - (1.0 if negative else -1.0) * (z / (1 + z))


def binary(op, a, b, value, shares):
    """Same-shape a and b; shares(a, b) -> (da, db) for dy = 1 or None."""
    case = {"op": op, "attrs": {}, "inputs": [{"shape": [len(a)], "values": a}, {"shape": [len(b)], "values": b}],
            "value": [value(x, y) for x, y in zip(a, b)], "gradients": []}
    if shares:
        pairs = [shares(x, y) for x, y in zip(a, b)]
        case["gradients"] = [[p[0] for p in pairs], [p[1] for p in pairs]]
    return case


def maximum_shares(a, b):
    # derivatives.yaml: where(a == b, grad / 2, grad), masked where a < b (for a) or a > b (for b)
    return (0.0 if a < b else 0.5 if a == b else 1.0, 0.0 if a > b else 0.5 if a == b else 1.0)


def minimum_shares(a, b):
    return (0.0 if a > b else 0.5 if a == b else 1.0, 0.0 if a < b else 0.5 if a == b else 1.0)


def main():
    xs = [-3.5, -1.0, -0.25, 0.0, 0.3, 1.0, 2.5] + BIG
    positive = [1e-3, 0.25, 0.5, 1.0, 1.7, 9.0, 1e10]
    a = [-2.0, -1.0, 0.0, 0.5, 3.0, 3.0, -1e300, 7.25]
    b = [1.0, -1.0, 0.0, 0.25, 3.0, -4.0, 1e300, 7.0]
    cases = [
        unary("abs", xs, abs, lambda x: float(sign(x))),
        unary("pow", positive, lambda x: math.pow(x, 2.5), pow_slope(2.5), {"exponent": 2.5}),
        unary("pow", positive, lambda x: math.pow(x, -0.5), pow_slope(-0.5), {"exponent": -0.5}),
        unary("pow", xs[:7], lambda x: math.pow(x, 3), pow_slope(3.0), {"exponent": 3.0}),
        unary("pow", xs[:7], lambda x: math.pow(x, 0), pow_slope(0.0), {"exponent": 0.0}),
        # clamp_backward: grad where x >= min and x <= max, bounds included
        unary("clip", xs + [-0.5, 2.0], clamp(-0.5, 2.0), lambda x: 1.0 if -0.5 <= x <= 2.0 else 0.0,
              {"min": -0.5, "max": 2.0}),
        binary("maximum", a, b, max, maximum_shares),
        binary("minimum", a, b, min, minimum_shares),
        binary("greater", a, b, lambda x, y: float(x > y), None),
        binary("less", a, b, lambda x, y: float(x < y), None),
        binary("equal", a, b, lambda x, y: float(x == y), None),
        unary("leaky_relu", xs, leaky_relu(0.01), lambda x: 1.0 if x > 0 else 0.01),
        unary("leaky_relu", xs, leaky_relu(0.2), lambda x: 1.0 if x > 0 else 0.2, {"negative_slope": 0.2}),
        unary("elu", xs + [-1e-10], elu(1.0), elu_slope(1.0)),
        unary("elu", xs, elu(0.5), elu_slope(0.5), {"alpha": 0.5}),
        # Left of about -3.5, PyTorch's 1 + erf(...) loses digits that the op keeps (it uses erfc): compared from -3.5 up.
        unary("gelu", xs[:7] + [40.0, 1000.0], gelu, gelu_slope),
        unary("softplus", xs + [-30.0, 19.5, 20.0, 20.5], softplus(1.0, 20.0), softplus_slope(1.0, 20.0)),
        unary("softplus", xs, softplus(2.0, 3.0), softplus_slope(2.0, 3.0), {"beta": 2.0, "threshold": 3.0}),
        unary("log_sigmoid", xs, log_sigmoid, log_sigmoid_slope),
    ]
    where = {"op": "where", "attrs": {},
             "inputs": [{"shape": [2, 1], "values": [1.0, 0.0]}, {"shape": [3], "values": [1.0, 2.0, 3.0]},
                        {"shape": [2, 3], "values": [-1.0, -2.0, -3.0, -4.0, -5.0, -6.0]}],
             "value": [1.0, 2.0, 3.0, -4.0, -5.0, -6.0],
             "gradients": [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]]}  # a and b; the condition takes none
    cases.append(where)
    json.dump({"generator": "tests/ops/reference/elementwise_reference.py", "cases": cases}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
