"""DynamoDB with boto3: low-level client and the resource/Table API (Decimal numbers,
boto3.dynamodb.conditions), conditional-write failures, paginators, batch writer, transactions,
legacy (pre-expression) parameters, TTL and Streams."""
import concurrent.futures
import uuid
from decimal import Decimal

import boto3
import pytest
from boto3.dynamodb.conditions import Attr, Key
from botocore.config import Config
from botocore.exceptions import ClientError


@pytest.fixture
def ddb(client):
    return client("dynamodb")


@pytest.fixture
def resource(endpoint):
    return boto3.resource(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}),
    )


def err(exc_info):
    e = exc_info.value.response
    return e["ResponseMetadata"]["HTTPStatusCode"], e["Error"]["Code"], e["Error"]["Message"]


def make_table(ddb, hash_type="S", range_key=True, **kw):
    name = f"py-{uuid.uuid4().hex[:10]}"
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    defs = [{"AttributeName": "pk", "AttributeType": hash_type}]
    if range_key:
        keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
        defs.append({"AttributeName": "sk", "AttributeType": "N"})
    ddb.create_table(TableName=name, KeySchema=keys, AttributeDefinitions=defs, BillingMode="PAY_PER_REQUEST", **kw)
    return name


def test_waiter_and_describe(ddb):
    name = make_table(ddb)
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 2})
    t = ddb.describe_table(TableName=name)["Table"]
    assert t["TableStatus"] == "ACTIVE" and t["ItemCount"] == 0
    assert name in ddb.list_tables()["TableNames"]
    with pytest.raises(ClientError) as e:
        ddb.describe_table(TableName="does-not-exist")
    assert err(e) == (400, "ResourceNotFoundException", "Requested resource not found: Table: does-not-exist not found")
    ddb.delete_table(TableName=name)
    ddb.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 2})


def test_conditional_put_failure_returns_old_item(ddb):
    name = make_table(ddb)
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"N": "1"}, "v": {"S": "first"}})
    with pytest.raises(ClientError) as e:
        ddb.put_item(
            TableName=name,
            Item={"pk": {"S": "a"}, "sk": {"N": "1"}, "v": {"S": "second"}},
            ConditionExpression="attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert err(e) == (400, "ConditionalCheckFailedException", "The conditional request failed")
    assert e.value.response["Item"]["v"] == {"S": "first"}
    got = ddb.get_item(TableName=name, Key={"pk": {"S": "a"}, "sk": {"N": "1"}})["Item"]
    assert got["v"] == {"S": "first"}


def test_validation_errors(ddb):
    name = make_table(ddb)
    cases = [
        (dict(Key={"pk": {"S": "a"}}), "The provided key element does not match the schema"),
        (dict(Key={"pk": {"S": "a"}, "sk": {"S": "x"}}), "The provided key element does not match the schema"),
    ]
    for kw, msg in cases:
        with pytest.raises(ClientError) as e:
            ddb.get_item(TableName=name, **kw)
        assert err(e) == (400, "ValidationException", msg)
    with pytest.raises(ClientError) as e:
        ddb.update_item(
            TableName=name,
            Key={"pk": {"S": "a"}, "sk": {"N": "1"}},
            UpdateExpression="SET #a = :v",
            ExpressionAttributeNames={"#a": "a", "#unused": "b"},
            ExpressionAttributeValues={":v": {"S": "x"}},
        )
    assert err(e)[2] == "Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}"
    with pytest.raises(ClientError) as e:
        ddb.update_item(TableName=name, Key={"pk": {"S": "a"}, "sk": {"N": "1"}}, UpdateExpression="SET a = :v")
    assert err(e)[2] == "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :v"
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"N": "1"}, "n": {"N": "1" * 39}})
    assert err(e)[2] == "Attempting to store more than 38 significant digits in a Number"
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"N": "1"}, "s": {"SS": ["x", "x"]}})
    assert "contains duplicates" in err(e)[2]
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=name, KeyConditionExpression="pk = :p", FilterExpression="begins_with(x)", ExpressionAttributeValues={":p": {"S": "a"}})
    assert err(e)[1] == "ValidationException"
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"N": "1"}}, Expected={"pk": {"Exists": False}}, ConditionExpression="attribute_not_exists(pk)")
    assert err(e)[2].startswith("Can not use both expression and non-expression parameters in the same request")


def test_resource_table_api(resource):
    name = f"py-{uuid.uuid4().hex[:10]}"
    table = resource.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "user", "KeyType": "HASH"}, {"AttributeName": "ts", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "user", "AttributeType": "S"}, {"AttributeName": "ts", "AttributeType": "N"}],
        BillingMode="PAY_PER_REQUEST",
    )
    table.wait_until_exists()
    with table.batch_writer() as bw:
        for i in range(60):
            bw.put_item(Item={"user": "u1" if i % 2 else "u2", "ts": i, "score": Decimal("1.5") * i, "tags": {"a", "b"}, "nested": {"l": [1, "x", None]}})
    items = table.query(KeyConditionExpression=Key("user").eq("u1") & Key("ts").between(10, 20))["Items"]
    assert [int(i["ts"]) for i in items] == [11, 13, 15, 17, 19]
    assert items[0]["score"] == Decimal("16.5")
    assert items[0]["tags"] == {"a", "b"}
    assert items[0]["nested"] == {"l": [Decimal(1), "x", None]}
    scanned = table.scan(FilterExpression=Attr("score").gt(80) & Attr("tags").contains("a"))
    assert scanned["Count"] == len([i for i in range(60) if Decimal("1.5") * i > 80])
    table.update_item(
        Key={"user": "u1", "ts": 11},
        UpdateExpression="SET score = score + :d, tags = :t REMOVE nested.l[1]",
        ExpressionAttributeValues={":d": Decimal("0.25"), ":t": {"c"}},
    )
    got = table.get_item(Key={"user": "u1", "ts": 11})["Item"]
    assert got["score"] == Decimal("16.75") and got["tags"] == {"c"} and got["nested"]["l"] == [Decimal(1), None]
    with pytest.raises(ClientError) as e:
        table.delete_item(Key={"user": "u1", "ts": 11}, ConditionExpression=Attr("score").lt(0))
    assert e.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    # paginator over Limit-sized pages
    pages = list(resource.meta.client.get_paginator("query").paginate(
        TableName=name, KeyConditionExpression="#u = :u", ExpressionAttributeNames={"#u": "user"},
        ExpressionAttributeValues={":u": "u2"}, PaginationConfig={"PageSize": 7}))
    assert sum(p["Count"] for p in pages) == 30
    assert len(pages) >= 5


def test_transactions_and_batches(ddb):
    name = make_table(ddb, range_key=False)
    ddb.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": {"pk": {"S": f"k{i}"}, "n": {"N": str(i)}}}} for i in range(25)]})
    got = ddb.batch_get_item(RequestItems={name: {"Keys": [{"pk": {"S": "k1"}}, {"pk": {"S": "k2"}}, {"pk": {"S": "nope"}}]}})
    assert len(got["Responses"][name]) == 2 and got["UnprocessedKeys"] == {}
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=[
            {"Update": {"TableName": name, "Key": {"pk": {"S": "k1"}}, "UpdateExpression": "SET n = n + :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            {"ConditionCheck": {"TableName": name, "Key": {"pk": {"S": "k2"}}, "ConditionExpression": "n > :big", "ExpressionAttributeValues": {":big": {"N": "100"}}}},
        ])
    assert err(e)[1] == "TransactionCanceledException"
    assert [r["Code"] for r in e.value.response["CancellationReasons"]] == ["None", "ConditionalCheckFailed"]
    assert ddb.get_item(TableName=name, Key={"pk": {"S": "k1"}})["Item"]["n"] == {"N": "1"}
    ddb.transact_write_items(TransactItems=[
        {"Update": {"TableName": name, "Key": {"pk": {"S": "k1"}}, "UpdateExpression": "SET n = n + :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        {"Delete": {"TableName": name, "Key": {"pk": {"S": "k2"}}}},
    ])
    tg = ddb.transact_get_items(TransactItems=[{"Get": {"TableName": name, "Key": {"pk": {"S": "k1"}}}}, {"Get": {"TableName": name, "Key": {"pk": {"S": "k2"}}}}])
    assert tg["Responses"][0]["Item"]["n"] == {"N": "2"} and "Item" not in tg["Responses"][1]


def test_legacy_parameters(ddb):
    name = make_table(ddb)
    for i in range(5):
        ddb.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": str(i)}, "c": {"S": "even" if i % 2 == 0 else "odd"}}, Expected={"pk": {"Exists": False}})
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": "1"}}, Expected={"c": {"Value": {"S": "even"}}})
    assert err(e)[1] == "ConditionalCheckFailedException"
    q = ddb.query(TableName=name, KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]}, "sk": {"ComparisonOperator": "GE", "AttributeValueList": [{"N": "1"}]}},
                  QueryFilter={"c": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "odd"}]}}, AttributesToGet=["sk"])
    assert q["Count"] == 2 and q["ScannedCount"] == 4 and all(list(i) == ["sk"] for i in q["Items"])
    s = ddb.scan(TableName=name, ScanFilter={"c": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "ev"}]}})
    assert s["Count"] == 3
    ddb.update_item(TableName=name, Key={"pk": {"S": "p"}, "sk": {"N": "0"}}, AttributeUpdates={"n": {"Action": "ADD", "Value": {"N": "5"}}, "c": {"Action": "DELETE"}}, ReturnValues="ALL_NEW")
    got = ddb.get_item(TableName=name, Key={"pk": {"S": "p"}, "sk": {"N": "0"}})["Item"]
    assert got["n"] == {"N": "5"} and "c" not in got


def test_concurrent_counter_never_loses_updates(ddb):
    name = make_table(ddb, range_key=False)

    def work(_):
        c = boto3.client("dynamodb", endpoint_url=ddb.meta.endpoint_url, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
        for _ in range(25):
            c.update_item(TableName=name, Key={"pk": {"S": "ctr"}}, UpdateExpression="ADD n :one", ExpressionAttributeValues={":one": {"N": "1"}})

    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        list(ex.map(work, range(8)))
    assert ddb.get_item(TableName=name, Key={"pk": {"S": "ctr"}}, ConsistentRead=True)["Item"]["n"] == {"N": "200"}


def test_ttl_and_streams(ddb, client):
    name = make_table(ddb, range_key=False, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {"TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    ddb.update_item(TableName=name, Key={"pk": {"S": "a"}}, UpdateExpression="SET v = :v", ExpressionAttributeValues={":v": {"N": "2"}})
    ddb.delete_item(TableName=name, Key={"pk": {"S": "a"}})
    streams = client("dynamodbstreams")
    arn = ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    assert any(s["StreamArn"] == arn for s in streams.list_streams(TableName=name)["Streams"])
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    recs = streams.get_records(ShardIterator=it)["Records"]
    assert [r["eventName"] for r in recs] == ["INSERT", "MODIFY", "REMOVE"]
    assert recs[1]["dynamodb"]["OldImage"]["v"] == {"N": "1"} and recs[1]["dynamodb"]["NewImage"]["v"] == {"N": "2"}


def test_partiql(ddb):
    name = make_table(ddb)
    ddb.execute_statement(Statement=f"INSERT INTO \"{name}\" VALUE {{'pk': ?, 'sk': ?, 'title': 'x'}}", Parameters=[{"S": "a"}, {"N": "1"}])
    with pytest.raises(ClientError) as e:
        ddb.execute_statement(Statement=f"INSERT INTO \"{name}\" VALUE {{'pk': 'a', 'sk': 1}}")
    assert err(e)[1] == "DuplicateItemException"
    ddb.execute_statement(Statement=f"UPDATE \"{name}\" SET title = ? WHERE pk = 'a' AND sk = 1", Parameters=[{"S": "y"}])
    out = ddb.execute_statement(Statement=f"SELECT * FROM \"{name}\" WHERE pk = ?", Parameters=[{"S": "a"}])
    assert out["Items"] == [{"pk": {"S": "a"}, "sk": {"N": "1"}, "title": {"S": "y"}}]
    with pytest.raises(ClientError) as e:
        ddb.execute_statement(Statement="SELECT * FROM \"no-such-table\"")
    assert err(e)[1] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        ddb.execute_statement(Statement=f"SELECT * FROM \"{name}\" WHERE pk = ?")
    assert err(e) == (400, "ValidationException", "Number of parameters in request and statement don't match.")
    ddb.execute_statement(Statement=f"DELETE FROM \"{name}\" WHERE pk = 'a' AND sk = 1")
    assert ddb.scan(TableName=name)["Count"] == 0
