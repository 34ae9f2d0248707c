"""nginx's RTMP callbacks (``on_publish``, ``on_update``, ``on_publish_done``):
form POSTs from the ingest, authenticated by the secret in their URL
(``media_pipeline.ingest.callback_secret``), never by a login."""

from flask import Blueprint

from lms.extensions import csrf

bp = Blueprint("live_ingest", __name__, url_prefix="/live-ingest")
csrf.exempt(bp)
