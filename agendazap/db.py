"""Timestamps read from PostgreSQL by psycopg's C parser.

Django reads `timestamptz` columns with a loader that subclasses psycopg's pure-Python one (to set
its own tzinfo), so every datetime of every row is parsed in Python: a page of 50 appointments
holds 250 of them. `use_c_timestamptz_loader` registers, on each new connection, a loader that
parses with psycopg's C loader and sets the same tzinfo the same way: the same values, about
three times faster. Without the C extension (or on another database) nothing changes.
"""

from django.db.backends.signals import connection_created

try:
    from psycopg import _cmodule
    from psycopg.adapt import Loader
    from psycopg.pq import Format
except ImportError:  # psycopg 2 or no PostgreSQL driver: Django's loaders stay
    _cmodule = None


def _c_timestamptz_loader(tz):
    class CTimestamptzLoader(Loader):
        timezone = tz  # read by Django's cursor set-up, which keeps a loader already on its zone

        def __init__(self, oid, context=None):
            super().__init__(oid, context)
            self._parse = _cmodule._psycopg.TimestamptzLoader(oid, context).load

        def load(self, data):
            # As django.db.backends.postgresql.psycopg_any.BaseTzLoader: parsed, then its zone set.
            return self._parse(data).replace(tzinfo=self.timezone)

    return CTimestamptzLoader


def use_c_timestamptz_loader(sender, connection, **kwargs) -> None:
    if connection.vendor != "postgresql" or _cmodule is None or _cmodule._psycopg is None:
        return
    adapters = connection.connection.adapters
    oid = adapters.types["timestamptz"].oid
    django_loader = adapters.get_loader(oid, Format.TEXT)
    if not hasattr(django_loader, "timezone"):
        return  # not Django's loader (psycopg 2, or another Django version): left as it is
    adapters.register_loader("timestamptz", _c_timestamptz_loader(django_loader.timezone))


def connect_signals() -> None:
    connection_created.connect(use_c_timestamptz_loader, dispatch_uid="agendazap.db.c_timestamptz_loader")
