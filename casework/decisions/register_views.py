"""Public pages: the register of decisions (HTML, Atom, JSON) and the standings."""

from flask import Blueprint

bp = Blueprint("register", __name__)
