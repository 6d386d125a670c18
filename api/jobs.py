"""Imports every room's scheduled jobs so that they register with api.scheduler."""

import api.capacity.tasks  # noqa: F401,E402  (feed polling, hold expiry)
import api.directory.tasks  # noqa: F401,E402  (search index sync)
import api.referrals.tasks  # noqa: F401,E402  (referral expiry, webhook delivery)
