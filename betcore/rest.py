"""BETCORE REST client on ``requests``: token handling, games info, translations, jackpots.

Retries connection errors and 5xx (never 4xx); on a 401 it re-authenticates once.
Neither the secret nor any token is ever logged or put into an exception message.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from betcore.messages import (
    JackpotRow,
    MessageError,
    RoundInfo,
    parse_jackpots,
    parse_round_info,
    parse_translations,
    unwrap,
)

log = logging.getLogger("betcore.rest")

TOKEN_FIELDS = ("token", "accessToken", "access_token", "Token", "AccessToken")
EXPIRY_FIELDS = ("expiresIn", "expires_in", "ExpiresIn")
REFRESH_MARGIN = 0.1  # refresh when less than 10% of the lifetime (at most 60 s) is left


class BetcoreError(Exception):
    """A BETCORE call failed; carries the HTTP status and BETCORE's code, never credentials."""

    def __init__(self, message: str, status: int | None = None, code: int | None = None) -> None:
        super().__init__(message)
        self.status, self.code = status, code


def jwt_expiry(token: str) -> float | None:
    """The ``exp`` claim of a JWT, read without verifying the signature (we only schedule refreshes)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        exp = claims.get("exp")
        return float(exp) if isinstance(exp, (int, float)) else None
    except (IndexError, ValueError, AttributeError):
        return None


class BetcoreRest:
    def __init__(
        self,
        api_url: str,
        partner_id: int,
        secret: str,
        *,
        timeout: tuple[float, float] = (3.05, 10.0),
        retries: int = 3,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.partner_id = partner_id
        self._secret = secret
        self.timeout = timeout
        self.session = requests.Session()
        retry = Retry(
            total=retries,
            connect=retries,
            read=1,
            status=retries,
            status_forcelist=(500, 502, 503, 504),
            allowed_methods=frozenset({"GET", "POST"}),
            backoff_factor=0.2,
            raise_on_status=False,
            respect_retry_after_header=False,
        )
        adapter = HTTPAdapter(max_retries=retry, pool_maxsize=8)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["Accept"] = "application/json"
        self._token: str | None = None
        self._refresh_at = 0.0
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never show the secret
        return f"BetcoreRest({self.api_url!r}, partner={self.partner_id})"

    # -- token ------------------------------------------------------------------------

    def token(self) -> str:
        """A valid JWT, fetched or refreshed when close to expiry. Thread-safe."""
        with self._lock:
            if self._token is None or time.time() >= self._refresh_at:
                self._authenticate()
            assert self._token is not None
            return self._token

    def invalidate_token(self) -> None:
        with self._lock:
            self._token = None

    @property
    def token_expires_at(self) -> float:
        return self._expires_at

    def _authenticate(self) -> None:
        try:
            response = self.session.post(
                f"{self.api_url}/auth/token",
                json={"PartnerClientId": self.partner_id, "Secret": self._secret},
                timeout=self.timeout,
            )
        except requests.RequestException as error:
            raise BetcoreError(f"token request failed: {type(error).__name__}") from None
        body = self._json(response, "token")
        token = next(
            (body[f] for f in TOKEN_FIELDS if isinstance(body, dict) and isinstance(body.get(f), str) and body[f]), None
        )
        if token is None:
            raise BetcoreError("token response has no token field", response.status_code)
        now = time.time()
        lifetime = next((float(body[f]) for f in EXPIRY_FIELDS if isinstance(body.get(f), (int, float))), None)
        expires = jwt_expiry(token) or (now + lifetime if lifetime else now + 300.0)
        self._token, self._expires_at = token, expires
        self._refresh_at = expires - min(60.0, max(0.5, (expires - now) * REFRESH_MARGIN))
        log.info("BETCORE token obtained, valid for %.0f s", expires - now)

    # -- feed calls ---------------------------------------------------------------------

    def _json(self, response: requests.Response, what: str) -> Any:
        if response.status_code >= 400:
            code = None
            try:
                body = response.json()
                code = body.get("code") if isinstance(body, dict) else None
            except ValueError:
                pass
            raise BetcoreError(f"{what}: HTTP {response.status_code}", response.status_code, code)
        try:
            return response.json()
        except ValueError:
            raise BetcoreError(f"{what}: response is not JSON", response.status_code) from None

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET ``path`` with the bearer token; re-authenticates once on 401."""
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self.token()}"}
            try:
                response = self.session.get(
                    f"{self.api_url}{path}", params=params, headers=headers, timeout=self.timeout
                )
            except requests.RequestException as error:
                raise BetcoreError(f"GET {path} failed: {type(error).__name__}") from None
            if response.status_code == 401 and attempt == 1:
                self.invalidate_token()
                continue
            return unwrap(self._json(response, f"GET {path}"))
        raise AssertionError("unreachable")

    def game_info(self, game_id: int, language: str = "en") -> RoundInfo | None:
        """A round's state and result; None when BETCORE does not know the id."""
        try:
            body = self.get("/games/info", {"gameId": game_id, "languageCode": language})
        except BetcoreError as error:
            if error.status == 404:
                return None
            raise
        try:
            return parse_round_info(body)
        except MessageError as error:
            raise BetcoreError(f"games/info {game_id}: {error}") from None

    def translations(self, language: str) -> dict[int, str]:
        try:
            return parse_translations(self.get("/games/types/translations", {"languageCode": language}))
        except MessageError as error:
            raise BetcoreError(f"translations: {error}") from None

    def jackpots(self) -> tuple[JackpotRow, ...]:
        try:
            return parse_jackpots(self.get("/jackpots/accumulated"))
        except MessageError as error:
            raise BetcoreError(f"jackpots: {error}") from None
