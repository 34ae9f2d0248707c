"""A hospital's report page, the coordinator's page, a lecturer's teaching
record and the evaluation results (routes on ``views.bp``)."""
