"""Courses, lectures, class hours, enrolment, watch progress, post-tests, evaluations."""
