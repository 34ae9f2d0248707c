"""Drawing many certificates at once, on every core (the bulk issue).

Drawing dominates a bulk issue (the QR code's mask choice, the font subset),
and reportlab holds the GIL, so worker processes draw while the issuing thread
signs and stores the next ones. Workers are spawned, not forked: the caller is a
threaded worker holding database connections.
"""

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from certificates.facts import facts_from_payload
from certificates.pades import sign_document
from certificates.pdf import register_font, render_certificate

_seals = (None, None)
_signer = (b"", b"")


def _start_worker(seals, signer):
    global _seals, _signer
    _seals, _signer = seals, signer
    register_font()


def draw(payload, signature, key_id, seals=None, signer=None):
    """The PDF of a signed payload, signed as a document (PAdES): in a worker,
    with the worker's seals and document signer ``(key_pem, certificate_pem)``."""
    pdf = render_certificate(
        facts_from_payload(payload),
        signature=signature,
        key_id=key_id,
        seals=_seals if seals is None else seals,
    )
    return sign_document(pdf, *(_signer if signer is None else signer))


class _Later:
    def __init__(self, function, *args, **kwargs):
        self.call = lambda: function(*args, **kwargs)

    def result(self):
        return self.call()


class Drawer:
    """Draws and signs certificates in ``processes`` worker processes, or here
    when 1; ``signer`` is the document signer ``(key_pem, certificate_pem)``."""

    def __init__(self, seals, processes, signer):
        self.seals, self.signer = seals, signer
        self.pool = None
        if processes > 1:
            self.pool = ProcessPoolExecutor(
                processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(seals, signer),
            )

    def submit(self, certificate):
        """The certificate's PDF to come: ``.result()`` gives its bytes. Without
        workers it is drawn when asked for, so never inside the caller's
        transaction."""
        args = (dict(certificate.payload), certificate.signature, certificate.key_id)
        if self.pool is not None:
            return self.pool.submit(draw, *args)
        return _Later(draw, *args, seals=self.seals, signer=self.signer)

    def close(self):
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def processes_for(count, configured, parallel_from):
    """How many processes draw ``count`` certificates: one for a few (starting
    workers costs more than it saves), else the configured number or every core."""
    if count < parallel_from:
        return 1
    return configured or os.cpu_count() or 1
