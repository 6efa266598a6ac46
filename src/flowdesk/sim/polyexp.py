"""Exponentials as plain polynomials, so that the kernel's loops vectorise.

numba compiles ``math.exp`` to a libm call, which stops LLVM from vectorising
the loop around it; these two cover the kernel's ranges with arithmetic only.
"""

from __future__ import annotations

import numba as nb

__all__ = ["EXP_CLAMP", "exp_clamped", "exp_small"]

EXP_CLAMP = 40.0  # 1 / (1 + e**40) = 4e-18: the herding logistic is flat beyond
_EXP_CLAMP = EXP_CLAMP


@nb.njit(cache=True, inline="always")
def _taylor_to_13(s: float, x: float) -> float:
    """Finish a Horner evaluation of the exponential's Taylor series from the ``x**13`` term.

    ``s`` is the accumulated higher-order part (``0.0`` for none); the result is
    ``s * x**14 + sum(x**k / k!, k = 0..13)``. Both exponentials below share it.
    """
    s = s * x + 1.0 / 6227020800.0
    s = s * x + 1.0 / 479001600.0
    s = s * x + 1.0 / 39916800.0
    s = s * x + 1.0 / 3628800.0
    s = s * x + 1.0 / 362880.0
    s = s * x + 1.0 / 40320.0
    s = s * x + 1.0 / 5040.0
    s = s * x + 1.0 / 720.0
    s = s * x + 1.0 / 120.0
    s = s * x + 1.0 / 24.0
    s = s * x + 1.0 / 6.0
    s = s * x + 0.5
    s = s * x + 1.0
    return s * x + 1.0


@nb.njit(cache=True, inline="always")
def exp_small(x: float) -> float:
    """``exp(x)`` for ``|x| <= 0.25`` (a day within the circuit breaker), to 1 ulp.

    Degree-13 Taylor polynomial in Horner form; the remainder
    ``0.25**14 / 14!`` is below 1e-19. Plain arithmetic, so loops vectorise.
    """
    return _taylor_to_13(0.0, x)


@nb.njit(cache=True, inline="always")
def exp_clamped(x: float) -> float:
    """``exp(min(max(x, -40), 40))`` to about 2e-14 relative, without a libm call.

    ``exp(x) = exp(x / 64)**64``: a degree-17 polynomial on ``|x / 64| <= 0.625``
    (remainder below 1e-19), then six squarings. Used for the herding logistic,
    which is flat (to 4e-18) beyond the clamp.
    """
    y = x if x > -_EXP_CLAMP else -_EXP_CLAMP
    y = (y if y < _EXP_CLAMP else _EXP_CLAMP) * (1.0 / 64.0)
    s = 1.0 / 355687428096000.0
    s = s * y + 1.0 / 20922789888000.0
    s = s * y + 1.0 / 1307674368000.0
    s = s * y + 1.0 / 87178291200.0
    s = _taylor_to_13(s, y)
    s = s * s
    s = s * s
    s = s * s
    s = s * s
    s = s * s
    return s * s
