"""Re-extract the page messages and merge them into every language's catalog.

Usage: python scripts/update_translations.py

Writes ``src/flowdesk/locale/flowdesk.pot`` from the ``_()`` calls in the
templates and the ``N_()`` marks in the code (``babel.cfg``), then merges it
into ``src/flowdesk/locale/<lang>/LC_MESSAGES/flowdesk.po`` for each language
of :data:`flowdesk.i18n.LANGUAGES`. New messages arrive untranslated (or as
fuzzy guesses, which the pages ignore) until someone writes them in the
``.po`` file; ``tests/report/test_i18n.py`` fails while any is missing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "src" / "flowdesk" / "locale"


def pybabel(argv: list[str]) -> None:
    """Run one ``pybabel`` command."""
    CommandLineInterface().run(argv)


def main() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from flowdesk.i18n import DEFAULT_LANGUAGE, DOMAIN, LANGUAGES

    pot = LOCALE / f"{DOMAIN}.pot"
    pybabel(["pybabel", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "N_",
             "--no-location", "--sort-output", "--project", "flowdesk",
             "-o", str(pot), str(ROOT)])
    for lang in LANGUAGES:
        if lang == DEFAULT_LANGUAGE:
            continue
        po = LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        verb = "update" if po.exists() else "init"
        pybabel(["pybabel", verb, "-i", str(pot), "-d", str(LOCALE), "-D", DOMAIN, "-l", lang,
                 *(["--no-fuzzy-matching", "--ignore-obsolete"] if verb == "update" else [])])


if __name__ == "__main__":
    main()
