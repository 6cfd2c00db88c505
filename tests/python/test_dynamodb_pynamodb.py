"""PynamoDB (a real ORM) against amplocal: table creation with a GSI, save/get/update/delete,
conditional writes, optimistic locking (VersionAttribute), query/scan with conditions, batch
writes and transactions. PynamoDB comes from tests/python/requirements.txt; a missing install fails."""
import uuid

import pytest

import pynamodb  # noqa: F401

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UnicodeSetAttribute, VersionAttribute  # noqa: E402
from pynamodb.connection import Connection  # noqa: E402
from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError  # noqa: E402
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex  # noqa: E402
from pynamodb.models import Model  # noqa: E402
from pynamodb.transactions import TransactWrite  # noqa: E402


def models(endpoint):
    suffix = uuid.uuid4().hex[:8]

    class ByCity(GlobalSecondaryIndex):
        class Meta:
            index_name = "by_city"
            projection = AllProjection()

        city = UnicodeAttribute(hash_key=True)
        age = NumberAttribute(range_key=True)

    class User(Model):
        class Meta:
            table_name = f"pynamo-users-{suffix}"
            host = endpoint
            region = "us-east-1"
            aws_access_key_id = "test"
            aws_secret_access_key = "test"
            billing_mode = "PAY_PER_REQUEST"

        org = UnicodeAttribute(hash_key=True)
        name = UnicodeAttribute(range_key=True)
        city = UnicodeAttribute()
        age = NumberAttribute()
        tags = UnicodeSetAttribute(null=True)
        version = VersionAttribute()
        by_city = ByCity()

    return User


def test_pynamodb_model_lifecycle(endpoint, monkeypatch):
    # TransactWrite builds its own Connection from the environment's credentials.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    User = models(endpoint)
    User.create_table(wait=True)
    assert User.exists()
    for i, (name, city) in enumerate([("ann", "Oslo"), ("bob", "Rome"), ("cid", "Oslo"), ("dan", "Oslo")]):
        User(org="acme", name=name, city=city, age=20 + i, tags={"t"}).save()
    u = User.get("acme", "ann")
    assert u.city == "Oslo" and u.version == 1 and u.tags == {"t"}

    # conditional save fails; optimistic locking rejects a stale copy
    with pytest.raises(PutError) as e:
        User(org="acme", name="ann", city="X", age=1).save(condition=User.org.does_not_exist())
    assert e.value.cause_response_code == "ConditionalCheckFailedException"
    stale = User.get("acme", "ann")
    u.update(actions=[User.age.add(5), User.tags.add({"new"})])
    assert u.age == 25 and u.tags == {"t", "new"} and u.version == 2
    stale.city = "Paris"
    with pytest.raises(PutError):
        stale.save()
    with pytest.raises(UpdateError):
        u.update(actions=[User.city.set("Bergen")], condition=User.age < 10)

    # queries and scans
    assert [x.name for x in User.query("acme", User.name > "b")] == ["bob", "cid", "dan"]
    assert [x.name for x in User.query("acme", filter_condition=User.city == "Oslo", scan_index_forward=False)] == ["dan", "cid", "ann"]
    assert [x.name for x in User.by_city.query("Oslo", User.age.between(21, 30))] == ["cid", "dan", "ann"]
    assert User.count("acme", User.name >= "c") == 2
    assert sorted(x.name for x in User.scan(User.age >= 22)) == ["ann", "cid", "dan"]
    page = User.query("acme", limit=2)
    assert len(list(page)) == 2

    # batch writes and transactions
    with User.batch_write() as batch:
        for i in range(30):
            batch.save(User(org="bulk", name=f"n{i:02}", city="Lima", age=i))
    assert User.count("bulk") == 30
    conn = Connection(host=endpoint, region="us-east-1")
    with TransactWrite(connection=conn) as tx:
        tx.update(User.get("bulk", "n00"), actions=[User.age.set(100)])
        tx.delete(User.get("bulk", "n01"))
    assert User.get("bulk", "n00").age == 100
    assert User.count("bulk") == 29
    with pytest.raises(TransactWriteError):
        with TransactWrite(connection=conn) as tx:
            tx.condition_check(User, "bulk", "n02", condition=User.age > 1000)
            tx.delete(User.get("bulk", "n03"))
    assert User.count("bulk") == 29

    with pytest.raises(DeleteError):
        User.get("acme", "bob").delete(condition=User.city == "Nowhere")
    User.get("acme", "bob").delete()
    assert User.count("acme") == 3
    User.delete_table()
    assert not User.exists()
