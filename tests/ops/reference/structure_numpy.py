#!/usr/bin/python3
"""Reference values from NumPy for the structure ops (concat, stack, slice,
index_select, pad, broadcast_to, expand_dims, squeeze): each case's output
and its input's gradient for a given seed, written as C++ initializers to
structure_numpy.inc, which tests/ops/structure_numpy_test.cpp checks exactly
(every value is a small multiple of 0.5, so exact in both dtypes).

Run from the repository root (Debian 12: python3-numpy):
    /usr/bin/python3 tests/ops/reference/structure_numpy.py
"""
import pathlib

import numpy as np

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def ints(values):
    def one(v):
        return "INT64_MIN" if v == INT64_MIN else "INT64_MAX" if v == INT64_MAX else str(int(v))
    return "std::vector<std::int64_t>{" + ", ".join(one(v) for v in values) + "}"


def tensor(a):
    a = np.asarray(a, dtype=float)
    shape = "Shape{" + ", ".join(str(d) for d in a.shape) + "}"
    return "Tensor(" + shape + ", std::vector<double>{" + ", ".join(repr(float(v)) for v in a.ravel()) + "})"


def attr(value):
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return f"std::int64_t{{{value}}}"
    return ints(value)


def arange(*shape):
    return np.arange(int(np.prod(shape)), dtype=float).reshape(shape) + 1


cases = []


def case(op, inputs, attrs, output, gradient_of):
    """gradient_of(seed) -> the gradient of sum(seed * output) for input 0."""
    seed = (np.arange(output.size, dtype=float) * 0.5 - 3).reshape(output.shape)
    cases.append((op, inputs, attrs, output, seed, gradient_of(seed)))


def numpy_slice(x, begin, end, step):
    return tuple(slice(b, e, s) for b, e, s in zip(begin, end, step))


# slice: negative indices and steps, clamping, INT64 ends, empty results.
for shape, begin, end, step in [
    ((6,), [-1], [INT64_MIN], [-2]),
    ((6,), [4], [1], [-1]),
    ((6,), [-10], [INT64_MIN], [-1]),  # start before the axis with a negative step: empty
    ((6,), [-10], [10], [2]),
    ((3, 4), [-1, -1], [-4, INT64_MIN], [-1, -3]),
    ((3, 4), [5, 0], [INT64_MAX, 4], [1, 1]),  # empty along axis 0
    ((2, 3, 4), [1, -2], [INT64_MAX, -4], [1, -1]),
    ((2, 3, 4), [0, 0, -1], [2, 3, 0], [1, 2, -2]),
]:
    x = arange(*shape)
    index = numpy_slice(x, begin, end, step)

    def gradient(seed, shape=shape, index=index):
        dx = np.zeros(shape)
        dx[index] += seed
        return dx

    case("slice", [x], {"begin": begin, "end": end, "step": step}, x[index], gradient)

# index_select: repeated and reordered indices; np.add.at accumulates repeats.
for shape, indices, axis in [((5,), [4, 0, 4, 2], 0), ((3, 4), [3, 3, 0], 1), ((2, 3, 2), [2, 0, 2, 2], -2),
                             ((3, 2), [], 0)]:
    x = arange(*shape)
    picked = np.array(indices, dtype=np.int64)

    def gradient(seed, shape=shape, picked=picked, axis=axis):
        dx = np.zeros(shape)
        moved_dx, moved_seed = np.moveaxis(dx, axis, 0), np.moveaxis(seed, axis, 0)
        np.add.at(moved_dx, picked, moved_seed)
        return dx

    case("index_select", [x, np.array(indices, dtype=float)], {"axis": axis}, np.take(x, picked, axis=axis), gradient)

# pad: NumPy's ((before, after), ...) flattened.
for shape, pads, value in [((3,), [2, 1], 0.0), ((2, 3), [1, 0, 0, 2], -1.5), ((2, 1, 2), [0, 1, 2, 0, 1, 1], 7.0)]:
    x = arange(*shape)
    pairs = [(pads[2 * a], pads[2 * a + 1]) for a in range(len(shape))]
    inner = tuple(slice(b, b + d) for (b, _), d in zip(pairs, shape))
    case("pad", [x], {"pads": pads, "value": value}, np.pad(x, pairs, constant_values=value),
         lambda seed, inner=inner: seed[inner])

# concat and stack: the gradient of input 0 is its block of the seed.
for shapes, axis in [([(2, 3), (2, 1), (2, 2)], -1), ([(1, 2, 2), (3, 2, 2)], 0), ([(2, 1, 3), (2, 2, 3)], 1)]:
    xs = [arange(*s) * (k + 1) for k, s in enumerate(shapes)]
    width = shapes[0][axis]
    case("concat", xs, {"axis": axis}, np.concatenate(xs, axis=axis),
         lambda seed, axis=axis, width=width: np.take(seed, range(width), axis=axis))
for shape, count, axis in [((3,), 2, 0), ((2, 3), 3, -1), ((2, 3), 2, 1), ((), 3, 0)]:
    xs = [arange(*shape) * (k + 1) for k in range(count)]
    case("stack", xs, {"axis": axis}, np.stack(xs, axis=axis), lambda seed, axis=axis: np.take(seed, 0, axis=axis))

# broadcast_to: the gradient sums the seed back to x's shape.
for shape, target in [((3, 1), (2, 3, 4)), ((4,), (3, 4)), ((), (2, 2)), ((1, 3), (0, 3))]:
    x = arange(*shape)

    def gradient(seed, shape=shape, target=target):
        summed = seed.sum(axis=tuple(range(len(target) - len(shape))))
        return summed.sum(axis=tuple(a for a, d in enumerate(shape) if d == 1), keepdims=True).reshape(shape)

    case("broadcast_to", [x], {"shape": list(target)}, np.broadcast_to(x, target), gradient)

# expand_dims and squeeze: the same values in a new shape.
for shape, axis in [((2, 3), 0), ((2, 3), -1), ((2, 3), -2), ((), 0)]:
    x = arange(*shape)
    case("expand_dims", [x], {"axis": axis}, np.expand_dims(x, axis), lambda seed, shape=shape: seed.reshape(shape))
for shape, axis in [((1, 3), 0), ((2, 1, 3), -2), ((1,), 0)]:
    x = arange(*shape)
    case("squeeze", [x], {"axis": axis}, np.squeeze(x, axis), lambda seed, shape=shape: seed.reshape(shape))

lines = [f"// Generated by tests/ops/reference/structure_numpy.py with NumPy {np.__version__}; do not edit.",
         "// {op, inputs, attrs, output, seed, gradient of input 0}"]
for op, inputs, attrs, output, seed, gradient in cases:
    attr_text = ", ".join(f'{{"{k}", {attr(v)}}}' for k, v in attrs.items())
    lines.append(f'{{"{op}", {{{", ".join(tensor(x) for x in inputs)}}}, Attrs{{{attr_text}}},\n'
                 f" {tensor(output)},\n {tensor(seed)},\n {tensor(gradient)}}},")
out = pathlib.Path(__file__).with_name("structure_numpy.inc")
out.write_text("\n".join(lines) + "\n")
print(f"wrote {len(cases)} cases to {out}")
