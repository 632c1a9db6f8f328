"""Staff administration: only admins, every change audited, rules enforced."""

import pytest
from click.testing import Result
from sqlalchemy import select

from casework.accounts.models import Role, User
from casework.core.audit import AuditEntry
from casework.extensions import db
from tests.plugin.data import csrf_from, fresh_proof


@pytest.fixture
def admin_client(client, make_user, login):
    login(client, make_user("admin", email="admin@test.kz"))
    fresh_proof(client)
    return client


@pytest.mark.parametrize("role", ["operator", "reviewer", "secretary", "chair", "auditor"])
def test_admin_pages_are_for_admins_only(client, make_user, login, role):
    login(client, make_user(role))
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/users/new").status_code == 403
    token = csrf_from(client, "/staff")
    response = client.post("/admin/users/new", data={
        "csrf_token": token, "email": "x@test.kz", "full_name": "X", "role": "admin",
        "all_regions": "y", "password": "long enough password"})
    assert response.status_code == 403
    assert db.session.scalar(select(User).where(User.email == "x@test.kz")) is None


def test_admin_creates_a_scoped_reviewer(admin_client):
    token = csrf_from(admin_client, "/admin/users/new")
    response = admin_client.post("/admin/users/new", data={
        "csrf_token": token, "email": "New.Reviewer@Test.kz", "full_name": "Жаңа Мүше",
        "role": "reviewer", "regions": ["KZ-KAR"], "password": "long enough password"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.reviewer@test.kz"))
    assert user.role is Role.REVIEWER and [r.code for r in user.regions] == ["KZ-KAR"]
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.action == "user.created", AuditEntry.object_id == str(user.id)))
    assert entry.details["scope"] == "KZ-KAR" and entry.actor_label == "admin@test.kz"


def test_create_without_scope_or_with_short_password_is_refused(admin_client):
    admin_client.set_cookie("casework_lang", "en")
    token = csrf_from(admin_client, "/admin/users/new")
    no_scope = admin_client.post("/admin/users/new", data={
        "csrf_token": token, "email": "a@test.kz", "full_name": "A", "role": "reviewer",
        "password": "long enough password"})
    assert no_scope.status_code == 200
    assert "scope" in no_scope.get_data(as_text=True)
    short = admin_client.post("/admin/users/new", data={
        "csrf_token": token, "email": "b@test.kz", "full_name": "B", "role": "reviewer",
        "all_regions": "y", "password": "short"})
    assert short.status_code == 200
    assert db.session.scalar(select(User).where(User.email.in_(["a@test.kz", "b@test.kz"]))) is None


def test_admin_edits_role_and_regions_and_disables(admin_client, make_user):
    user = make_user("operator", regions=["KZ-ALA"])
    token = csrf_from(admin_client, f"/admin/users/{user.id}")
    response = admin_client.post(f"/admin/users/{user.id}", data={
        "csrf_token": token, "email": user.email, "full_name": "Renamed", "role": "reviewer",
        "regions": ["KZ-KAR", "KZ-ALA"]})
    assert response.status_code == 302
    db.session.expire_all()
    assert user.role is Role.REVIEWER and user.full_name == "Renamed"
    assert sorted(r.code for r in user.regions) == ["KZ-ALA", "KZ-KAR"]
    response = admin_client.post(f"/admin/users/{user.id}/disable", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert not user.is_active
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert {"user.updated", "user.disabled"} <= set(actions)


def test_admin_cannot_disable_self(admin_client):
    me = db.session.scalar(select(User).where(User.email == "admin@test.kz"))
    token = csrf_from(admin_client, "/admin/users")
    admin_client.post(f"/admin/users/{me.id}/disable", data={"csrf_token": token})
    db.session.expire_all()
    assert me.is_active


def test_unknown_user_is_404(admin_client):
    assert admin_client.get("/admin/users/99999").status_code == 404


def test_cli_users_create(app, election):
    runner = app.test_cli_runner()
    result: Result = runner.invoke(args=["users", "create", "op@test.kz", "--role", "operator",
                                         "--region", "KZ-KAR", "--name", "Оператор"],
                                   env={"CASEWORK_NEW_USER_PASSWORD": "long enough password"})
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "op@test.kz"))
    assert user.role is Role.OPERATOR and user.regions[0].code == "KZ-KAR"
    again = runner.invoke(args=["users", "create", "op@test.kz", "--role", "operator",
                                "--all-regions"],
                          env={"CASEWORK_NEW_USER_PASSWORD": "long enough password"})
    assert again.exit_code == 2 and "already exists" in again.output
    bad_region = runner.invoke(args=["users", "create", "x@test.kz", "--role", "reviewer",
                                     "--region", "KZ-NOPE"],
                               env={"CASEWORK_NEW_USER_PASSWORD": "long enough password"})
    assert bad_region.exit_code == 2 and "KZ-NOPE" in bad_region.output


def test_region_scope_covers_districts(make_user, election):
    from casework.accounts.queries import scope_region_ids
    from casework.elections.models import Region

    user = make_user("reviewer", regions=["KZ-KAR"])
    ids = scope_region_ids(user, election.id)
    codes = set(db.session.scalars(select(Region.code).where(Region.id.in_(ids))))
    assert codes == {"KZ-KAR", "KZ-KAR-BAL"}
    balkhash = db.session.scalar(select(Region).where(Region.code == "KZ-KAR-BAL"))
    almaty = db.session.scalar(select(Region).where(Region.code == "KZ-ALA"))
    assert user.can_see_region(balkhash) and not user.can_see_region(almaty)
    assert scope_region_ids(make_user("chair"), election.id) is None


def test_an_unknown_account_is_404_before_403(client, make_user, login):
    login(client, make_user("reviewer"))
    assert client.get("/admin/users/99999").status_code == 404
    me = db.session.scalar(select(User).where(User.role == Role.REVIEWER))
    assert client.get(f"/admin/users/{me.id}").status_code == 403
