"""Game types, translations and currencies the sandbox serves.

These names are the sandbox's own placeholders (except 3 = Poker, which the BETCORE
docs use as an example): the real list comes from BETCORE's translations endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("en", "ru", "es", "pt", "tr")
DEFAULT_LANGUAGE = "en"
CURRENCIES = ("EUR", "USD", "TRY")


@dataclass(frozen=True)
class GameKind:
    game_type: int
    edition: int
    names: dict[str, str]
    betting_seconds: float
    action_seconds: float
    jackpot_seed: float


GAME_KINDS: dict[int, GameKind] = {
    kind.game_type: kind
    for kind in (
        GameKind(
            1,
            71001,
            {
                "en": "Lucky Dice",
                "ru": "Счастливые кости",
                "es": "Dados de la suerte",
                "pt": "Dados da sorte",
                "tr": "Şanslı Zar",
            },
            12,
            8,
            5000,
        ),
        GameKind(
            2,
            71002,
            {
                "en": "Wheel of Fortune",
                "ru": "Колесо фортуны",
                "es": "Rueda de la fortuna",
                "pt": "Roda da fortuna",
                "tr": "Şans Çarkı",
            },
            15,
            10,
            8000,
        ),
        GameKind(
            3, 89012, {"en": "Poker", "ru": "Покер", "es": "Póquer", "pt": "Pôquer", "tr": "Poker"}, 20, 15, 25000
        ),
        GameKind(
            5,
            71005,
            {"en": "Baccarat", "ru": "Баккара", "es": "Bacará", "pt": "Bacará", "tr": "Bakara"},
            15,
            10,
            12000,
        ),
        GameKind(
            6,
            71006,
            {"en": "Keno 20/80", "ru": "Кено 20/80", "es": "Keno 20/80", "pt": "Keno 20/80", "tr": "Keno 20/80"},
            25,
            12,
            30000,
        ),
    )
}

# Strings a hostile or broken upstream could send; the widget must show them as text.
HOSTILE_STRINGS = (
    '<img src=x onerror="window.__xss=1">',
    "<script>window.__xss=1</script>",
    '"><svg onload=window.__xss=1>',
    "javascript:window.__xss=1",
    "{{7*7}} ${7*7} &lt;b&gt;",
)
