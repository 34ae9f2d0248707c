"""The main pages work under the Content-Security-Policy: no violation reported
by Chromium while they load and do their work (hls.js playing, an upload, the
year select, progress bars drawn by page.js)."""

import re

import pytest
from playwright.sync_api import expect

from certificates import queries as credit_queries
from courses import operations as course_ops
from tests.browser.test_player_in_browser import published_lecture
from tests.builders import PASSWORD, build_scene, complete_course
from tests.media.clips import make_clip

HOURS = 45 * 60

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile);
});
"""


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("csp") / "lecture.mp4"
    return make_clip(path, seconds=8, size="640x360").read_bytes()


class Watched:
    """A page whose CSP violations are collected from the console and the DOM."""

    def __init__(self, page):
        self.page = page
        self.console = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on(
            "console",
            lambda m: (
                self.console.append(m.text)
                if "Content Security Policy" in m.text
                else None
            ),
        )

    def visit(self, path):
        response = self.page.goto(path)
        assert response.ok, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        return self.page

    def violations(self):
        return self.console + self.page.evaluate("window.__csp || []")

    def sign_in(self, login):
        self.visit("/login")
        self.page.fill("#login", login)
        self.page.fill("#password", PASSWORD)
        self.page.locator("main form button[type=submit]").click()
        expect(self.page).to_have_url(re.compile(r"/dashboard$"))


def widths_drawn(page):
    """Every bar with a data-width got it as its width (page.js ran)."""
    return page.evaluate(
        "() => [...document.querySelectorAll('[data-width]')]"
        ".every(n => n.style.width === Math.min(100, Number(n.dataset.width)) + '%')"
    )


def test_main_pages_raise_no_csp_violation(
    app, new_page, committed, clip, screenshot, tmp_path
):
    lecture_id, player_login = published_lecture(app, committed, clip)

    def build():
        scene = build_scene(durations=(3 * HOURS,))
        complete_course(scene.course, scene.learners[0])
        draft = course_ops.create_course(scene.lecturer, title_zh="新课程草稿")
        course_ops.add_lecture(draft, scene.lecturer, title_zh="第1讲")
        return {
            "course": scene.course.id,
            "draft": draft.id,
            "learner": scene.learners[0].login,
            "learner_id": scene.learners[0].id,
            "lecturer": scene.lecturer.login,
            "admin": scene.admin.login,
        }

    s = committed(build)

    # The learner: home, catalog, course, dashboard, certificate, transcript.
    learner = Watched(new_page(locale="zh-CN"))
    learner.sign_in(s["learner"])
    assert widths_drawn(learner.page)
    for path in ("/", "/courses/", "/dashboard", f"/courses/{s['course']}"):
        assert widths_drawn(learner.visit(path)), path
    with learner.page.expect_download():
        learner.page.get_by_role("button", name="获取我的证书").click()
    serial = committed(
        lambda: credit_queries.list_certificates_of_user(s["learner_id"])[0].serial
    )
    page = learner.visit("/credits")
    assert widths_drawn(page)
    page.locator("select[name=year]").dispatch_event("change")  # submits itself
    expect(page).to_have_url(re.compile(r"/credits\?year=\d+$"))
    learner.visit(f"/verify/{serial}")
    learner.visit("/verify")
    assert learner.violations() == []

    # The player: hls.js plays through blob: URLs (Media Source Extensions).
    viewer = Watched(new_page(locale="en-US"))
    viewer.sign_in(player_login)
    viewer.visit(f"/courses/lectures/{lecture_id}")
    viewer.page.wait_for_function("() => window.telecmePlayer")
    viewer.page.evaluate(
        "() => { const v = window.telecmePlayer.video; v.muted = true; v.play(); }"
    )
    viewer.page.wait_for_function("() => window.telecmePlayer.video.currentTime > 1")
    assert viewer.violations() == []

    # The lecturer uploads a recording: progress drawn by script, no inline code.
    lecturer = Watched(new_page(locale="zh-CN"))
    lecturer.sign_in(s["lecturer"])
    page = lecturer.visit(f"/teach/courses/{s['draft']}")
    recording = tmp_path / "lecture.mp4"
    recording.write_bytes(clip)
    form = page.locator("form.upload").first
    form.locator("input[type=file]").set_input_files(str(recording))
    form.get_by_role("button", name="上传").click()
    expect(form).to_have_attribute("data-state", "ready", timeout=60_000)
    assert form.locator(".progress span").evaluate("n => n.style.width") == "100%"
    screenshot(page, "csp-lecturer-upload-zh-CN")
    assert lecturer.violations() == []

    # The office: the course's certificates and a learner's credits.
    office = Watched(new_page(locale="zh-CN"))
    office.sign_in(s["admin"])
    office.visit(f"/admin/credits/courses/{s['course']}")
    page = office.visit(f"/admin/credits/people/{s['learner_id']}")
    page.locator("select[name=year]").dispatch_event("change")
    expect(page).to_have_url(re.compile(r"year=\d+"))
    screenshot(page, "csp-office-person-zh-CN")
    assert office.violations() == []
