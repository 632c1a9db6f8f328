"""Language and time zone selection.

Order: the language the user chose (saved on the staff account, or a cookie for
everyone), then the browser's Accept-Language, then the current election's default.
"""

from collections.abc import Callable, Iterable
from typing import TypeVar

from flask import Flask, g, request
from flask.globals import _cv_app
from flask_babel import get_translations
from flask_login import current_user

LANGUAGES: dict[str, str] = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
LANG_COOKIE = "casework_lang"

# Set by the elections area: returns (default locale, time zone) of the current election.
_election_defaults: Callable[[], tuple[str, str] | None] = lambda: None  # noqa: E731


def set_election_defaults_provider(provider: Callable[[], tuple[str, str] | None]) -> None:
    global _election_defaults
    _election_defaults = provider


def _election() -> tuple[str, str] | None:
    if "election_defaults" not in g:
        try:
            g.election_defaults = _election_defaults()
        except Exception:  # noqa: BLE001 - a missing table must not break error pages
            g.election_defaults = None
    return g.election_defaults


def chosen_locale() -> str | None:
    user_choice = getattr(current_user, "preferred_locale", None)
    if user_choice in LANGUAGES:
        return user_choice
    cookie = request.cookies.get(LANG_COOKIE)
    return cookie if cookie in LANGUAGES else None


def select_locale() -> str:
    from flask import current_app, has_request_context

    if not has_request_context():  # CLI output is in English; mail uses force_locale
        return "en"
    chosen = chosen_locale()
    if chosen:
        return chosen
    browser = request.accept_languages.best_match(list(LANGUAGES))
    if browser:
        return browser
    defaults = _election()
    if defaults and defaults[0] in LANGUAGES:
        return defaults[0]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    from flask import has_request_context

    if not has_request_context():
        return "UTC"
    defaults = _election()
    return defaults[1] if defaults else "UTC"


def page_locale() -> str:
    """The language of the page being served (kk, ru or en), for formatting and names."""
    from flask_babel import get_locale

    return str(get_locale() or "en")


# The last (language of a request, its catalog): what templates translate with.
_LAST_CATALOG: tuple[object, object] | None = None


def page_translations():
    """flask_babel's get_translations() for the template being rendered, without its
    lookups: it reads the language and domain through context proxies three times per call,
    and a staff page translates ~60 strings (a tenth of the queue's cost). The catalog is
    the one of the context's own language object (force_locale sets another, so mail in
    another language gets its own); threads racing on the last entry only miss."""
    global _LAST_CATALOG
    locale = _babel_locale()
    held = _LAST_CATALOG
    if locale is not None and held is not None and held[0] is locale:
        return held[1]
    translations = get_translations()
    locale = _babel_locale()  # set by get_translations when it was not yet
    if locale is not None:
        _LAST_CATALOG = (locale, translations)
    return translations


def _babel_locale():
    """The language object flask_babel keeps on the app context's `g` (None: not chosen yet)."""
    context = _cv_app.get(None)
    state = context.g.__dict__.get("_flask_babel") if context is not None else None
    return getattr(state, "babel_locale", None)


def init_app(app: Flask) -> None:
    @app.context_processor
    def _languages():
        return {"LANGUAGES": LANGUAGES, "current_locale": page_locale()}

    # Jinja's i18n extension still formats and escapes; only the catalog lookup is ours.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: page_translations().ugettext(s),
        ngettext=lambda s, p, n: page_translations().ungettext(s, p, n),
        pgettext=lambda c, s: page_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: page_translations().unpgettext(c, s, p, n),
        newstyle=True)


# Alphabets in their own order: Python's code-point order puts Ақ… after Ал… and Ё after Я.
ALPHABETS: dict[str, str] = {
    "kk": "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя",
    "ru": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    "en": "abcdefghijklmnopqrstuvwxyz",
}
_RANKS = {locale: {ch: i for i, ch in enumerate(letters)}
          for locale, letters in ALPHABETS.items()}
_RANKS["ru"]["ё"] = _RANKS["ru"]["е"]  # Russian dictionaries file Ё under Е
_LETTER_BASE = 1 << 16  # letters after spaces, digits and punctuation (so "Алматы" < "Алматы қ")
_FOREIGN_BASE = 1 << 17  # a letter from another alphabet after the page's own letters


def collation_key(text: str | None, locale: str | None = None) -> tuple[tuple[int, ...], str]:
    """A sort key putting `text` in the order of `locale`'s alphabet (kk, ru or en), case
    ignored; the text itself breaks ties so the order is total."""
    ranks = _RANKS.get(locale or "en", _RANKS["en"])
    folded = (text or "").casefold()
    key = []
    for ch in folded:
        if ch in ranks:
            key.append(_LETTER_BASE + ranks[ch])
        elif ch.isalpha():
            key.append(_FOREIGN_BASE + ord(ch))
        else:
            key.append(ord(ch))
    return tuple(key), text or ""


T = TypeVar("T")


def sorted_by_name(items: Iterable[T], locale: str, name: Callable[[T], str]) -> list[T]:
    """`items` in the alphabet of `locale`, by the name `name` gives each."""
    return sorted(items, key=lambda item: collation_key(name(item), locale))
