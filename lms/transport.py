"""HTTP as the standards say: ranges, empty 204s, gzip, versioned static files, CORS.

- A ``Range`` header that is malformed or asks for several ranges is ignored, so
  the answer is the whole file (200) rather than a 416 (RFC 9110 §14.2 lets a
  server ignore it); a single range past the end stays a 416 (``lms.errors``).
- 204 and 304 carry no body and no ``Content-Type``.
- HTML, JSON, JavaScript, CSS and SVG are gzipped when the client accepts it
  (``Vary: Accept-Encoding``); media (segments, playlists, images) and anything
  already encoded never are. nginx does the same in front (docs/nginx.conf).
- ``url_for('static', ...)`` adds ``?v=<content hash>``; such a URL is answered
  with ``Cache-Control: public, max-age=31536000, immutable`` (a new file gets a
  new URL); a stale or missing ``v`` gets Flask's revalidating ``no-cache``.
- CORS for the origins in ``CORS_ORIGINS`` (empty: off) on ``/api/v1`` (the
  public verification endpoint included), preflight too. Credentials are never
  allowed: another site's page reaches the API with a bearer token only, never
  with the browser's session cookie.
"""

import gzip
import hashlib
from functools import lru_cache
from pathlib import Path

from flask import current_app, request
from werkzeug.http import parse_range_header
from werkzeug.security import safe_join

#: Types worth compressing; media and images are compressed already.
COMPRESSIBLE_TYPES = frozenset(
    {
        "text/html",
        "text/css",
        "text/plain",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/problem+json",
        "image/svg+xml",
    }
)
#: Below this many bytes gzip's header costs more than it saves.
MIN_COMPRESS_BYTES = 512
#: Bodies read into memory to be compressed at most (hls.js is 624 KB).
MAX_COMPRESS_BYTES = 8 * 1024 * 1024
#: Endpoints that never compress (media is binary or served with its own caching).
NEVER_COMPRESSED_ENDPOINTS = frozenset({"media.lecture_file"})
STATIC_MAX_AGE = "public, max-age=31536000, immutable"

CORS_ALLOWED_HEADERS = ", ".join(
    [
        "Authorization",
        "Content-Type",
        "Accept-Language",
        "X-Request-ID",
        "Upload-Offset",
        "Upload-Length",
        "Upload-Metadata",
        "Upload-Checksum",
        "Upload-File-Sha256",
        "Tus-Resumable",
        "X-Filename",
    ]
)
CORS_EXPOSED_HEADERS = ", ".join(
    [
        "Location",
        "Retry-After",
        "X-Request-ID",
        "Upload-Offset",
        "Upload-Length",
        "Upload-Expires",
        "Tus-Resumable",
        "Tus-Version",
        "Tus-Extension",
        "Tus-Max-Size",
        "Tus-Checksum-Algorithm",
    ]
)
CORS_MAX_AGE = "600"


def init_app(app):
    app.before_request(_ignore_unusable_range)
    app.before_request(_answer_preflight)
    app.url_defaults(_version_static_urls)
    app.after_request(_finish)


# --- ranges and empty answers -------------------------------------------------


def is_usable_range(header):
    """Whether a ``Range`` header names exactly one well-formed range of bytes."""
    parsed = parse_range_header(header)
    return parsed is not None and parsed.units == "bytes" and len(parsed.ranges) == 1


def _ignore_unusable_range():
    header = request.environ.get("HTTP_RANGE")
    if header is not None and not is_usable_range(header):
        del request.environ["HTTP_RANGE"]  # answered whole: 200, not 416


def _empty_answers_have_no_type(response):
    if response.status_code in (204, 304):
        response.headers.pop("Content-Type", None)
        if response.status_code == 204:
            response.headers.pop("Content-Length", None)
            response.direct_passthrough = False
            response.set_data(b"")


# --- compression --------------------------------------------------------------


def _accepts_gzip():
    return request.accept_encodings.quality("gzip") > 0


def _compression_reveals_nothing():
    """Whether a page's compressed size may go out (BREACH).

    A page carries a secret (its CSRF token) beside text the request chose (a
    search term); compressed, its size tells a watcher of the wire how much of a
    guess matched the secret, if the watcher can make the victim's browser send
    guesses. Those requests come from another site: the browser says so in
    ``Sec-Fetch-Site``. A request that carries no cookie (a bearer token's API
    call) carries none of the user's secrets either.
    """
    site = request.headers.get("Sec-Fetch-Site")
    return site in ("same-origin", "none") or not request.cookies


def _compress(response):
    if (
        response.mimetype not in COMPRESSIBLE_TYPES
        or request.endpoint in NEVER_COMPRESSED_ENDPOINTS
    ):
        return
    response.vary.add("Accept-Encoding")
    if (
        response.status_code != 200
        or "Content-Encoding" in response.headers
        or "X-Accel-Redirect" in response.headers
        or not _accepts_gzip()
        or (response.is_streamed and not response.direct_passthrough)
    ):
        return
    length = response.content_length
    if length is not None and not MIN_COMPRESS_BYTES <= length <= MAX_COMPRESS_BYTES:
        return
    if request.endpoint == "static" and response.direct_passthrough:
        # A static file: compressed once per version of it.
        filename = request.view_args["filename"]
        path = safe_join(current_app.static_folder, filename)
        stat = Path(path).stat()
        body = _gzipped_file(path, stat.st_mtime_ns, stat.st_size)
        response.direct_passthrough = False
    else:
        if not _compression_reveals_nothing():
            return
        response.direct_passthrough = False
        data = response.get_data()
        if len(data) < MIN_COMPRESS_BYTES:
            return
        body = gzip.compress(data, compresslevel=6, mtime=0)
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    # Byte ranges would count the compressed bytes; offer none.
    response.headers.pop("Accept-Ranges", None)
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(etag, weak=True)  # same content, other bytes


@lru_cache(maxsize=64)
def _gzipped_file(path, mtime_ns, size):
    return gzip.compress(Path(path).read_bytes(), compresslevel=9, mtime=0)


# --- versioned static URLs ----------------------------------------------------


def static_version(filename):
    """A short hash of a static file's content (None when there is no such file)."""
    path = safe_join(current_app.static_folder, filename)
    if path is None:
        return None
    try:
        stat = Path(path).stat()
    except OSError:
        return None
    return _file_hash(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _file_hash(path, mtime_ns, size):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def _version_static_urls(endpoint, values):
    if endpoint == "static" and "filename" in values and "v" not in values:
        version = static_version(values["filename"])
        if version:
            values["v"] = version


def _cache_versioned_static(response):
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return
    version = request.args.get("v")
    if version and version == static_version(request.view_args["filename"]):
        response.headers["Cache-Control"] = STATIC_MAX_AGE
        response.headers.pop("Expires", None)


# --- CORS ---------------------------------------------------------------------


def parse_origins(value):
    """``CORS_ORIGINS`` as a set: a list, or a string split on commas and spaces.

    Origins compare exactly (scheme, host, port), without a trailing slash.
    """
    if not value:
        return frozenset()
    items = value.replace(",", " ").split() if isinstance(value, str) else value
    return frozenset(item.strip().rstrip("/") for item in items if item.strip())


def _cors_origin():
    """The request's ``Origin`` when it is allowed here, else None."""
    from lms.api import API_PREFIX

    origin = request.headers.get("Origin")
    if not origin or not (
        request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")
    ):
        return None
    allowed = parse_origins(current_app.config.get("CORS_ORIGINS"))
    return origin if origin in allowed else None


def _answer_preflight():
    if request.method != "OPTIONS" or "Access-Control-Request-Method" not in (
        request.headers
    ):
        return None
    origin = _cors_origin()
    if origin is None or request.url_rule is None:
        return None  # no CORS headers: the browser refuses the real request
    methods = current_app.create_url_adapter(request).allowed_methods()
    response = current_app.response_class(status=204)
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Allow-Methods"] = ", ".join(sorted(methods))
    response.headers["Access-Control-Allow-Headers"] = CORS_ALLOWED_HEADERS
    response.headers["Access-Control-Max-Age"] = CORS_MAX_AGE
    response.vary.add("Origin")
    return response


def _allow_origin(response):
    origin = _cors_origin()
    if origin is not None:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSED_HEADERS
    if request.path.startswith("/api/"):
        response.vary.add("Origin")


def _finish(response):
    _empty_answers_have_no_type(response)
    _cache_versioned_static(response)
    _allow_origin(response)
    _compress(response)
    return response
