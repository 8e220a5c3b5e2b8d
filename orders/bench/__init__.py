"""The load benchmark behind `make bench` (python manage.py bench).

It lives in `orders` because it is the top layer: it seeds through every app's seeder and verifies the
money and the numbers of budgets and orders from the database. The files:

- fixtures.py: the benchmark's own logins and Blanket PO (Django side, run before the load);
- loadgen.py:  the load generator (locust as a library, in its own process: gevent must not patch the
               Django process); no Django import;
- verify.py:   the invariants checked from the database after the run;
- report.py:   the table.

Not under tests/: `make bench` is a tool for operators and must not depend on the test suite.
"""
