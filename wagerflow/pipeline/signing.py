"""Signed feeds: HMAC-SHA256 with a timestamp-skew window and a nonce, checked before decoding.

Scheme (the bridge's ingress signs what it forwards, per provider secret): Kafka headers
``x-signature`` (hex HMAC-SHA256 over ``<x-timestamp>.<x-nonce>.<body>``), ``x-timestamp``
(epoch ms) and ``x-nonce``. A bad or missing signature is ``SIGNATURE_INVALID``; a timestamp more
than ``skew_ms`` from the received time is ``STALE``; the nonce is returned so the stateful step
can refuse a second use (``REPLAY``). Pragmatic Play signs its own way (an md5 ``hash`` over the
sorted form fields and the secret key): for ``pragmatic`` that hash is verified instead.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from wagerflow.adapters.pragmatic import parse_form, verify_pragmatic_hash
from wagerflow.adapters.rejection import Rejection
from wagerflow.schemas.dlq import Reason
from wagerflow.schemas.wallet import split_request

DEFAULT_SKEW_MS = 5 * 60 * 1000
Headers = Sequence[tuple[str, bytes | None]]


def sign(secret: bytes, body: bytes, timestamp_ms: int, nonce: str) -> str:
    """The signature the ingress puts in ``x-signature``."""
    message = f"{timestamp_ms}.{nonce}.".encode() + body
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Signing:
    """Per-provider secrets; a provider without one is not checked."""

    secrets: Mapping[str, bytes] = field(default_factory=dict)
    skew_ms: int = DEFAULT_SKEW_MS

    def verify(
        self, provider: str, body: bytes, headers: Headers | None, received_ms: int | None
    ) -> Rejection | str | None:
        """A rejection, the nonce to remember, or None when nothing needs remembering."""
        secret = self.secrets.get(provider)
        if secret is None:
            return None
        if provider == "pragmatic":
            return _verify_pragmatic(body, secret.decode())
        given = {k.lower(): v or b"" for k, v in headers or ()}
        signature, stamp, nonce = (given.get(h) for h in ("x-signature", "x-timestamp", "x-nonce"))
        if not signature or not stamp or not nonce:
            return Rejection(Reason.SIGNATURE_INVALID, "missing x-signature/x-timestamp/x-nonce")
        if not _STAMP.fullmatch(stamp) or not _NONCE.fullmatch(nonce):
            return Rejection(
                Reason.SIGNATURE_INVALID, "x-timestamp must be ASCII epoch ms, x-nonce ASCII"
            )
        expected = sign(secret, body, int(stamp), nonce.decode("ascii")).encode("ascii")
        if not hmac.compare_digest(signature, expected):
            return Rejection(Reason.SIGNATURE_INVALID, "signature does not match the body")
        if received_ms is not None and abs(received_ms - int(stamp)) > self.skew_ms:
            return Rejection(
                Reason.STALE, f"signed at {int(stamp)}, received at {received_ms}: beyond the skew"
            )
        return nonce.decode("ascii")


_STAMP = re.compile(rb"[0-9]{1,16}")
_NONCE = re.compile(rb"[!-~]{1,128}")
"""Header values are bytes, checked as ASCII before anything is decoded or compared: a
non-ASCII digit (``"\xb2"`` passes ``str.isdigit``) or signature never reaches ``int`` or
``compare_digest``."""


def _verify_pragmatic(raw: bytes, secret: str) -> Rejection | None:
    request = split_request(raw)
    fields = parse_form(request[1]) if request is not None else None
    if fields is None or isinstance(fields, Rejection):
        return Rejection(Reason.SIGNATURE_INVALID, "the form cannot be read to check its hash")
    if not verify_pragmatic_hash(fields, secret):
        return Rejection(Reason.SIGNATURE_INVALID, "pragmatic hash does not match")
    return None


def parse_secrets(text: str) -> dict[str, bytes]:
    """``provider=secret,provider=secret`` (``WAGERFLOW_SIGNING_SECRETS``) -> mapping."""
    pairs = [p.split("=", 1) for p in text.split(",") if p.strip()]
    if any(len(p) != 2 or not p[0].strip() or not p[1] for p in pairs):
        msg = "WAGERFLOW_SIGNING_SECRETS must be provider=secret[,provider=secret]"
        raise ValueError(msg)
    return {k.strip(): v.encode() for k, v in pairs}
