#!/usr/bin/env python3
"""Reference values for tests/ops/{conv2d,max_pool2d,avg_pool2d}_test.cpp.

Plain-Python loops written from PyTorch's definitions (F.conv2d as a
cross-correlation with zero padding, stride, dilation and groups;
F.max_pool2d padding with -inf; F.avg_pool2d with count_include_pad=True),
independent of dagrad's im2col code. Inputs follow a fixed formula that the
tests repeat (value(i, a, b) = ((i * a) % b - b // 2) / 4 for flat index i).
Run: python3 tests/ops/reference/conv_reference.py > tests/ops/reference/conv_reference.txt
"""


def value(i, a, b):
    return ((i * a) % b - b // 2) / 4


def tensor(shape, a, b):
    n, c, h, w = shape
    flat = [value(i, a, b) for i in range(n * c * h * w)]
    return [[[[flat[((ni * c + ci) * h + y) * w + x] for x in range(w)] for y in range(h)] for ci in range(c)]
            for ni in range(n)]


def out_size(size, kernel, stride, pad, dilation):
    return (size + 2 * pad - dilation * (kernel - 1) - 1) // stride + 1


def conv2d(x, w, b, stride, padding, dilation, groups):
    n, c, h, wd = len(x), len(x[0]), len(x[0][0]), len(x[0][0][0])
    o, cg, kh, kw = len(w), len(w[0]), len(w[0][0]), len(w[0][0][0])
    oh = out_size(h, kh, stride[0], padding[0], dilation[0])
    ow = out_size(wd, kw, stride[1], padding[1], dilation[1])
    og = o // groups
    y = []
    for ni in range(n):
        for oi in range(o):
            g = oi // og
            for i in range(oh):
                for j in range(ow):
                    total = b[oi] if b else 0.0
                    for ci in range(cg):
                        for ki in range(kh):
                            for kj in range(kw):
                                yy = i * stride[0] - padding[0] + ki * dilation[0]
                                xx = j * stride[1] - padding[1] + kj * dilation[1]
                                if 0 <= yy < h and 0 <= xx < wd:
                                    total += w[oi][ci][ki][kj] * x[ni][g * cg + ci][yy][xx]
                    y.append(total)
    return [n, o, oh, ow], y


def pool(x, kernel, stride, padding, reduce):
    n, c, h, wd = len(x), len(x[0]), len(x[0][0]), len(x[0][0][0])
    oh = out_size(h, kernel[0], stride[0], padding[0], 1)
    ow = out_size(wd, kernel[1], stride[1], padding[1], 1)
    y = []
    for ni in range(n):
        for ci in range(c):
            for i in range(oh):
                for j in range(ow):
                    taps = []
                    for ki in range(kernel[0]):
                        for kj in range(kernel[1]):
                            yy = i * stride[0] - padding[0] + ki
                            xx = j * stride[1] - padding[1] + kj
                            inside = 0 <= yy < h and 0 <= xx < wd
                            taps.append(x[ni][ci][yy][xx] if inside else None)
                    y.append(reduce(taps, kernel[0] * kernel[1]))
    return [n, c, oh, ow], y


def maximum(taps, count):
    return max(t for t in taps if t is not None)


def mean_including_padding(taps, count):
    return sum(t for t in taps if t is not None) / count


def show(name, result):
    shape, values = result
    print(f"{name}: shape {shape} values {{{', '.join(repr(v) for v in values)}}}")


x = tensor((1, 2, 4, 5), 7, 11)
w = tensor((3, 2, 3, 2), 5, 7)
show("conv2d x(1,2,4,5) w(3,2,3,2) b(0.5,-1,0.25) stride(2,1) padding(1,1) dilation(1,2)",
     conv2d(x, w, [0.5, -1.0, 0.25], (2, 1), (1, 1), (1, 2), 1))
x = tensor((1, 4, 3, 3), 3, 13)
w = tensor((2, 2, 2, 2), 5, 9)
show("conv2d x(1,4,3,3) w(2,2,2,2) groups 2", conv2d(x, w, None, (1, 1), (0, 0), (1, 1), 2))
x = tensor((1, 1, 4, 5), 7, 11)
show("max_pool2d x(1,1,4,5) kernel(3,3) stride(2,2) padding(1,1)", pool(x, (3, 3), (2, 2), (1, 1), maximum))
show("avg_pool2d x(1,1,4,5) kernel(3,3) stride(2,2) padding(1,1)",
     pool(x, (3, 3), (2, 2), (1, 1), mean_including_padding))
