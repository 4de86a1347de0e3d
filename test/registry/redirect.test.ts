import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { closeIdleConnections, pull, push } from '../../src/registry/index.js';
import { readAll, send } from '../../src/registry/transport.js';
import { Store } from '../../src/store/index.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { startRegistry, type RegistryHandle } from './harness.js';
import { busyboxImage, importIntoStore } from './image-fixture.js';

async function listen(handler: http.RequestListener): Promise<{ server: http.Server; origin: string }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('redirects never carry Authorization to another origin', () => {
  test('transport: kept on the same origin, dropped on another, 303 turns into GET', async () => {
    const seen: { path: string; method: string; auth?: string; body: string }[] = [];
    let otherOrigin = '';
    const record: http.RequestListener = (req, res) => {
      void (async () => {
        const body = (await readAll({ status: 0, headers: {}, body: req, url: new URL('http://x') })).toString();
        seen.push({ path: req.url ?? '', method: req.method ?? '', auth: req.headers.authorization, body });
        if (req.url === '/start') res.writeHead(307, { location: '/same' }).end();
        else if (req.url === '/same') res.writeHead(302, { location: `${otherOrigin}/other` }).end();
        else if (req.url === '/post') res.writeHead(303, { location: '/after-post' }).end();
        else res.end('ok');
      })();
    };
    const a = await listen(record);
    const b = await listen(record);
    otherOrigin = b.origin;
    try {
      const res = await send({ method: 'GET', url: new URL(`${a.origin}/start`), headers: { authorization: 'Bearer secret' } });
      assert.equal((await readAll(res)).toString(), 'ok');
      assert.equal(res.url.origin, b.origin);
      assert.deepEqual(seen.map((s) => [s.path, s.auth]), [['/start', 'Bearer secret'], ['/same', 'Bearer secret'], ['/other', undefined]]);
      seen.length = 0;
      const posted = await send({ method: 'POST', url: new URL(`${a.origin}/post`), body: Buffer.from('payload'), headers: { authorization: 'Basic x' } });
      posted.body.resume();
      assert.deepEqual(seen.map((s) => [s.method, s.path, s.body]), [['POST', '/post', 'payload'], ['GET', '/after-post', '']]);
    } finally {
      closeIdleConnections();
      a.server.close();
      b.server.close();
    }
  });

  describe('pull from a token registry whose blobs redirect to storage elsewhere', () => {
    let token: RegistryHandle;
    let storage: RegistryHandle;
    let front: FaultProxy;
    let back: FaultProxy;
    let scratch: string;

    before(async () => {
      [token, storage] = await Promise.all([startRegistry('token'), startRegistry('plain')]);
      front = await startFaultProxy(token.host);
      back = await startFaultProxy(storage.host);
      scratch = await mkdtemp(path.join(os.tmpdir(), 'slipway-redirect-'));
    });
    after(async () => {
      closeIdleConnections();
      await Promise.all([front.close(), back.close()]);
      await Promise.all([token.stop(), storage.stop()]);
      await rm(scratch, { recursive: true, force: true });
    });

    test('blob GETs follow the redirect without the registry token', async () => {
      const image = await busyboxImage();
      const src = await Store.open({ root: path.join(scratch, 'src') });
      await importIntoStore(src, image, 'example.com/busybox:fixture');
      await token.login();
      await push('example.com/busybox:fixture', `${token.host}/r/busybox:1`, { store: src, env: token.env });
      await push('example.com/busybox:fixture', `${storage.host}/r/busybox:1`, { store: src, env: storage.env });
      front.clear();
      back.clear();
      for (const blob of [image.config, ...image.layers]) {
        front.add({ method: 'GET', path: new RegExp(`/blobs/${blob.digest}$`), fault: { type: 'redirect', to: `http://${back.host}` } });
      }
      const store = await Store.open({ root: path.join(scratch, 'dst') });
      const pulled = await pull(`${front.host}/r/busybox:1`, { store, env: token.env });
      assert.equal(pulled.digest, image.manifest.digest);
      const frontBlobs = front.log.filter((l) => l.path.includes('/blobs/'));
      assert.equal(frontBlobs.length, 3);
      assert.ok(frontBlobs.every((l) => l.authorized), 'the registry itself gets the token');
      const backBlobs = back.log.filter((l) => l.path.includes('/blobs/'));
      assert.equal(backBlobs.length, 3);
      assert.ok(backBlobs.every((l) => !l.authorized), 'the other origin never sees it');
    });
  });
});
