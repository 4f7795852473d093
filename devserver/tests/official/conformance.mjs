// Conformance run: the official @powersync/node SDK syncing from powersync-devserver.
//
//   node devserver/tests/official/conformance.mjs <powersync-devserver binary> <install dir of the SDK>
//
// Starts the devserver on a free loopback port with a temp config and backend, connects two
// users whose tokens (minted here, HS256) and stream parameters differ, and checks after every
// step that each user's replica holds exactly what the sync config gives that user out of the
// backend, computed here independently from the backend rows. Steps: the first sync, writes
// through the official client uploaded by its connector to the devserver's upload API, backend
// writes from another process, and rows leaving a user's buckets. Exits non-zero on any failure
// and gives up after a fixed time.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  giveUpAfter, hs256Minter, loadSdk, makeEventually, parseArgs, startDevserver, writeDevserverConfig
} from './harness.mjs';

const { devserverBinary, sdkDir } = parseArgs('conformance.mjs');
const STEP_TIMEOUT_MS = 30_000;
giveUpAfter('conformance', 120_000);
const eventually = makeEventually('conformance', STEP_TIMEOUT_MS);
const { Database, sdk } = await loadSdk(sdkDir);
const { PowerSyncDatabase, Schema, Table, column, LogLevels, createConsoleLogger } = sdk;

// ---- devserver config, backend and tokens --------------------------------------------------

const AUTH = { secret: 'conformance-secret-of-at-least-32-bytes!', kid: 'conformance', audience: 'powersync-dev' };
const mintToken = hs256Minter(AUTH);

// Streams: by token subject (priority 1), by a token claim (output table renamed), by a
// subscription parameter, by a connection parameter with a column subset, by an IN (subquery)
// lookup whose result changes while the clients are connected, and a legacy bucket definition.
const SYNC_CONFIG = `
config:
  edition: 3
streams:
  my_lists:
    query: SELECT * FROM lists WHERE owner_id = auth.user_id()
    auto_subscribe: true
    priority: 1
  org_lists:
    query: SELECT id, name AS title FROM lists AS org_lists WHERE org = auth.jwt() ->> 'org'
    auto_subscribe: true
  list_todos:
    query: SELECT * FROM todos WHERE list_id = subscription.parameter('list_id')
  flagged:
    query: SELECT id, description FROM todos AS flagged_todos WHERE flag = connection.parameter('flag')
    auto_subscribe: true
  shared:
    query: SELECT id, description FROM todos AS shared_todos WHERE list_id IN (SELECT list_id FROM list_shares WHERE user_id = auth.user_id())
    auto_subscribe: true
bucket_definitions:
  done_by_me:
    parameters: SELECT request.user_id() AS user_id
    data:
      - SELECT id, description FROM todos AS done_todos WHERE created_by = bucket.user_id AND done = 1
`;

const work = mkdtempSync(join(tmpdir(), 'powersync-conformance-'));
const backendPath = join(work, 'backend.db');
const configPath = writeDevserverConfig(work, {
  ...AUTH,
  syncConfig: SYNC_CONFIG,
  devserver: '{keepalive_seconds: 5, poll_interval_ms: 50}'
});

const backend = new Database(backendPath);
backend.pragma('journal_mode = WAL');
backend.pragma('busy_timeout = 5000');
backend.exec(`
  CREATE TABLE lists (id TEXT PRIMARY KEY NOT NULL, name TEXT, owner_id TEXT, org TEXT);
  CREATE TABLE todos (id TEXT PRIMARY KEY NOT NULL, list_id TEXT, description TEXT, done INTEGER,
                      flag TEXT, weight REAL, created_by TEXT);
  CREATE TABLE list_shares (id TEXT PRIMARY KEY NOT NULL, list_id TEXT, user_id TEXT);
  INSERT INTO list_shares VALUES ('sh0', 'ls', 'bob');
`);
const insertList = backend.prepare('INSERT INTO lists VALUES (?, ?, ?, ?)');
const insertTodo = backend.prepare('INSERT INTO todos VALUES (?, ?, ?, ?, ?, ?, ?)');
insertList.run('la', 'Alice groceries', 'alice', 'acme');
insertList.run('lb', 'Bob chores', 'bob', 'globex');
insertList.run('ls', 'Shared plans', 'carol', 'acme');
insertTodo.run('t1', 'la', 'milk', 0, 'red', 1.5, 'alice');
insertTodo.run('t2', 'la', 'bread', 1, 'blue', null, 'alice');
insertTodo.run('t3', 'lb', 'vacuum', 0, 'blue', 2, 'bob');
insertTodo.run('t4', 'ls', 'trip', 0, 'red', 0.25, 'carol');
insertTodo.run('t5', 'ls', 'ünïcödé ✓ "quoted"', 0, null, null, 'carol');
for (let i = 0; i < 1500; i++) insertTodo.run(`bulk${i}`, 'lb', `bulk todo ${i}`, i % 2, null, i / 4, 'bob');

// ---- what each user must see, computed from the backend --------------------------------------

// Alice's client negotiates as shipped (it prefers BSON); Bob's asks for NDJSON only, so both
// response formats are covered.
const USERS = {
  alice: { claims: { sub: 'alice', org: 'acme' }, params: { flag: 'red' }, lists: ['la', 'ls'], accept: null },
  bob: {
    claims: { sub: 'bob', org: 'globex' },
    params: { flag: 'blue' },
    lists: ['lb', 'la'],
    accept: 'application/x-ndjson'
  }
};
const streamContentTypes = { alice: new Set(), bob: new Set() };

function expectedReplica(user) {
  const u = USERS[user];
  const rows = (sql, ...args) => backend.prepare(sql).all(...args);
  const marks = u.lists.map(() => '?').join(',');
  return {
    lists: rows('SELECT id, name, owner_id, org FROM lists WHERE owner_id = ?', u.claims.sub),
    org_lists: rows('SELECT id, name AS title FROM lists WHERE org = ?', u.claims.org),
    todos: rows(`SELECT id, list_id, description, done, flag, weight, created_by FROM todos WHERE list_id IN (${marks})`,
      ...u.lists),
    flagged_todos: rows('SELECT id, description FROM todos WHERE flag = ?', u.params.flag),
    shared_todos: rows(
      'SELECT id, description FROM todos WHERE list_id IN (SELECT list_id FROM list_shares WHERE user_id = ?)',
      u.claims.sub
    ),
    done_todos: rows('SELECT id, description FROM todos WHERE created_by = ? AND done = 1', u.claims.sub)
  };
}

async function actualReplica(db) {
  return {
    lists: await db.getAll('SELECT id, name, owner_id, org FROM lists'),
    org_lists: await db.getAll('SELECT id, title FROM org_lists'),
    todos: await db.getAll('SELECT id, list_id, description, done, flag, weight, created_by FROM todos'),
    flagged_todos: await db.getAll('SELECT id, description FROM flagged_todos'),
    shared_todos: await db.getAll('SELECT id, description FROM shared_todos'),
    done_todos: await db.getAll('SELECT id, description FROM done_todos')
  };
}

// Rows as sorted JSON, so replica and backend compare regardless of order.
function canonical(replica) {
  const out = {};
  for (const [table, rows] of Object.entries(replica)) {
    out[table] = rows.map((r) => JSON.stringify(r)).sort();
  }
  return out;
}

const schema = new Schema({
  lists: new Table({ name: column.text, owner_id: column.text, org: column.text }),
  org_lists: new Table({ title: column.text }),
  todos: new Table({
    list_id: column.text,
    description: column.text,
    done: column.integer,
    flag: column.text,
    weight: column.real,
    created_by: column.text
  }),
  flagged_todos: new Table({ description: column.text }),
  shared_todos: new Table({ description: column.text }),
  done_todos: new Table({ description: column.text })
});

// ---- the devserver ---------------------------------------------------------------------------

const server = await startDevserver(devserverBinary, configPath);
console.log(`devserver at ${server.endpoint}`);

// ---- the official client -----------------------------------------------------------------

const uploads = { requests: 0, rejected: [] };

function connectorFor(user) {
  return {
    async fetchCredentials() {
      return { endpoint: server.endpoint, token: mintToken(USERS[user].claims) };
    },
    // The connector shape the PowerSync docs show: one transaction at a time to the backend API.
    async uploadData(db) {
      const tx = await db.getNextCrudTransaction();
      if (!tx) return;
      const batch = tx.crud.map((e) => ({ op: e.op, type: e.table, id: e.id, data: e.opData }));
      const res = await fetch(`${server.endpoint}/api/data`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${mintToken(USERS[user].claims)}` },
        body: JSON.stringify({ batch })
      });
      if (!res.ok) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
      const body = await res.json();
      uploads.requests++;
      uploads.rejected.push(...body.data.rejected);
      await tx.complete();
    }
  };
}

const logger = createConsoleLogger({ minLevel: process.env.CONFORMANCE_DEBUG ? LogLevels.debug : LogLevels.warn });

// The SDK's fetch, observed: records the content type of each sync stream response and, for
// users with an `accept`, replaces the Accept header the SDK sends.
function fetchFor(user) {
  return async (resource, init) => {
    const isStream = String(resource).endsWith('/sync/stream');
    if (isStream && USERS[user].accept) init = { ...init, headers: { ...init.headers, accept: USERS[user].accept } };
    const res = await fetch(resource, init);
    if (isStream && res.ok) streamContentTypes[user].add(res.headers.get('content-type'));
    return res;
  };
}

async function openClient(user) {
  const db = new PowerSyncDatabase({
    schema,
    database: { dbFilename: `${user}.db`, dbLocation: work },
    logger,
    remoteOptions: { customFetch: fetchFor(user) }
  });
  await db.init();
  await db.connect(connectorFor(user), { params: USERS[user].params });
  const subscriptions = [];
  for (const list of USERS[user].lists) {
    subscriptions.push(await db.syncStream('list_todos', { list_id: list }).subscribe());
  }
  return { db, subscriptions };
}

async function converged(step, clients) {
  for (const [user, { db }] of Object.entries(clients)) {
    await eventually(`${step}: ${user}'s replica converges`, async () => {
      const pending = await db.getAll('SELECT count(*) AS n FROM ps_crud');
      assert.equal(pending[0].n, 0, `${user} still has uploads queued`);
      assert.deepEqual(canonical(await actualReplica(db)), canonical(expectedReplica(user)));
      const status = db.currentStatus;
      assert.equal(status.connected, true, `${user} is not connected`);
      assert.equal(status.dataFlowStatus.downloadError, undefined);
      assert.equal(status.dataFlowStatus.uploadError, undefined);
    });
  }
  console.log(`ok - ${step}`);
}

let clients = {};
let failed = false;
try {
  clients = { alice: await openClient('alice'), bob: await openClient('bob') };
  for (const { db, subscriptions } of Object.values(clients)) {
    await db.waitForFirstSync({ signal: AbortSignal.timeout(STEP_TIMEOUT_MS) });
    for (const sub of subscriptions) await sub.waitForFirstSync(AbortSignal.timeout(STEP_TIMEOUT_MS));
  }
  await converged('first sync of five streams and a bucket definition for two users', clients);
  assert.equal((await clients.bob.db.getAll("SELECT count(*) AS n FROM todos WHERE id LIKE 'bulk%'"))[0].n, 1500);

  // Writes through the official client: insert, update, delete; uploaded by the connectors.
  const alice = clients.alice.db;
  const bob = clients.bob.db;
  await alice.writeTransaction(async (tx) => {
    await tx.execute("INSERT INTO todos (id, list_id, description, done, flag, created_by) VALUES ('a1', 'la', 'eggs', 0, 'red', 'alice')");
    await tx.execute("UPDATE todos SET description = 'oat milk', done = 1 WHERE id = 't1'");
    await tx.execute("DELETE FROM todos WHERE id = 't2'");
  });
  await bob.execute("INSERT INTO lists (id, name, owner_id, org) VALUES ('lb2', 'Bob garage', 'bob', 'globex')");
  await bob.execute("UPDATE todos SET flag = 'blue', weight = 9.5 WHERE id = 't1'");
  await converged('client writes uploaded and synced to both users', clients);
  const t1 = backend.prepare("SELECT * FROM todos WHERE id = 't1'").get();
  assert.equal(t1.description, 'oat milk');
  assert.equal(t1.flag, 'blue');
  assert.equal(backend.prepare("SELECT count(*) AS n FROM todos WHERE id = 't2'").get().n, 0);
  assert.equal(backend.prepare("SELECT owner_id FROM lists WHERE id = 'lb2'").get().owner_id, 'bob');

  // A client write that moves a row out of the writer's own buckets: after the upload the row
  // must leave Alice's replica (REMOVE) and arrive at Bob's.
  await alice.execute("UPDATE todos SET list_id = 'lb' WHERE id = 'a1'");
  await converged('a row moved by its writer leaves her buckets', clients);
  assert.equal((await alice.getAll("SELECT count(*) AS n FROM todos WHERE id = 'a1'"))[0].n, 0);
  assert.equal((await bob.getAll("SELECT list_id FROM todos WHERE id = 'a1'"))[0].list_id, 'lb');

  // Backend writes from another process: ownership and org changes, a delete, a bulk update.
  backend.transaction(() => {
    backend.prepare("UPDATE lists SET owner_id = 'bob' WHERE id = 'la'").run();
    backend.prepare("UPDATE lists SET org = 'globex' WHERE id = 'ls'").run();
    backend.prepare("UPDATE todos SET flag = 'red' WHERE id = 't3'").run();
    backend.prepare("DELETE FROM todos WHERE id = 't4'").run();
    backend.prepare("UPDATE todos SET done = 1 - done WHERE id LIKE 'bulk%'").run();
  })();
  await converged('backend changes, rows leaving and entering buckets', clients);
  assert.equal((await alice.getAll("SELECT count(*) AS n FROM lists WHERE id = 'la'"))[0].n, 0);
  assert.equal((await bob.getAll("SELECT count(*) AS n FROM org_lists WHERE id = 'ls'"))[0].n, 1);

  // The lookup's result changes: a list shared with Alice, Bob's share revoked. Both open
  // streams get a checkpoint_diff adding or removing the bucket.
  backend.transaction(() => {
    backend.prepare("INSERT INTO list_shares VALUES ('sh1', 'la', 'alice')").run();
    backend.prepare("DELETE FROM list_shares WHERE id = 'sh0'").run();
  })();
  await converged('a list shared and one unshared while connected (IN subquery)', clients);
  assert.ok((await alice.getAll('SELECT count(*) AS n FROM shared_todos'))[0].n > 0);
  assert.equal((await bob.getAll('SELECT count(*) AS n FROM shared_todos'))[0].n, 0);

  assert.deepEqual([...streamContentTypes.alice], ['application/vnd.powersync.bson-stream']);
  assert.deepEqual([...streamContentTypes.bob], ['application/x-ndjson']);
  console.log('ok - Alice synced over BSON, Bob over NDJSON');
  assert.deepEqual(uploads.rejected, [], 'the upload API rejected rows');
  assert.ok(uploads.requests >= 3, `expected at least 3 upload requests, saw ${uploads.requests}`);
  console.log(`ok - ${uploads.requests} uploads, none rejected`);
} catch (e) {
  failed = true;
  console.error('conformance FAILED:', e);
} finally {
  for (const { db } of Object.values(clients)) {
    await db.disconnectAndClear().catch(() => {});
    await db.close().catch(() => {});
  }
  await server.stop();
  backend.close();
  if (!process.env.CONFORMANCE_KEEP) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}
process.exit(failed ? 1 : 0);
