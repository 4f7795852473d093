// The official @powersync/node SDK's side of goal P6: N local writes queued in a fresh
// database, then connect with a connector whose uploadData takes batches of 1000 and completes
// them without sending anything (a no-op backend); prints the time until the queue is empty.
//   node upload_drain.mjs <node_modules dir> <db file> <endpoint> <token> <ops>
import { createRequire } from 'node:module';
import path from 'node:path';

const [modulesDir, dbFile, endpoint, token, opsText] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(modulesDir), 'noop.js'));
const { PowerSyncDatabase, Schema, Table, column, SyncStreamConnectionMethod } = await import(require.resolve('@powersync/node'));

const items = new Table({ name: column.text, description: column.text, category: column.text, quantity: column.integer, price: column.real });
const db = new PowerSyncDatabase({
  schema: new Schema({ items }),
  database: { dbFilename: path.basename(dbFile), dbLocation: path.dirname(dbFile) },
});
await db.init();
const ops = Number(opsText);
await db.writeTransaction(async (tx) => {
  for (let i = 0; i < ops; i++) {
    await tx.execute('INSERT INTO items(id, name, description, category, quantity, price) VALUES(uuid(), ?, ?, ?, ?, ?)',
      [`item ${i}`, 'a local write to upload', 'cat-1', i, i / 100]);
  }
});

let finished;
const drained = new Promise((resolve) => { finished = resolve; });
let uploaded = 0;
const connector = {
  async fetchCredentials() { return { endpoint, token }; },
  async uploadData(database) {
    const batch = await database.getCrudBatch(1000);
    if (!batch) return;
    uploaded += batch.crud.length;
    await batch.complete();
    if (!batch.haveMore) finished(performance.now());
  },
};
const started = performance.now();
await db.connect(connector, { connectionMethod: SyncStreamConnectionMethod.HTTP, crudUploadThrottleMs: 0 });
const ended = await drained;
const left = (await db.get('SELECT count(*) AS n FROM ps_crud')).n;
await db.disconnect();
await db.close();
console.log(JSON.stringify({ seconds: (ended - started) / 1000, uploaded, left }));
process.exit(0);
