"""Typed settings.

Values come, highest priority first, from keyword arguments, ``FLOWDESK_*``
environment variables, an optional TOML file (``FLOWDESK_CONFIG`` or
``<user config dir>/flowdesk/config.toml``) and the defaults below.
"""

from __future__ import annotations

import difflib
import os
import tomllib
import warnings
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from flowdesk._version import __version__
from flowdesk.errors import ConfigError, FlowdeskWarning

__all__ = ["Settings", "config_file_path", "get_settings"]


def _default_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("flowdesk", appauthor=False))


def config_file_path() -> Path:
    """Return the TOML config file location (it need not exist)."""
    explicit = os.environ.get("FLOWDESK_CONFIG")
    if explicit:
        return Path(explicit)
    import platformdirs

    return Path(platformdirs.user_config_dir("flowdesk", appauthor=False)) / "config.toml"


class _TomlSource(PydanticBaseSettingsSource):
    """Read settings from the TOML file, if there is one."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        path = config_file_path()
        self._values: dict[str, Any] = {}
        if path.is_file():
            try:
                self._values = tomllib.loads(path.read_text(encoding="utf-8"))
            except UnicodeDecodeError:
                raise ConfigError(
                    f"config file {path}: is not UTF-8 text (binary file?)"
                ) from None
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise ConfigError(f"config file {path}: cannot be read as TOML ({exc})") from exc
        elif os.environ.get("FLOWDESK_CONFIG") and path.exists():
            raise ConfigError(f"config file {path} (from FLOWDESK_CONFIG): is not a regular file")
        elif os.environ.get("FLOWDESK_CONFIG"):
            raise ConfigError(f"config file {path} (from FLOWDESK_CONFIG) does not exist")

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        fields = self.settings_cls.model_fields
        if self._values:
            _warn_unknown(self._values, fields, where=f"config file {config_file_path()}")
        return {k: v for k, v in self._values.items() if k in fields}


#: FLOWDESK_* variables that are read directly, not as settings.
_NON_SETTING_ENV = frozenset({"FLOWDESK_CONFIG", "FLOWDESK_DEBUG"})
#: Messages already given: settings are read many times per command, a warning once.
_warned: set[str] = set()


def _warn_unknown(keys: Iterable[str], known: Iterable[str], *, where: str,
                  prefix: str = "") -> None:
    """Warn about each key that is not a setting, with the closest setting's name.

    A misspelt key would otherwise be ignored without a word and its default used.
    """
    names = sorted(known)
    for key in keys:
        bare = key[len(prefix):].lower() if prefix else key
        if bare in names:
            continue
        close = difflib.get_close_matches(bare, names, n=1)
        suggestion = f"{prefix}{close[0].upper()}" if prefix and close else "".join(close[:1])
        hint = f"; did you mean {suggestion}?" if close else ""
        message = f"{where}: unknown setting {key!r} is ignored{hint}"
        if message not in _warned:
            _warned.add(message)
            warnings.warn(message, FlowdeskWarning, stacklevel=3)


def _warn_unknown_env(environ: Mapping[str, str]) -> None:
    keys = [k for k in environ
            if k.upper().startswith("FLOWDESK_") and k.upper() not in _NON_SETTING_ENV]
    _warn_unknown(keys, Settings.model_fields, where="environment", prefix="FLOWDESK_")


class Settings(BaseSettings):
    """flowdesk settings.

    Attributes
    ----------
    cache_dir
        Where fetched series are cached as parquet (``FLOWDESK_CACHE_DIR``).
    fred_api_key
        FRED API key (``FLOWDESK_FRED_API_KEY`` or ``FRED_API_KEY``). Without one,
        FRED series are fetched through the keyless CSV download.
    offline
        Never touch the network; use only the cache and the embedded snapshot.
    http_timeout
        Seconds before an HTTP request is abandoned.
    http_retries
        Extra attempts after a 429/5xx answer or a dropped connection.
    volcontrol_aum_low_bn, volcontrol_aum_base_bn, volcontrol_aum_high_bn
        AUM of volatility-targeting strategies, USD bn (low/base/high band).
        Published estimates run from about $200bn to "up to $2tn".
    volcontrol_demean
        Vol-control rolling estimators subtract the window mean (default: zero-mean
        RMS, as risk-control index methodologies compute realised volatility).
    cta_aum_low_bn, cta_aum_base_bn, cta_aum_high_bn
        AUM of trend-following CTAs, USD bn. Quantica Capital ("The Footprint of
        Trend-following", 2023) sizes the industry at about $300bn (base);
        BarclayHedge's managed-futures total without its largest macro member was
        about $215bn of $337bn in 2012 (low); high 400 allows for managers outside
        the databases.
    cta_uncarried_weight_scale
        Weight of the markets a trend book trades that flowdesk does not carry,
        relative to the book table in :mod:`flowdesk.flows.cta_weights` (1 = the
        table, 0 = a book of the carried markets only).
    cta_trigger_filter, cta_trigger_windows
        Trend filter family (``ema``/``sma``) and window per horizon (short, medium,
        long) of the CTA trigger levels (docs/calibration.md).
    tape_k, tape_shocks, tape_vol_up, tape_vol_down
        Tapes: drift of +/- ``tape_k`` sigmas of the horizon; daily dispersion from
        ``bootstrap`` (standardised historical shocks) or ``none``; volatility at the
        end of the up/down tape relative to today's (docs/calibration.md).
    buyback_annual_bn
        Annual S&P 500 buybacks, USD bn (S&P DJI: $942.5bn in 2024).
    buyback_lead_sessions, buyback_lead_band, buyback_lag_sessions
        A company's buyback window closes this many sessions before its earnings
        release (band: low and high case) and reopens this many after it.
    buyback_notice_sessions
        A release date counts as announced (known) this many sessions ahead.
    buyback_quarter_end_lead_sessions
        Optional insider-policy rule: closed at the latest this many sessions before
        quarter end (unset: off).
    sec_user_agent
        User-Agent sent to SEC EDGAR (``FLOWDESK_SEC_USER_AGENT``). SEC's fair-access
        policy asks automated tools to declare who they are, as ``"Name email"``;
        undeclared clients are answered with HTTP 403.
    sec_max_requests_per_second
        Ceiling on requests to SEC EDGAR per second; SEC allows at most 10, so
        larger values are refused.
    web_workers, web_queue_limit, web_cache_entries
        Dashboard server: worker threads computing models, most computations
        running or waiting before requests get 503 with ``Retry-After``, and
        responses kept in memory (the server's memory bound).
    sim_max_memory_gb
        Largest memory a simulation may need, GiB (default: half the memory
        available when it starts); larger runs are refused before starting.
    sim_max_path_days
        Largest simulation, in simulated path-days over all its runs; at about
        3e6 path-days/s the default 1e10 is about an hour.
    """

    model_config = SettingsConfigDict(env_prefix="FLOWDESK_", extra="ignore")

    cache_dir: Path = Field(default_factory=_default_cache_dir)
    fred_api_key: str | None = Field(
        default=None, validation_alias=AliasChoices("FLOWDESK_FRED_API_KEY", "FRED_API_KEY")
    )
    offline: bool = False
    http_timeout: float = Field(default=20.0, gt=0)
    http_retries: int = Field(default=3, ge=0, le=10)
    volcontrol_aum_low_bn: float = Field(default=200.0, gt=0)
    volcontrol_aum_base_bn: float = Field(default=600.0, gt=0)
    volcontrol_aum_high_bn: float = Field(default=2000.0, gt=0)
    volcontrol_demean: bool = False
    cta_aum_low_bn: float = Field(default=200.0, gt=0)
    cta_aum_base_bn: float = Field(default=300.0, gt=0)
    cta_aum_high_bn: float = Field(default=400.0, gt=0)
    cta_uncarried_weight_scale: float = Field(default=1.0, ge=0, le=10)
    cta_trigger_filter: Literal["ema", "sma"] = "ema"
    cta_trigger_windows: tuple[int, int, int] = (40, 126, 350)
    tape_k: float = Field(default=1.0, gt=0, lt=10)
    tape_shocks: Literal["bootstrap", "none"] = "bootstrap"
    tape_vol_up: float = Field(default=0.9, gt=0, le=5)
    tape_vol_down: float = Field(default=1.5, gt=0, le=5)
    buyback_annual_bn: float = Field(default=942.5, gt=0)
    buyback_lead_sessions: int = Field(default=30, ge=0, le=60)
    buyback_lead_band: tuple[int, int] = (25, 35)
    buyback_lag_sessions: int = Field(default=2, ge=0, le=20)
    buyback_notice_sessions: int = Field(default=10, ge=0, le=30)
    buyback_quarter_end_lead_sessions: int | None = Field(default=None, ge=1, le=60)
    sec_user_agent: str = (
        f"flowdesk/{__version__} (open-source research;"
        " set FLOWDESK_SEC_USER_AGENT to 'name email')"
    )
    sec_max_requests_per_second: float = Field(default=10.0, gt=0)
    web_workers: int = Field(default=2, ge=1, le=64)
    web_queue_limit: int = Field(default=32, ge=1, le=10_000)
    web_cache_entries: int = Field(default=128, ge=1, le=100_000)
    sim_max_memory_gb: float | None = Field(default=None, gt=0)
    sim_max_path_days: float = Field(default=1e10, gt=0)

    @field_validator("cta_trigger_windows")
    @classmethod
    def _windows_at_least_two(cls, value: tuple[int, int, int]) -> tuple[int, int, int]:
        if any(w < 2 for w in value):
            raise ValueError(f"every window must be >= 2 sessions, got {list(value)}")
        return value

    @field_validator("buyback_lead_band")
    @classmethod
    def _band_in_order(cls, value: tuple[int, int]) -> tuple[int, int]:
        if not 0 <= value[0] <= value[1] <= 60:
            raise ValueError(f"need 0 <= low <= high <= 60 sessions, got {list(value)}")
        return value

    @field_validator("sec_user_agent")
    @classmethod
    def _user_agent_is_one_printable_line(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be blank; give a name and a contact email")
        # A header value with control characters would be rejected by the HTTP
        # library only at request time, far from the setting that caused it.
        if not value.isprintable():
            raise ValueError("must be one line of printable characters")
        return value

    @field_validator("sec_max_requests_per_second")
    @classmethod
    def _within_sec_fair_access(cls, value: float) -> float:
        if value > 10:
            raise ValueError(
                f"SEC EDGAR allows at most 10 requests per second (sec.gov fair-access"
                f" policy), got {value:g}"
            )
        return value

    @field_validator("fred_api_key")
    @classmethod
    def _blank_key_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Keyword arguments, then environment variables, then the TOML file."""
        return (init_settings, env_settings, _TomlSource(settings_cls))


@lru_cache(maxsize=1)
def _cached_settings() -> Settings:
    return Settings()


def get_settings(**overrides: Any) -> Settings:
    """Return settings from the environment, optionally overridden.

    Parameters
    ----------
    **overrides
        Field values that take precedence over every other source.

    Raises
    ------
    ConfigError
        If a value is invalid (the message names the setting).
    """
    _warn_unknown_env(os.environ)
    try:
        if overrides:
            return Settings(**overrides)
        return _cached_settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ConfigError(f"setting {name!r}: {first['msg']}") from exc


def clear_settings_cache() -> None:
    """Forget cached settings (after changing environment variables)."""
    _cached_settings.cache_clear()
    _warned.clear()
