"""Make the sandbox's video loop: four 2 s HLS segments of 320x180 H.264 baseline + AAC.

    python scripts/make_sandbox_video.py

Run once (needs Debian's ffmpeg); the segments are committed under
sandbox/video/, so running the sandbox never needs ffmpeg. The picture is a
plain moving pattern with a running clock and a quiet tone; every segment starts with
a key frame, so the sandbox can serve them in any order as one endless live playlist.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "betcore" / "sandbox" / "video"
SEGMENTS = 4
SECONDS = 2
FPS = 25


def main() -> None:
    if shutil.which("ffmpeg") is None:
        sys.exit("ffmpeg is missing: apt-get install ffmpeg")
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                "ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
                "-f", "lavfi", "-i", f"testsrc=size=320x180:rate={FPS}:duration={SEGMENTS * SECONDS}",
                "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={SEGMENTS * SECONDS}",
                "-c:v", "libx264", "-profile:v", "baseline", "-level", "3.0", "-pix_fmt", "yuv420p",
                "-preset", "veryslow", "-crf", "30", "-g", str(FPS * SECONDS), "-keyint_min", str(FPS * SECONDS),
                "-sc_threshold", "0",
                "-c:a", "aac", "-b:a", "32k", "-ac", "1", "-af", "volume=0.1",
                "-f", "hls", "-hls_time", str(SECONDS), "-hls_list_size", "0",
                "-hls_segment_filename", f"{tmp}/segment%d.ts", f"{tmp}/loop.m3u8",
            ],
            check=True,
        )  # fmt: skip
        for index in range(SEGMENTS):
            shutil.copy(Path(tmp) / f"segment{index}.ts", OUT / f"segment{index}.ts")
    total = sum(path.stat().st_size for path in OUT.glob("segment*.ts"))
    print(f"{SEGMENTS} segments, {total:,} bytes in {OUT}")


if __name__ == "__main__":
    main()
