"""HTTP as the standards say (issue 12, item 4): Allow on 405, a bare 416 with
Content-Range, several ranges answered whole, 204 without a type, gzip,
versioned static URLs with long caching, CORS for configured origins only."""

import gzip
import re

import pytest

from lms.accounts.roles import Role
from lms.transport import STATIC_MAX_AGE, is_usable_range, parse_origins
from media_pipeline.storage import Storage

SEGMENT = bytes(range(256)) * 4  # 1024 bytes, each offset distinguishable


@pytest.fixture
def segment_url(app, auth, create_course, create_user):
    """A published segment its lecturer may fetch (signed in)."""
    lecturer = create_user(role=Role.LECTURER)
    lecture = create_course(lecturer=lecturer).lectures[0]
    storage = Storage(app.config["MEDIA_DIR"])
    version = storage.lecture_dir(lecture.id) / "job-7-1"
    (version / "v0").mkdir(parents=True)
    (version / "v0" / "seg_0001.m4s").write_bytes(SEGMENT)
    (version / "master.m3u8").write_text("#EXTM3U\n" + "#EXT-X-VERSION:7\n" * 100)
    storage.published(lecture.id).symlink_to(version)
    auth.login(lecturer.login)
    return f"/media/lectures/{lecture.id}/job-7-1/v0/seg_0001.m4s"


# --- 405 and 416 --------------------------------------------------------------


@pytest.mark.parametrize(
    "method, path, allowed",
    [
        ("DELETE", "/api/v1/courses", {"GET", "POST"}),
        ("PUT", "/api/v1/auth/token", {"POST"}),
        ("POST", "/api/v1/openapi.json", {"GET"}),
        ("DELETE", "/login", {"GET", "POST"}),
    ],
    ids=["api-list", "api-token", "api-document", "page"],
)
def test_a_405_says_which_methods_are_allowed(client, method, path, allowed):
    response = client.open(path, method=method)
    assert response.status_code == 405
    methods = {m.strip() for m in response.headers["Allow"].split(",")}
    assert allowed <= methods and method not in methods


def test_a_range_past_the_end_is_a_bare_416_with_the_length(client, segment_url):
    response = client.get(segment_url, headers={"Range": "bytes=5000-6000"})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{len(SEGMENT)}"
    assert response.data == b""
    assert "Content-Type" not in response.headers


@pytest.mark.parametrize(
    "header",
    [
        "bytes=0-9,20-29",
        "bytes=0-0,-1",
        "bytes=0-9, 100-",
        "bytes=garbage",
        "items=0-9",
    ],
    ids=["two-ranges", "first-and-last", "open-ended-pair", "malformed", "not-bytes"],
)
def test_several_or_malformed_ranges_are_answered_whole(client, segment_url, header):
    response = client.get(segment_url, headers={"Range": header})
    assert response.status_code == 200
    assert response.data == SEGMENT


def test_a_single_range_is_answered_with_206(client, segment_url):
    response = client.get(segment_url, headers={"Range": "bytes=10-19"})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes 10-19/{len(SEGMENT)}"
    assert response.data == SEGMENT[10:20]


@pytest.mark.parametrize(
    "header, usable",
    [
        ("bytes=0-9", True),
        ("bytes=-100", True),
        ("bytes=100-", True),
        ("bytes=0-9,20-29", False),
        ("bytes=9-0", False),
        ("bytes=", False),
        ("pages=1-2", False),
    ],
)
def test_is_usable_range(header, usable):
    assert is_usable_range(header) is usable


# --- 204 ----------------------------------------------------------------------


def test_a_204_has_no_content_type(client, create_user, api_token):
    user = create_user(role=Role.LEARNER)
    response = client.delete("/api/v1/auth/token", headers=api_token(user))
    assert response.status_code == 204
    assert "Content-Type" not in response.headers
    assert response.data == b""


# --- gzip ---------------------------------------------------------------------

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


@pytest.mark.parametrize(
    "path, mimetype",
    [
        ("/login", "text/html"),
        ("/api/v1/openapi.json", "application/json"),
        ("/static/vendor/hls.js/hls.min.js", "text/javascript"),
        ("/static/css/app.css", "text/css"),
    ],
    ids=["html", "json", "js", "css"],
)
def test_text_is_gzipped_when_the_client_accepts_it(client, path, mimetype):
    plain = client.get(path)
    # A page of the app's own, as a browser asks for it from another of its pages.
    packed = client.get(path, headers={**GZIP, "Sec-Fetch-Site": "same-origin"})
    assert packed.status_code == plain.status_code == 200
    assert packed.mimetype == mimetype
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert "Accept-Encoding" in plain.headers["Vary"]
    assert "Content-Encoding" not in plain.headers
    assert int(packed.headers["Content-Length"]) == len(packed.data)
    assert len(packed.data) < len(plain.data)
    if mimetype != "text/html":  # a page carries a fresh CSRF token each time
        assert gzip.decompress(packed.data) == plain.data


@pytest.mark.parametrize(
    "site, gzipped",
    [
        ("cross-site", False),
        ("same-site", False),
        (None, False),  # a browser too old to say: it might be another site's
        ("same-origin", True),
        ("none", True),  # typed in the address bar, a bookmark
    ],
)
def test_a_page_with_the_users_secrets_is_gzipped_only_for_the_apps_own_requests(
    client, site, gzipped
):
    """BREACH: a search page carries the CSRF token beside the words searched
    for; another site making the browser search must not learn, from the
    compressed size, how much of a guess matched the token."""
    client.get("/login")  # the session's cookie, which holds the token
    headers = {**GZIP, **({"Sec-Fetch-Site": site} if site else {})}
    response = client.get("/courses/?q=csrf-token-guess", headers=headers)
    assert response.status_code == 200
    assert ("Content-Encoding" in response.headers) is gzipped
    assert "Accept-Encoding" in response.headers["Vary"]


def test_a_request_without_cookies_is_gzipped_whoever_sent_it(client):
    """No cookie, none of the user's secrets (an API call with a bearer token)."""
    response = client.get("/api/v1/openapi.json", headers=GZIP)
    assert response.headers.get("Content-Encoding") == "gzip"


def test_hls_js_travels_at_under_a_third_of_its_size(client):
    path = "/static/vendor/hls.js/hls.min.js"
    plain = len(client.get(path).data)
    packed = len(client.get(path, headers=GZIP).data)
    assert plain > 600_000 and packed < plain / 3


def test_no_gzip_for_clients_that_refuse_it(client):
    for header in ("identity", "gzip;q=0", ""):
        response = client.get(
            "/static/css/app.css", headers={"Accept-Encoding": header}
        )
        assert "Content-Encoding" not in response.headers, header


def test_media_is_never_gzipped(client, segment_url):
    playlist = segment_url.replace("v0/seg_0001.m4s", "master.m3u8")
    for url in (segment_url, playlist):
        response = client.get(url, headers=GZIP)
        assert response.status_code == 200
        assert "Content-Encoding" not in response.headers, url


def test_a_gzipped_static_file_still_revalidates(client):
    path = "/static/css/app.css"
    first = client.get(path, headers=GZIP)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    again = client.get(path, headers={**GZIP, "If-None-Match": etag})
    assert again.status_code == 304
    assert "Content-Type" not in again.headers


# --- versioned static URLs ----------------------------------------------------


def test_pages_link_static_files_by_content_hash(client):
    html = client.get("/login").get_data(as_text=True)
    urls = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert urls and all(re.search(r"\?v=[0-9a-f]{16}$", url) for url in urls), urls


def test_a_versioned_static_url_is_cached_for_a_year(client):
    html = client.get("/login").get_data(as_text=True)
    url = re.search(r'src="(/static/js/page\.js\?v=[0-9a-f]+)"', html).group(1)
    response = client.get(url)
    assert response.headers["Cache-Control"] == STATIC_MAX_AGE
    assert "Expires" not in response.headers


@pytest.mark.parametrize("query", ["", "?v=0123456789abcdef", "?v="])
def test_an_unversioned_or_stale_static_url_revalidates(client, query):
    response = client.get("/static/js/page.js" + query)
    assert response.status_code == 200
    assert "immutable" not in response.headers.get("Cache-Control", "")


# --- CORS ---------------------------------------------------------------------

ORIGIN = "https://registry.example.org"


@pytest.fixture
def cors(app):
    app.config["CORS_ORIGINS"] = f"{ORIGIN}, https://other.example.org/"
    yield
    app.config["CORS_ORIGINS"] = ""


def test_cors_is_off_by_default(client):
    response = client.get("/api/v1/courses", headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in response.headers
    preflight = client.options(
        "/api/v1/courses",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers


def test_a_configured_origin_reads_the_api_and_the_public_verification(client, cors):
    for path in ("/api/v1/courses", "/api/v1/verify/NO-SUCH-SERIAL"):
        response = client.get(path, headers={"Origin": ORIGIN})
        assert response.headers["Access-Control-Allow-Origin"] == ORIGIN, path
        assert "Origin" in response.headers["Vary"]
        assert "X-Request-ID" in response.headers["Access-Control-Expose-Headers"]
        assert "Access-Control-Allow-Credentials" not in response.headers


def test_a_configured_origins_preflight_is_answered(client, cors):
    response = client.options(
        "/api/v1/courses",
        headers={
            "Origin": "https://other.example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == (
        "https://other.example.org"
    )
    methods = response.headers["Access-Control-Allow-Methods"]
    assert "POST" in methods and "GET" in methods and "DELETE" not in methods
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize(
    "origin, path",
    [
        ("https://evil.example.org", "/api/v1/courses"),
        ("https://registry.example.org.evil.example", "/api/v1/courses"),
        ("http://registry.example.org", "/api/v1/courses"),
        (ORIGIN, "/login"),  # pages are never shared
    ],
    ids=["other-site", "suffix", "other-scheme", "page"],
)
def test_other_origins_and_pages_get_no_cors(client, cors, origin, path):
    response = client.get(path, headers={"Origin": origin})
    assert "Access-Control-Allow-Origin" not in response.headers
    preflight = client.options(
        path, headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers


@pytest.mark.parametrize(
    "value, origins",
    [
        ("", set()),
        (None, set()),
        ("https://a.example", {"https://a.example"}),
        (
            "https://a.example/, https://b.example:8443",
            {"https://a.example", "https://b.example:8443"},
        ),
        (["https://a.example", " "], {"https://a.example"}),
    ],
)
def test_parse_origins(value, origins):
    assert parse_origins(value) == origins
