"""What the simulation shows through BETCORE's API: push items, round info, translations, jackpots.

The shapes BETCORE's docs leave open are chosen here by the sandbox's ``variants``, so
a test can switch them. A mixin of ``sandbox.simulation.Simulation``, apart from it
because it only reads the simulated state, while the simulation moves it forward.
"""

from __future__ import annotations

from typing import Any

from sandbox.catalog import CURRENCIES, DEFAULT_LANGUAGE, HOSTILE_STRINGS, LANGUAGES
from sandbox.rounds import GameTable, Round, dotnet_timestamp
from sandbox.variants import Variants


class SimulationViews:
    """The API's view of a simulation; the attributes below are ``Simulation``'s fields."""

    hostile: bool
    variants: Variants
    tables: dict[int, GameTable]
    rounds: dict[int, Round]
    jackpots: dict[tuple[int, str], float]

    def whole_games_info(self, game_type: int, now: float) -> dict[str, Any]:
        """The documented per-game part of a push: ``im``, ``bt`` and one ``wgi`` item."""
        table = self.tables[game_type]
        rnd = table.round
        in_betting = table.phase == "betting"
        return {
            "im": table.phase == "maintenance",
            # [SANDBOX] bt = Unix time (whole seconds) at which betting closes, 0 outside betting.
            "bt": round(rnd.betting_closes_at) if in_betting else 0,
            "wgi": [
                {
                    "i": rnd.id,
                    "t": game_type,
                    "ge": table.kind.edition,
                    "lrId": table.last_round_id,
                    "s": rnd.state,
                    "ps": rnd.play_status,
                    "cr": rnd.ordinal,
                    "sdt": dotnet_timestamp(rnd.started_at),
                    **({"res": rnd.result} if self.variants.results_in_push and rnd.result is not None else {}),
                }
            ],
        }

    def game_info(self, game_id: int) -> dict[str, Any] | None:
        rnd = self.rounds.get(game_id)
        if rnd is None:
            return None
        game = {
            "i": rnd.id,
            "t": rnd.game_type,
            "ge": self.tables[rnd.game_type].kind.edition,
            "s": rnd.state,
            "sdt": dotnet_timestamp(rnd.started_at),
        }
        shape = self.variants.info_shape
        if shape == "nested":
            return {"game": game, "result": rnd.result}
        if shape == "inline":
            return {**game, **(rnd.result or {})}
        return {**game, "result": rnd.result}

    def translations(self, language: str) -> list[dict[str, Any]]:
        rows = []
        names_language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        for game_type, table in self.tables.items():
            name = table.kind.names[names_language]
            if self.hostile:
                name = f"{name} {HOSTILE_STRINGS[game_type % len(HOSTILE_STRINGS)]}"
            shown_id: int | str = str(game_type) if self.variants.translation_ids == "string" else game_type
            rows.append({"gameType": shown_id, "languageCode": names_language, "name": name})
        return rows

    def jackpot_rows(self, game_type: int | None, currency: str | None) -> Any:
        """The accumulated jackpots in the shape the ``jackpots_shape`` variant asks for."""
        shape = self.variants.jackpots_shape
        if shape in ("amount", "object"):
            # One accumulated amount: the first game type's EUR pot stands for "the" jackpot.
            amount = self.jackpots[(min(self.tables), "EUR")]
            return amount if shape == "amount" else {"amount": amount, "currencyCode": "EUR"}
        if shape == "currency_rows":
            return [
                {"currencyCode": c, "amount": round(sum(a for (t, cc), a in self.jackpots.items() if cc == c), 2)}
                for c in CURRENCIES
                if currency is None or c == currency
            ]
        return [
            {"gameType": t, "currencyCode": c, "amount": amount}
            for (t, c), amount in sorted(self.jackpots.items())
            if (game_type is None or t == game_type) and (currency is None or c == currency)
        ]
