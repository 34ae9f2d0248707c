"""Security headers on every response.

The pages run no inline script or style and no event-handler attributes (widths of
progress bars and the year selects are set by ``static/js/page.js``), so the
policy allows scripts and styles from our own origin only. hls.js feeds media
through ``blob:`` URLs (Media Source Extensions) and may run its demuxer in a
``blob:`` worker; thumbnails and QR codes may be ``data:`` images.
"""

from flask import g, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "worker-src 'self' blob:",
    ]
)
#: Two years, the preload list's minimum; sent only over HTTPS (RFC 6797 §7.2).
HSTS = "max-age=63072000; includeSubDomains"
#: These answer with caching of their own (static files, HLS segments).
OWN_CACHING_ENDPOINTS = frozenset({"static", "media.lecture_file", "media.live_file"})


def _signed_in():
    # Only a user the request already loaded: a header never costs a query (not
    # even reloading the user a commit expired: the loaders let in only active
    # users, so any loaded user that is not the anonymous one is signed in).
    user = g.get("_login_user")
    return user is not None and not user.is_anonymous


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    if _signed_in() and request.endpoint not in OWN_CACHING_ENDPOINTS:
        # Someone's own data never waits in a browser's or a proxy's cache.
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
    return response


def init_app(app):
    app.after_request(set_security_headers)
