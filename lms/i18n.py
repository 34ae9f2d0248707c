"""Interface language: chosen by the person, else their browser, else Chinese."""

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

#: Short codes used in URLs and the language switch, mapped to Babel locales.
LANGUAGE_CODES = {"zh": "zh_Hans_CN", "en": "en"}
LANGUAGE_LABELS = {"zh": "中文", "en": "English"}
#: Browser language tags we answer in Chinese or English.
_BROWSER_TAGS = ["zh-CN", "zh-Hans", "zh-Hans-CN", "zh-SG", "zh", "en"]


def locale_for_code(code):
    return LANGUAGE_CODES.get(code)


def select_locale():
    if not has_request_context():  # CLI commands and tasks: the network's language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("locale")
    if chosen in LANGUAGE_CODES.values():
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale:
        return current_user.locale
    tag = request.accept_languages.best_match(_BROWSER_TAGS)
    if tag:
        return LANGUAGE_CODES["zh"] if tag.startswith("zh") else LANGUAGE_CODES["en"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone():
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def current_language():
    """``"zh"`` or ``"en"``: the short code of the language being shown."""
    return "en" if str(get_locale()).startswith("en") else "zh"


def init_app(app):
    @app.context_processor
    def language_context():
        language = current_language()
        return {
            "current_language": language,
            "html_lang": "en" if language == "en" else "zh-CN",
            "language_labels": LANGUAGE_LABELS,
        }
