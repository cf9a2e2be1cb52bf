"""REST answers from a probe recording, for worker tests that need no sandbox."""

from betcore.rest_answers import parse_round_info


class RecordedRest:
    """The REST answers of a probe recording, as the worker's REST client would return them."""

    credentials_problem = None
    auth_retry_at = 0.0

    def __init__(self, rounds: dict) -> None:
        self.rounds, self.asked = rounds, []

    def game_info(self, round_id: int):
        self.asked.append(round_id)
        body = self.rounds.get(round_id)
        return parse_round_info(body) if body is not None else None
