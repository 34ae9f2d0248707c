"""The pages of viewers' questions (issue 14): the hosts' moderation page and
its link on the session page, the viewer's panel, and both without JavaScript."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import render_template
from flask_login import login_user

from courses.sessions import live_questions
from courses.sessions.models import LiveQuestion
from courses.sessions.states import QuestionState
from lms.db import utcnow
from tests.conftest import csrf_token_from

MIN = timedelta(minutes=1)


@pytest.fixture
def scene(db, create_scheduled_session, create_user, create_hospital):
    county = create_hospital(name_zh="蒲江县人民医院")
    now = utcnow().replace(microsecond=0)
    session = create_scheduled_session(
        days=[(now - 10 * MIN, now + 110 * MIN)], audience_hospital_ids=[county.id]
    )

    class Scene:
        pass

    s = Scene()
    s.session, s.host = session, session.owner
    s.learner = create_user(hospital=county, name="李娜")
    s.colleague = create_user(hospital=county, name="王芳")
    s.stranger = create_user(name="赵强")
    s.now = now
    return s


def ask(scene, user, text, minutes_ago=0):
    return live_questions.ask_question(
        scene.session, user, text, scene.now - minutes_ago * MIN
    )


def test_the_session_page_links_hosts_to_the_questions_with_those_waiting(
    client, auth, scene
):
    ask(scene, scene.learner, "溶栓的时间窗是多少？")
    auth.login(scene.host.login)
    html = client.get(f"/sessions/{scene.session.id}").get_data(as_text=True)
    assert f"/sessions/{scene.session.id}/questions" in html
    assert (
        "1 waiting" in html or "1 个待处理" in html or "badge-question-pending" in html
    )
    auth.logout()
    auth.login(scene.learner.login)
    html = client.get(f"/sessions/{scene.session.id}").get_data(as_text=True)
    assert f"/sessions/{scene.session.id}/questions" not in html


def test_the_moderation_page_is_the_hosts_and_lists_every_question(client, auth, scene):
    ask(scene, scene.learner, "溶栓的时间窗是多少？", minutes_ago=2)
    ask(scene, scene.colleague, "<script>alert(1)</script>")
    url = f"/sessions/{scene.session.id}/questions"
    for user in (scene.learner, scene.stranger):
        auth.login(user.login)
        assert client.get(url).status_code == 403
        auth.logout()
    auth.login(scene.host.login)
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "李娜" in html and "王芳" in html
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    )
    # Newest first.
    assert html.index("王芳") < html.index("李娜")


def test_a_host_moderates_without_javascript_and_a_viewer_cannot(
    client, auth, scene, db
):
    question = ask(scene, scene.learner, "能否分享课件？")
    url = f"/sessions/questions/{question.id}/state"
    auth.login(scene.colleague.login)
    token = auth.csrf_token("/")
    response = client.post(url, data={"csrf_token": token, "state": "shown"})
    assert response.status_code == 403
    assert db.session.get(LiveQuestion, question.id).state == QuestionState.PENDING
    auth.logout()
    auth.login(scene.host.login)
    page = client.get(f"/sessions/{scene.session.id}/questions").get_data(as_text=True)
    token = csrf_token_from(page)
    assert (
        client.post(url, data={"csrf_token": token, "state": "pending"}).status_code
        == 400
    )
    response = client.post(url, data={"csrf_token": token, "state": "shown"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(LiveQuestion, question.id).state == QuestionState.SHOWN
    missing = client.post(
        "/sessions/questions/999999999/state",
        data={"csrf_token": token, "state": "shown"},
    )
    assert missing.status_code == 404


def test_a_viewer_asks_without_javascript_and_one_outside_the_audience_cannot(
    client, auth, scene, db
):
    url = f"/sessions/{scene.session.id}/questions"

    def stored():
        return db.session.scalars(
            sa.select(LiveQuestion.text).filter_by(session_id=scene.session.id)
        ).all()

    auth.login(scene.stranger.login)
    token = auth.csrf_token("/")
    response = client.post(url, data={"csrf_token": token, "text": "我能问吗？"})
    assert response.status_code == 303 and stored() == []
    auth.logout()
    auth.login(scene.learner.login)
    token = auth.csrf_token("/")
    response = client.post(url, data={"csrf_token": token, "text": "剂量多少？"})
    assert response.status_code == 303 and stored() == ["剂量多少？"]
    response = client.post(
        url, data={"csrf_token": token, "text": "剂量多少"}, follow_redirects=True
    )
    assert stored() == ["剂量多少？"]
    html = response.get_data(as_text=True)
    assert "You asked this question already." in html or "你已经问过" in html


def test_the_viewer_panel_shows_what_was_shown_and_ones_own_only(app, db, scene):
    mine = ask(scene, scene.learner, "我自己的问题", minutes_ago=3)
    pending = ask(scene, scene.colleague, "别人的未审问题", minutes_ago=2)
    shown = ask(scene, scene.colleague, "别人的已展示问题", minutes_ago=1)
    live_questions.moderate_question(
        shown.id, scene.host, QuestionState.SHOWN, scene.now
    )
    with app.test_request_context("/"):
        login_user(scene.learner)
        html = render_template("sessions/live/_questions.html", session=scene.session)
    assert mine.text in html and shown.text in html
    assert pending.text not in html
    assert "王芳" not in html  # viewers see no names
    with app.test_request_context("/"):
        login_user(scene.stranger)
        html = render_template("sessions/live/_questions.html", session=scene.session)
    assert html.strip().startswith("{#") is False and "live-questions" not in html
