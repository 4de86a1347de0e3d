/**
 * bin/slipway, the launcher users run: it keeps Node from parsing NODE_EXTRA_CA_CERTS at
 * start-up, yet HTTPS (here ADD <url>) still trusts the roots it names.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:https';
import path from 'node:path';
import { repoRoot } from '../helpers/paths.js';
import { createPki } from '../registry/pki.js';
import { cleanup, makeContext, storeRoot } from '../build/harness.js';
import { tempDirSync } from '../helpers/tmp.js';

after(cleanup);
const bin = path.join(repoRoot, 'bin', 'slipway');

/** Runs the launcher; asynchronously, as the HTTPS server in this process must answer meanwhile. */
function slipway(args: string[], env: NodeJS.ProcessEnv, via = bin, cwd?: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const base: NodeJS.ProcessEnv = { ...process.env, SLIPWAY_ROOT: storeRoot };
  delete base.NODE_EXTRA_CA_CERTS;
  delete base.SLIPWAY_EXTRA_CA_CERTS;
  const child = spawn(via, args, { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

test('Node does not read NODE_EXTRA_CA_CERTS at start-up: a missing file gives no warning until HTTPS is used', async () => {
  const r = await slipway(['--version'], { NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^slipway \d+\.\d+\.\d+/);
  assert.equal(r.stderr, '');
});

test('run through a symlink (as npm installs it), the launcher finds the bundled CLI', async () => {
  const dir = tempDirSync('slipway-launcher-');
  const link = path.join(dir, 'slipway');
  symlinkSync(bin, link);
  const r = await slipway(['--version'], {}, link);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^slipway \d+\.\d+\.\d+/);
});

test('ADD https://127.0.0.1 with a private CA: trusted through NODE_EXTRA_CA_CERTS, refused without it', async () => {
  const pki = await createPki(tempDirSync('slipway-launcher-pki-'));
  const body = 'over tls\n';
  const server = createServer({ cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey) }, (_req, res) => res.end(body));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const ctx = makeContext({ Dockerfile: `FROM scratch\nADD https://127.0.0.1:${port}/data.txt /data.txt\n` }, false);
    const refused = await slipway(['build', '-q', '--no-cache', ctx], {});
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /failed to fetch https:\/\/127\.0\.0\.1:\d+\/data\.txt: .*certificate/);
    const trusted = await slipway(['build', '-q', '--no-cache', ctx], { NODE_EXTRA_CA_CERTS: pki.caCert });
    assert.equal(trusted.status, 0, trusted.stderr);
    assert.match(trusted.stdout, /^sha256:[0-9a-f]{64}\n$/);
  } finally {
    server.close();
  }
});

test('the launcher is also an ES module: `node bin/slipway` runs the same CLI', async () => {
  const child = spawn(process.execPath, [bin, '--version'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(status, 0);
  assert.match(stdout, /^slipway \d+\.\d+\.\d+\n$/);
});

test('`sh slipway` run from bin/ ($0 without a slash) finds the CLI', async () => {
  const r = await slipway(['slipway', '--version'], {}, '/bin/sh', path.join(repoRoot, 'bin'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^slipway \d+\.\d+\.\d+\n$/);
});

test('builds still see NODE_EXTRA_CA_CERTS in the environment: --build-arg NAME takes it from there', async () => {
  const pki = await createPki(tempDirSync('slipway-launcher-pki-'));
  const ctx = makeContext({ Dockerfile: 'FROM scratch\nCOPY rootfs/ /\nARG NODE_EXTRA_CA_CERTS\nRUN echo "arg=[$NODE_EXTRA_CA_CERTS]"\n' });
  const r = await slipway(['build', '--progress=plain', '--no-cache', '--build-arg', 'NODE_EXTRA_CA_CERTS', ctx], { NODE_EXTRA_CA_CERTS: pki.caCert });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stderr.includes(`arg=[${pki.caCert}]`), r.stderr);
});

test('ADD of a malformed URL is a user error at its line, not an internal one', async () => {
  const ctx = makeContext({ Dockerfile: 'FROM scratch\nADD http://[::1/x /x\n' }, false);
  const r = await slipway(['build', '-q', ctx], {});
  assert.equal(r.status, 1);
  assert.match(r.stderr, /Dockerfile:2:1: ADD http:\/\/\[::1\/x \/x: failed to fetch http:\/\/\[::1\/x: invalid URL\n$/);
});
