"""The live ingest: nginx with Debian's RTMP module (``libnginx-mod-rtmp``), run
unprivileged from a folder of its own, asking the app about every push.

``make run`` and the tests write the configuration with :func:`write_config`
and start nginx with :func:`nginx_command`; a deployment can write it once
(``flask --app lms live ingest-config``) and run nginx as a service.
"""

import hashlib
import hmac
import shutil
from dataclasses import dataclass
from pathlib import Path

#: Debian's build of the module (``apt-get install libnginx-mod-rtmp``).
RTMP_MODULE = Path("/usr/lib/nginx/modules/ngx_rtmp_module.so")
#: The RTMP application encoders push to: rtmp://HOST:PORT/live/KEY.
APPLICATION = "live"
#: nginx asks the app this often whether a push may go on (a 403 cuts it), by
#: default and at most (``LIVE_UPDATE_SECONDS``): a publisher not heard of for
#: three updates and more is taken for gone (``live.PUBLISHER_SILENT``).
UPDATE_SECONDS = 10


def callback_secret(secret_key):
    """The secret in nginx's callback URLs, derived from the app's SECRET_KEY, so
    the configuration and every app process agree without storing it."""
    key = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return hmac.new(key, b"telecme live ingest callbacks", hashlib.sha256).hexdigest()[
        :32
    ]


@dataclass(frozen=True)
class IngestSettings:
    #: The folder nginx runs in (configuration, pid, logs).
    prefix: Path
    host: str
    port: int
    #: Where the app answers the callbacks: http://127.0.0.1:5000
    callback_base: str
    secret: str
    #: Who may pull the pushed streams (the live ladder's workers).
    play_allow: tuple = ("127.0.0.1",)
    #: Seconds between nginx's ``on_update`` calls: 1 to UPDATE_SECONDS (tests
    #: use a short one, so cuts come sooner).
    update_seconds: int = UPDATE_SECONDS

    def __post_init__(self):
        seconds = self.update_seconds
        if type(seconds) is not int or not 1 <= seconds <= UPDATE_SECONDS:
            raise ValueError(
                f"LIVE_UPDATE_SECONDS must be 1 to {UPDATE_SECONDS}, not {seconds!r}"
            )


def callback_url(base, secret, event):
    return f"{base.rstrip('/')}/live-ingest/{secret}/{event}"


def nginx_config(settings):
    """The whole nginx.conf (no ``http`` block: this nginx speaks RTMP only)."""
    prefix = settings.prefix
    allows = "\n".join(
        f"            allow play {address};" for address in settings.play_allow
    )
    base, secret = settings.callback_base, settings.secret
    callbacks = "\n".join(
        f"            {event} {callback_url(base, secret, event)};"
        for event in ("on_publish", "on_publish_done", "on_update")
    )
    return f"""# Written by TeleCME (media_pipeline/ingest.py): the RTMP ingest of live
# broadcasts. Regenerated on every start; edit the app's settings instead.
load_module {RTMP_MODULE};
daemon off;
master_process on;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 1024; }}
rtmp {{
    # The stream's name is left out: a push's name is its secret key.
    log_format telecme '$remote_addr [$time_local] $command "$app" '
        '$bytes_received $bytes_sent "$flashver" ($session_readable_time)';
    access_log {prefix}/logs/rtmp-access.log telecme;
    server {{
        listen {settings.host}:{settings.port};
        chunk_size 4096;
        application {APPLICATION} {{
            live on;
            record off;
            # When the encoder stops, the ladder's pull is disconnected (and
            # no pull waits on a stream nobody pushes): the ladder then waits
            # for a reconnect, or ends the broadcast.
            idle_streams off;
            # Encoders anywhere may push: the app checks each stream key.
            allow publish all;
{allows}
            deny play all;
            # An encoder that stops sending is dropped, and its push ends.
            drop_idle_publisher 15s;
            notify_method post;
            notify_update_timeout {settings.update_seconds}s;
{callbacks}
        }}
    }}
}}
"""


def write_config(settings):
    """Write ``prefix/nginx.conf`` (and the logs folder); returns its path."""
    (settings.prefix / "logs").mkdir(parents=True, exist_ok=True)
    path = settings.prefix / "nginx.conf"
    path.write_text(nginx_config(settings))
    return path


def nginx_binary():
    return shutil.which("nginx") or "/usr/sbin/nginx"


def nginx_command(prefix):
    """nginx in the foreground, its error log in ``prefix`` from the first line."""
    return [
        nginx_binary(),
        "-p",
        str(prefix),
        "-e",
        str(Path(prefix) / "logs" / "error.log"),
        "-c",
        str(Path(prefix) / "nginx.conf"),
    ]


def settings_from_config(config, instance_path):
    """The ingest's settings from the app's configuration."""
    base = config.get("LIVE_CALLBACK_BASE_URL") or config["PUBLIC_BASE_URL"]
    allow = config.get("RTMP_PLAY_ALLOW") or "127.0.0.1"
    return IngestSettings(
        prefix=Path(instance_path) / "nginx",
        host=config["RTMP_HOST"],
        port=int(config["RTMP_PORT"]),
        callback_base=base,
        secret=callback_secret(config["SECRET_KEY"]),
        play_allow=tuple(allow.replace(",", " ").split()),
        update_seconds=config.get("LIVE_UPDATE_SECONDS", UPDATE_SECONDS),
    )


def ingest_url(config):
    """The address studio encoders push to (the key goes after it)."""
    public = config.get("RTMP_PUBLIC_URL")
    if public:
        return public.rstrip("/")
    return f"rtmp://{config['RTMP_HOST']}:{config['RTMP_PORT']}/{APPLICATION}"
