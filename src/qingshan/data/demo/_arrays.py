"""Array types and small vectorised numpy helpers of the demo-city generator."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
ObjArray = npt.NDArray[np.object_]

MONTHS = 12


def choice(rng: np.random.Generator, n: int, p: Sequence[float]) -> IntArray:
    """``n`` draws of an index with probabilities ``p`` (normalised)."""
    pa = np.asarray(p, dtype=np.float64)
    cum = np.cumsum(pa / pa.sum())
    cum[-1] = 1.0
    return np.searchsorted(cum, rng.random(n), side="right").astype(np.int64)


def lognormal(rng: np.random.Generator, sigma: float | FloatArray, size: Any) -> FloatArray:
    """Mean-one lognormal noise."""
    s = np.asarray(sigma, dtype=np.float64)
    out: FloatArray = np.exp(s * rng.standard_normal(size) - 0.5 * s * s)
    return out


def round_to(x: FloatArray, decimals: IntArray) -> FloatArray:
    """``x`` rounded elementwise to ``decimals`` places."""
    scale = np.power(10.0, decimals.astype(np.float64))
    out: FloatArray = np.round(x * scale) / scale
    return out


def sum_by(keys: IntArray, weights: FloatArray, size: int) -> FloatArray:
    """Sum of ``weights`` per integer key (0 … size-1)."""
    out: FloatArray = np.bincount(keys.ravel(), weights.ravel(), size).astype(np.float64)
    return out


def random_chars(rng: np.random.Generator, alphabet: str, n: int, k: int) -> npt.NDArray[np.str_]:
    """``n`` random strings of ``k`` characters from an ASCII ``alphabet``."""
    letters = np.frombuffer(alphabet.encode("ascii"), dtype="S1")
    picks = letters[rng.integers(0, len(alphabet), size=(n, k))]
    return np.ascontiguousarray(picks).view(f"S{k}").ravel().astype(f"U{k}")
