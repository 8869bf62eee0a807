"""The package's messages and the choice of language (see :mod:`reintegra.locale`).

Kept so that ``from reintegra.i18n import messages, current_lang, …`` goes on
working: the machinery and the gettext catalogues live in
:mod:`reintegra.locale`.
"""
from .locale import (  # noqa: F401 - re-exported
    _CATALOGUE,
    DEFAULT_LANGUAGE,
    ENV_VAR,
    LANGUAGE_NAMES,
    LANGUAGES,
    Message,
    Messages,
    Plural,
    all_messages,
    current_lang,
    fmt_date,
    fmt_number,
    fmt_percent,
    messages,
    normalise_lang,
    pick,
    plural,
    session_lang,
)
