"""The languages pages are written in, and their message catalogs (gettext, via Babel).

Every user-visible phrase of a page is an English message id. Templates mark
them with ``_()``; Python code marks fixed labels with :func:`N_` (so that
``pybabel extract`` finds them) and translates at render time. The catalogs
are plain ``.po`` files in ``flowdesk/locale/<lang>/LC_MESSAGES/flowdesk.po``,
read with Babel when a language is first asked for: no compiled ``.mo`` files
to keep in step. ``scripts/update_translations.py`` re-extracts the template
(``flowdesk.pot``) and merges it into each catalog.

English is the source language: its "catalog" is the identity.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from flowdesk.errors import ConfigError

if TYPE_CHECKING:
    import gettext
    from pathlib import Path

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "N_", "check_language", "locale_dir", "translations"]

#: Language code -> its own name, as the language switch shows it.
LANGUAGES: dict[str, str] = {"en": "English", "ko": "한국어"}
DEFAULT_LANGUAGE = "en"
DOMAIN = "flowdesk"


def locale_dir() -> Path:
    """Where the catalogs live: ``flowdesk/locale``.

    A function, with pathlib imported inside: the model registry imports this
    module for :func:`N_`, and ``import flowdesk`` must stay fast.
    """
    from pathlib import Path

    return Path(__file__).resolve().parent / "locale"


def N_(message: str) -> str:  # noqa: N802 - the gettext convention extraction looks for
    """Mark ``message`` for extraction without translating it (it is translated when shown)."""
    return message


def check_language(lang: str | None, argument: str = "--lang") -> str:
    """``lang`` as a known language code (``None`` -> English).

    Raises
    ------
    ConfigError
        Naming ``argument`` and the choices, for an unknown code.
    """
    if lang is None or lang == "":
        return DEFAULT_LANGUAGE
    code = str(lang).strip().lower()
    if code not in LANGUAGES:
        choices = ", ".join(LANGUAGES)
        raise ConfigError(f"{argument}: unknown language {str(lang)[:20]!r}; choose {choices}")
    return code


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str = DEFAULT_LANGUAGE) -> gettext.NullTranslations:
    """The translations of ``lang`` (English: the identity), read from its ``.po`` catalog.

    Entries marked fuzzy (guessed by a merge, not checked) are left out, so
    they show in English rather than wrong.
    """
    import gettext

    code = check_language(lang)
    if code == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    from io import BytesIO

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    path = locale_dir() / code / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=code, domain=DOMAIN)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)
