"""Domain errors carry a stable code for programs beside the message for people and the field."""
import importlib
import pkgutil
import re

import pytest

import webconsole.domain
import webconsole.store
from webconsole.domain import connections, users
from webconsole.domain.errors import DomainError, Forbidden, NotFound, ValidationError
from webconsole.extensions import db
from webconsole.models import User

CODE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")


def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


def test_every_kind_of_domain_error_has_a_stable_code():
    for package in (webconsole.domain, webconsole.store):
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
    kinds = [DomainError, *subclasses(DomainError)]
    assert {NotFound, Forbidden, ValidationError} <= set(kinds)
    for kind in kinds:
        assert CODE.fullmatch(kind.code), kind
    assert (NotFound.code, Forbidden.code, ValidationError.code) == ("not_found", "forbidden", "validation.invalid")


@pytest.fixture
def admin(app, world):
    with app.test_request_context():  # messages are rendered in the request's language
        yield db.session.get(User, world["admin"])


def test_a_refusal_says_its_code_message_and_field(admin):
    connections.create_connection(admin, name="Acme Drive", kind="google_drive")
    with pytest.raises(ValidationError) as refused:
        connections.create_connection(admin, name="acme drive", kind="webhook")
    assert refused.value.as_json() == {"code": "connection.name_taken", "field": "name",
                                       "message": "A data connection with this name already exists."}
    with pytest.raises(ValidationError) as refused:
        users.create_user(admin, org_id=admin.org_id, username="new@acme.test", password="short")
    assert (refused.value.code, refused.value.field) == ("validation.length", "password")


def test_a_refusal_without_a_field_leaves_it_out(admin):
    with pytest.raises(NotFound) as refused:
        connections.get_connection(99999)
    assert refused.value.as_json() == {"code": "not_found", "message": "No such data connection."}
