"""Settings for `bench/fanout.py --layer core`: channels-redis's list-based core layer.

The app runs on the pub/sub layer (feedsite/env.py); this module exists only so the
benchmark can show what the other layer costs on the same run.
"""

from feedsite.settings import *  # noqa: F403
from feedsite.settings import REDIS_URL

CHANNEL_LAYERS = {
    "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}},
}
