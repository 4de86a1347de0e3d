// Planning needs nothing but the text: run it in a child Node whose permission model
// denies every file read outside the compiled code (and all child processes), with the
// network functions replaced by ones that throw, and compare with the in-process plan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { repoRoot } from '../helpers/paths.js';
import { planDockerfile } from '../../src/plan/index.js';

const distRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DOCKERFILE = [
  '# syntax=docker/dockerfile:1',
  'ARG GO_VERSION=1.22',
  '# build compiles the binary',
  'FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build',
  'ARG TARGETOS TARGETARCH',
  'WORKDIR /src',
  'COPY go.mod go.sum ./',
  'RUN --mount=type=cache,target=/go/pkg/mod --mount=type=secret,id=netrc,target=/root/.netrc go mod download',
  'COPY . .',
  'RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .',
  'FROM alpine:3.20',
  'ADD https://example.com/ca.pem /etc/ssl/ca.pem',
  'COPY --from=build /out/app /usr/local/bin/app',
  'COPY <<EOF /etc/app.conf',
  'listen = ":${PORT:-8080}"',
  'EOF',
  'EXPOSE 8080',
  'ENTRYPOINT ["app"]',
].join('\n') + '\n';
const OPTIONS = { buildArgs: { GO_VERSION: '1.23', http_proxy: 'http://127.0.0.1:3128' }, buildPlatform: { os: 'linux', architecture: 'amd64' }, targetPlatform: { os: 'linux', architecture: 'arm64' } };

const CHILD = `
import net from 'node:net';
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
const denied = (what) => () => { throw new Error('network used: ' + what); };
net.connect = net.createConnection = denied('net.connect');
net.Socket.prototype.connect = denied('socket.connect');
dns.lookup = denied('dns.lookup');
dns.promises.lookup = denied('dns.promises.lookup');
http.request = http.get = https.request = https.get = denied('http');
globalThis.fetch = denied('fetch');
syncBuiltinESMExports();
let sandboxed = false;
try { readFileSync(${JSON.stringify(path.join(repoRoot, 'package.json'))}); } catch (e) { sandboxed = e.code === 'ERR_ACCESS_DENIED'; }
const { planDockerfile } = await import(${JSON.stringify(pathToFileURL(path.join(distRoot, 'src/plan/index.js')).href)});
const input = JSON.parse(process.argv[1]);
process.stdout.write(JSON.stringify({ sandboxed, plan: planDockerfile(input.text, input.options) }));
`;

test('planning runs with no file access beyond its own code and no network', () => {
  const out = execFileSync(process.execPath, [
    '--experimental-permission', '--no-warnings',
    `--allow-fs-read=${path.join(distRoot, 'src')}/*`,
    `--allow-fs-read=${path.join(distRoot, 'grammar')}/*`,
    `--allow-fs-read=${path.join(repoRoot, 'node_modules')}/*`,
    '--input-type=module', '-e', CHILD, JSON.stringify({ text: DOCKERFILE, options: OPTIONS }),
  ], { encoding: 'utf8', cwd: '/' });
  const child = JSON.parse(out) as { sandboxed: boolean; plan: ReturnType<typeof planDockerfile> };
  assert.equal(child.sandboxed, true, 'the child could read a file outside its code');
  const local = planDockerfile(DOCKERFILE, OPTIONS);
  assert.deepEqual(child.plan, JSON.parse(JSON.stringify(local)));
  assert.deepEqual(local.errors, []);
  assert.deepEqual(local.stages.map((s) => [s.index, s.name, s.base]), [[0, 'build', { type: 'image', ref: 'golang:1.23' }], [1, null, { type: 'image', ref: 'alpine:3.20' }]]);
  assert.equal(local.stages[0]!.platform, 'linux/amd64');
  const build = local.stages[0]!.steps.map((s) => s.instruction);
  assert.deepEqual(build[0], { type: 'arg', args: [{ name: 'TARGETOS', value: 'linux' }, { name: 'TARGETARCH', value: 'arm64' }] });
  const conf = local.stages[1]!.steps[2]!.instruction;
  assert.deepEqual(conf.type === 'copy' && conf.inline, [{ path: 'EOF', data: 'listen = ":8080"\n' }]);
  assert.deepEqual(local.proxyEnv, { http_proxy: 'http://127.0.0.1:3128' });
});
