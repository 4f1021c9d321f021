"""`consentry create_api_token --school <id or BRIN> --name NAME`."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from consentry.api.models import ApiToken
from consentry.schools.models import School


def run(*args: str) -> str:
    out = StringIO()
    call_command("create_api_token", *args, stdout=out)
    return out.getvalue()


def printed_token(output: str) -> str:
    [token] = [line for line in output.splitlines() if line.startswith("cst_")]
    return token


@pytest.mark.parametrize("how", ["id", "brin", "brin in lower case"])
def test_makes_a_token_for_the_school_and_prints_it_once(world, how):
    school = {
        "id": str(world.school.pk),
        "brin": world.school.brin,
        "brin in lower case": world.school.brin.lower(),
    }[how]
    output = run("--school", school, "--name", "photo gate")
    token = printed_token(output)
    assert output.count(token) == 1
    row = ApiToken.objects.get()
    assert (row.school, row.name, row.revoked_at) == (world.school, "photo gate", None)
    assert token not in row.token_hash  # only the hash is kept
    assert ApiToken.objects.authenticate(token) == row
    # The token works on the API, for this school.
    response = Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/groups")
    assert response.status_code == 200
    assert {g["school_id"] for g in response.json()} == {world.school.pk}


def test_every_run_makes_a_new_token(world):
    first = printed_token(run("--school", world.school.brin, "--name", "website"))
    second = printed_token(run("--school", world.school.brin, "--name", "website"))
    assert first != second
    assert ApiToken.objects.count() == 2


@pytest.mark.parametrize("school", ["999999", "ZZ00", "", "0"])
def test_unknown_school_is_a_clear_error(world, school):
    with pytest.raises(CommandError, match="[Nn]o school|school's id or BRIN"):
        run("--school", school, "--name", "website")
    assert not ApiToken.objects.exists()


def test_a_brin_shared_by_dependances(world):
    dependance = School.objects.create(
        board=world.board, name="Dependance", brin=world.school.brin, dependance="01"
    )
    # The plain BRIN names the main school; BRIN plus code names the dependance.
    run("--school", world.school.brin, "--name", "main")
    run("--school", f"{world.school.brin}01", "--name", "dep")
    assert dict(ApiToken.objects.values_list("name", "school")) == {
        "main": world.school.pk,
        "dep": dependance.pk,
    }


def test_an_ambiguous_brin_is_an_error(world):
    world.school.dependance = "02"
    world.school.save()
    School.objects.create(board=world.board, name="Other", brin=world.school.brin, dependance="01")
    with pytest.raises(CommandError, match="several schools"):
        run("--school", world.school.brin, "--name", "website")
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_the_name_must_say_something(world, name):
    with pytest.raises(CommandError, match="name"):
        run("--school", str(world.school.pk), "--name", name)
    assert not ApiToken.objects.exists()


def test_school_and_name_are_required(world):
    with pytest.raises(CommandError):
        call_command("create_api_token", "--name", "website", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("create_api_token", "--school", "1", stdout=StringIO())
