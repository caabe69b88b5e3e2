#!/usr/bin/env python3
"""Writes spirals_train.csv and spirals_test.csv: three interleaved spiral arms
(CS231n's classic toy data), 100 + 50 points per class. A linear model gets
about half of them right; an MLP gets nearly all. Standard library only, so
the files can be made again anywhere: python3 tools/data/make_spirals.py"""
import math
import os
import random


def spirals(points_per_class, rng):
    rows = []
    for label in range(3):
        for i in range(points_per_class):
            radius = i / (points_per_class - 1)
            angle = label * 4 + 4 * radius + rng.gauss(0, 0.2)
            rows.append((radius * math.sin(angle), radius * math.cos(angle), label))
    rng.shuffle(rows)
    return rows


def write(path, rows):
    with open(path, "w") as out:
        out.write("x1,x2,label\n")
        for x1, x2, label in rows:
            out.write(f"{x1:.6f},{x2:.6f},{label}\n")


here = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(2024)
write(os.path.join(here, "spirals_train.csv"), spirals(100, rng))
write(os.path.join(here, "spirals_test.csv"), spirals(50, rng))
