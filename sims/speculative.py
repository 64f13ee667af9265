"""Speculative sampling: a cheap draft proposes, the target verifies, and the output is the target's.

``speculative-decoding`` runs the verification rule of speculative sampling (Leviathan, Kalman & Matias
2023, "Fast inference from transformers via speculative decoding", sec. 2.3 and appendix A.1; Chen et
al. 2023, "Accelerating large language model decoding with speculative sampling", Algorithm 2 and
Theorem 1) over many seeded target steps at once. A draft distribution q proposes gamma tokens; the
target distribution p accepts each with probability min(1, p(x)/q(x)) until the first rejection, which
is replaced by a sample from the residual norm(max(0, p - q)); if all gamma are accepted the target's
own step adds one more token from p. The run checks that the emitted tokens follow p (total-variation
distance within a tolerance derived from the number of samples) and that the mean number of tokens per
target step equals (1 - alpha^(gamma+1)) / (1 - alpha), alpha = sum_x min(p(x), q(x)) (Leviathan et al.
eq. 1, sec. 3.1, which assumes, as here, the same p and q at every position).
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
from .registry import register

FAIL_PROB = 1e-6
"""Chance that a correct sampler is still judged wrong by one of the two statistical checks."""
Z_MEAN = 5.0
"""Standard errors allowed between the measured and predicted tokens per step (two-sided p < 6e-7)."""


class SpeculativeParams(SimParams):
    """The vocabulary, how close the draft is to the target, gamma, the acceptance rule, the sample size."""

    vocab: int = Field(
        16, ge=2, le=256, description="Vocabulary size $V$ of the toy next-token distributions."
    )
    logit_scale: float = Field(
        2.0,
        ge=0.0,
        le=8.0,
        description="Target logits are this times i.i.d. standard normals (sharper above 2).",
    )
    draft_noise: float = Field(
        0.65,
        ge=0.0,
        le=5.0,
        description=r"Draft logits are the target's plus this times fresh normals: 0 gives $q = p$, larger lowers $\alpha$.",
    )
    gamma: int = Field(4, ge=1, le=16, description=r"$\gamma$, draft tokens proposed per target step.")
    rule: Literal["speculative", "greedy", "target-resample"] = Field(
        "speculative",
        description=(
            r"'speculative': accept with $\min(1, p/q)$, resample a rejection from $\max(0, p - q)$; "
            r"'greedy': accept only the target's argmax and emit it on rejection; "
            r"'target-resample': accept with $\min(1, p/q)$ but resample a rejection from $p$."
        ),
    )
    steps: int = Field(
        200_000, ge=1000, le=1_000_000, description="Target steps simulated (each verifies $\\gamma$ drafts)."
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for the logits and every draw.")


def softmax(z: np.ndarray) -> np.ndarray:
    """Softmax of a 1-d vector of logits, in float64."""
    e = np.exp(z - z.max())
    return e / e.sum()


def draw(cdf: Any, u: Any, xp: Any) -> Any:
    """Categorical samples by inverting a cumulative distribution: the first index with cdf > u."""
    return xp.minimum(xp.searchsorted(cdf, u, side="right"), cdf.shape[0] - 1)


def expected_tokens(alpha: float, gamma: int) -> tuple[float, float]:
    """Mean and variance of tokens per target step, n + 1 with P(n + 1 >= k) = alpha^(k-1), k <= gamma + 1."""
    tail = [alpha ** (k - 1) for k in range(1, gamma + 2)]  # P(N >= k)
    mean = sum(tail)
    second = sum((2 * k - 1) * t for k, t in enumerate(tail, 1))  # E[N^2] = sum (2k - 1) P(N >= k)
    return mean, max(0.0, second - mean * mean)


def tv_tolerance(vocab: int, samples: int) -> float:
    """TV distance a correct sampler stays below except with probability FAIL_PROB.

    E[TV] <= (1/2) sqrt((V - 1)/N) by Cauchy-Schwarz on the multinomial standard deviations, and TV
    moves by at most 1/N when one of N i.i.d. samples changes, so McDiarmid adds sqrt(ln(1/delta)/(2N)).
    """
    return 0.5 * math.sqrt((vocab - 1) / samples) + math.sqrt(math.log(1 / FAIL_PROB) / (2 * samples))


@register
class SpeculativeDecoding(Simulation):
    """Speculative sampling over a toy vocabulary: the output distribution and the tokens per target step."""

    id = "speculative-decoding"
    title = "Speculative sampling emits the target's distribution"
    claim = (
        r"Accepting each drafted token $x$ with probability $\min(1, p(x)/q(x))$ and replacing the first "
        r"rejection by a sample from $\mathrm{norm}(\max(0, p - q))$ emits tokens distributed exactly as the "
        r"target $p$, for any draft $q$, and with $\gamma$ drafts per target step emits on average "
        r"$(1 - \alpha^{\gamma+1})/(1 - \alpha)$ tokens per step, $\alpha = \sum_x \min(p(x), q(x))$."
    )
    Params = SpeculativeParams
    counter = {"rule": "greedy"}
    probes = (
        Probe(
            {"rule": "target-resample"},
            False,
            "resampling a rejection from p instead of the residual over-weights tokens the draft already favours",
        ),
        Probe(
            {"draft_noise": 0.0}, True, "q = p: alpha = 1, every draft is accepted, gamma + 1 tokens per step"
        ),
        Probe(
            {"draft_noise": 3.0, "gamma": 8},
            True,
            "a poor draft lowers alpha, and so the speed, never the distribution",
        ),
        Probe(
            {"vocab": 2, "gamma": 1}, True, "two tokens, one draft: the rule is exact at the smallest size"
        ),
        Probe(
            {"rule": "greedy", "logit_scale": 0.0},
            False,
            "a flat target: greedy always emits token 0, while p is uniform",
        ),
    )
    headline = "tokens_per_step"
    quantities = {
        "rule": "acceptance rule",
        "vocab": "vocabulary size $V$",
        "gamma": r"drafts per target step $\gamma$",
        "steps": "target steps",
        "alpha": r"acceptance rate $\alpha = \sum \min(p, q)$ (exact)",
        "acceptance_measured": "drafts accepted ÷ drafts checked (measured)",
        "tokens_per_step": "tokens emitted per target step (measured)",
        "tokens_predicted": r"$(1 - \alpha^{\gamma+1})/(1 - \alpha)$",
        "tokens_tolerance": "allowed gap in tokens per step (5 standard errors)",
        "samples": "emitted tokens compared with $p$",
        "tv_distance": "total-variation distance, emitted vs $p$",
        "tv_tolerance": "TV a correct sampler stays below",
        "target_top_p": "largest target probability",
    }
    plot = PlotSpec(x_label="token (by target probability)", y_label="probability", x_integer=True)
    explains = (
        r"For any token $x$, the chance it is emitted at a position is the chance the draft proposes it and it "
        r"is accepted, $q(x)\min(1, p(x)/q(x)) = \min(p(x), q(x))$, plus the chance of a rejection, "
        r"$1 - \alpha$, times the residual $(p(x) - \min(p(x), q(x)))/(1 - \alpha)$: the sum is $p(x)$ "
        "exactly (Leviathan et al., appendix A.1). The draft only decides how often a proposal survives, so "
        r"a worse draft costs speed, not quality. With acceptance $\alpha$ at every position, a target step "
        r"emits $k$ or more tokens with probability $\alpha^{k-1}$, hence $(1 - \alpha^{\gamma+1})/(1 - \alpha)$ "
        "on average. Greedy verification (keep a draft only if it is the target's argmax) reproduces greedy "
        "decoding, a point mass, not sampling; resampling a rejection from $p$ instead of the residual counts "
        "the draft's favourites twice."
    )

    def measure(self, params: SpeculativeParams, xp: Any) -> Iterator[Frame]:
        v, g, t = params.vocab, params.gamma, params.steps
        yield Frame(0.0, f"{t} target steps, {g} drafts each, vocabulary {v}, rule {params.rule}")
        rng = np.random.default_rng(params.seed)
        z = params.logit_scale * rng.standard_normal(v)  # (V,) target logits
        p = softmax(z)  # (V,)
        q = softmax(z + params.draft_noise * rng.standard_normal(v))  # (V,) noisy draft
        alpha = float(np.minimum(p, q).sum())  # exact acceptance rate
        residual = np.maximum(p - q, 0.0)  # (V,)
        residual = residual / residual.sum() if residual.sum() > 0 else p  # q = p: never used
        top = int(np.argmax(p))

        def cdf(dist: np.ndarray) -> Any:
            return xp.asarray(np.cumsum(dist))

        pd, qd = xp.asarray(p), xp.asarray(q)
        drafts = draw(cdf(q), xp.asarray(rng.random((t, g))), xp)  # (T, gamma) proposals from q
        u = xp.asarray(rng.random((t, g)))  # (T, gamma) acceptance coins
        ratio = xp.minimum(1.0, pd[drafts] / qd[drafts])  # (T, gamma) acceptance probabilities
        accept = drafts == top if params.rule == "greedy" else u < ratio
        yield Frame(0.4, "drafts proposed and checked")
        accepted = xp.sum(xp.cumprod(accept, axis=1), axis=1)  # (T,) leading accepts n
        fix_from = residual if params.rule == "speculative" else p  # what replaces the first rejection
        fix = draw(cdf(fix_from), xp.asarray(rng.random(t)), xp)  # (T,)
        bonus = draw(cdf(p), xp.asarray(rng.random(t)), xp)  # (T,) the target's own extra token
        extra = xp.where(accepted < g, fix, bonus)
        if params.rule == "greedy":
            extra = xp.full(t, top)
        out = xp.concatenate([drafts, xp.zeros((t, 1), dtype=drafts.dtype)], axis=1)  # (T, gamma + 1)
        rows = xp.arange(t)
        out[rows, accepted] = extra
        emitted = xp.arange(g + 1)[None, :] <= accepted[:, None]  # (T, gamma + 1) positions emitted
        stream = out[emitted][:t]  # the first T tokens of the output, in order (every step emits >= 1)
        freq = to_host(xp.bincount(stream, minlength=v)) / t  # (V,)
        tokens = float(to_host(xp.mean(accepted + 1.0)))
        checked = float(
            to_host(xp.sum(xp.minimum(accepted + 1, g)))
        )  # drafts checked, up to the first rejection
        acceptance = float(to_host(xp.sum(accepted))) / checked
        tv = 0.5 * float(np.abs(freq - p).sum())
        predicted, _ = expected_tokens(alpha, g)
        measured = {
            "rule": params.rule,
            "vocab": v,
            "gamma": g,
            "steps": t,
            "alpha": alpha,
            "acceptance_measured": acceptance,
            "tokens_per_step": tokens,
            "tokens_predicted": predicted,
            "samples": t,
            "tv_distance": tv,
            "target_top_p": float(p.max()),
        }
        yield Frame(1.0, "measured", self._series(p, q, freq), measured=measured)

    @staticmethod
    def _series(p: np.ndarray, q: np.ndarray, freq: np.ndarray) -> tuple[Series, ...]:
        order = np.argsort(-p, kind="stable")
        ranks = np.arange(1, p.size + 1)
        return (
            Series.of("target $p$", ranks, p[order]),
            Series.of("draft $q$", ranks, q[order]),
            Series.of("emitted (measured)", ranks, freq[order]),
        )

    def decide(self, measured: Mapping[str, Any], params: SpeculativeParams) -> Verdict:
        """Holds when the emitted distribution is within the sampling tolerance of p AND the mean tokens
        per step is within 5 standard errors of (1 - alpha^(gamma+1))/(1 - alpha)."""
        alpha, gamma, steps = float(measured["alpha"]), int(measured["gamma"]), int(measured["steps"])
        predicted, variance = expected_tokens(alpha, gamma)
        tol_tokens = Z_MEAN * math.sqrt(variance / steps)
        tol_tv = tv_tolerance(int(measured["vocab"]), int(measured["samples"]))
        tv, tokens = float(measured["tv_distance"]), float(measured["tokens_per_step"])
        same = tv <= tol_tv
        speed = abs(tokens - predicted) <= tol_tokens + 1e-12
        holds = same and speed
        why = ""
        if not same and measured["rule"] == "greedy":
            why = (
                "; greedy verification emits the target's argmax every time (greedy decoding), a point mass, "
                f"not samples from $p$ (top probability {measured['target_top_p']:.2f})"
            )
        elif not same:
            why = (
                "; a rejection resampled from $p$ instead of the residual counts the draft's favourites twice"
            )
        elif not speed:
            why = "; the tokens per step do not match the i.i.d. acceptance formula"
        summary = (
            f"TV(emitted, $p$) = {sci(tv)} vs tolerance {sci(tol_tv)} over {int(measured['samples'])} tokens; "
            rf"{tokens:.3f} tokens per target step vs $(1 - \alpha^{{\gamma+1}})/(1 - \alpha)$ = {predicted:.3f} "
            rf"± {tol_tokens:.3f} ($\alpha$ = {alpha:.3f}, $\gamma$ = {gamma})" + why
        )
        return Verdict(
            holds,
            summary,
            {
                **measured,
                "tokens_predicted": predicted,
                "tokens_tolerance": tol_tokens,
                "tv_tolerance": tol_tv,
            },
        )
