"""Locale negotiation: the cookie first, then Accept-Language (script-aware), then en_US."""
from babel import Locale, UnknownLocaleError
from flask import current_app, g, has_request_context, request

COOKIE = "locale"
# Language-only matches that need a region or script to pick one of our catalogs.
_LANGUAGE_DEFAULTS = {
    "en": "en_US", "zh": "zh_Hans_CN", "es": "es_419", "pt": "pt_BR", "no": "nb", "nn": "nb",
}


def supported():
    return current_app.config["LOCALES"]


def valid_locale(value):
    """`value` if it is one of our locales, else None."""
    return value if value in supported() else None


def _match(tag):
    try:
        loc = Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None
    ours = supported()
    candidates = [
        "_".join(p for p in (loc.language, loc.script, loc.territory) if p),
        "_".join(p for p in (loc.language, loc.territory) if p),
        "_".join(p for p in (loc.language, loc.script) if p),
        loc.language,
    ]
    for name in candidates:
        if name in ours:
            return name
    if loc.language == "es" and loc.territory == "ES":
        return "es_ES"
    if loc.language == "zh":
        return "zh_Hant_TW" if loc.script == "Hant" else "zh_Hans_CN"
    return _LANGUAGE_DEFAULTS.get(loc.language) if _LANGUAGE_DEFAULTS.get(loc.language) in ours else None


def negotiate(accept_languages):
    """Our best locale for an Accept-Language header value list, in the client's order."""
    for tag, _quality in accept_languages:
        found = _match(tag)
        if found:
            return found
    return None


def select_locale():
    """Flask-Babel's locale selector."""
    if not has_request_context():
        # A worker or a command: messages it stores or prints are in the console's default language.
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    # The user as Flask-Login already loaded it: loading it from here would recurse through
    # gettext when loading itself needs a translation.
    user = g.get("_login_user")
    return (
        valid_locale(request.cookies.get(COOKIE))
        or (valid_locale(user.locale) if user is not None and user.is_authenticated else None)
        or negotiate(request.accept_languages)
        or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def language_choices():
    """(locale, its own name) for the language menu, in the order of LOCALES."""
    choices = []
    for name in supported():
        loc = Locale.parse(name)
        label = loc.get_display_name(loc)
        choices.append((name, label[:1].upper() + label[1:]))
    return choices
