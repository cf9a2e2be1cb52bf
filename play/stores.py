"""Where audience figures live: Redis with ``REDIS_URL`` (every web process adds to the same
buckets), the database otherwise. Both survive a web process restart.

Redis: one hash per widget and bucket (``…audience:<public id>:<bucket start>``) with a field
per viewer sample slot (``v<slot start>``, each process adding its own viewers, so the
slot holds the total and its maximum is the true peak) and per game type's taps
(``t<game type>``), expiring after 14 days; and one hash per day of taps per widget for
the widget list. Database: ``AudienceBucket`` rows (see its docstring).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from typing import Any, Protocol

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.db.models.functions import Greatest

from feed.store import PREFIX
from play.figures import BUCKET, KEEP, VIEWERS, Batch, Bucket, bucket_of

KEY_PREFIX = PREFIX + "audience:"
DAY_PREFIX = PREFIX + "audience-taps:"
PRUNE_EVERY = 3600.0


def bucket_key(public_id: str, start: int) -> str:
    return f"{KEY_PREFIX}{public_id}:{start}"


def day_key(day: dt.date) -> str:
    return f"{DAY_PREFIX}{day.isoformat()}"


def local_day(at: float) -> dt.date:
    from django.utils import timezone

    return timezone.localdate(dt.datetime.fromtimestamp(at, dt.UTC))


def day_bounds(day: dt.date) -> tuple[float, float]:
    from django.utils import timezone

    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start.timestamp(), (start + dt.timedelta(days=1)).timestamp()


class AudienceStore(Protocol):
    async def write(self, batch: Batch) -> None: ...

    async def buckets(self, public_id: str, since: int, until: int) -> list[Bucket]:
        """Stored buckets starting in [since, until], oldest first (missing ones: nobody there)."""
        ...

    async def taps_on(self, day: dt.date) -> dict[str, int]:
        """Taps per widget public id on ``day`` (the site's time zone)."""
        ...


class RedisAudience:
    def __init__(self, url: str) -> None:
        self.url = url

    def _client(self) -> Any:
        import redis.asyncio as redis

        return redis.from_url(self.url, socket_timeout=5, socket_connect_timeout=2, decode_responses=True)

    async def write(self, batch: Batch) -> None:
        client = self._client()
        try:
            async with client.pipeline(transaction=False) as pipe:
                keys: set[str] = set()
                for (public_id, slot), count in batch.viewers.items():
                    key = bucket_key(public_id, bucket_of(slot))
                    pipe.hincrby(key, f"v{slot}", count)
                    keys.add(key)
                days: set[str] = set()
                for (public_id, game_type, start), count in batch.taps.items():
                    key = bucket_key(public_id, start)
                    pipe.hincrby(key, f"t{game_type}", count)
                    keys.add(key)
                    day = day_key(local_day(start))
                    pipe.hincrby(day, public_id, count)
                    days.add(day)
                for key in keys:
                    pipe.expire(key, KEEP + BUCKET)
                for day in days:
                    pipe.expire(day, 3 * 24 * 3600)
                await pipe.execute()
        finally:
            await client.aclose()

    async def buckets(self, public_id: str, since: int, until: int) -> list[Bucket]:
        starts = list(range(bucket_of(since), until + 1, BUCKET))
        client = self._client()
        try:
            async with client.pipeline(transaction=False) as pipe:
                for start in starts:
                    pipe.hgetall(bucket_key(public_id, start))
                rows = await pipe.execute()
        finally:
            await client.aclose()
        found = []
        for start, fields in zip(starts, rows, strict=True):
            if not fields:
                continue
            bucket = Bucket(start)
            for name, value in fields.items():
                if name.startswith("v"):
                    bucket.viewer_sum += int(value)
                    bucket.viewer_peak = max(bucket.viewer_peak, int(value))
                elif name.startswith("t") and name[1:].isdigit():
                    bucket.taps[int(name[1:])] = int(value)
            found.append(bucket)
        return found

    async def taps_on(self, day: dt.date) -> dict[str, int]:
        client = self._client()
        try:
            return {str(key): int(value) for key, value in (await client.hgetall(day_key(day))).items()}
        finally:
            await client.aclose()


class DatabaseAudience:
    """One row per widget, game type and bucket. One process writes at a time in the embedded default;
    with several processes on one database the sums stay right and the peak is the highest process's."""

    def __init__(self) -> None:
        self.pruned = 0.0

    async def write(self, batch: Batch) -> None:
        await database_sync_to_async(self._write)(batch)

    def _write(self, batch: Batch) -> None:
        viewers: dict[tuple[str, int], tuple[int, int]] = {}
        for (public_id, slot), count in batch.viewers.items():
            key = (public_id, bucket_of(slot))
            peak, total = viewers.get(key, (0, 0))
            viewers[key] = (max(peak, count), total + count)
        with transaction.atomic():
            for (public_id, start), (peak, total) in viewers.items():
                self._row(public_id, VIEWERS, start).update(
                    viewer_peak=Greatest(F("viewer_peak"), peak), viewer_sum=F("viewer_sum") + total
                )
            for (public_id, game_type, start), count in batch.taps.items():
                self._row(public_id, game_type, start).update(taps=F("taps") + count)
        if time.time() - self.pruned > PRUNE_EVERY:
            self.pruned = time.time()
            from play.models import AudienceBucket

            AudienceBucket.objects.filter(start__lt=_when(time.time() - KEEP - BUCKET)).delete()

    @staticmethod
    def _row(public_id: str, game_type: int, start: int) -> Any:
        from play.models import AudienceBucket

        fields: dict[str, Any] = {"public_id": public_id, "game_type": game_type, "start": _when(start)}
        try:
            with transaction.atomic():
                AudienceBucket.objects.get_or_create(**fields)
        except IntegrityError:  # another process created it first
            pass
        return AudienceBucket.objects.filter(**fields)

    async def buckets(self, public_id: str, since: int, until: int) -> list[Bucket]:
        return await database_sync_to_async(self._buckets)(public_id, since, until)

    def _buckets(self, public_id: str, since: int, until: int) -> list[Bucket]:
        from play.models import AudienceBucket

        rows = AudienceBucket.objects.filter(
            public_id=public_id, start__gte=_when(bucket_of(since)), start__lte=_when(until)
        ).order_by("start")
        found: dict[int, Bucket] = {}
        for row in rows:
            start = int(row.start.timestamp())
            bucket = found.setdefault(start, Bucket(start))
            if row.game_type == VIEWERS:
                bucket.viewer_peak, bucket.viewer_sum = row.viewer_peak, row.viewer_sum
            else:
                bucket.taps[row.game_type] = row.taps
        return list(found.values())

    async def taps_on(self, day: dt.date) -> dict[str, int]:
        return await database_sync_to_async(self._taps_on)(day)

    def _taps_on(self, day: dt.date) -> dict[str, int]:
        from play.models import AudienceBucket

        start, end = day_bounds(day)
        rows = (
            AudienceBucket.objects.filter(start__gte=_when(start), start__lt=_when(end))
            .exclude(game_type=VIEWERS)
            .values("public_id")
            .annotate(total=Sum("taps"))
        )
        totals: Counter[str] = Counter()
        for row in rows:
            totals[row["public_id"]] += row["total"] or 0
        return dict(totals)


def _when(at: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(at, dt.UTC)


_stores: dict[str, AudienceStore] = {}


def audience_store() -> AudienceStore:
    """Redis when ``REDIS_URL`` is set, the database otherwise (one per process)."""
    key = settings.REDIS_URL or ""
    if key not in _stores:
        _stores[key] = RedisAudience(key) if key else DatabaseAudience()
    return _stores[key]
