"""The limits of what a person may enter: one table for the page forms
(``lms.learning.forms``) and the API's schemas (``lms.api.schemas``), so both
refuse the same things.

No I/O, no Flask, no SQLAlchemy: plain numbers.
"""

#: Titles of courses, lectures and activities (characters).
TITLE_MAX = 200
#: A course's description in each language.
DESCRIPTION_MAX = 5000
#: A question's text and its explanation.
QUESTION_TEXT_MAX = 2000
#: One answer option's text.
OPTION_TEXT_MAX = 500
#: Options of one question (the page's form shows six).
OPTIONS_MIN, OPTIONS_MAX = 2, 8
#: A reviewer's comment or a reason given for a change.
COMMENT_MAX = 2000
REASON_MAX = 500
#: An evaluation's free comments.
EVALUATION_COMMENTS_MAX = 4000
#: A project number (国家级/省级 项目编号).
PROJECT_NUMBER_MAX = 64

#: Share of each lecture to watch (0.5–1.0; the form shows percent).
COMPLETION_THRESHOLD_MIN, COMPLETION_THRESHOLD_MAX = 0.5, 1.0
#: Share of correct answers to pass (0.1–1.0).
PASS_MARK_MIN, PASS_MARK_MAX = 0.1, 1.0
#: Post-test attempts a learner gets.
MAX_ATTEMPTS_MIN, MAX_ATTEMPTS_MAX = 1, 10
#: Questions drawn per attempt (None: all).
QUESTIONS_PER_ATTEMPT_MIN, QUESTIONS_PER_ATTEMPT_MAX = 1, 100
#: A lecture's length before its recording arrives (seconds; the form: minutes).
DURATION_MAX_SECONDS = 24 * 3600
#: Class hours the office may set at approval (instead of the lectures' length).
CLASS_HOURS_MIN, CLASS_HOURS_MAX = 0.5, 500
#: An evaluation's scores (1–5).
SCORE_MIN, SCORE_MAX = 1, 5
#: The years a transcript covers.
YEAR_MIN, YEAR_MAX = 2000, 2100
#: A login (email or mobile number) and a password as sent to sign in.
LOGIN_MAX = 254
PASSWORD_MAX = 1024
#: A device label for an API token.
TOKEN_LABEL_MAX = 100
#: A scheduled session's seats in all, a room's seats, its venue's room name.
SESSION_CAPACITY_MAX = 10000
SESSION_ROOM_MAX = 100
#: Minutes before each day's start that sign-in opens.
SESSION_DOORS_OPEN_MAX = 240
#: Entries of each audience list (hospitals, tiers, provinces, professions).
SESSION_AUDIENCE_MAX = 500
#: Lecturers of one session.
SESSION_LECTURERS_MAX = 20
#: A viewer's question during a broadcast (characters).
LIVE_QUESTION_MAX = 500
#: The days a schedule query may span.
SESSION_RANGE_MAX_DAYS = 400
#: Hours before a learner may get another reminder from their coordinator.
REMINDER_INTERVAL_HOURS = 24
#: Rows of one imported sheet (hospitals, people); a longer sheet is refused
#: at the first row past the cap, the rest unread.
HOSPITAL_IMPORT_ROWS_MAX = 5000
USER_IMPORT_ROWS_MAX = 20000
