"""The sandbox's live video: a checked-in loop served as one live HLS playlist per game type."""

from __future__ import annotations

import re

import requests

from sandbox import Sandbox
from sandbox.catalog import GAME_KINDS
from sandbox.video import EPOCH, LOOP, SEGMENTS_DIR, WINDOW, live_playlist


def sequence(text: str) -> int:
    return int(re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", text).group(1))


def test_the_checked_in_loop_is_a_few_small_mpeg_ts_segments():
    segments = sorted(SEGMENTS_DIR.glob("segment*.ts"))
    assert len(segments) == LOOP
    assert sum(path.stat().st_size for path in segments) < 400_000
    for path in segments:
        data = path.read_bytes()
        assert len(data) % 188 == 0 and data[::188] == b"G" * (len(data) // 188)  # TS sync bytes


def test_the_playlist_is_live_and_its_media_sequence_follows_the_clock():
    at = EPOCH + 1000.0
    first = live_playlist(at, str)
    assert "#EXT-X-ENDLIST" not in first and "#EXT-X-PLAYLIST-TYPE" not in first
    assert first.count("#EXTINF:2.000,") == WINDOW
    assert sequence(live_playlist(at + 1.9, str)) == sequence(first)
    assert sequence(live_playlist(at + 2.0, str)) == sequence(first) + 1
    assert sequence(live_playlist(at + 60, str)) == sequence(first) + 30


def test_each_restart_of_the_loop_is_a_counted_discontinuity():
    for seconds in range(0, 40, 2):
        text = live_playlist(EPOCH + 100 + seconds, str)
        numbers = [int(line) for line in text.splitlines() if line.isdigit()]
        count = int(re.search(r"#EXT-X-DISCONTINUITY-SEQUENCE:(\d+)", text).group(1))
        assert count == numbers[0] // LOOP
        lines = text.splitlines()
        for number in numbers[1:]:
            marked = lines[lines.index(str(number)) - 2] == "#EXT-X-DISCONTINUITY"
            assert marked == (number % LOOP == 0)


def test_every_game_type_has_a_stream_with_open_cors_and_the_loop_bytes():
    with Sandbox(seed=1) as sandbox:
        for game_type in GAME_KINDS:
            response = requests.get(f"{sandbox.base_url}/video/{game_type}/live.m3u8", timeout=5)
            assert response.status_code == 200
            assert response.headers["Content-Type"].startswith("application/vnd.apple.mpegurl")
            assert response.headers["Access-Control-Allow-Origin"] == "*"
            last = [line for line in response.text.splitlines() if line.startswith("segment/")][-1]
            segment = requests.get(f"{sandbox.base_url}/video/{game_type}/{last}", timeout=5)
            number = int(last.split("/")[1].split(".")[0])
            assert segment.content == (SEGMENTS_DIR / f"segment{number % LOOP}.ts").read_bytes()
        assert requests.get(f"{sandbox.base_url}/video/999/live.m3u8", timeout=5).status_code == 404
        assert requests.get(f"{sandbox.base_url}/video/x/live.m3u8", timeout=5).status_code == 404


def test_the_broken_stream_is_a_good_playlist_of_garbage_segments():
    with Sandbox(seed=1) as sandbox:
        text = requests.get(f"{sandbox.base_url}/video/3/broken.m3u8", timeout=5).text
        last = [line for line in text.splitlines() if line.startswith("garbage/")][-1]
        data = requests.get(f"{sandbox.base_url}/video/3/{last}", timeout=5).content
        assert data[:1] != b"G"


def test_translations_name_each_game_types_stream(sandbox, token):
    rows = requests.get(
        sandbox.api_url + "/games/types/translations", headers={"Authorization": f"Bearer {token}"}, timeout=5
    ).json()
    for row in rows:
        assert row["streamUrl"] == f"{sandbox.base_url}/video/{row['gameType']}/live.m3u8"


def test_the_stalled_stream_stops_where_the_sandbox_started():
    now = [EPOCH + 500.0]
    with Sandbox(seed=1, clock=lambda: now[0]) as sandbox:
        first = requests.get(f"{sandbox.base_url}/video/3/stalled.m3u8", timeout=5).text
        now[0] += 60
        assert requests.get(f"{sandbox.base_url}/video/3/stalled.m3u8", timeout=5).text == first
        assert sequence(requests.get(f"{sandbox.base_url}/video/3/live.m3u8", timeout=5).text) == sequence(first) + 30
