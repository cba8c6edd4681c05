"""Counter-based random numbers for compiled loops: a draw is a pure function of (key, counter).

`uniform(key, counter)` hashes `key + counter * golden` with the SplitMix64 finaliser (Steele, Lea &
Flood 2014, "Fast splittable pseudorandom number generators"; the same mixing function seeds numpy's
and Java's generators) and keeps the top 53 bits: a float in [0, 1). `bits32` keeps the top 32 bits.
Every loop that draws takes one fresh 64-bit `key` from the rule's numpy Generator per week, so runs
stay reproducible from the scenario seed, and draws for different clinicians or ties never depend
on the order they are made in. SplitMix64 with a sequential counter passes BigCrush; a hash costs
about a nanosecond, a few times less than calling the numpy Generator from compiled code.
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S32, _S11 = (np.uint64(s) for s in (30, 27, 31, 32, 11))
_TO_UNIT = 1.0 / 9007199254740992.0  # 2^-53


@numba.njit(inline="always")
def mix(z):
    """SplitMix64 finaliser of a uint64."""
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@numba.njit(inline="always")
def draw(key, counter):
    """64 random bits for `counter` (any integer >= 0) under `key` (uint64)."""
    return mix(key + (np.uint64(counter) + np.uint64(1)) * GOLDEN)


@numba.njit(inline="always")
def bits32(key, counter):
    """A uniform integer in [0, 2^32) as uint64."""
    return draw(key, counter) >> _S32


@numba.njit(inline="always")
def uniform(key, counter):
    """A uniform float in [0, 1)."""
    return float(np.int64(draw(key, counter) >> _S11)) * _TO_UNIT


# Purposes of sub-streams. A rule's week key `key` gives a sub-key for another purpose as
# `sub_key(key, PURPOSE)` = mix(key ^ PURPOSE); every purpose is listed here, so no two uses share one.
NOISE = np.uint64(0xD1B54A32D192ED03)  # rating noise, apart from the seen coins (fast/arcs.judge_rows)
FATES = np.uint64(0x8CB92BA72F3D8DD7)  # the fates of a user's errors, apart from the counts (fast/clinicians)
RETRY = np.uint64(0x632BE59BD9B4E019)  # the ziggurat's retries (`retry_key` below)


@numba.njit(inline="always")
def sub_key(key, purpose):
    """The key of another purpose under `key` (uint64): a hash, so sub-streams share no counters."""
    return mix(key ^ purpose)


def new_key(rng: np.random.Generator) -> np.uint64:
    """A fresh 64-bit key from a numpy Generator (one per rule and week)."""
    return np.uint64(rng.integers(0, 2**64, dtype=np.uint64))


class KeyStream:
    """The weekly keys of B replications' streams that serve for nothing but keys (experience,
    judgment, attitudes), drawn ahead `block` at a time: `new_key` takes one raw 64-bit output of
    the generator (numpy's `integers(0, 2**64, dtype=uint64)` is the bit generator's next output),
    so `random_raw(block)` gives the same keys in one call per replication per block instead of one
    per week (tests/test_batch.py checks the equality)."""

    def __init__(self, rngs: Sequence[np.random.Generator], block: int = 64) -> None:
        self.rngs = list(rngs)
        self.block = block
        self._ahead = np.empty((len(self.rngs), 0), dtype=np.uint64)
        self._used = 0

    def next_keys(self) -> np.ndarray:
        """(B,) uint64: each replication's next key."""
        if self._used == self._ahead.shape[1]:
            self._ahead = np.stack([rng.bit_generator.random_raw(self.block) for rng in self.rngs])
            self._used = 0
        keys = self._ahead[:, self._used]
        self._used += 1
        return keys


Keys = Sequence[np.random.Generator] | KeyStream


def new_keys(source: Keys) -> np.ndarray:
    """(B,) uint64: the next key of each replication's stream, for a batch (`simulation.segments`):
    `new_key` of each generator, or the next keys of a `KeyStream`."""
    if isinstance(source, KeyStream):
        return source.next_keys()
    return np.array([rng.integers(0, 2**64, dtype=np.uint64) for rng in source], dtype=np.uint64)


def _ziggurat_tables(layers: int = 256, r: float = 3.6541528853610088, area: float = 4.92867323399e-3):
    """Tables of the 256-layer ziggurat for the standard normal (Marsaglia & Tsang 2000, "The
    Ziggurat Method for Generating Random Variables", J. Stat. Softw. 5(8); the layout numpy uses):
    `k[i]` the 52-bit acceptance bounds, `w[i]` the bit-to-value scales, `f[i]` = exp(-x_i^2/2)."""
    scale = 2.0**52
    k, w, f = np.zeros(layers), np.zeros(layers), np.zeros(layers)
    x = r
    q = area / np.exp(-0.5 * x * x)
    k[0] = (x / q) * scale
    k[1] = 0.0
    w[0] = q / scale
    w[layers - 1] = x / scale
    f[0] = 1.0
    f[layers - 1] = np.exp(-0.5 * x * x)
    outer = x
    for i in range(layers - 2, 0, -1):
        x = np.sqrt(-2.0 * np.log(area / x + np.exp(-0.5 * x * x)))
        k[i + 1] = (x / outer) * scale
        outer = x
        f[i] = np.exp(-0.5 * x * x)
        w[i] = x / scale
    return k.astype(np.uint64), w, f


_ZIG_K, _ZIG_W, _ZIG_F = _ziggurat_tables()
_ZIG_R = 3.6541528853610088
_LOW8, _LOW52 = np.uint64(0xFF), np.uint64((1 << 52) - 1)
_S8, _S1, _ONE = np.uint64(8), np.uint64(1), np.uint64(1)


@numba.njit(inline="always")
def retry_key(key, counter):
    """The key of the ziggurat's retry draws for `counter`: a hash of (sub-key, counter), so the
    retries of neighbouring counters are unrelated streams. (Before, a linear offset
    `mix(key ^ RETRY) + counter * golden` made counter c's retry a + 1 equal counter c + 1's retry a.)"""
    return draw(sub_key(key, RETRY), counter)


@numba.njit
def _normal_slow(key, counter):
    """The ziggurat's rare paths (about 1.5 % of draws): wedges, the tail and rejections."""
    retry = retry_key(key, counter)
    attempt = 0
    bits = draw(key, counter)
    while True:
        idx = bits & _LOW8
        sign = (bits >> _S8) & _S1
        rabs = (bits >> np.uint64(9)) & _LOW52
        x = float(np.int64(rabs)) * _ZIG_W[idx]
        if sign:
            x = -x
        if rabs < _ZIG_K[idx]:
            return x
        if idx == 0:
            while True:
                xx = -np.log1p(-uniform(retry, attempt)) / _ZIG_R
                yy = -np.log1p(-uniform(retry, attempt + 1))
                attempt += 2
                if yy + yy > xx * xx:
                    return -(_ZIG_R + xx) if sign else _ZIG_R + xx
        if (_ZIG_F[idx - 1] - _ZIG_F[idx]) * uniform(retry, attempt) + _ZIG_F[idx] < np.exp(-0.5 * x * x):
            return x
        bits = draw(retry, attempt + 1)
        attempt += 2


@numba.njit(inline="always")
def normal(key, counter):
    """A standard normal draw for `counter` under `key` (ziggurat; exact up to floating point)."""
    bits = draw(key, counter)
    idx = bits & _LOW8
    rabs = (bits >> np.uint64(9)) & _LOW52
    if rabs < _ZIG_K[idx]:
        x = float(np.int64(rabs)) * _ZIG_W[idx]
        return -x if (bits >> _S8) & _S1 else x
    return _normal_slow(key, counter)
