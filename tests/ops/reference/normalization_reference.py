#!/usr/bin/env python3
"""Reference values for tests/ops/layer_norm_test.cpp and batch_norm_test.cpp.

An independent implementation in plain NumPy: forward as PyTorch documents
F.layer_norm and F.batch_norm, backward by the step-by-step chain rule
through mean and variance (cs231n's staged form), not by the compact formula
the ops use. Run once; its output is committed next to it
(normalization_reference.txt) and the numbers are copied into the tests:
    /usr/bin/python3 tests/ops/reference/normalization_reference.py  # Debian python3 with python3-numpy
"""
import numpy as np

np.set_printoptions(precision=17, floatmode="unique", linewidth=200)
EPS = 1e-5


def normalize_forward(x, axis, eps):
    """x normalized over `axis` (a tuple), with the cache for backward."""
    mean = x.mean(axis=axis, keepdims=True)
    centered = x - mean
    var = (centered ** 2).mean(axis=axis, keepdims=True)  # biased
    std = np.sqrt(var + eps)
    return centered / std, (centered, std, var, eps)


def normalize_backward(dxhat, cache, axis):
    """Staged chain rule: xhat = c / s, c = x - mean, s = sqrt(v + eps), v = mean(c^2)."""
    centered, std, var, eps = cache
    m = np.prod([centered.shape[a] for a in axis])
    dcentered = dxhat / std
    dstd = (dxhat * centered * -1.0 / std ** 2).sum(axis=axis, keepdims=True)
    dvar = dstd * 0.5 / np.sqrt(var + eps)
    dcentered += dvar * 2.0 * centered / m
    dmean = -dcentered.sum(axis=axis, keepdims=True)
    return dcentered + dmean / m


def show(label, a):
    print(f"{label}: shape {list(np.shape(a))} values {[float(v) for v in np.ravel(a)]!r}")


print("# layer_norm: x (2, 4), weight, bias, eps 1e-5; loss = sum(y * dy)")
x = np.array([[1.0, 2.0, 3.0, 4.0], [-1.0, 0.5, 2.0, -3.0]])
w = np.array([1.0, -0.5, 2.0, 0.25])
b = np.array([0.0, 0.1, -0.2, 0.3])
dy = np.array([[0.1, -0.2, 0.3, 0.4], [1.0, 2.0, -1.0, 0.5]])
xhat, cache = normalize_forward(x, (1,), EPS)
show("layer_norm y", xhat * w + b)
show("layer_norm dx", normalize_backward(dy * w, cache, (1,)))
show("layer_norm dweight", (dy * xhat).sum(axis=0))
show("layer_norm dbias", dy.sum(axis=0))


def batch_norm_train(x, w, b, running_mean, running_var, momentum, eps):
    axis = (0,) if x.ndim == 2 else (0, 2, 3)
    shape = (1, -1) if x.ndim == 2 else (1, -1, 1, 1)
    xhat, cache = normalize_forward(x, axis, eps)
    m = x.size // x.shape[1]
    mean = x.mean(axis=axis)
    var_unbiased = x.var(axis=axis, ddof=1)
    running_mean = (1 - momentum) * running_mean + momentum * mean
    running_var = (1 - momentum) * running_var + momentum * var_unbiased
    return xhat * w.reshape(shape) + b.reshape(shape), xhat, cache, axis, shape, running_mean, running_var


print("# batch_norm training, x (4, 3), momentum 0.1, running stats from zeros and ones; loss = sum(y * dy)")
x = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, 1.5], [-1.0, 4.0, 2.5], [0.5, 1.0, -0.5]])
w = np.array([1.5, -1.0, 0.5])
b = np.array([0.2, 0.0, -0.3])
dy = np.array([[0.3, -0.1, 0.2], [1.0, 0.5, -0.4], [-0.7, 0.2, 0.9], [0.1, -1.2, 0.6]])
y, xhat, cache, axis, shape, rm, rv = batch_norm_train(x, w, b, np.zeros(3), np.ones(3), 0.1, EPS)
show("batch_norm_2d y", y)
show("batch_norm_2d dx", normalize_backward(dy * w.reshape(shape), cache, axis))
show("batch_norm_2d dweight", (dy * xhat).sum(axis=axis))
show("batch_norm_2d dbias", dy.sum(axis=axis))
show("batch_norm_2d running_mean step 1", rm)
show("batch_norm_2d running_var step 1", rv)
for step in (2, 3):  # batches x + step, x * step
    batch = x * step + step
    _, _, _, _, _, rm, rv = batch_norm_train(batch, w, b, rm, rv, 0.1, EPS)
    show(f"batch_norm_2d running_mean step {step}", rm)
    show(f"batch_norm_2d running_var step {step}", rv)
eval_y = (x - rm) / np.sqrt(rv + EPS) * w + b
show("batch_norm_2d evaluation y after step 3", eval_y)
show("batch_norm_2d evaluation dx after step 3", dy * w / np.sqrt(rv + EPS))

print("# batch_norm training, x (2, 2, 2, 3) = arange(24) * 0.25 - 2 squared / 4, momentum 0.2")
x = ((np.arange(24.0) * 0.25 - 2.0) ** 2 / 4.0).reshape(2, 2, 2, 3)
w = np.array([0.5, 2.0])
b = np.array([1.0, -1.0])
dy = np.cos(np.arange(24.0)).reshape(2, 2, 2, 3)
y, xhat, cache, axis, shape, rm, rv = batch_norm_train(x, w, b, np.zeros(2), np.ones(2), 0.2, EPS)
show("batch_norm_4d y", y)
show("batch_norm_4d dx", normalize_backward(dy * w.reshape(shape), cache, axis))
show("batch_norm_4d dweight", (dy * xhat).sum(axis=axis))
show("batch_norm_4d dbias", dy.sum(axis=axis))
show("batch_norm_4d running_mean", rm)
show("batch_norm_4d running_var", rv)
