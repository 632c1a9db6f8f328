"""Staff pages of results: certification per region (with its guard) and the results import."""

from flask import Blueprint

bp = Blueprint("results", __name__, url_prefix="/staff/results")
