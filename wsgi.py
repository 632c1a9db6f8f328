"""WSGI entry point: `gunicorn wsgi:app`."""

import gc

from casework import create_app

app = create_app()

# What the application built at start-up (mappers, templates' code, catalogues: about 190,000
# objects) lives as long as the worker: out of the collector's sight, a full collection
# (about 130 ms, once every couple of thousand submissions) no longer stalls a request.
gc.freeze()
