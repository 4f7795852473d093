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
import { execFileSync, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [devserverBinary, sdkDir] = process.argv.slice(2).map((p) => p && resolve(p));
if (!devserverBinary || !sdkDir) {
  console.error('usage: node compaction.mjs <powersync-devserver> <dir with node_modules/@powersync/node>');
  process.exit(2);
}
const OVERALL_TIMEOUT_MS = 120_000;
const STEP_TIMEOUT_MS = 30_000;
setTimeout(() => {
  console.error(`compaction: gave up after ${OVERALL_TIMEOUT_MS / 1000} s`);
  process.exit(1);
}, OVERALL_TIMEOUT_MS).unref();

const requireFromSdk = createRequire(join(sdkDir, 'package.json'));
const Database = requireFromSdk('better-sqlite3');
const sdkPackageDir = join(sdkDir, 'node_modules', '@powersync', 'node');
const sdkEntry = JSON.parse(readFileSync(join(sdkPackageDir, 'package.json'), 'utf8')).exports['.'].import;
const { PowerSyncDatabase, Schema, Table, column, LogLevels, createConsoleLogger } = await import(
  pathToFileURL(join(sdkPackageDir, sdkEntry)).href
);

const SECRET = 'compaction-secret-of-at-least-32-bytes!!';
const b64url = (buf) => Buffer.from(buf).toString('base64url');
function mintToken(sub) {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'c' }));
  const payload = b64url(JSON.stringify({ sub, aud: 'powersync-dev', iat: now, exp: now + 3600 }));
  const signature = createHmac('sha256', SECRET).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

const work = mkdtempSync(join(tmpdir(), 'powersync-compaction-'));
const configPath = join(work, 'devserver.yaml');
writeFileSync(
  configPath,
  `port: 0
host: 127.0.0.1
storage: {type: sqlite, path: storage.db}
replication:
  connections: [{type: sqlite, path: backend.db, demo_schema: false}]
sync_config:
  content: |
    config:
      edition: 3
    streams:
      my_lists:
        query: SELECT * FROM lists WHERE owner_id = auth.user_id()
        auto_subscribe: true
client_auth:
  jwks:
    keys: [{kty: oct, alg: HS256, kid: c, k: ${b64url(SECRET)}}]
  audience: [powersync-dev]
devserver: {keepalive_seconds: 5, poll_interval_ms: 20, compact_interval_seconds: 0}
`
);
const backend = new Database(join(work, 'backend.db'));
backend.pragma('journal_mode = WAL');
backend.pragma('busy_timeout = 5000');
backend.exec('CREATE TABLE lists (id TEXT PRIMARY KEY NOT NULL, name TEXT, owner_id TEXT)');
const insert = backend.prepare("INSERT INTO lists VALUES (?, 'new', 'alice')");
for (let i = 0; i < 40; i++) insert.run(`l${i}`);

const child = spawn(devserverBinary, ['serve', '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
let stderr = '';
child.stderr.on('data', (d) => (stderr += d));
const endpoint = await new Promise((resolve, reject) => {
  let out = '';
  const timer = setTimeout(() => reject(new Error(`devserver did not start: ${stderr}`)), 20_000);
  child.stdout.on('data', (d) => {
    out += d;
    const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    if (m) {
      clearTimeout(timer);
      resolve(m[1]);
    }
  });
  child.on('exit', (code) => reject(new Error(`devserver exited with ${code}: ${stderr}`)));
});

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
    fetchCredentials: async () => ({ endpoint, token: mintToken('alice') }),
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

async function eventually(description, check) {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  let lastError;
  while (Date.now() < deadline) {
    try {
      return await check();
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  console.error(`compaction: ${description} did not happen within ${STEP_TIMEOUT_MS / 1000} s`);
  throw lastError;
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
  child.kill('SIGTERM');
  await new Promise((r) => (child.exitCode != null ? r() : child.on('exit', r)));
  backend.close();
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
