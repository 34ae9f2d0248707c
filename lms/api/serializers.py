"""Models as JSON-ready dictionaries (what the API promises, nothing more)."""


def serialize_hospital(hospital):
    if hospital is None:
        return None
    province = hospital.province
    return {
        "id": hospital.id,
        "code": hospital.code,
        "name_zh": hospital.name_zh,
        "name_en": hospital.name_en,
        "tier": hospital.tier.value,
        "province_code": hospital.province_code,
        "province": province.name_zh if province else "",
        "city": hospital.city,
    }


def serialize_user(user):
    return {
        "id": user.id,
        "login": user.login,
        "name": user.name,
        "role": user.role.value,
        "profession": user.profession.value,
        "professional_title": user.professional_title,
        "hospital": serialize_hospital(user.hospital),
    }


def serialize_course(
    course, *, language="zh", class_hours=None, credits=None, step=None
):
    return {
        "id": course.id,
        "title_zh": course.title_zh,
        "title_en": course.title_en,
        "title": course.title(language),
        "description_zh": course.description_zh,
        "description_en": course.description_en,
        "specialty": course.specialty,
        "target_professions": list(course.target_professions or []),
        "project_number": course.project_number,
        "project_level": course.project_level.value,
        "format": course.format.value,
        "rule_set": course.rule_set_code,
        "credit_category": course.credit_category,
        #: Clock hours; ``credits``: what completing the course awards.
        "class_hours": class_hours,
        "credits": credits,
        "status": course.status.value,
        "completion_threshold": course.completion_threshold,
        "pass_mark": course.pass_mark,
        "max_attempts": course.max_attempts,
        "questions_per_attempt": course.questions_per_attempt,
        "lecturers": [{"id": u.id, "name": u.name} for u in course.lecturers],
        "lectures": [serialize_lecture(lecture) for lecture in course.lectures],
        "my_step": step,
    }


def serialize_lecture(lecture):
    from lms.media.views import hls_url

    return {
        "id": lecture.id,
        "course_id": lecture.course_id,
        "position": lecture.position,
        "title_zh": lecture.title_zh,
        "title_en": lecture.title_en,
        "lecturer": lecture.lecturer.name if lecture.lecturer else None,
        "duration": lecture.duration_seconds,
        "status": lecture.media_status.value,
        "is_playable": lecture.is_playable,
        "hls_url": hls_url(lecture) if lecture.media_status.value == "ready" else None,
    }


def serialize_progress(state):
    return {
        "lecture_id": state.lecture_id,
        "duration": state.duration,
        "covered_seconds": round(state.covered_seconds, 3),
        "complete": state.complete,
        "resume_position": round(state.resume_position, 3),
        "coverage": [list(pair) for pair in state.coverage],
        "accepted": state.accepted,
    }


def serialize_attempt(attempt, questions_by_id, language="zh"):
    """An attempt's questions in its order; never the answer key. Options carry
    the attempt's own keys as ids, never their database ids."""
    items = []
    for drawn in attempt.drawn:
        question = questions_by_id[drawn["question_id"]]
        options = {o.id: o for o in question.options}
        items.append(
            {
                "id": question.id,
                "kind": question.kind.value,
                "text": question.text(language),
                "options": [
                    {"id": key, "text": options[oid].text(language)}
                    for oid, key in zip(
                        drawn["option_ids"], drawn["option_keys"], strict=True
                    )
                ],
            }
        )
    return {
        "attempt_id": attempt.id,
        "number": attempt.number,
        "submitted": attempt.submitted_dt is not None,
        "questions": items,
    }
