"""Pages for courses: the catalog, a course, post-tests and evaluations (learners),
course editing (lecturers) and approval (the CME office)."""
