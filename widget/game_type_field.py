"""The admin's game-type picker: tick the games the feed offers, by name, in the order shown.

The ticked boxes are posted in the order they stand on the page, so moving a row (the
arrow buttons, or no script at all) is the order the widget shows. Ids the feed does
not offer cannot be ticked, and a posted one is refused with the list of valid ones.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.datastructures import MultiValueDict
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from widget.validators import MAX_GAME_TYPES


class OrderedGameTypes(forms.Widget):
    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.offered: list[tuple[int, str]] = []
        self.unknown_names: dict[int, str] = {}  # chosen ids the feed no longer offers

    def value_from_datadict(self, data: Any, files: MultiValueDict, name: str) -> list[str]:
        return list(data.getlist(name)) if hasattr(data, "getlist") else list(data.get(name) or [])

    def id_for_label(self, id_: str) -> str:
        return ""  # a list of boxes: each box has its own label

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        chosen = [int(item) for item in (value or []) if str(item).isascii() and str(item).isdigit()]
        names = dict(self.offered) | self.unknown_names
        order = chosen + [game_type for game_type, _ in self.offered if game_type not in chosen]
        rows = format_html_join(
            "",
            '<li class="bw-order-item"><label><input type="checkbox" name="{}" value="{}"{}> {} '
            '<span class="bw-order-id">#{}</span></label>'
            '<span class="bw-order-moves"><button type="button" class="bw-move" data-move="-1" '
            'aria-label="Move {} up">↑</button><button type="button" class="bw-move" data-move="1" '
            'aria-label="Move {} down">↓</button></span></li>',
            (
                (
                    name,
                    game_type,
                    " checked" if game_type in chosen else "",
                    names.get(game_type, f"#{game_type}"),
                    game_type,
                    names.get(game_type, game_type),
                    names.get(game_type, game_type),
                )
                for game_type in order
            ),
        )
        element_id = (attrs or {}).get("id") or f"id_{name}"
        return format_html('<ol class="bw-order" id="{}">{}</ol>', element_id, rows)


class GameTypesField(forms.Field):
    """Posted ids (in page order) to a list of ints offered by the feed."""

    widget = OrderedGameTypes

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "Tick the games to show; the arrows set the order they are shown in.")
        super().__init__(**kwargs)
        self.offered: list[tuple[int, str]] = []

    def offer(self, offered: list[tuple[int, str]], chosen: list[int]) -> None:
        """Which game types may be chosen (the feed's), and the widget's current ones."""
        self.offered = offered
        assert isinstance(self.widget, OrderedGameTypes)
        self.widget.offered = offered
        known = {game_type for game_type, _ in offered}
        self.widget.unknown_names = {t: f"#{t} (not offered by the feed)" for t in chosen if t not in known}

    def to_python(self, value: Any) -> list[int]:
        chosen: list[int] = []
        for item in value or []:
            text = str(item).strip()
            if not (text.isascii() and text.isdigit()):
                raise ValidationError(f"{text!r} is not a game type id.", code="game_types")
            if int(text) not in chosen:
                chosen.append(int(text))
        return chosen

    def validate(self, value: list[int]) -> None:
        if not self.offered:
            raise ValidationError(
                "The feed has not reported which game types it offers yet (is the feed worker running?). "
                "Tick “Follow the feed” to let it fill them in.",
                code="no_offer",
            )
        valid = {game_type: name for game_type, name in self.offered}
        unknown = [game_type for game_type in value if game_type not in valid]
        if unknown:
            listed = ", ".join(f"{game_type} ({name})" for game_type, name in self.offered)
            raise ValidationError(
                f"The feed does not offer game type {', '.join(map(str, unknown))}. Valid game types: {listed}.",
                code="not_offered",
            )
        if not value:
            raise ValidationError("Tick at least one game type.", code="required")
        if len(value) > MAX_GAME_TYPES:
            raise ValidationError(f"A widget shows at most {MAX_GAME_TYPES} game types.", code="too_many")
