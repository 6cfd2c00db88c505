// DynamoDB against a real amplocal binary with the real @aws-sdk/client-dynamodb (v3): a table
// with a GSI, item CRUD with condition and update expressions, Query on the GSI, Scan with a
// filter and pagination, BatchWriteItem / BatchGetItem, TransactWriteItems, and the errors a JS
// app branches on (ConditionalCheckFailedException with ALL_OLD, ResourceNotFoundException,
// ValidationException, TransactionCanceledException with CancellationReasons).
// Run: AMPLOCAL_BIN=target/debug/amplocal node --test tests/js/dynamodb.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DynamoDBClient, CreateTableCommand, DescribeTableCommand, PutItemCommand, GetItemCommand,
  UpdateItemCommand, DeleteItemCommand, QueryCommand, ScanCommand, BatchWriteItemCommand,
  BatchGetItemCommand, TransactWriteItemsCommand, TransactGetItemsCommand, ListTablesCommand,
} from '@aws-sdk/client-dynamodb';
import { startAmplocal, CREDENTIALS, REGION } from './amplocal.mjs';

const TABLE = 'Orders';
let server;
let ddb;

const S = (s) => ({ S: s });
const N = (n) => ({ N: String(n) });

/** One order item: pk customer, sk order id, GSI on status + amount. */
function order(customer, id, status, amount, extra = {}) {
  return { customer: S(customer), orderId: S(id), status: S(status), amount: N(amount), ...extra };
}

/** Asserts `promise` rejects with the AWS error `name` and HTTP `status`; returns the error. */
async function rejectsWith(promise, name, status = 400) {
  let caught;
  await assert.rejects(promise, (err) => {
    assert.equal(err.name, name, `${err.name}: ${err.message}`);
    assert.equal(err.$metadata.httpStatusCode, status);
    assert.equal(err.$fault, status >= 500 ? 'server' : 'client');
    caught = err;
    return true;
  });
  return caught;
}

before(async () => {
  server = await startAmplocal();
  ddb = new DynamoDBClient({ endpoint: server.endpoint, region: REGION, credentials: CREDENTIALS });
  await ddb.send(new CreateTableCommand({
    TableName: TABLE,
    AttributeDefinitions: [
      { AttributeName: 'customer', AttributeType: 'S' },
      { AttributeName: 'orderId', AttributeType: 'S' },
      { AttributeName: 'status', AttributeType: 'S' },
      { AttributeName: 'amount', AttributeType: 'N' },
    ],
    KeySchema: [{ AttributeName: 'customer', KeyType: 'HASH' }, { AttributeName: 'orderId', KeyType: 'RANGE' }],
    GlobalSecondaryIndexes: [{
      IndexName: 'byStatus',
      KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }, { AttributeName: 'amount', KeyType: 'RANGE' }],
      Projection: { ProjectionType: 'ALL' },
    }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
});

after(async () => {
  ddb?.destroy();
  await server?.stop();
});

test('CreateTable with a GSI is described back; a duplicate table is ResourceInUseException', async () => {
  const { Table } = await ddb.send(new DescribeTableCommand({ TableName: TABLE }));
  assert.equal(Table.TableName, TABLE);
  assert.equal(Table.TableStatus, 'ACTIVE');
  assert.match(Table.TableArn, /^arn:aws:dynamodb:us-east-1:\d{12}:table\/Orders$/);
  assert.deepEqual(Table.KeySchema, [{ AttributeName: 'customer', KeyType: 'HASH' }, { AttributeName: 'orderId', KeyType: 'RANGE' }]);
  assert.equal(Table.GlobalSecondaryIndexes.length, 1);
  const gsi = Table.GlobalSecondaryIndexes[0];
  assert.equal(gsi.IndexName, 'byStatus');
  assert.equal(gsi.IndexStatus, 'ACTIVE');
  assert.equal(gsi.Projection.ProjectionType, 'ALL');
  assert.equal(Table.BillingModeSummary?.BillingMode, 'PAY_PER_REQUEST');
  const { TableNames } = await ddb.send(new ListTablesCommand({}));
  assert.ok(TableNames.includes(TABLE));
  await rejectsWith(ddb.send(new CreateTableCommand({
    TableName: TABLE,
    AttributeDefinitions: [{ AttributeName: 'customer', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'customer', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  })), 'ResourceInUseException');
});

test('PutItem / GetItem round-trip every attribute type; GetItem of a missing key has no Item', async () => {
  const item = order('alice', 'o-1', 'NEW', 25, {
    tags: { SS: ['a', 'b'] },
    counts: { NS: ['1', '2.5'] },
    blob: { B: Uint8Array.from([0, 1, 2, 255]) },
    blobs: { BS: [Uint8Array.from([9]), Uint8Array.from([8, 7])] },
    flag: { BOOL: true },
    nothing: { NULL: true },
    lines: { L: [S('x'), N(2), { M: { deep: S('y') } }] },
    address: { M: { city: S('Oslo'), zip: S('0150') } },
  });
  const put = await ddb.send(new PutItemCommand({ TableName: TABLE, Item: item, ReturnConsumedCapacity: 'TOTAL' }));
  assert.equal(put.Attributes, undefined);
  assert.equal(put.ConsumedCapacity?.TableName, TABLE);
  const got = await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { customer: S('alice'), orderId: S('o-1') }, ConsistentRead: true }));
  // Sets are unordered: compare them sorted.
  const norm = (it) => ({
    ...it, tags: { SS: [...it.tags.SS].sort() }, counts: { NS: [...it.counts.NS].sort() },
    blobs: { BS: it.blobs.BS.map((b) => Buffer.from(b).toString('hex')).sort() },
  });
  assert.deepEqual(norm(got.Item), norm(item));

  const proj = await ddb.send(new GetItemCommand({
    TableName: TABLE, Key: { customer: S('alice'), orderId: S('o-1') },
    ProjectionExpression: '#s, address.city, #l[2].deep', ExpressionAttributeNames: { '#s': 'status', '#l': 'lines' },
  }));
  assert.deepEqual(proj.Item, { status: S('NEW'), address: { M: { city: S('Oslo') } }, lines: { L: [{ M: { deep: S('y') } }] } });
  // `lines` (like `status`) is a DynamoDB reserved word: used bare it is a ValidationException.
  const reserved = await rejectsWith(ddb.send(new GetItemCommand({
    TableName: TABLE, Key: { customer: S('alice'), orderId: S('o-1') }, ProjectionExpression: 'lines',
  })), 'ValidationException');
  assert.match(reserved.message, /reserved keyword: lines/);

  const missing = await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { customer: S('alice'), orderId: S('nope') } }));
  assert.equal(missing.Item, undefined);
});

test('PutItem with ReturnValues ALL_OLD returns the replaced item', async () => {
  await ddb.send(new PutItemCommand({ TableName: TABLE, Item: order('bob', 'o-1', 'NEW', 10) }));
  const res = await ddb.send(new PutItemCommand({ TableName: TABLE, Item: order('bob', 'o-1', 'NEW', 11), ReturnValues: 'ALL_OLD' }));
  assert.deepEqual(res.Attributes, order('bob', 'o-1', 'NEW', 10));
});

test('UpdateItem with a ConditionExpression applies SET/ADD/REMOVE and returns ALL_NEW / UPDATED_OLD', async () => {
  const Key = { customer: S('carol'), orderId: S('o-9') };
  await ddb.send(new PutItemCommand({ TableName: TABLE, Item: { ...order('carol', 'o-9', 'NEW', 40), note: S('tmp'), version: N(1) } }));
  const res = await ddb.send(new UpdateItemCommand({
    TableName: TABLE, Key,
    UpdateExpression: 'SET #s = :paid, amount = amount + :inc, history = list_append(if_not_exists(history, :empty), :h) ADD version :one REMOVE note',
    ConditionExpression: '#s = :new AND version = :v1 AND attribute_exists(note)',
    ExpressionAttributeNames: { '#s': 'status' },
    ExpressionAttributeValues: {
      ':paid': S('PAID'), ':new': S('NEW'), ':inc': N(2.5), ':empty': { L: [] }, ':h': { L: [S('paid')] }, ':one': N(1), ':v1': N(1),
    },
    ReturnValues: 'ALL_NEW',
  }));
  assert.deepEqual(res.Attributes, {
    customer: S('carol'), orderId: S('o-9'), status: S('PAID'), amount: N(42.5), history: { L: [S('paid')] }, version: N(2),
  });

  const old = await ddb.send(new UpdateItemCommand({
    TableName: TABLE, Key, UpdateExpression: 'SET amount = :a', ExpressionAttributeValues: { ':a': N(1) }, ReturnValues: 'UPDATED_OLD',
  }));
  assert.deepEqual(old.Attributes, { amount: N(42.5) });

  // UpdateItem on a missing key creates the item (upsert) unless a condition forbids it.
  const created = await ddb.send(new UpdateItemCommand({
    TableName: TABLE, Key: { customer: S('carol'), orderId: S('o-new') }, UpdateExpression: 'SET #s = :s, amount = :a',
    ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': S('NEW'), ':a': N(3) }, ReturnValues: 'ALL_NEW',
  }));
  assert.deepEqual(created.Attributes, order('carol', 'o-new', 'NEW', 3));
});

test('ConditionalCheckFailedException: PutItem attribute_not_exists and UpdateItem with ReturnValuesOnConditionCheckFailure ALL_OLD (err.Item)', async () => {
  const Key = { customer: S('dave'), orderId: S('o-1') };
  await ddb.send(new PutItemCommand({ TableName: TABLE, Item: order('dave', 'o-1', 'NEW', 5) }));
  const putErr = await rejectsWith(ddb.send(new PutItemCommand({
    TableName: TABLE, Item: order('dave', 'o-1', 'NEW', 999), ConditionExpression: 'attribute_not_exists(customer)',
  })), 'ConditionalCheckFailedException');
  assert.equal(putErr.Item, undefined);
  assert.match(putErr.message, /conditional request failed/i);

  const err = await rejectsWith(ddb.send(new UpdateItemCommand({
    TableName: TABLE, Key, UpdateExpression: 'SET amount = :a', ConditionExpression: '#s = :paid',
    ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':a': N(0), ':paid': S('PAID') },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  })), 'ConditionalCheckFailedException');
  assert.deepEqual(err.Item, order('dave', 'o-1', 'NEW', 5));

  // Nothing was written by either failed request.
  const got = await ddb.send(new GetItemCommand({ TableName: TABLE, Key }));
  assert.deepEqual(got.Item, order('dave', 'o-1', 'NEW', 5));

  // DeleteItem with a failing condition also keeps the item.
  await rejectsWith(ddb.send(new DeleteItemCommand({
    TableName: TABLE, Key, ConditionExpression: 'amount > :n', ExpressionAttributeValues: { ':n': N(100) },
  })), 'ConditionalCheckFailedException');
  const del = await ddb.send(new DeleteItemCommand({ TableName: TABLE, Key, ReturnValues: 'ALL_OLD' }));
  assert.deepEqual(del.Attributes, order('dave', 'o-1', 'NEW', 5));
  assert.equal((await ddb.send(new GetItemCommand({ TableName: TABLE, Key }))).Item, undefined);
});

test('BatchWriteItem puts and deletes; BatchGetItem reads them back', async () => {
  const puts = [];
  for (let i = 0; i < 12; i++) puts.push({ PutRequest: { Item: order('erin', `o-${String(i).padStart(2, '0')}`, i % 3 === 0 ? 'SHIPPED' : 'NEW', 100 + i) } });
  const res = await ddb.send(new BatchWriteItemCommand({ RequestItems: { [TABLE]: puts } }));
  assert.deepEqual(res.UnprocessedItems ?? {}, {});
  await ddb.send(new BatchWriteItemCommand({
    RequestItems: { [TABLE]: [{ DeleteRequest: { Key: { customer: S('erin'), orderId: S('o-11') } } }] },
  }));
  const got = await ddb.send(new BatchGetItemCommand({
    RequestItems: {
      [TABLE]: {
        Keys: [{ customer: S('erin'), orderId: S('o-00') }, { customer: S('erin'), orderId: S('o-11') }, { customer: S('erin'), orderId: S('o-05') }],
        ProjectionExpression: 'orderId, amount',
      },
    },
  }));
  const items = got.Responses[TABLE].map((it) => it.orderId.S).sort();
  assert.deepEqual(items, ['o-00', 'o-05']);
  assert.deepEqual(got.UnprocessedKeys ?? {}, {});

  // Two requests for the same key in one batch are a ValidationException.
  await rejectsWith(ddb.send(new BatchWriteItemCommand({
    RequestItems: { [TABLE]: [{ PutRequest: { Item: order('erin', 'dup', 'NEW', 1) } }, { DeleteRequest: { Key: { customer: S('erin'), orderId: S('dup') } } }] },
  })), 'ValidationException');
});

test('Query on the main key and on the GSI (key condition, sort order, Limit pagination)', async () => {
  const main = await ddb.send(new QueryCommand({
    TableName: TABLE, KeyConditionExpression: 'customer = :c AND begins_with(orderId, :p)',
    ExpressionAttributeValues: { ':c': S('erin'), ':p': S('o-0') }, ScanIndexForward: false,
  }));
  assert.deepEqual(main.Items.map((i) => i.orderId.S), ['o-09', 'o-08', 'o-07', 'o-06', 'o-05', 'o-04', 'o-03', 'o-02', 'o-01', 'o-00']);
  assert.equal(main.Count, 10);

  const shipped = await ddb.send(new QueryCommand({
    TableName: TABLE, IndexName: 'byStatus', KeyConditionExpression: '#s = :s AND amount BETWEEN :lo AND :hi',
    ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': S('SHIPPED'), ':lo': N(100), ':hi': N(110) },
  }));
  // erin o-00, o-03, o-06, o-09 are SHIPPED with amounts 100, 103, 106, 109 (ascending by the GSI sort key).
  assert.deepEqual(shipped.Items.map((i) => Number(i.amount.N)), [100, 103, 106, 109]);
  assert.ok(shipped.Items.every((i) => i.customer.S === 'erin'));

  const pages = [];
  let ExclusiveStartKey;
  do {
    const page = await ddb.send(new QueryCommand({
      TableName: TABLE, IndexName: 'byStatus', KeyConditionExpression: '#s = :s', Limit: 3, ExclusiveStartKey,
      ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': S('SHIPPED') },
    }));
    pages.push(page.Items.map((i) => Number(i.amount.N)));
    ExclusiveStartKey = page.LastEvaluatedKey;
    if (ExclusiveStartKey) assert.deepEqual(Object.keys(ExclusiveStartKey).sort(), ['amount', 'customer', 'orderId', 'status']);
  } while (ExclusiveStartKey);
  assert.deepEqual(pages.flat(), [100, 103, 106, 109]);
  assert.equal(pages[0].length, 3);

  // Select COUNT returns only the count.
  const count = await ddb.send(new QueryCommand({
    TableName: TABLE, KeyConditionExpression: 'customer = :c', ExpressionAttributeValues: { ':c': S('erin') }, Select: 'COUNT',
  }));
  assert.equal(count.Count, 11);
  assert.equal(count.Items, undefined);
});

test('Scan with a FilterExpression counts ScannedCount vs Count and paginates', async () => {
  const res = await ddb.send(new ScanCommand({
    TableName: TABLE, FilterExpression: 'customer = :c AND amount >= :min AND #s <> :shipped',
    ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':c': S('erin'), ':min': N(105), ':shipped': S('SHIPPED') },
  }));
  assert.deepEqual(res.Items.map((i) => i.orderId.S).sort(), ['o-05', 'o-07', 'o-08', 'o-10']);
  assert.equal(res.Count, 4);
  assert.ok(res.ScannedCount > res.Count, `ScannedCount ${res.ScannedCount}`);

  let total = 0;
  let scanned = 0;
  let ExclusiveStartKey;
  let pages = 0;
  do {
    const page = await ddb.send(new ScanCommand({ TableName: TABLE, Limit: 4, ExclusiveStartKey }));
    pages += 1;
    assert.ok(page.ScannedCount <= 4);
    total += page.Count;
    scanned += page.ScannedCount;
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  const all = await ddb.send(new ScanCommand({ TableName: TABLE, Select: 'COUNT' }));
  assert.equal(total, all.Count);
  assert.equal(scanned, all.Count);
  assert.ok(pages >= Math.ceil(all.Count / 4));
});

test('TransactWriteItems applies Put, Update, Delete and ConditionCheck atomically; TransactGetItems reads them', async () => {
  await ddb.send(new PutItemCommand({ TableName: TABLE, Item: order('frank', 'o-1', 'NEW', 10) }));
  await ddb.send(new PutItemCommand({ TableName: TABLE, Item: order('frank', 'o-2', 'NEW', 20) }));
  await ddb.send(new PutItemCommand({ TableName: TABLE, Item: order('frank', 'lock', 'OPEN', 0) }));
  await ddb.send(new TransactWriteItemsCommand({
    ClientRequestToken: 'js-tx-1',
    TransactItems: [
      { Put: { TableName: TABLE, Item: order('frank', 'o-3', 'NEW', 30), ConditionExpression: 'attribute_not_exists(orderId)' } },
      { Update: { TableName: TABLE, Key: { customer: S('frank'), orderId: S('o-1') }, UpdateExpression: 'SET #s = :p', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':p': S('PAID') } } },
      { Delete: { TableName: TABLE, Key: { customer: S('frank'), orderId: S('o-2') } } },
      { ConditionCheck: { TableName: TABLE, Key: { customer: S('frank'), orderId: S('lock') }, ConditionExpression: '#s = :open', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':open': S('OPEN') } } },
    ],
  }));
  const got = await ddb.send(new TransactGetItemsCommand({
    TransactItems: ['o-1', 'o-2', 'o-3'].map((id) => ({ Get: { TableName: TABLE, Key: { customer: S('frank'), orderId: S(id) } } })),
  }));
  assert.equal(got.Responses.length, 3);
  assert.equal(got.Responses[0].Item.status.S, 'PAID');
  assert.equal(got.Responses[1].Item, undefined);
  assert.deepEqual(got.Responses[2].Item, order('frank', 'o-3', 'NEW', 30));
});

test('TransactionCanceledException carries CancellationReasons (None / ConditionalCheckFailed with Item) and writes nothing', async () => {
  const err = await rejectsWith(ddb.send(new TransactWriteItemsCommand({
    TransactItems: [
      { Put: { TableName: TABLE, Item: order('frank', 'o-4', 'NEW', 40) } },
      {
        Update: {
          TableName: TABLE, Key: { customer: S('frank'), orderId: S('o-1') }, UpdateExpression: 'SET amount = :z',
          ConditionExpression: '#s = :new', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':z': N(0), ':new': S('NEW') },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      { ConditionCheck: { TableName: TABLE, Key: { customer: S('frank'), orderId: S('lock') }, ConditionExpression: 'attribute_exists(orderId)' } },
    ],
  })), 'TransactionCanceledException');
  assert.equal(err.CancellationReasons.length, 3);
  assert.equal(err.CancellationReasons[0].Code, 'None');
  assert.equal(err.CancellationReasons[1].Code, 'ConditionalCheckFailed');
  assert.deepEqual(err.CancellationReasons[1].Item, order('frank', 'o-1', 'PAID', 10));
  assert.equal(err.CancellationReasons[2].Code, 'None');
  assert.match(err.message, /Transaction cancelled.*\[None, ConditionalCheckFailed, None\]/);
  // The successful Put in the cancelled transaction did not land.
  assert.equal((await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { customer: S('frank'), orderId: S('o-4') } }))).Item, undefined);

  // Two operations on one item in a transaction is a ValidationException, not a cancellation.
  await rejectsWith(ddb.send(new TransactWriteItemsCommand({
    TransactItems: [
      { Put: { TableName: TABLE, Item: order('frank', 'o-5', 'NEW', 1) } },
      { Delete: { TableName: TABLE, Key: { customer: S('frank'), orderId: S('o-5') } } },
    ],
  })), 'ValidationException');
});

test('A missing table is ResourceNotFoundException for reads, writes and Describe', async () => {
  const Key = { customer: S('x'), orderId: S('y') };
  for (const cmd of [
    new GetItemCommand({ TableName: 'NoSuchTable', Key }),
    new PutItemCommand({ TableName: 'NoSuchTable', Item: Key }),
    new QueryCommand({ TableName: 'NoSuchTable', KeyConditionExpression: 'customer = :c', ExpressionAttributeValues: { ':c': S('x') } }),
    new DescribeTableCommand({ TableName: 'NoSuchTable' }),
  ]) {
    const err = await rejectsWith(ddb.send(cmd), 'ResourceNotFoundException');
    assert.ok(err.message.length > 0);
  }
  await rejectsWith(ddb.send(new QueryCommand({
    TableName: TABLE, IndexName: 'noSuchIndex', KeyConditionExpression: 'customer = :c', ExpressionAttributeValues: { ':c': S('x') },
  })), 'ValidationException');
});

test('Bad keys and bad expressions are ValidationException', async () => {
  // Missing the sort key.
  await rejectsWith(ddb.send(new GetItemCommand({ TableName: TABLE, Key: { customer: S('alice') } })), 'ValidationException');
  // Wrong key type (N for an S key).
  const typeErr = await rejectsWith(ddb.send(new GetItemCommand({ TableName: TABLE, Key: { customer: N(1), orderId: S('o-1') } })), 'ValidationException');
  assert.match(typeErr.message, /key/i);
  // An extra non-key attribute in Key.
  await rejectsWith(ddb.send(new GetItemCommand({ TableName: TABLE, Key: { customer: S('a'), orderId: S('b'), status: S('c') } })), 'ValidationException');
  // PutItem without the sort key.
  await rejectsWith(ddb.send(new PutItemCommand({ TableName: TABLE, Item: { customer: S('a'), status: S('NEW') } })), 'ValidationException');
  // An empty string as a key value.
  await rejectsWith(ddb.send(new PutItemCommand({ TableName: TABLE, Item: { customer: S(''), orderId: S('x') } })), 'ValidationException');
  // A GSI key attribute of the wrong type.
  const gsiErr = await rejectsWith(ddb.send(new PutItemCommand({ TableName: TABLE, Item: { customer: S('a'), orderId: S('x'), status: S('NEW'), amount: S('ten') } })), 'ValidationException');
  assert.match(gsiErr.message, /Type mismatch for Index Key amount Expected: N Actual: S IndexName: byStatus/);
  // An expression placeholder that is never defined, and a syntax error.
  await rejectsWith(ddb.send(new UpdateItemCommand({
    TableName: TABLE, Key: { customer: S('alice'), orderId: S('o-1') }, UpdateExpression: 'SET amount = :undefined',
  })), 'ValidationException');
  await rejectsWith(ddb.send(new ScanCommand({ TableName: TABLE, FilterExpression: 'amount >>= :x', ExpressionAttributeValues: { ':x': N(1) } })), 'ValidationException');
  // Updating a key attribute is not allowed.
  await rejectsWith(ddb.send(new UpdateItemCommand({
    TableName: TABLE, Key: { customer: S('alice'), orderId: S('o-1') }, UpdateExpression: 'SET orderId = :o', ExpressionAttributeValues: { ':o': S('o-2') },
  })), 'ValidationException');
  // The item is untouched by all of the above.
  const got = await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { customer: S('alice'), orderId: S('o-1') } }));
  assert.equal(got.Item.amount.N, '25');
});

test('TransactWriteItems ClientRequestToken: a replay is a no-op, the same token with other items is IdempotentParameterMismatchException', async () => {
  const tx = (amount) => ({
    ClientRequestToken: 'js-idem-1',
    TransactItems: [{ Update: { TableName: TABLE, Key: { customer: S('gina'), orderId: S('o-1') }, UpdateExpression: 'ADD amount :a', ExpressionAttributeValues: { ':a': N(amount) } } }],
  });
  await ddb.send(new TransactWriteItemsCommand(tx(5)));
  await ddb.send(new TransactWriteItemsCommand(tx(5)));
  const got = await ddb.send(new GetItemCommand({ TableName: TABLE, Key: { customer: S('gina'), orderId: S('o-1') } }));
  assert.equal(got.Item.amount.N, '5', 'the replayed transaction must not apply twice');
  await rejectsWith(ddb.send(new TransactWriteItemsCommand(tx(6))), 'IdempotentParameterMismatchException');
});

test('UpdateItem that changes a GSI key moves the item in the index; removing it makes the item leave the sparse index', async () => {
  const Key = { customer: S('hank'), orderId: S('o-1') };
  await ddb.send(new PutItemCommand({ TableName: TABLE, Item: order('hank', 'o-1', 'HELD', 7) }));
  const inStatus = async (status) => (await ddb.send(new QueryCommand({
    TableName: TABLE, IndexName: 'byStatus', KeyConditionExpression: '#s = :s',
    ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': S(status) },
  }))).Items.map((i) => i.orderId.S);
  assert.deepEqual(await inStatus('HELD'), ['o-1']);
  await ddb.send(new UpdateItemCommand({ TableName: TABLE, Key, UpdateExpression: 'SET #s = :r', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':r': S('RELEASED') } }));
  assert.deepEqual(await inStatus('HELD'), []);
  assert.deepEqual(await inStatus('RELEASED'), ['o-1']);
  await ddb.send(new UpdateItemCommand({ TableName: TABLE, Key, UpdateExpression: 'REMOVE #s', ExpressionAttributeNames: { '#s': 'status' } }));
  assert.deepEqual(await inStatus('RELEASED'), []);
  assert.ok((await ddb.send(new GetItemCommand({ TableName: TABLE, Key }))).Item, 'the item itself stays');
});
