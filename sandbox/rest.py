"""The sandbox's REST API: token, games info, translations, jackpots ([SANDBOX] §3.1)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from aiohttp import web

from sandbox.tokens import WRONG_CREDENTIALS, bearer_token
from sandbox.video import stream_path

if TYPE_CHECKING:
    from sandbox.state import SandboxState


def _error(status: int, code: int, message: str) -> web.Response:
    return web.json_response({"code": code, "message": message}, status=status)


def _optional_int(request: web.Request, name: str) -> int | None:
    value = request.query.get(name)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise web.HTTPBadRequest(
            text=json.dumps({"code": 400, "message": f"{name} must be an integer"}), content_type="application/json"
        ) from None


def routes(state: SandboxState, base: str) -> list[web.RouteDef]:
    """REST routes under ``base`` (e.g. ``/partnersmediator-service/api/v2``)."""

    def authorized(request: web.Request) -> None:
        if state.issuer.verify(bearer_token(request.headers, request.query)) is None:
            raise web.HTTPUnauthorized()

    async def token(request: web.Request) -> web.Response:
        state.token_calls += 1
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _error(400, 400, 'Body must be JSON: {"PartnerClientId": ..., "Secret": ...}')
        if not isinstance(body, dict):
            return _error(400, 400, "Body must be a JSON object")
        # ASP.NET Core binds JSON names case-insensitively; so do we.
        fields = {str(key).lower(): value for key, value in body.items()}
        partner, secret = fields.get("partnerclientid"), fields.get("secret")
        if not state.issuer.check_credentials(partner, secret):
            return _error(401, WRONG_CREDENTIALS, "Wrong credentials")
        jwt_text, lifetime = state.issuer.issue(int(str(partner)))
        return web.json_response({"token": jwt_text, "accessToken": jwt_text, "expiresIn": lifetime})

    async def game_info(request: web.Request) -> web.Response:
        authorized(request)
        game_id = _optional_int(request, "gameId")
        if game_id is None:
            return _error(400, 400, "gameId is required")
        now = state.advance()
        info = state.replay.round_info(game_id, now) if state.replay else state.simulation.game_info(game_id)
        if info is None:
            return _error(404, 404, "Game not found")
        return web.json_response(info)

    async def translations(request: web.Request) -> web.Response:
        authorized(request)
        language = request.query.get("languageCode", "en").lower()
        if state.replay is not None:
            return web.json_response(state.replay.translations(language))
        rows = state.simulation.translations(language)
        if not state.streams:
            return web.json_response(rows)
        # [SANDBOX] each game type names its live stream: the field a real BETCORE might add.
        origin = f"{request.scheme}://{request.host}"
        return web.json_response([{**row, "streamUrl": origin + stream_path(int(row["gameType"]))} for row in rows])

    async def jackpots(request: web.Request) -> web.Response:
        authorized(request)
        game_type = _optional_int(request, "gameType")
        currency = request.query.get("currencyCode") or None
        now = state.advance()
        if state.replay is not None:
            return web.json_response(state.replay.jackpots(now))
        return web.json_response(state.simulation.jackpot_rows(game_type, currency and currency.upper()))

    async def games(request: web.Request) -> web.Response:
        authorized(request)
        if state.replay is not None and state.replay.recording.games is not None:
            return web.json_response(state.replay.recording.games)
        return web.json_response(
            [{"gameType": row["gameType"], "name": row["name"]} for row in state.simulation.translations("en")]
        )

    return [
        web.post(f"{base}/auth/token", token),
        web.get(f"{base}/games/info", game_info),
        web.get(f"{base}/games/types/translations", translations),
        web.get(f"{base}/jackpots/accumulated", jackpots),
        web.get(f"{base}/games", games),
    ]
