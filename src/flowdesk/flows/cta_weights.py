"""Risk weights of a many-market trend book, of which flowdesk carries a few markets.

Industry trend followers trade 50-150 futures markets. A diversified program
spreads its risk roughly evenly over four asset classes (equity indices, bonds
and rates, currencies, commodities): Societe Generale's cross-asset trend index,
for one public description, is an equal-weighted basket of one trend sub-index
per asset class. Inside a class the risk goes to many markets, tilted to the
liquid ones. The snapshot carries nine of them, so each carried market gets the
share of the whole book's risk that it would have there (:data:`DEFAULT_BOOK`):

=========== ========= =============== ===========================================
market      class     share of class  why
=========== ========= =============== ===========================================
SP500       equity    0.25            E-mini S&P 500: the deepest equity future
NDX         equity    0.10            Nasdaq-100 beside it
TLT         rates     0.25            the US Treasury complex in a global rates book
DEXUSEU     fx        0.15            EUR/USD, the largest currency pair
DEXJPUS     fx        0.15            USD/JPY
DEXUSUK     fx        0.10            GBP/USD
GLD         commodity 0.10            gold
DCOILWTICO  commodity 0.10            WTI crude
BTC         crypto    (0.01 of book)  a small sleeve outside the four classes
=========== ========= =============== ===========================================

Each class holds 25% of the book's risk less the crypto sleeve's share. The rest
of a class (e.g. 65% of equity risk: Europe, Japan, the rest of Asia, EM, ...)
is in markets flowdesk does not carry. ``uncarried_scale`` scales their weight
(1 = the table, 0 = a book of the carried markets only) and the carried weights
are renormalised so the book's weights sum to 1.

Aggregates by class (the desks' "global equities") need the markets not carried:
they are proxied by the carried markets of the same class, per unit of risk
weight, so ``class position = carried position x (carried weight + uncarried
weight) / carried weight``. That assumes the other equity indices trend like the
US ones, which holds in broad moves (their trend signals are strongly
correlated) and fails in regional ones: it is a stated proxy, not a measurement.

The book's instrument diversification multiplier cannot be estimated from nine
markets; :attr:`BookWeights.idm` stands in for it (2.5, pysystemtrade's cap, which
a book of 30+ weakly correlated markets reaches).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from flowdesk.errors import ModelError

__all__ = ["DEFAULT_BOOK", "BookWeights", "MarketWeight"]


@dataclass(frozen=True)
class MarketWeight:
    """One carried market: its asset class and its share of that class's risk.

    Attributes
    ----------
    asset
        Column id in the price panel.
    sector
        Asset class (``"equity"``, ``"rates"``, ``"fx"``, ``"commodity"``, ``"crypto"``).
    share
        Share of the class's risk budget (0-1].
    """

    asset: str
    sector: str
    share: float

    def __post_init__(self) -> None:
        if not (np.isfinite(self.share) and 0.0 < self.share <= 1.0):
            raise ModelError(f"book weight {self.asset}: share must be in (0, 1], got {self.share}")


@dataclass(frozen=True)
class BookWeights:
    """Risk weights of the carried markets inside a many-market trend book.

    Attributes
    ----------
    markets
        The carried markets.
    budgets
        Share of the whole book's risk per asset class (sums to at most 1).
    uncarried_scale
        Multiplier (>= 0) of the weight of the markets not carried.
    idm
        Diversification multiplier of the whole book.
    """

    markets: tuple[MarketWeight, ...]
    budgets: Mapping[str, float] = field(default_factory=dict)
    uncarried_scale: float = 1.0
    idm: float = 2.5

    def __post_init__(self) -> None:
        if not (np.isfinite(self.uncarried_scale) and self.uncarried_scale >= 0):
            raise ModelError(f"uncarried_scale must be >= 0, got {self.uncarried_scale}")
        if not (np.isfinite(self.idm) and self.idm > 0):
            raise ModelError(f"book idm must be positive, got {self.idm}")
        total = sum(self.budgets.values())
        if not 0 < total <= 1 + 1e-9:
            raise ModelError(f"book class budgets must sum to (0, 1], got {total:g}")
        for m in self.markets:
            if m.sector not in self.budgets:
                raise ModelError(f"book weight {m.asset}: class {m.sector!r} has no budget")
        for sector in self.budgets:
            used = sum(m.share for m in self.markets if m.sector == sector)
            if used > 1 + 1e-9:
                raise ModelError(f"book class {sector}: carried shares sum to {used:g} > 1")

    def with_scale(self, uncarried_scale: float) -> BookWeights:
        """The same book with another weight on the markets not carried."""
        return BookWeights(self.markets, dict(self.budgets), float(uncarried_scale), self.idm)

    def _raw(self, market: MarketWeight) -> float:
        return self.budgets[market.sector] * market.share

    def _carried_total(self, assets: Sequence[Any]) -> float:
        return sum(self._raw(m) for m in self.markets if m.asset in assets)

    def _norm(self, assets: Sequence[Any]) -> float:
        carried = self._carried_total(assets)
        return carried + self.uncarried_scale * (1.0 - carried)

    def weights(self, assets: Sequence[Any]) -> np.ndarray:
        """Normalised risk weight of each asset, in ``assets`` order.

        Raises
        ------
        ModelError
            An asset the book has no weight for.
        """
        by_asset = {m.asset: m for m in self.markets}
        unknown = [a for a in assets if a not in by_asset]
        if unknown:
            raise ModelError(
                f"book weights: no weight for {unknown}; weighted assets: {sorted(by_asset)}"
            )
        norm = self._norm(assets)
        return np.array([self._raw(by_asset[a]) / norm for a in assets], dtype=np.float64)

    def sector_assets(self, sector: str, assets: Sequence[Any]) -> list[Any]:
        """The carried assets of one class, in ``assets`` order."""
        members = {m.asset for m in self.markets if m.sector == sector}
        return [a for a in assets if a in members]

    def sector_scale(self, sector: str, assets: Sequence[Any]) -> float:
        """Class aggregate / carried positions of the class: ``(C + s U) / C`` (module doc).

        ``C`` is the carried weight of the class, ``U`` its budget not carried and
        ``s`` :attr:`uncarried_scale`. NaN when no market of the class is carried.
        """
        carried = sum(self._raw(m) for m in self.markets
                      if m.sector == sector and m.asset in assets)
        if carried <= 0:
            return float("nan")
        uncarried = max(self.budgets[sector] - carried, 0.0)
        return (carried + self.uncarried_scale * uncarried) / carried

    def to_dict(self, assets: Sequence[Any]) -> dict[str, Any]:
        """JSON-ready weights, budgets and the proxy scale of every class."""
        w = self.weights(assets)
        return {
            "weights": {str(a): float(x) for a, x in zip(assets, w, strict=True)},
            "budgets": dict(self.budgets),
            "uncarried_scale": self.uncarried_scale,
            "idm": self.idm,
            "sector_scale": {s: self.sector_scale(s, assets) for s in self.budgets},
        }


_CRYPTO = 0.01
_CLASS = (1.0 - _CRYPTO) / 4.0

#: The table of the module docstring.
DEFAULT_BOOK = BookWeights(
    markets=(
        MarketWeight("SP500", "equity", 0.25),
        MarketWeight("NDX", "equity", 0.10),
        MarketWeight("TLT", "rates", 0.25),
        MarketWeight("DEXUSEU", "fx", 0.15),
        MarketWeight("DEXJPUS", "fx", 0.15),
        MarketWeight("DEXUSUK", "fx", 0.10),
        MarketWeight("GLD", "commodity", 0.10),
        MarketWeight("DCOILWTICO", "commodity", 0.10),
        MarketWeight("BTC", "crypto", 1.0),
    ),
    budgets={"equity": _CLASS, "rates": _CLASS, "fx": _CLASS, "commodity": _CLASS,
             "crypto": _CRYPTO},
)
