"""Normalisation: where the LayerNorm sits decides how large the gradients near the output start.

``prenorm-gradient-flow`` builds two stacks of L feed-forward residual blocks with the same weights,
F(x) = relu(x W1^T) W2^T (W1: 4d x d, W2: d x 4d, Xavier-uniform initialisation, as in Xiong et al.
2020, "On layer normalization in the Transformer architecture", sec. 3):

* Post-LN (the original Transformer): x_(l+1) = LN(x_l + F(x_l));
* Pre-LN: x_(l+1) = x_l + F(LN(x_l)), with a final LN on the output.

It backpropagates one output gradient through both, at depths 1, 2, 4, ..., L, and measures the norm of
the gradient of the last block's W2 (the top block's weights are the same at every depth). Xiong et al.
(Theorem 1) show that at initialisation this gradient does not depend on L for Post-LN and scales
like 1/sqrt(L) for Pre-LN: in Post-LN the last LN divides by the RMS of one block's sum, in Pre-LN the
final LN divides by the RMS of a residual stream that has accumulated L branches. The norms have no
gain or bias (they start at 1 and 0); ``norm = rms`` puts RMSNorm (Zhang & Sennrich 2019) in LN's place.

Beside the verdict the run measures two facts about the norms themselves, for the questions that ask
what RMSNorm is: both norms use each token's own statistics (a token's output does not move when the
other tokens change, unlike normalising with batch statistics as BatchNorm does), and LayerNorm and
RMSNorm give different outputs unless the token's mean is already zero.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any, Literal

import numpy as np
from pydantic import Field

from ._words import plural, sci
from .core import Frame, PlotSpec, Probe, Series, SimParams, Simulation, Verdict, fit_slope
from .registry import register

LN_EPS = 1e-5
"""The epsilon under LayerNorm's square root (PyTorch's default)."""
POST_FLAT = (0.5, 2.0)
"""Post-LN's last-block gradient counts as depth-independent when every depth's norm, divided by the
one-block norm, lies in this range."""
PRE_SHRUNK = 0.5
"""Pre-LN's last-block gradient counts as shrunk when, at the deepest depth, it is below this fraction
of Post-LN's at the same depth."""


class NormParams(SimParams):
    """Depth, width and tokens of the two stacks."""

    depth: int = Field(
        64, ge=1, le=256, description="$L$, the deepest stack measured (depths 1, 2, 4, ... $L$)."
    )
    width: int = Field(64, ge=32, le=256, description="$d$, the model width (the hidden layer is $4d$).")
    tokens: int = Field(32, ge=8, le=256, description="Token vectors backpropagated at once.")
    norm: Literal["layer", "rms"] = Field(
        "layer",
        description="'layer': LayerNorm (centre, then divide by the RMS); 'rms': RMSNorm (no centring).",
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for the weights, inputs and output gradient.")


def normalise(x: Any, centre: bool, xp: Any) -> tuple[Any, Any]:
    """LayerNorm (centre = True) or RMSNorm (False), without gain or bias, over the last axis.

    (B, d) -> the normalised (B, d) and the RMS it divided by (B, 1).
    """
    centred = x - xp.mean(x, axis=1, keepdims=True) if centre else x  # (B, d)
    rms = xp.sqrt(xp.mean(centred * centred, axis=1, keepdims=True) + LN_EPS)  # (B, 1)
    return centred / rms, rms


def batch_normalise(x: Any, xp: Any) -> Any:
    """Normalisation with batch statistics (BatchNorm in training mode, no gain or bias): each feature
    is centred and divided by its RMS over the tokens (axis 0). (B, d) -> (B, d)"""
    centred = x - xp.mean(x, axis=0, keepdims=True)  # (B, d)
    return centred / xp.sqrt(xp.mean(centred * centred, axis=0, keepdims=True) + LN_EPS)


def statistics_checks(x: Any, other: Any, centre: bool, xp: Any) -> dict[str, float]:
    """What a norm's output depends on, measured on tokens ``x`` (B, d) and replacement tokens ``other``
    (B-1, d) for every token but the first:

    * how far token 0's per-token-normalised output moves when the other tokens are replaced (0: it
      uses only its own statistics), and how far it moves under batch statistics;
    * the largest difference between LayerNorm's and RMSNorm's outputs on ``x``, and on ``x`` with each
      token's mean removed (where the two coincide up to round-off).
    """
    swapped = xp.concatenate([x[:1], other], axis=0)  # (B, d): token 0 kept, the rest replaced
    per_token = float(xp.max(xp.abs(normalise(x, centre, xp)[0][0] - normalise(swapped, centre, xp)[0][0])))
    batch = float(xp.max(xp.abs(batch_normalise(x, xp)[0] - batch_normalise(swapped, xp)[0])))
    centred = x - xp.mean(x, axis=1, keepdims=True)  # (B, d) zero-mean tokens
    ln_rms = float(xp.max(xp.abs(normalise(x, True, xp)[0] - normalise(x, False, xp)[0])))
    ln_rms_centred = float(xp.max(xp.abs(normalise(centred, True, xp)[0] - normalise(centred, False, xp)[0])))
    return {
        "token0_change_per_token_stats": per_token,
        "token0_change_batch_stats": batch,
        "layer_vs_rms_max_diff": ln_rms,
        "layer_vs_rms_max_diff_zero_mean": ln_rms_centred,
    }


def normalise_backward(g: Any, y: Any, rms: Any, centre: bool, xp: Any) -> Any:
    """dL/dx from dL/dy for y = normalise(x): (g - mean(g) - y mean(g y)) / rms for LayerNorm, without
    the mean(g) term for RMSNorm; all (B, d). Exact, epsilon included: y is divided by the same rms."""
    g = g - xp.mean(g, axis=1, keepdims=True) if centre else g
    return (g - y * xp.mean(g * y, axis=1, keepdims=True)) / rms


def block_forward(x: Any, a: Any, b: Any, pre_ln: bool, xp: Any, centre: bool = True) -> Any:
    """One block with weights (W1 = a, W2 = b): x + F(LN(x)) for Pre-LN, LN(x + F(x)) for Post-LN; (B, d)."""
    if pre_ln:
        return x + xp.maximum(normalise(x, centre, xp)[0] @ a.T, 0.0) @ b.T
    return normalise(x + xp.maximum(x @ a.T, 0.0) @ b.T, centre, xp)[0]


def top_block_gradient(
    x: Any, a: Any, b: Any, g_out: Any, pre_ln: bool, xp: Any, centre: bool = True
) -> float:
    """||dL/dW2|| of a last block (W1 = a, W2 = b) whose input is x, for L = sum(g_out * output).

    Post-LN: the output is LN(x + F(x)). Pre-LN: it is the final LN of x + F(LN(x)). Either way dL/dW2 is
    the gradient at the norm's input, z = x + F(.), times the block's hidden activations.
    """
    u = normalise(x, centre, xp)[0] if pre_ln else x  # (B, d) the branch input
    hidden = xp.maximum(u @ a.T, 0.0)  # (B, 4d)
    y, rms = normalise(x + hidden @ b.T, centre, xp)  # Pre-LN: the final LN; Post-LN: the block's own LN
    g_branch = normalise_backward(g_out, y, rms, centre, xp)  # (B, d) dL/dz = dL/d(branch output)
    return float(xp.linalg.norm(g_branch.T @ hidden))  # dL/dW2 = g_branch^T hidden, (d, 4d)


def last_block_gradient(
    w1: list[Any], w2: list[Any], x0: Any, g_out: Any, pre_ln: bool, xp: Any, centre: bool = True
) -> float:
    """||dL/dW2|| of the last block for L = sum(g_out * output), through the stack of (w1, w2) blocks.

    Post-LN: z = x + F(x), x' = LN(z); the output is x_L. Pre-LN: u = LN(x), x' = x + F(u); the output
    is LN(x_L). Only the last block's W2 gradient is needed, so the backward pass stops there.
    ``centre`` = False uses RMSNorm wherever LN stands.
    """
    x = x0  # (B, d)
    for a, b in zip(w1[:-1], w2[:-1], strict=True):  # every block but the last, forward only
        x = block_forward(x, a, b, pre_ln, xp, centre)
    return top_block_gradient(x, w1[-1], w2[-1], g_out, pre_ln, xp, centre)


def xavier(rng: np.random.Generator, fan_out: int, fan_in: int) -> np.ndarray:
    """Xavier-uniform weights (fan_out, fan_in): U(-b, b) with b = sqrt(6 / (fan_in + fan_out))."""
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, (fan_out, fan_in))


@register
class PrenormGradientFlow(Simulation):
    """Last-block weight gradient of Post-LN and Pre-LN stacks at initialisation, across depth."""

    id = "prenorm-gradient-flow"
    title = "Post-LN vs Pre-LN: gradient size near the output at initialisation"
    claim = (
        "At initialisation the gradient of the last block's output weights keeps its size at every depth "
        "in a Post-LN stack (within a factor of 2 of a one-block stack's), while in a Pre-LN stack it "
        "shrinks as depth grows (a negative log-log slope against depth), to below half of Post-LN's at "
        "the deepest depth measured (64 blocks by default)."
    )
    Params = NormParams
    counter = {"depth": 1}
    quantities = {
        "depth": "deepest stack $L$ (blocks)",
        "norm": "normalisation",
        "post_ln_grad_at_depth": r"Post-LN $\|\partial \mathcal{L}/\partial W_2\|$ of the last block at depth $L$",
        "pre_ln_grad_at_depth": r"Pre-LN $\|\partial \mathcal{L}/\partial W_2\|$ of the last block at depth $L$",
        "post_ln_grad_at_1": "Post-LN, one block: the same gradient",
        "pre_ln_grad_at_1": "Pre-LN, one block: the same gradient",
        "post_ln_min_over_one_block": "Post-LN ÷ one block's, smallest over the depths",
        "post_ln_max_over_one_block": "Post-LN ÷ one block's, largest over the depths",
        "pre_over_post_at_depth": "Pre-LN ÷ Post-LN at depth $L$",
        "pre_ln_rises": "doublings of depth where Pre-LN's gradient did not fall",
        "pre_ln_loglog_slope": "Pre-LN gradient: log-log slope in $L$",
        "token0_change_per_token_stats": "token 0's output change when the others change (per-token statistics)",
        "token0_change_batch_stats": "the same with batch statistics",
        "layer_vs_rms_max_diff": "largest LayerNorm - RMSNorm output difference",
        "layer_vs_rms_max_diff_zero_mean": "the same on zero-mean tokens",
        "post_ln_flat": "Post-LN stays within [0.5, 2] of one block",
        "pre_ln_shrunk": "Pre-LN below half of Post-LN at depth $L$",
        "pre_ln_falls_with_depth": "Pre-LN falls with depth",
    }
    plot = PlotSpec(
        x_label="depth $L$ (blocks)",
        y_label=r"$\|\partial \mathcal{L}/\partial W_2\|$ of the last block",
        log_x=True,
        log_y=True,
        x_integer=True,
    )
    explains = (
        "In Post-LN the last block ends in a LayerNorm that divides by the RMS of $x + F(x)$, one block's "
        "worth of signal, so the gradient of its weights is the same at 1 block or 64; Xiong et al. blame "
        "these large gradients near the output, under the large learning rates Transformers use, for "
        "Post-LN's need of a warm-up. In Pre-LN every block adds to an un-normalised residual stream whose "
        "variance grows about linearly with depth, $1 + cL$, and the final LayerNorm divides by its RMS, so "
        r"the gradient shrinks like $1/\sqrt{1 + cL}$, tending to $1/\sqrt{L}$ (Xiong et al. 2020, Theorem 1). "
        "RMSNorm (norm = rms) behaves the same: what matters is where the normalisation sits. The summary "
        "also reports what the norm itself computes: each token is normalised with its own statistics, "
        "and LayerNorm and RMSNorm outputs differ unless the token's mean is zero. With a single block "
        "(press c) there is no depth: both stacks give gradients of the same size."
    )
    probes = (
        Probe(
            {"depth": 8},
            False,
            "1/sqrt(1 + c 8) is still above half: depth 8 is too shallow for the factor 2",
        ),
        Probe(
            {"depth": 256, "width": 32, "tokens": 8},
            True,
            "depth 256: Pre-LN's gradient keeps falling like 1/sqrt(L)",
        ),
        Probe(
            {"norm": "rms"},
            True,
            "RMSNorm in the same places: the position of the norm, not centring, sets the scale",
        ),
        Probe(
            {"depth": 2}, False, "two blocks: one halving of depth cannot bring Pre-LN below half of Post-LN"
        ),
        Probe(
            {"width": 32, "tokens": 8, "depth": 128},
            True,
            "small width and few tokens: Theorem 1's scaling is per token",
        ),
    )

    def measure(self, params: NormParams, xp: Any) -> Iterator[Frame]:
        depth, d, centre = params.depth, params.width, params.norm == "layer"
        depths = sorted({2**i for i in range(depth.bit_length())} | {depth})  # 1, 2, 4, ..., L
        name = "LayerNorm" if centre else "RMSNorm"
        yield Frame(
            0.0, f"Post-LN vs Pre-LN feed-forward stacks ({name}), depths {depths[0]}..{depth}, width {d}"
        )
        rng = np.random.default_rng(params.seed)
        # The last block is the same at every depth; the blocks below it are the first L - 1 of a list.
        w1 = [xp.asarray(xavier(rng, 4 * d, d)) for _ in range(depth)]  # L x (4d, d); [-1] is the top
        w2 = [xp.asarray(xavier(rng, d, 4 * d)) for _ in range(depth)]  # L x (d, 4d); [-1] is the top
        x0 = xp.asarray(rng.standard_normal((params.tokens, d)))  # (B, d)
        g_out = xp.asarray(rng.standard_normal((params.tokens, d)))  # (B, d) dL/d(output)

        post, pre = np.zeros(len(depths)), np.zeros(len(depths))
        below_post, below_pre, done = x0, x0, 0  # the input to the top block after `done` lower blocks
        for i, layers in enumerate(depths):  # layers - 1 lower blocks, then the shared top block
            for k in range(done, layers - 1):  # extend the lower stack, forward only
                below_post = block_forward(below_post, w1[k], w2[k], False, xp, centre)
                below_pre = block_forward(below_pre, w1[k], w2[k], True, xp, centre)
            done = layers - 1
            post[i] = top_block_gradient(below_post, w1[-1], w2[-1], g_out, False, xp, centre)
            pre[i] = top_block_gradient(below_pre, w1[-1], w2[-1], g_out, True, xp, centre)
            if i + 1 < len(depths):
                yield Frame(
                    0.95 * (i + 1) / len(depths),
                    f"depth {layers}: last-block gradient Post-LN {sci(post[i], 3)}, Pre-LN {sci(pre[i], 3)}",
                    self._series(depths[: i + 1], post[: i + 1], pre[: i + 1]),
                )

        other = xp.asarray(rng.standard_normal((params.tokens - 1, d)))  # (B-1, d) replacement tokens
        post_rel = post / post[0]  # (m,) Post-LN relative to one block
        yield Frame(
            1.0,
            "done",
            self._series(depths, post, pre),
            measured={
                "depth": depth,
                "norm": params.norm,
                "post_ln_grad_at_depth": float(post[-1]),
                "pre_ln_grad_at_depth": float(pre[-1]),
                "post_ln_grad_at_1": float(post[0]),
                "pre_ln_grad_at_1": float(pre[0]),
                "post_ln_min_over_one_block": float(post_rel.min()),
                "post_ln_max_over_one_block": float(post_rel.max()),
                "pre_over_post_at_depth": float(pre[-1] / post[-1]),
                "pre_ln_rises": int(
                    np.sum(pre[1:] >= pre[:-1])
                ),  # doublings where Pre-LN's gradient did not shrink
                "pre_ln_loglog_slope": float(fit_slope(depths, pre)) if len(depths) >= 2 else 0.0,
                **statistics_checks(x0, other, centre, xp),
            },
        )

    def decide(self, measured: Any, params: NormParams) -> Verdict:
        """Holds when Post-LN stays within [0.5, 2] of one block, Pre-LN's log-log slope against depth is
        negative, and Pre-LN ends below half of Post-LN's. (With few tokens one doubling can rise a little
        by sampling noise, so the trend, not every step, is judged; the rises are reported.)"""
        low, high = measured["post_ln_min_over_one_block"], measured["post_ln_max_over_one_block"]
        flat = POST_FLAT[0] <= low and high <= POST_FLAT[1]
        ratio = measured["pre_over_post_at_depth"]
        shrunk = ratio < PRE_SHRUNK
        falling = measured["pre_ln_loglog_slope"] < 0.0
        summary = (
            f"depth {measured['depth']}: Post-LN {sci(measured['post_ln_grad_at_depth'], 3)} ({low:.2f}..{high:.2f} × "
            f"one block's, {'within' if flat else 'outside'} [{POST_FLAT[0]:.2g}, {POST_FLAT[1]:g}]); "
            f"Pre-LN {sci(measured['pre_ln_grad_at_depth'], 3)}, {ratio:.2f} × Post-LN's "
            f"({'below' if shrunk else 'not below'} {PRE_SHRUNK:g})"
        )
        if measured["depth"] > 1:
            summary += (
                f", {'shrinking' if falling else 'not shrinking'} with depth (log-log slope "
                f"{measured['pre_ln_loglog_slope']:.2f}; {plural(measured['pre_ln_rises'], 'doubling')} without a fall)"
            )
        if measured["depth"] == 1:
            summary += "; one block has no depth to shrink over, so Pre-LN's gradient is Post-LN's size"
        summary += (
            f". The norm itself: token 0's output moves {sci(measured['token0_change_per_token_stats'])} when the "
            f"other tokens change (per-token statistics), {sci(measured['token0_change_batch_stats'])} with batch "
            f"statistics; LayerNorm and RMSNorm outputs differ by up to {sci(measured['layer_vs_rms_max_diff'])} "
            f"({sci(measured['layer_vs_rms_max_diff_zero_mean'], 1)} on zero-mean tokens)"
        )
        return Verdict(
            bool(flat and shrunk and falling),
            summary,
            dict(measured)
            | {
                "post_ln_flat": bool(flat),
                "pre_ln_shrunk": bool(shrunk),
                "pre_ln_falls_with_depth": bool(falling),
            },
        )

    @staticmethod
    def _series(depths: list[int], post: np.ndarray, pre: np.ndarray) -> tuple[Series, ...]:
        return (
            Series.of(r"Post-LN: $\mathrm{LN}(x + F(x))$", depths, post),
            Series.of(r"Pre-LN: $x + F(\mathrm{LN}(x))$", depths, pre),
        )
