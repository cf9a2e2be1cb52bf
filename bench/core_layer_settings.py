"""Settings for `bench/fanout.py --layer core`: channels-redis's list-based core layer.

The app runs on the pub/sub layer (feedsite/env.py); this module exists only so the
benchmark can show what the other layer costs on the same run.
"""

from feedsite.settings import *  # noqa: F403
from feedsite.settings import REDIS_URL

# redis-py 8 reads with a 5 s socket timeout by default, which kills the core layer's
# blocking BZPOPMIN every 5 s (django/channels_redis#422); the pub/sub layer polls instead.
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": None}]},
    },
}
