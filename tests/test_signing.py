"""Signed feeds: signature, skew and nonce replay protection."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wagerflow.adapters.pragmatic import pragmatic_hash
from wagerflow.adapters.rejection import Rejection
from wagerflow.pipeline.signing import Signing, parse_secrets, sign
from wagerflow.schemas.dlq import Reason

SECRET = b"s3cret"
SIGNING = Signing({"generic": SECRET, "pragmatic": b"pp-key"}, skew_ms=1_000)
BODY = b'{"type":"BetPlaced"}'


def _headers(
    body: bytes, stamp: int, nonce: str, secret: bytes = SECRET
) -> list[tuple[str, bytes | None]]:
    return [
        ("x-signature", sign(secret, body, stamp, nonce).encode()),
        ("x-timestamp", str(stamp).encode()),
        ("x-nonce", nonce.encode()),
    ]


def test_a_valid_signature_returns_its_nonce() -> None:
    assert SIGNING.verify("generic", BODY, _headers(BODY, 10_000, "n1"), 10_500) == "n1"


@pytest.mark.parametrize(
    ("headers", "received", "reason"),
    [
        (None, 10_000, Reason.SIGNATURE_INVALID),
        (_headers(BODY, 10_000, "n1", secret=b"wrong"), 10_000, Reason.SIGNATURE_INVALID),
        (_headers(BODY + b" ", 10_000, "n1"), 10_000, Reason.SIGNATURE_INVALID),
        (_headers(BODY, 10_000, "n1"), 11_001, Reason.STALE),
        (_headers(BODY, 10_000, "n1"), 8_999, Reason.STALE),
    ],
)
def test_bad_signatures_and_skew_are_rejected(
    headers: list[tuple[str, bytes | None]] | None, received: int, reason: Reason
) -> None:
    result = SIGNING.verify("generic", BODY, headers, received)
    assert isinstance(result, Rejection) and result.reason == reason


def test_a_provider_without_a_secret_is_not_checked() -> None:
    assert SIGNING.verify("uof", BODY, None, 0) is None


def test_pragmatic_md5_hash() -> None:
    fields = {"userId": "u1", "amount": "5.00", "reference": "r1"}
    expected = pragmatic_hash(fields, "pp-key")
    body = f"/bet.html amount=5.00&hash={expected}&reference=r1&userId=u1".encode()
    assert SIGNING.verify("pragmatic", body, None, None) is None
    tampered = body.replace(b"5.00", b"9.00")
    result = SIGNING.verify("pragmatic", tampered, None, None)
    assert isinstance(result, Rejection) and result.reason == Reason.SIGNATURE_INVALID


def test_a_non_ascii_pragmatic_hash_is_rejected_not_raised() -> None:
    result = SIGNING.verify("pragmatic", "/bet.html hash=é&userId=u1".encode(), None, None)
    assert isinstance(result, Rejection) and result.reason == Reason.SIGNATURE_INVALID


def test_secrets_parse_and_refuse_malformed_settings() -> None:
    assert parse_secrets("hub88=a,evolution=b=c") == {"hub88": b"a", "evolution": b"b=c"}
    with pytest.raises(ValueError, match="provider=secret"):
        parse_secrets("hub88")


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=40),
    st.binary(max_size=20),
    st.binary(max_size=40),
    st.binary(max_size=64),
)
def test_hostile_header_bytes_are_rejected_never_raised(
    signature: bytes, stamp: bytes, nonce: bytes, body: bytes
) -> None:
    headers = [("x-signature", signature), ("x-timestamp", stamp), ("x-nonce", nonce)]
    verdict = SIGNING.verify("generic", body, headers, received_ms=None)
    assert isinstance(verdict, Rejection)
    assert verdict.reason == Reason.SIGNATURE_INVALID


@pytest.mark.parametrize("stamp", [b"\xb2", "١٢٣".encode(), b"12 3", b"-5", b"1" * 17])
def test_a_timestamp_that_is_not_ascii_epoch_ms_is_refused(stamp: bytes) -> None:
    good = sign(SECRET, b"{}", 1000, "n1").encode()
    headers = [("x-signature", good), ("x-timestamp", stamp), ("x-nonce", b"n1")]
    verdict = SIGNING.verify("generic", b"{}", headers, received_ms=None)
    assert isinstance(verdict, Rejection)
    assert verdict.reason == Reason.SIGNATURE_INVALID
