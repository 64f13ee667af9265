"""Linear attention is a recurrence with a fixed-size state; softmax attention is not.

``linear-attention-recurrence`` computes causal attention whose kernel is a dot product of positive
features, kappa(q, k) = phi(q) . phi(k) with phi = elu + 1 (Katharopoulos et al. 2020, "Transformers are
RNNs", sec. 3.2 and 3.4, eq. 16-20), twice: in parallel as the masked (phi(Q) phi(K)^T) V over its masked
row sums, and as the recurrence S_t = S_{t-1} + phi(k_t) v_t^T, z_t = z_{t-1} + phi(k_t),
y_t = phi(q_t)^T S_t / phi(q_t)^T z_t, whose state has d x d_v + d numbers at every t while a KV cache holds
t (d + d_v). With ``kernel = exp`` the attention is softmax attention, whose kernel exp(q . k / sqrt(d)) is not a
dot product of d features: the run measures the Eckart-Young floor (no d-feature map can match the kernel
on the fully visible block better) and what a recurrence with d positive random features (Choromanski et
al. 2021, "Performer", FAVOR+) and the same state size gives.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any, Literal

import numpy as np
from pydantic import Field

from ._words import sci
from .backend import to_host
from .core import Frame, PlotSpec, Probe, Series, SimParams, Simulation, Verdict
from .kernels import attention, causal_mask
from .registry import register

EXACT = 1e-10
"""The recurrence reproduces the parallel form when their largest absolute difference is below this."""
BLOCK_CAP = 512
"""Largest side of the visible kernel block whose singular values are computed."""
RANK_EXACT = 1e-8
"""A d-feature map can match the kernel only if the best rank-d approximation leaves less than this."""


class LinearParams(SimParams):
    """The sequence, the widths of keys and values, and the attention kernel."""

    n: int = Field(512, ge=4, le=4096, description="Tokens $n$ in the sequence.")
    d: int = Field(16, ge=1, le=128, description="Query/key width $d$ (the state has $d$ rows).")
    d_v: int = Field(16, ge=1, le=128, description="Value width $d_v$ (the state has $d_v$ columns).")
    kernel: Literal["elu+1", "exp"] = Field(
        "elu+1",
        description=r"'elu+1': $\phi(q)\cdot\phi(k)$ with $\phi$ = elu + 1; 'exp': softmax's $e^{q \cdot k/\sqrt{d}}$.",
    )
    logit_scale: float = Field(
        1.0, gt=0.0, le=4.0, description=r"Multiplies $q$ (softmax temperature$^{-1}$ for 'exp')."
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for $Q$, $K$, $V$ and the random features.")


def elu_plus_one(x: Any, xp: Any) -> Any:
    """phi(x) = elu(x) + 1: x + 1 where x > 0, e^x elsewhere; positive everywhere. (..., d) -> (..., d)"""
    return xp.where(x > 0, x + 1.0, xp.exp(xp.minimum(x, 0.0)))


def positive_random_features(x: Any, w: Any, xp: Any) -> Any:
    """FAVOR+ features exp(w x - |x|^2 / 2) / sqrt(m), whose dot products estimate e^{q . k}. (n, d) -> (n, m)"""
    return xp.exp(x @ w.T - 0.5 * xp.sum(x * x, axis=-1, keepdims=True)) / math.sqrt(w.shape[0])


def parallel_linear(fq: Any, fk: Any, v: Any, xp: Any) -> Any:
    """Causal linear attention in parallel: masked (fq fk^T) v over the masked row sums. -> (n, d_v)"""
    a = xp.where(causal_mask(fq.shape[0], xp), fq @ fk.T, 0.0)  # (n, n)
    return (a @ v) / xp.sum(a, axis=1, keepdims=True)


def recurrent_linear(fq: Any, fk: Any, v: Any, xp: Any, record: set[int]) -> tuple[Any, dict[int, int]]:
    """The same attention as a recurrence over t; returns the outputs and the state's bytes at ``record``."""
    n, m = fk.shape
    s = xp.zeros((m, v.shape[1]))  # (m, d_v) running sum of phi(k) v^T
    z = xp.zeros(m)  # (m,) running sum of phi(k)
    out = xp.empty((n, v.shape[1]))
    held: dict[int, int] = {}
    for t in range(n):
        s += xp.outer(fk[t], v[t])
        z += fk[t]
        out[t] = (fq[t] @ s) / (fq[t] @ z)
        if t + 1 in record:
            held[t + 1] = int(s.nbytes) + int(z.nbytes)
    return out, held


def rank_floor(block: Any, rank: int, xp: Any) -> float:
    """Relative Frobenius error of the best rank-``rank`` approximation of ``block`` (Eckart-Young)."""
    sv = xp.linalg.svd(block, compute_uv=False)  # (min,) descending
    total = float(to_host(xp.sum(sv * sv)))
    rest = float(to_host(xp.sum(sv[rank:] * sv[rank:])))
    return math.sqrt(rest / total)


@register
class LinearAttentionRecurrence(Simulation):
    """Parallel vs recurrent causal attention, and the state each keeps."""

    id = "linear-attention-recurrence"
    title = "Linear attention is an RNN with a fixed state"
    claim = (
        "Causal attention whose kernel is a dot product of $d$ positive features, "
        r"$\phi(q)\cdot\phi(k)$ with $\phi$ = elu + 1, computed in parallel as the masked "
        r"$(\phi(Q)\phi(K)^\top)V$ over its row sums, equals the recurrence "
        r"$S_t = S_{t-1} + \phi(k_t)v_t^\top$, $z_t = z_{t-1} + \phi(k_t)$ to within $10^{-10}$, with a state of "
        "$d d_v + d$ numbers at every length while a KV cache grows as $t(d + d_v)$."
    )
    Params = LinearParams
    counter = {"kernel": "exp"}
    headline = "state_bytes"
    quantities = {
        "kernel": "attention kernel",
        "n": "tokens $n$",
        "d": "query/key width $d$",
        "d_v": "value width $d_v$",
        "max_abs_diff": "largest |parallel - recurrent| output",
        "rank_floor": r"best rank-$d$ relative error of the visible kernel block",
        "state_bytes": "recurrent state (bytes, float64)",
        "state_bytes_first": "state after the first recorded length (bytes)",
        "kv_bytes_first": "KV cache at the first recorded length (bytes)",
        "kv_bytes": "KV cache after $n$ tokens (bytes, float64)",
        "kv_over_state": "KV cache ÷ state after $n$ tokens",
    }
    probes = (
        Probe(
            {"n": 4096, "d": 8, "d_v": 8},
            True,
            "4,096 tokens: the sums add up in the same order, round-off only",
        ),
        Probe({"d": 1, "d_v": 1, "n": 64}, True, "d = 1: a 1 x 1 state plus one normaliser is still exact"),
        Probe(
            {"kernel": "exp", "logit_scale": 0.05},
            False,
            "nearly flat softmax: e^x = 1 + x + x^2/2..., the quadratic term alone needs d(d+1)/2 more features",
        ),
        Probe(
            {"kernel": "exp", "d": 64, "d_v": 64},
            False,
            "a wider head: the exp kernel's block still has rank far above d",
        ),
    )
    plot = PlotSpec(x_label="tokens processed $t$", y_label="bytes held (float64)", log_x=True, log_y=True)
    explains = (
        r"With $\phi$ = elu + 1 the score of query $i$ and key $j$ is $\phi(q_i)\cdot\phi(k_j)$, so the causal sum "
        r"$\sum_{j \le i} \phi(q_i)^\top\phi(k_j)v_j^\top$ is $\phi(q_i)^\top S_i$ with "
        r"$S_i = \sum_{j \le i}\phi(k_j)v_j^\top$, a $d \times d_v$ matrix updated once per token: an RNN. "
        "Both forms are computed and compared, and the run records the bytes of the state as $t$ grows "
        "(the arrays the recurrence holds, counted with nbytes) against a KV cache of $t(d + d_v)$ floats "
        "(allocated at $t = n$, the formula before). Press c for softmax's kernel "
        r"$e^{q\cdot k/\sqrt{d}}$: "
        "it is not a dot product of $d$ features. The singular values of the kernel on a block of pairs "
        "that causal attention always scores (the last queries against the first keys, up to 512 of each) "
        "show it: the best rank-$d$ "
        "approximation misses by the reported floor, so no $d$-feature state can reproduce it; "
        "a recurrence with $d$ positive random features (Performer) misses the outputs by far more."
    )

    def measure(self, params: LinearParams, xp: Any) -> Iterator[Frame]:
        n, d, dv = params.n, params.d, params.d_v
        yield Frame(0.0, f"{params.kernel} kernel: {n} tokens, $d = {d}$, $d_v = {dv}$")
        rng = np.random.default_rng(params.seed)
        q = xp.asarray(rng.standard_normal((n, d))) * params.logit_scale  # (n, d)
        k = xp.asarray(rng.standard_normal((n, d)))  # (n, d)
        v = xp.asarray(rng.standard_normal((n, dv)))  # (n, d_v)
        if params.kernel == "elu+1":
            fq, fk = elu_plus_one(q, xp), elu_plus_one(k, xp)  # (n, d) each
            target = parallel_linear(fq, fk, v, xp)  # (n, d_v)
        else:
            w = xp.asarray(rng.standard_normal((d, d)))  # (m = d, d): d random features, same state size
            scale = d**-0.25  # e^{q.k/sqrt d} = e^{(q/d^1/4).(k/d^1/4)}
            fq, fk = positive_random_features(q * scale, w, xp), positive_random_features(k * scale, w, xp)
            target = attention(q, k, v, xp, causal=True)  # (n, d_v) softmax attention
        yield Frame(0.3, "parallel form computed; running the recurrence")

        record = {t for t in (2**i for i in range(2, 13)) if t <= n} | {n}
        out, held = recurrent_linear(fq, fk, v, xp, record)
        diff = float(to_host(xp.max(xp.abs(out - target))))
        m = min(n // 2, BLOCK_CAP)  # the last m queries see all of the first m keys
        if params.kernel == "elu+1":
            block = elu_plus_one(q[n - m :], xp) @ elu_plus_one(k[:m], xp).T  # (m, m)
        else:
            block = xp.exp((q[n - m :] @ k[:m].T) / math.sqrt(d))  # (m, m) every pair visible
        floor = rank_floor(block, d, xp)
        ts = sorted(held)
        kv = {t: t * (d + dv) * 8 for t in ts}  # a key (d) and a value (d_v) per token, float64
        cache_k, cache_v = xp.zeros((n, d)), xp.zeros((n, dv))  # the cache at length n, allocated
        kv[n] = int(cache_k.nbytes) + int(cache_v.nbytes)
        series = (
            Series.of("recurrent state", ts, [held[t] for t in ts]),
            Series.of("KV cache", ts, [kv[t] for t in ts]),
        )
        measured = {
            "kernel": params.kernel,
            "n": n,
            "d": d,
            "d_v": dv,
            "max_abs_diff": diff,
            "rank_floor": floor,
            "state_bytes": held[n],
            "state_bytes_first": held[ts[0]],
            "kv_bytes_first": kv[ts[0]],
            "kv_bytes": kv[n],
            "kv_over_state": kv[n] / held[n],
        }
        yield Frame(1.0, "measured", series, measured=measured)

    def decide(self, measured: Mapping[str, Any], params: LinearParams) -> Verdict:
        """Holds when the recurrence reproduces the parallel form, the kernel has rank at most d on the
        visible block, and the state's bytes stay fixed while the cache grows."""
        diff, floor = float(measured["max_abs_diff"]), float(measured["rank_floor"])
        fixed = measured["state_bytes"] == measured["state_bytes_first"]
        grows = measured["kv_bytes"] > measured["kv_bytes_first"]
        holds = diff < EXACT and floor < RANK_EXACT and fixed and grows
        summary = (
            f"{measured['kernel']} kernel: recurrence vs parallel, largest difference {sci(diff)}; best rank-$d$ "
            f"error on the visible block {sci(floor)}; state {measured['state_bytes']} bytes at every length, "
            f"KV cache {measured['kv_bytes']} bytes at $n = {measured['n']}$"
        )
        if floor >= RANK_EXACT:
            summary += (
                "; the kernel is not a dot product of $d$ features, so no "
                f"$d \\times d_v$ state can reproduce it (a recurrence with $d$ sampled features misses the outputs by {sci(diff)})"
            )
        elif diff >= EXACT:
            summary += "; the recurrence does not reproduce the parallel form"
        return Verdict(bool(holds), summary, dict(measured))
