import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { linkSync, lstatSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StatCache } from '../../src/context/index.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'slipway-statcache-'));
// ctimes move in clock ticks (a few ms): wait one out between the changes compared.
const tick = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
after(() => rmSync(dir, { recursive: true, force: true }));

test('relinked re-keys a record after our own link, and only a record that matched the stat before it', () => {
  const f = path.join(dir, 'f');
  writeFileSync(f, 'old content');
  const cache = StatCache.memory();
  cache.store(f, lstatSync(f), 'sha256:old');

  // Our link moves the ctime; the record follows it.
  tick();
  let before = lstatSync(f);
  linkSync(f, path.join(dir, 'f-link-1'));
  cache.relinked(f, before, lstatSync(f));
  assert.equal(cache.lookup(f, lstatSync(f)), 'sha256:old');

  // The user rewrites it (same size, mtime put back) before our next link: the ctime moved
  // for a reason that is not ours, so the record must not be carried over.
  const st = lstatSync(f);
  tick();
  writeFileSync(f, 'new content');
  utimesSync(f, st.atime, st.mtime);
  before = lstatSync(f);
  linkSync(f, path.join(dir, 'f-link-2'));
  cache.relinked(f, before, lstatSync(f));
  assert.equal(cache.lookup(f, lstatSync(f)), undefined, 'a stale digest is never re-keyed');
});
