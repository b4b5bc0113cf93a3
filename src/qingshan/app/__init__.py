"""The application database: who may do what, and what was done.

Separate from the analytical store (:mod:`qingshan.store`, tables to compute on), the
application database holds the platform's state: organisations, users and their roles,
sessions, and the audit trail (:mod:`.audit`). It is SQLAlchemy 2 over SQLite (WAL) in the
data directory by default, or PostgreSQL (``QINGSHAN_APP_DB``), and its schema changes only
through Alembic migrations (``qingshan db upgrade``; :mod:`.database`).

- :mod:`.models`: the tables;
- :mod:`.database`: the engine, sessions, migrations and the check that the database is current;
- :mod:`.passwords`: hashing (argon2id) and the password rules;
- :mod:`.users`: accounts, sign-in with throttling;
- :mod:`.organisations`: the tree city → districts → parks → enterprises, and bureaus;
- :mod:`.permissions`: roles and what each may do (``data/roles.toml``), and scope;
- :mod:`.audit`: the hash-chained audit log and its verification.
"""
