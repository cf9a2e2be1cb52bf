"""BETCORE REST client on ``requests``: token handling, games info, translations, jackpots.

Retries connection errors and 5xx (never 4xx); on a 401 it re-authenticates once.
A token request that BETCORE refuses (wrong credentials, 103752, or any 4xx) opens one
backoff, 1 s doubling to 5 min, that every caller shares: the hub and each poller get
the same ``CredentialsRejected`` without a request until it is due, so a wrong secret
costs BETCORE a few token calls a minute at most. Neither the secret nor any token is
ever logged or put into an exception message.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from betcore.rest_answers import (
    JackpotRow,
    RoundInfo,
    parse_jackpots,
    parse_round_info,
    parse_translations,
    unwrap,
)
from betcore.streams import find_streams
from betcore.value_parsing import MessageError

log = logging.getLogger("betcore.rest")

TOKEN_FIELDS = ("token", "accessToken", "access_token", "Token", "AccessToken")
EXPIRY_FIELDS = ("expiresIn", "expires_in", "ExpiresIn")
REFRESH_MARGIN = 0.1  # refresh when less than 10% of the lifetime (at most 60 s) is left
WRONG_CREDENTIALS = 103752  # BETCORE's documented code for a token request with bad credentials
AUTH_BACKOFF_FIRST = 1.0
AUTH_BACKOFF_MAX = 300.0
MESSAGE_FIELDS = ("message", "Message", "error", "Error", "title", "detail")
CODE_FIELDS = ("code", "Code", "errorCode", "ErrorCode", "_responseCode")


class BetcoreError(Exception):
    """A BETCORE call failed; carries the HTTP status and BETCORE's code, never credentials."""

    def __init__(self, message: str, status: int | None = None, code: int | None = None, detail: str = "") -> None:
        super().__init__(message)
        self.status, self.code, self.detail = status, code, detail


class CredentialsRejected(BetcoreError):
    """BETCORE refused the token request; ``retry_at`` (Unix time) is when the next try is due."""

    retry_at: float = 0.0

    @property
    def reason(self) -> str:
        return str(self)


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
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.partner_id = partner_id
        self._secret = secret
        self.timeout = timeout
        self.session = requests.Session()
        self.streams_seen: dict[int, str] = {}  # stream addresses any answer carried (betcore.streams)
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
        self.clock = clock
        self._auth_failures = 0
        self._auth_error: CredentialsRejected | None = None

    def __repr__(self) -> str:  # never show the secret
        return f"BetcoreRest({self.api_url!r}, partner={self.partner_id})"

    # -- token ------------------------------------------------------------------------

    def token(self) -> str:
        """A valid JWT, fetched or refreshed when close to expiry. Thread-safe.

        While a refused token request's backoff runs, raises its ``CredentialsRejected``
        again without calling BETCORE.
        """
        with self._lock:
            if self._token is None or self.clock() >= self._refresh_at:
                rejected = self._auth_error
                if rejected is not None and self.clock() < rejected.retry_at:
                    raise rejected
                self._authenticate()
            assert self._token is not None
            return self._token

    @property
    def credentials_problem(self) -> str | None:
        """Why BETCORE refuses our credentials, while it does; None when the last token request worked."""
        return str(self._auth_error) if self._auth_error is not None else None

    @property
    def auth_retry_at(self) -> float:
        """Unix time of the next allowed token request (0 when nothing holds it back)."""
        return self._auth_error.retry_at if self._auth_error is not None else 0.0

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
        if 400 <= response.status_code < 500:
            self._refused(response)
        body = unwrap(self._json(response, "token"))
        if isinstance(body, str) and body.count(".") == 2:  # the bare JWT as the whole body
            body = {"token": body}
        token = next(
            (body[f] for f in TOKEN_FIELDS if isinstance(body, dict) and isinstance(body.get(f), str) and body[f]), None
        )
        if token is None:
            raise BetcoreError("token response has no token field", response.status_code)
        now = self.clock()
        lifetime = next(
            (float(body[f]) for f in EXPIRY_FIELDS if isinstance(body, dict) and isinstance(body.get(f), (int, float))),
            None,
        )
        expires = jwt_expiry(token) or (now + lifetime if lifetime else now + 300.0)
        self._token, self._expires_at = token, expires
        self._refresh_at = expires - min(60.0, max(0.5, (expires - now) * REFRESH_MARGIN))
        if self._auth_error is not None:
            log.info("BETCORE accepts the credentials again")
        self._auth_failures, self._auth_error = 0, None
        log.info("BETCORE token obtained, valid for %.0f s", expires - now)

    def _refused(self, response: requests.Response) -> None:
        """A 4xx from the token endpoint: name BETCORE's code and message, schedule the next try."""
        code, message = self._error_body(response)
        if code == WRONG_CREDENTIALS or response.status_code in (401, 403):
            what = f"credentials rejected by BETCORE ({code or f'HTTP {response.status_code}'})"
        else:
            what = f"token request refused by BETCORE (HTTP {response.status_code}, code {code})"
        if message:
            what += f": {message}"
        self._auth_failures += 1
        delay = min(AUTH_BACKOFF_MAX, AUTH_BACKOFF_FIRST * 2 ** (self._auth_failures - 1))
        error = CredentialsRejected(what, response.status_code, code, message)
        error.retry_at = self.clock() + delay
        self._auth_error, self._token = error, None
        level = logging.ERROR if self._auth_failures == 1 else logging.INFO
        log.log(level, "%s; partner %s; next token request in %.0f s", what, self.partner_id, delay)
        raise error

    def _error_body(self, response: requests.Response) -> tuple[int | None, str]:
        """BETCORE's error code and message from an error response, bounded and without our secret."""
        try:
            body = response.json()
        except ValueError:
            return None, ""
        if not isinstance(body, dict):
            return None, ""
        code = next((body[f] for f in CODE_FIELDS if isinstance(body.get(f), int)), None)
        message = next((body[f] for f in MESSAGE_FIELDS if isinstance(body.get(f), str)), "")
        message = " ".join(message.split())[:160]
        if self._secret and self._secret in message:
            message = message.replace(self._secret, "***")
        return code, message

    # -- feed calls ---------------------------------------------------------------------

    def _json(self, response: requests.Response, what: str) -> Any:
        if response.status_code >= 400:
            code, message = self._error_body(response)
            detail = f" ({code}: {message})" if code or message else ""
            raise BetcoreError(f"{what}: HTTP {response.status_code}{detail}", response.status_code, code, message)
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
            body = unwrap(self._json(response, f"GET {path}"))
            self.streams_seen.update(find_streams(body))
            return body
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
