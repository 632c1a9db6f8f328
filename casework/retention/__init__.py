"""Retention of personal data: once a case is final, its complainants' names and contacts,
the numbers of its calls, the senders and raw messages of its mail and the addresses and
bodies of its outbox go after the election's number of days, and, if the policy says so,
its evidence files after their own; tombstones and the audit chain keep the proof.

`policy.py` says when (the election's policy, the moment a case became final), `erasure.py`
erases one case, `jobs.py` runs it in batches (the worker, daily), `report.py` counts what is
due, `cli.py` is `flask retention report|run|set`."""
