// The official @powersync/node SDK's side of bench/initial_sync: a fresh database, connect to
// the devserver, waitForFirstSync, count the rows. Prints one JSON line with the timings.
//   node initial_sync.mjs <node_modules dir> <db file> <endpoint> <token> <expected rows>
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const [modulesDir, dbFile, endpoint, token, expectedText] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(modulesDir), 'noop.js'));
const sdk = await import(require.resolve('@powersync/node'));
const { PowerSyncDatabase, Schema, Table, column, SyncStreamConnectionMethod } = sdk;

const items = new Table({ name: column.text, description: column.text, category: column.text, quantity: column.integer, price: column.real });
const schema = new Schema({ items });

const db = new PowerSyncDatabase({
  schema,
  database: { dbFilename: path.basename(dbFile), dbLocation: path.dirname(dbFile) },
});
await db.init();

const connector = {
  async fetchCredentials() { return { endpoint, token }; },
  async uploadData() {},
};

const started = performance.now();
await db.connect(connector, { connectionMethod: SyncStreamConnectionMethod.HTTP });
await db.waitForFirstSync();
const synced = performance.now();
const count = (await db.get('SELECT count(*) AS n FROM items')).n;
const status = db.currentStatus;
await db.disconnect();
await db.close();
// Peak RSS of this process (VmHWM); the parent's wait4 figure would include its own peak from
// before the exec, which Linux carries into the child's ru_maxrss.
const hwm = /VmHWM:\s*(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'));
console.log(JSON.stringify({
  seconds: (synced - started) / 1000,
  vm_hwm_kib: hwm ? Number(hwm[1]) : null,
  rows: count,
  expected: Number(expectedText),
  error: status?.dataFlowStatus?.downloadError ? String(status.dataFlowStatus.downloadError) : null,
}));
process.exit(0);
