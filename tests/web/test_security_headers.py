"""Security headers on every response; no caching of someone's own pages."""

import re
from pathlib import Path

import pytest

from lms.accounts.roles import Role
from lms.headers import CONTENT_SECURITY_POLICY
from media_pipeline.storage import Storage

TEMPLATES = Path(__file__).resolve().parents[2] / "lms" / "templates"
#: Inline script, style elements, style attributes and event-handler attributes.
#: A JSON data block (``<script type="application/json">``, the report pages'
#: chart data) is never run, so the policy has nothing to block there.
INLINE = (
    r"<script(?![^>]*\b(?:src=|type=\"application/json\"))",
    r"<style",
    r"\sstyle=",
    r"\son[a-z]+=",
)


def directives(policy):
    return {
        part.split()[0]: part.split()[1:]
        for part in (p.strip() for p in policy.split(";"))
        if part
    }


def test_the_policy_allows_no_inline_code():
    policy = directives(CONTENT_SECURITY_POLICY)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    # hls.js: Media Source Extensions play from blob: URLs, its worker may be one
    assert "blob:" in policy["media-src"] and "blob:" in policy["worker-src"]
    assert not any("unsafe" in " ".join(v) for v in policy.values())


def test_no_template_has_inline_script_style_or_handlers():
    """What the policy would block: ``<script>`` without src, ``style=`` and
    ``on...=`` attributes."""
    offending = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for pattern in INLINE:
            offending += [f"{template.name}: {m}" for m in re.findall(pattern, text)]
    assert offending == []


@pytest.mark.parametrize("path", ["/", "/login", "/courses/", "/api/v1/courses"])
def test_every_answer_carries_the_security_headers(client, path):
    response = client.get(path)
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP


def test_hsts_only_over_https(client):
    secure = client.get("/", base_url="https://telecme.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=63072000")
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_signed_in_pages_and_api_answers_are_not_stored(
    client, auth, create_user, api_token
):
    learner = create_user(role=Role.LEARNER)
    assert client.get("/").headers.get("Cache-Control") != "no-store"  # anonymous
    api = client.get("/api/v1/me", headers=api_token(learner))
    assert api.headers["Cache-Control"] == "no-store"
    auth.login(learner.login)
    for path in ("/", "/dashboard", "/courses/", "/credits"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def test_static_files_and_media_segments_keep_their_own_caching(
    app, client, auth, create_course, create_user
):
    lecturer = create_user(role=Role.LECTURER)
    course = create_course(lecturer=lecturer)
    lecture = course.lectures[0]
    storage = Storage(app.config["MEDIA_DIR"])
    version = storage.lecture_dir(lecture.id) / "job-1-1"
    (version / "v0").mkdir(parents=True)
    (version / "v0" / "seg_0001.m4s").write_bytes(b"\0" * 64)
    storage.published(lecture.id).symlink_to(version)
    auth.login(lecturer.login)

    segment = client.get(f"/media/lectures/{lecture.id}/job-1-1/v0/seg_0001.m4s")
    assert segment.status_code == 200
    assert segment.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    static = client.get("/static/css/app.css")
    assert static.status_code == 200
    assert static.headers.get("Cache-Control") != "no-store"
    assert segment.headers["X-Content-Type-Options"] == "nosniff"
