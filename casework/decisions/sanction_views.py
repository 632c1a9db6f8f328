"""Staff pages of sanctions: propose, review (four eyes), appeals."""

from flask import Blueprint

bp = Blueprint("sanctions", __name__)
