"""schemathesis hooks for scripts/fuzz-api.sh: sign click and impression
links with the server's secret, so the fuzzer reaches the redirect and the
pixel, not only the 403 of an unsigned link. A case without `sig` stays
unsigned (the 403 path)."""
from __future__ import annotations

import hashlib
import hmac
import os
import urllib.parse

import schemathesis

SECRET = os.environ["CAPI_FUZZ_SIGNING_SECRET"].encode()
LINKS = {"click", "impression"}


def canonical(path: str, query: dict) -> str:
    pairs = []
    for name, value in query.items():
        if name == "sig":
            continue
        for v in value if isinstance(value, list) else [value]:
            pairs.append((str(name), str(v)))
    enc = lambda s: urllib.parse.quote(s, safe="-._~")  # noqa: E731
    return path + "?" + "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(pairs))


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    if case.operation.definition.raw.get("operationId") not in LINKS:
        return
    if not isinstance(case.query, dict) or "sig" not in case.query:
        return
    path = urllib.parse.urlsplit(case.formatted_path).path
    case.query["sig"] = hmac.new(SECRET, canonical(path, case.query).encode(), hashlib.sha256).hexdigest()
