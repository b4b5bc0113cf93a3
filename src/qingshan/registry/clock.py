"""The registry's clock: the time a ledger row is written and the date a lease or a vintage
is judged on (China Standard Time). One place, so tests can set the date."""

from __future__ import annotations

import datetime as dt

#: China Standard Time: leases end and vintages lapse on its dates.
CST = dt.timezone(dt.timedelta(hours=8), "CST")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    return now().astimezone(CST).date()
