"""Switches for the choices BETCORE's docs leave open, so the worker can be tried against each.

The defaults are the sandbox's own guess. Every other value is a variant a real hub may
plausibly show; the worker must stream from all of them. Each one is settable at start
(``Sandbox(variants=...)``, ``--variant name=value``) or while running (the ``variant``
control action).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

CHOICES: dict[str, tuple[str, ...]] = {
    # Who may read the token: "any" (header or access_token query, like ASP.NET with
    # OnMessageReceived), only the query (the docs' wording), or only the header.
    "token_in": ("any", "query", "header"),
    # What sId counts: one counter per partner (continuing across reconnects), one per
    # subscription (game type), or one per connection (restarting at 0).
    "sid_scope": ("partner", "subscription", "connection"),
    # GET /jackpots/accumulated: rows per game type and currency, one bare amount, one
    # object, or rows per currency without a game type.
    "jackpots_shape": ("rows", "amount", "object", "currency_rows"),
    # GET /games/info: result under "result", nested as {"game": ..., "result": ...}, or
    # its fields inline beside i/t/s.
    "info_shape": ("flat", "nested", "inline"),
    # Result contents: the sandbox's per-game shapes, or a shape nobody planned for.
    "result_shape": ("known", "unknown"),
    # Translation ids as JSON numbers or as strings.
    "translation_ids": ("number", "string"),
}


@dataclass
class Variants:
    negotiate: bool = True  # False: POST …/negotiate answers 404, only the direct WebSocket works
    token_in: str = "any"
    sid_scope: str = "partner"
    shared_round_ids: bool = False  # one id sequence for all game types (a database identity)
    results_in_push: bool = False  # a finished round's result fields inside its wgi item
    result_shape: str = "known"
    info_shape: str = "flat"
    jackpots_shape: str = "rows"
    translation_ids: str = "number"

    def __post_init__(self) -> None:
        for name, allowed in CHOICES.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"variant {name} must be one of {', '.join(allowed)}; got {getattr(self, name)!r}")

    def set(self, name: str, value: Any) -> None:
        """Change one variant, validated like the constructor."""
        known = {f.name: f for f in fields(self)}
        if name not in known:
            raise ValueError(f"unknown variant {name!r}; known: {', '.join(sorted(known))}")
        if known[name].type == "bool":
            value = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "on")
        elif name in CHOICES and value not in CHOICES[name]:
            raise ValueError(f"variant {name} must be one of {', '.join(CHOICES[name])}; got {value!r}")
        setattr(self, name, value)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def parse_variant_options(pairs: list[str]) -> Variants:
    """``["negotiate=false", "sid_scope=subscription"]`` as ``Variants``; ValueError names the bad one."""
    variants = Variants()
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"--variant expects name=value, got {pair!r}")
        variants.set(name.strip(), value.strip())
    return variants
