// Shared by the runs of the official @powersync/node SDK against powersync-devserver
// (official/conformance.mjs, official_compaction/compaction.mjs): arguments, the SDK loaded
// from its install dir, HS256 tokens, the devserver's config, process and a retry helper.

import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

// `node <script> <powersync-devserver> <install dir of the SDK>`; exits 2 on anything else.
export function parseArgs(script) {
  const [devserverBinary, sdkDir] = process.argv.slice(2).map((p) => p && resolve(p));
  if (!devserverBinary || !sdkDir) {
    console.error(`usage: node ${script} <powersync-devserver> <dir with node_modules/@powersync/node>`);
    process.exit(2);
  }
  return { devserverBinary, sdkDir };
}

// Ends the process with a failure once `ms` have passed, whatever is still waiting.
export function giveUpAfter(name, ms) {
  setTimeout(() => {
    console.error(`${name}: gave up after ${ms / 1000} s`);
    process.exit(1);
  }, ms).unref();
}

// better-sqlite3 and the SDK's exports, from the directory scripts/official-node-sdk.sh filled.
export async function loadSdk(sdkDir) {
  const requireFromSdk = createRequire(join(sdkDir, 'package.json'));
  const Database = requireFromSdk('better-sqlite3');
  const sdkPackageDir = join(sdkDir, 'node_modules', '@powersync', 'node');
  const entry = JSON.parse(readFileSync(join(sdkPackageDir, 'package.json'), 'utf8')).exports['.'].import;
  const sdk = await import(pathToFileURL(join(sdkPackageDir, entry)).href);
  return { Database, sdk };
}

export const b64url = (buf) => Buffer.from(buf).toString('base64url');

// A function minting one-hour HS256 tokens for `claims` (sub and any others).
export function hs256Minter({ secret, kid, audience }) {
  return (claims) => {
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid }));
    const payload = b64url(JSON.stringify({ aud: audience, iat: now, exp: now + 3600, ...claims }));
    const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
    return `${header}.${payload}.${signature}`;
  };
}

// Writes <work>/devserver.yaml: free loopback port, storage and backend in `work`, the sync
// config inline, one HS256 key; `devserver` is the devserver: mapping as flow YAML.
export function writeDevserverConfig(work, { syncConfig, secret, kid, audience, devserver }) {
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
${syncConfig.split('\n').map((l) => '    ' + l).join('\n')}
client_auth:
  jwks:
    keys: [{kty: oct, alg: HS256, kid: ${kid}, k: ${b64url(secret)}}]
  audience: [${audience}]
devserver: ${devserver}
`
  );
  return configPath;
}

// Starts `powersync-devserver serve` and resolves once it prints its address.
export async function startDevserver(binary, configPath) {
  const child = spawn(binary, ['serve', '--config', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
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
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode != null ? r() : child.on('exit', r)));
  };
  return { child, endpoint, stop };
}

// eventually(description, check): retries `check` every 100 ms until it passes, for at most
// `timeoutMs`; then reports `description` and throws the last failure.
export function makeEventually(name, timeoutMs) {
  return async (description, check) => {
    const deadline = Date.now() + timeoutMs;
    let lastError;
    while (Date.now() < deadline) {
      try {
        return await check();
      } catch (e) {
        lastError = e;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    console.error(`${name}: ${description} did not happen within ${timeoutMs / 1000} s`);
    throw lastError;
  };
}
