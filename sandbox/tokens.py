"""The sandbox's partner credentials and HS256 JWTs ([SANDBOX] contract, §2.4)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt

WRONG_CREDENTIALS = 103752  # BETCORE's documented code for bad token-request credentials


@dataclass
class TokenIssuer:
    partners: dict[int, str]  # PartnerClientId -> Secret
    lifetime: float = 3600.0
    signing_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    # The sandbox's clock, so a test that moves time forward expires tokens without waiting.
    clock: Callable[[], float] = time.time

    def check_credentials(self, partner_id: object, secret: object) -> bool:
        if isinstance(partner_id, bool) or not isinstance(partner_id, (int, str)):
            return False
        try:
            partner = int(partner_id)
        except ValueError:
            return False
        expected = self.partners.get(partner)
        return expected is not None and isinstance(secret, str) and secrets.compare_digest(expected, secret)

    def issue(self, partner_id: int, now: float | None = None) -> tuple[str, int]:
        issued = int(now if now is not None else self.clock())
        # Round up so a sub-second lifetime still gives a token that is valid briefly.
        expires = issued + max(1, int(self.lifetime + 0.999))
        claims = {"sub": str(partner_id), "iat": issued, "exp": expires, "scope": "feed"}
        return jwt.encode(claims, self.signing_key, algorithm="HS256"), expires - issued

    def verify(self, token: str | None) -> dict[str, Any] | None:
        """The token's claims, or None when it is missing, forged or expired."""
        if not token:
            return None
        try:
            # Expiry and issue time go by our own clock, not PyJWT's wall clock (see ``clock``).
            claims: dict[str, Any] = jwt.decode(
                token,
                self.signing_key,
                algorithms=["HS256"],
                options={"require": ["exp", "sub"], "verify_exp": False, "verify_iat": False},
            )
        except jwt.PyJWTError:
            return None
        try:
            expires = float(claims["exp"])
        except (TypeError, ValueError):
            return None
        return claims if self.clock() < expires else None


def bearer_token(headers: Mapping[str, str], query: Mapping[str, str], accept: str = "any") -> str | None:
    """The JWT from ``Authorization: Bearer`` (Node, .NET) or ``access_token`` (browsers).

    ``accept`` narrows where it is read from: "any", "header" or "query".
    """
    if accept in ("any", "header"):
        header = headers.get("Authorization", "")
        if header.lower().startswith("bearer "):
            return header[7:].strip() or None
    if accept in ("any", "query"):
        return query.get("access_token") or None
    return None
