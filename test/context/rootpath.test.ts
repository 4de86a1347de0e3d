import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isSlipwayError } from '../../src/errors.js';
import { resolveInRoot } from '../../src/context/index.js';

let root: string;
before(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'slipway-rootpath-'));
  mkdirSync(path.join(root, 'usr/lib'), { recursive: true });
  symlinkSync('usr/lib', path.join(root, 'lib'));
  symlinkSync('/usr', path.join(root, 'abs'));
  symlinkSync('../../../../etc', path.join(root, 'usr/up'));
  symlinkSync('loop2', path.join(root, 'loop1'));
  symlinkSync('loop1', path.join(root, 'loop2'));
});
after(() => rmSync(root, { recursive: true, force: true }));

describe('resolveInRoot', () => {
  const cases: [string, string][] = [
    ['/', ''],
    ['lib/x.so', 'usr/lib/x.so'],
    ['/abs/lib', 'usr/lib'],
    ['usr/up/passwd', 'etc/passwd'],
    ['../../..', ''],
    ['usr/../../lib/./y', 'usr/lib/y'],
    ['missing/a/b', 'missing/a/b'],
  ];
  for (const [input, expected] of cases) {
    it(`${input} -> /${expected}`, async () => {
      assert.equal(await resolveInRoot(root, input), path.join(root, expected));
    });
  }

  it('keeps a final symlink when asked not to follow it', async () => {
    assert.equal(await resolveInRoot(root, 'lib', false), path.join(root, 'lib'));
    assert.equal(await resolveInRoot(root, 'lib/z', false), path.join(root, 'usr/lib/z'));
  });

  it('stops symlink loops with PATH_SYMLINK_LOOP', async () => {
    await assert.rejects(resolveInRoot(root, 'loop1/x'), (e: unknown) => isSlipwayError(e) && e.code === 'PATH_SYMLINK_LOOP');
  });
});
