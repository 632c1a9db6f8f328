"""A group of mass complaints: its cases the reader may open; merging the others into the
one that continues, or declaring them inadmissible as its duplicates."""

from flask import flash, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from casework.cases import mass_complaints
from casework.cases.access import case_or_404
from casework.cases.forms import GroupMergeForm
from casework.cases.models import Case
from casework.cases.transitions import find
from casework.cases.views import bp
from casework.core.web import load_or_404, require, submit


def _visible(case: Case) -> list[Case]:
    return [member for member in mass_complaints.group_members(case)
            if current_user.can_see_region(member.region) and member.can_view(current_user)]


def _form(members: list[Case]) -> GroupMergeForm:
    form = GroupMergeForm(prefix="group")
    form.target.choices = [SelectChoice(m.reference, m.reference) for m in members
                           if m.state.value != "merged"]
    return form


def _page(case: Case, members: list[Case], form: GroupMergeForm, status: int = 200,
          errors: list[str] | None = None):
    merge, reject = find("merge"), find("reject")
    mergeable = [m for m in members if m.can_take(merge, current_user)]
    rejectable = [m for m in members if m.can_take(reject, current_user)]
    return render_template("cases/mass_group.html", case=case, members=members, form=form,
                           mergeable={m.id for m in mergeable}, errors=errors or [],
                           can_merge=len(mergeable) > 0 and len(members) > 1,
                           can_mark=len(rejectable) > 0 and len(members) > 1), status


@bp.get("/<reference>/group")
def mass_group(reference: str):
    case = case_or_404(current_user, reference)
    require(case.can_view(current_user))
    members = _visible(case)
    load_or_404(members or None)
    return _page(case, members, _form(members))


@bp.post("/<reference>/group")
def merge_mass_group(reference: str):
    case = case_or_404(current_user, reference)
    require(case.can_view(current_user))
    members = load_or_404(_visible(case) or None)
    form = _form(members)
    target = next((m for m in members if m.reference == form.target.data), None)
    return submit(
        form, lambda: mass_complaints.merge_group(target, members, current_user),
        page=lambda status, errors: _page(case, members, form, status, errors),
        done=lambda result: url_for("cases.case_page", reference=form.target.data),
        flash_message=_("The group's cases that could be merged were merged into the case "
                        "that continues; each complainant is told."))


def _left(result) -> None:
    """The members the batch did not move, named (never skipped silently)."""
    _done, left = result
    if left:
        flash(_("Left as they are (not in screening, or not yours to decide): %(references)s",
                references=", ".join(m.reference for m in left)), "warning")


@bp.post("/<reference>/group/duplicates")
def mark_mass_duplicates(reference: str):
    case = case_or_404(current_user, reference)
    require(case.can_work(current_user))  # auditors read, never decide
    members = load_or_404(_visible(case) or None)
    form = _form(members)
    target = next((m for m in members if m.reference == form.target.data), None)

    def done(result) -> str:
        _left(result)
        return url_for("cases.mass_group", reference=form.target.data)
    return submit(
        form, lambda: mass_complaints.mark_duplicates(target, members, current_user,
                                                      form.note.data or ""),
        page=lambda status, errors: _page(case, members, form, status, errors), done=done,
        flash_message=_("The group's cases in screening were declared inadmissible as "
                        "duplicates of the chosen case; each complainant is told."))
