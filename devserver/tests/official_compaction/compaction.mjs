// The official @powersync/node SDK across powersync-devserver compaction (MOVE and CLEAR ops):
//
//   node devserver/tests/official_compaction/compaction.mjs <powersync-devserver> <install dir of the SDK>
//
// One client syncs and stays connected while rows are updated and deleted, another syncs and
// goes offline, then `powersync-devserver compact` runs on the live server's storage. The live
// client gets later changes, the offline one reconnects from a position inside the new CLEAR,
// and two fresh clients (BSON and NDJSON) sync the compacted buckets; all streams are gzip. Each must hold the
// backend's rows with the server's bucket checksums, without a download error. Exits non-zero on
// failure and gives up after a fixed time.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  giveUpAfter, hs256Minter, loadSdk, makeEventually, parseArgs, startDevserver, writeDevserverConfig
} from '../official/harness.mjs';

const { devserverBinary, sdkDir } = parseArgs('compaction.mjs');
giveUpAfter('compaction', 120_000);
const eventually = makeEventually('compaction', 30_000);
const { Database, sdk } = await loadSdk(sdkDir);
const { PowerSyncDatabase, Schema, Table, column, LogLevels, createConsoleLogger } = sdk;

const AUTH = { secret: 'compaction-secret-of-at-least-32-bytes!!', kid: 'c', audience: 'powersync-dev' };
const mintToken = hs256Minter(AUTH);

const work = mkdtempSync(join(tmpdir(), 'powersync-compaction-'));
const configPath = writeDevserverConfig(work, {
  ...AUTH,
  syncConfig: `config:
  edition: 3
streams:
  my_lists:
    query: SELECT * FROM lists WHERE owner_id = auth.user_id()
    auto_subscribe: true`,
  devserver: '{keepalive_seconds: 5, poll_interval_ms: 20, compact_interval_seconds: 0}'
});
const backend = new Database(join(work, 'backend.db'));
backend.pragma('journal_mode = WAL');
backend.pragma('busy_timeout = 5000');
backend.exec('CREATE TABLE lists (id TEXT PRIMARY KEY NOT NULL, name TEXT, owner_id TEXT)');
const insert = backend.prepare("INSERT INTO lists VALUES (?, 'new', 'alice')");
for (let i = 0; i < 40; i++) insert.run(`l${i}`);

const server = await startDevserver(devserverBinary, configPath);
const { endpoint } = server;

const schema = new Schema({ lists: new Table({ name: column.text, owner_id: column.text }) });
const logger = createConsoleLogger({ minLevel: LogLevels.warn });
const contentTypes = new Set();
const contentEncodings = new Set();

async function openClient(name, accept) {
  const db = new PowerSyncDatabase({
    schema,
    database: { dbFilename: `${name}.db`, dbLocation: work },
    logger,
    remoteOptions: {
      customFetch: async (resource, init) => {
        const isStream = String(resource).endsWith('/sync/stream');
        if (isStream && accept) init = { ...init, headers: { ...init.headers, accept } };
        const res = await fetch(resource, init);
        if (isStream && res.ok) {
          contentTypes.add(res.headers.get('content-type'));
          contentEncodings.add(res.headers.get('content-encoding'));
        }
        return res;
      }
    }
  });
  await db.init();
  await connect(db);
  return db;
}
async function connect(db) {
  await db.connect({
    fetchCredentials: async () => ({ endpoint, token: mintToken({ sub: 'alice' }) }),
    uploadData: async () => {}
  });
}

function serverBuckets() {
  const storage = new Database(join(work, 'storage.db'), { readonly: true });
  try {
    return Object.fromEntries(storage.prepare('SELECT name, checksum FROM buckets').all().map((b) => [b.name, b.checksum]));
  } finally {
    storage.close();
  }
}
function serverOps() {
  const storage = new Database(join(work, 'storage.db'), { readonly: true });
  try {
    return storage.prepare('SELECT op_id, op FROM oplog ORDER BY op_id').all();
  } finally {
    storage.close();
  }
}

async function converged(step, clients) {
  for (const [name, db] of Object.entries(clients)) {
    await eventually(`${step}: ${name} converges`, async () => {
      const expected = backend.prepare("SELECT id, name FROM lists WHERE owner_id = 'alice' ORDER BY id").all();
      assert.deepEqual(await db.getAll('SELECT id, name FROM lists ORDER BY id'), expected);
      const buckets = await db.getAll('SELECT name, (add_checksum + op_checksum) & 4294967295 AS checksum FROM ps_buckets');
      assert.ok(buckets.length > 0);
      const server = serverBuckets();
      for (const b of buckets) assert.equal(b.checksum, server[b.name], `${name}: checksum of ${b.name}`);
      assert.equal(db.currentStatus.connected, true);
      assert.equal(db.currentStatus.dataFlowStatus.downloadError, undefined);
    });
  }
  console.log(`ok - ${step}`);
}

// Each round is replicated before the next, so every update is an op of its own.
async function replicated() {
  await eventually('replication', async () => {
    assert.equal(backend.prepare('SELECT count(*) AS n FROM _powersync_devserver_changes').get().n, 0);
  });
}

const clients = {};
let failed = false;
try {
  clients.live = await openClient('live', null);
  clients.offline = await openClient('offline', null);
  await converged('first sync', { live: clients.live, offline: clients.offline });
  await clients.offline.disconnect();

  for (let round = 0; round < 3; round++) {
    backend.prepare('UPDATE lists SET name = ?').run(`round ${round}`);
    await replicated();
  }
  backend.prepare("DELETE FROM lists WHERE id IN ('l0', 'l1', 'l2', 'l3')").run();
  await replicated();
  await converged('updates and deletes reach the live client', { live: clients.live });

  const before = serverBuckets();
  const output = execFileSync(devserverBinary, ['compact', '--config', configPath], { encoding: 'utf8' });
  // 40 inserts and 3 rounds of 40 updates, 4 deletes: all but the last PUT of each row move (124).
  assert.match(output, /compacted 1 buckets: 124 ops moved, \d+ ops replaced by 1 CLEAR ops/, output);
  assert.deepEqual(serverBuckets(), before, 'compaction kept the bucket checksums');
  const ops = serverOps();
  assert.equal(ops[0].op, 'CLEAR');
  console.log(`ok - compact on the running server: ${output.trim()}`);

  backend.prepare("UPDATE lists SET name = 'after compaction' WHERE id = 'l7'").run();
  insert.run('l40');
  await replicated();
  await connect(clients.offline);
  clients.fresh_bson = await openClient('fresh_bson', null);
  clients.fresh_ndjson = await openClient('fresh_ndjson', 'application/x-ndjson');
  await converged('live, reconnecting (position inside the CLEAR) and fresh clients converge', clients);
  assert.deepEqual([...contentTypes].sort(), ['application/vnd.powersync.bson-stream', 'application/x-ndjson']);
  const stored = await clients.fresh_bson.getAll('SELECT count(*) AS n FROM ps_oplog');
  assert.equal(stored[0].n, 37, 'a fresh client stores only the live rows');
  // Node's fetch sends Accept-Encoding: gzip, deflate; the devserver answers gzip, as the service.
  assert.deepEqual([...contentEncodings], ['gzip']);
  console.log('ok - fresh clients synced the compacted bucket over BSON and NDJSON, gzip-compressed');
} catch (e) {
  failed = true;
  console.error('compaction FAILED:', e);
} finally {
  for (const db of Object.values(clients)) {
    await db.disconnectAndClear().catch(() => {});
    await db.close().catch(() => {});
  }
  await server.stop();
  backend.close();
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
