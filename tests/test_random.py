"""The counter-based generator of the compiled loops (simulation/fast/random.py), checked against
an independent pure-Python SplitMix64 and fixed known answers, and the construction of its
sub-streams: the ziggurat's retry streams of neighbouring counters must be unrelated, and an
intervention kind's streams are identified by its name, not by its position in a list.

The known answers were computed once with this code (numba 0.68, x86-64 libm); a change to any of
them changes every published number, so it must be deliberate.
"""

from __future__ import annotations

import zlib

import numba
import numpy as np
import pytest

from simulation.fast.random import _ZIG_K, draw, normal, retry_key, uniform
from simulation.seeding import intervention_seed, kind_stream_id

KEY = np.uint64(0x0123456789ABCDEF)
MASK = (1 << 64) - 1


def splitmix64(key: int, counter: int) -> int:
    """SplitMix64 (Steele, Lea & Flood 2014) of state key + (counter + 1) * golden, in plain Python."""
    z = (key + (counter + 1) * 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


@numba.njit
def _draws(key, counters):
    out = np.empty(counters.size, dtype=np.uint64)
    for i in range(counters.size):
        out[i] = draw(key, counters[i])
    return out


@numba.njit
def _uniforms(key, counters):
    out = np.empty(counters.size)
    for i in range(counters.size):
        out[i] = uniform(key, counters[i])
    return out


@numba.njit
def _normals(key, counters):
    out = np.empty(counters.size)
    for i in range(counters.size):
        out[i] = normal(key, counters[i])
    return out


@numba.njit
def _retry_uniforms(key, counters, attempts):
    """uniform(retry_key(key, c), a) for every counter c (rows) and attempt a (columns)."""
    out = np.empty((counters.size, attempts))
    for i in range(counters.size):
        sub = retry_key(key, counters[i])
        for a in range(attempts):
            out[i, a] = uniform(sub, a)
    return out


def test_draws_equal_an_independent_splitmix64():
    counters = np.array([0, 1, 2, 1000, 2**40 + 3], dtype=np.int64)
    for key in (0, 1, int(KEY), MASK):
        got = _draws(np.uint64(key), counters)
        assert [int(x) for x in got] == [splitmix64(key, int(c)) for c in counters]
        uniforms = _uniforms(np.uint64(key), counters)
        assert list(uniforms) == [(splitmix64(key, int(c)) >> 11) * 2.0**-53 for c in counters]


def test_known_answers():
    counters = np.array([0, 1, 2, 1000], dtype=np.int64)
    assert [hex(int(x)) for x in _draws(KEY, counters)] == [
        "0x157a3807a48faa9d",
        "0xd573529b34a1d093",
        "0x2f90b72e996dccbe",
        "0x825a7e1c8e8ace2b",
    ]
    assert list(_uniforms(KEY, counters[:3])) == [0.08389616190521443, 0.8337909344596774, 0.18580193412474622]
    fast = _normals(KEY, np.arange(5, dtype=np.int64))
    assert list(fast) == [
        1.1672669398623867,
        1.1173221448071002,
        0.9763529980170412,
        -0.23078078989152578,
        0.019058656334559203,
    ]
    # counters 38, 66, 149 and 169 take the ziggurat's slow path under KEY (checked below)
    slow = _normals(KEY, np.array([38, 66, 149, 169], dtype=np.int64))
    assert list(slow) == pytest.approx(
        [0.17015652002820159, 0.7746792903819005, -0.6946921401441748, 0.15453559793244145], rel=1e-12
    )


def test_known_answer_counters_take_the_slow_path():
    bits = _draws(KEY, np.array([38, 66, 149, 169], dtype=np.int64)).astype(object)
    for b in bits:
        layer, magnitude = int(b) & 0xFF, (int(b) >> 9) & ((1 << 52) - 1)
        assert magnitude >= int(_ZIG_K[layer])


def test_retry_streams_of_adjacent_counters_are_unrelated():
    """Before the fix, counter c's retry a + 1 was counter c + 1's retry a (a linear offset of one
    key), so neighbours that both took the slow path reused each other's acceptance uniforms."""
    counters = np.arange(20_000, dtype=np.int64)
    u = _retry_uniforms(KEY, counters, 8)
    shifted_now, shifted_next = u[:-1, 1:].ravel(), u[1:, :-1].ravel()
    assert not np.any(shifted_now == shifted_next)
    assert abs(np.corrcoef(shifted_now, shifted_next)[0, 1]) < 0.02  # 140,000 pairs: SE of r about 0.003
    assert abs(np.corrcoef(u[:-1, 0], u[1:, 0])[0, 1]) < 0.04  # same attempt, adjacent counters
    # and the retries are uniform: mean 1/2, variance 1/12
    assert u.mean() == pytest.approx(0.5, abs=0.003)
    assert u.var() == pytest.approx(1 / 12, abs=0.002)


def test_normals_stay_standard_normal_on_the_slow_path():
    """The slow path (about 1.5 % of draws: wedges, tail, rejections) alone has the normal's
    conditional shape: its tail beyond the ziggurat's base strip is present and symmetric."""
    x = _normals(KEY, np.arange(2_000_000, dtype=np.int64))
    assert x.mean() == pytest.approx(0.0, abs=0.003)  # SE 0.0007
    assert x.var() == pytest.approx(1.0, abs=0.005)
    tail = np.abs(x) > 3.6541528853610088
    assert tail.mean() == pytest.approx(2.58e-4, rel=0.2)  # P(|Z| > r) = 2.58e-4; about 516 draws
    assert abs((x[tail] > 0).mean() - 0.5) < 0.1


def test_an_intervention_kind_streams_by_its_name():
    assert kind_stream_id("workshop") == zlib.crc32(b"workshop") == 2_607_743_684
    ids = {
        kind: kind_stream_id(kind)
        for kind in (
            "ai_incident",
            "verification_policy",
            "literacy_training",
            "workshop",
            "case_review",
            "open_forum",
            "champions",
        )
    }
    assert len(set(ids.values())) == len(ids)
    a = np.random.default_rng(intervention_seed(7, "workshop", 0)).random(3)
    b = np.random.default_rng(intervention_seed(7, "workshop", 1)).random(3)
    c = np.random.default_rng(intervention_seed(7, "champions", 0)).random(3)
    assert not np.allclose(a, b) and not np.allclose(a, c)
    assert np.array_equal(a, np.random.default_rng(np.random.SeedSequence(7, spawn_key=(2_607_743_684, 0))).random(3))
