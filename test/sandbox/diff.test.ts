import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { diffUpper, type LayerChange } from '../../src/sandbox/index.js';
import { makeSandbox, mountsUnder, type Sandbox } from './fixture.js';

let sbx: Sandbox;
let lowers: string[];
before(() => {
  sbx = makeSandbox();
  // A second layer like a real base has: the dirs runc mounts over, and /opt/a.
  const base2 = path.join(sbx.tmp, 'base2');
  for (const d of ['dev', 'proc', 'sys', 'opt/a/sub']) mkdirSync(path.join(base2, d), { recursive: true });
  writeFileSync(path.join(base2, 'opt/a/b'), 'b');
  writeFileSync(path.join(base2, 'opt/a/sub/c'), 'c');
  lowers = [sbx.rootfs, base2];
});
after(() => {
  assert.deepEqual(mountsUnder(sbx.tmp), []);
  sbx.dispose();
});

/** Runs a script on the two-layer base and returns its changes as `type path` lines. */
async function changesOf(script: string, extra: Parameters<Sandbox['sh']>[1] = {}): Promise<{ lines: string[]; changes: LayerChange[]; upperDir: string }> {
  const r = await sbx.sh(script, { lowerDirs: lowers, ...extra });
  assert.equal(r.exitCode, 0, r.stderr);
  const changes = await diffUpper({ upperDir: r.upperDir, lowerDirs: r.lowerDirs, stateDir: sbx.stateDir });
  return { lines: changes.map((c) => `${c.type} ${c.path}`), changes, upperDir: r.upperDir };
}

describe('diffUpper', () => {
  it('reports nothing for a step that changes nothing (hosts/resolv.conf stubs included)', async () => {
    const { lines } = await changesOf('true');
    assert.deepEqual(lines, []);
  });

  it('lists added files with their parents, in canonical order', async () => {
    const { lines } = await changesOf('mkdir -p /a /z && echo 1 > /a/b && echo 2 > /a-b && echo 3 > /z/y && echo 4 > /tmp/t');
    assert.deepEqual(lines, ['add a', 'add a/b', 'add a-b', 'add tmp', 'add tmp/t', 'add z', 'add z/y']);
  });

  it('turns a deletion into a whiteout, with the parent directory', async () => {
    const { lines, upperDir } = await changesOf('rm /etc/group');
    const st = lstatSync(path.join(upperDir, 'etc/group'));
    assert.ok(st.isCharacterDevice() && st.rdev === 0, 'overlay left a 0/0 whiteout device');
    assert.deepEqual(lines, ['add etc', 'whiteout etc/group']);
  });

  it('drops files created and deleted in the same step', async () => {
    const { lines } = await changesOf('echo x > /etc/tmpfile && rm /etc/tmpfile && mkdir /gone && rmdir /gone');
    // /etc's mtime changed but mode and owner did not: BuildKit skips such a directory.
    assert.deepEqual(lines, []);
  });

  it('turns rm -rf of a lower directory and its re-creation into an opaque directory', async () => {
    const { lines } = await changesOf('rm -rf /opt/a && mkdir /opt/a && echo n > /opt/a/new');
    assert.deepEqual(lines, ['add opt', 'add opt/a', 'opaque opt/a', 'add opt/a/new']);
  });

  it('puts whiteouts of a directory before its entries and keeps modified files', async () => {
    const { lines } = await changesOf('rm -r /opt/a/sub && rm /opt/a/b && echo changed >> /etc/passwd && echo z > /opt/a/aa');
    assert.deepEqual(lines, ['add etc', 'add etc/passwd', 'add opt', 'add opt/a', 'whiteout opt/a/b', 'whiteout opt/a/sub', 'add opt/a/aa']);
  });

  it('skips unchanged copy-ups: chown/chmod to the same values', async () => {
    const { lines } = await changesOf('chmod 755 /bin && chown 0:0 /etc && touch /opt');
    assert.deepEqual(lines, []);
  });

  it('sees file capabilities added to an otherwise unchanged copy-up', async () => {
    const plain = await changesOf('chmod 755 /bin/busybox');
    assert.deepEqual(plain.lines, []);
    const r = await sbx.sh('chmod 755 /bin/busybox', { lowerDirs: lowers });
    // What `setcap cap_net_bind_service+ep` writes; setcap keeps size and mtime.
    execFileSync('setfattr', ['-n', 'security.capability', '-v', '0x0100000200040000000000000000000000000000', path.join(r.upperDir, 'bin/busybox')]);
    const changes = await diffUpper({ upperDir: r.upperDir, lowerDirs: r.lowerDirs, stateDir: sbx.stateDir });
    assert.deepEqual(changes.map((c) => `${c.type} ${c.path}`), ['add bin', 'add bin/busybox']);
  });

  it('reports mode and owner changes of lower entries', async () => {
    const { changes } = await changesOf('chmod 700 /opt && chown 1:1 /etc/passwd');
    assert.deepEqual(
      changes.map((c) => (c.type === 'add' ? [c.path, c.stat.kind, c.stat.mode.toString(8), c.stat.uid, c.stat.gid] : [c.type])),
      [['etc', 'dir', '755', 0, 0], ['etc/passwd', 'file', '644', 1, 1], ['opt', 'dir', '700', 0, 0]],
    );
  });

  it('gives stat info: symlink targets, hardlinks, sizes, devices', async () => {
    const { changes } = await changesOf('cd /tmp && ln -s ../etc/passwd l && printf 12345 > h1 && ln h1 h2 && mknod null c 1 3 && mkfifo p');
    const byPath = new Map(changes.flatMap((c) => (c.type === 'add' ? [[c.path, c.stat] as const] : [])));
    assert.deepEqual([...byPath.keys()], ['tmp', 'tmp/h1', 'tmp/h2', 'tmp/l', 'tmp/null', 'tmp/p']);
    assert.equal(byPath.get('tmp/l')!.linkTarget, '../etc/passwd');
    assert.equal(byPath.get('tmp/l')!.kind, 'symlink');
    assert.equal(byPath.get('tmp/h1')!.size, 5);
    assert.equal(byPath.get('tmp/h1')!.ino, byPath.get('tmp/h2')!.ino);
    assert.equal(byPath.get('tmp/h1')!.nlink, 2);
    assert.deepEqual([byPath.get('tmp/null')!.kind, byPath.get('tmp/null')!.devMajor, byPath.get('tmp/null')!.devMinor], ['char', 1, 3]);
    assert.equal(byPath.get('tmp/p')!.kind, 'fifo');
    assert.equal(byPath.get('tmp')!.mode, 0o1777);
  });

  it('keeps mount stubs out of the layer, but keeps the created workdir', async () => {
    const src = path.join(sbx.tmp, 'stubsrc');
    mkdirSync(src, { recursive: true });
    const { lines } = await changesOf('echo hi > /tmp/out', {
      process: { args: ['/bin/sh', '-c', 'echo hi > out'], env: ['PATH=/bin'], cwd: '/work/dir', uid: 0, gid: 0, additionalGids: [] },
      mounts: [
        { type: 'bind', source: src, target: '/mnt/deep/src', readonly: true },
        { type: 'secret', target: '/etc/app/token', data: 'tok', mode: 0o400, uid: 0, gid: 0 },
        { type: 'secret', target: '/etc/token2', data: 'tok', mode: 0o400, uid: 0, gid: 0 },
        { type: 'tmpfs', target: '/run/t' },
        { type: 'cache', source: path.join(sbx.tmp, 'c2'), target: '/root/.cache/x' },
      ],
    });
    assert.deepEqual(lines, ['add work', 'add work/dir', 'add work/dir/out']);
  });

  it('honours whiteouts and opaque dirs inside the lower layers', async () => {
    const l1 = path.join(sbx.tmp, 'wl1');
    const l2 = path.join(sbx.tmp, 'wl2');
    for (const f of ['a/f', 'a/g', 'o/old']) {
      mkdirSync(path.dirname(path.join(l1, f)), { recursive: true });
      writeFileSync(path.join(l1, f), f);
    }
    mkdirSync(path.join(l2, 'a'), { recursive: true });
    mkdirSync(path.join(l2, 'o'), { recursive: true });
    writeFileSync(path.join(l2, 'o/new'), 'new');
    execFileSync('mknod', [path.join(l2, 'a/f'), 'c', '0', '0']);
    execFileSync('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', path.join(l2, 'o')]);
    const r = await sbx.sh('ls /a /o; echo again > /a/f; rm /o/new; rm /a/g', { lowerDirs: [sbx.rootfs, l1, l2] });
    assert.equal(r.stdout, '/a:\ng\n\n/o:\nnew\n');
    const changes = await diffUpper({ upperDir: r.upperDir, lowerDirs: r.lowerDirs, stateDir: sbx.stateDir });
    assert.deepEqual(changes.map((c) => `${c.type} ${c.path}`), [
      'add a', 'whiteout a/g', 'add a/f', 'add dev', 'add o', 'whiteout o/new', 'add proc', 'add sys',
    ]);
  });

  it('diffs a step on an empty base (FROM scratch) without a base view', async () => {
    const dirs = sbx.layerDirs();
    mkdirSync(path.join(dirs.upperDir, 'x/y'), { recursive: true });
    writeFileSync(path.join(dirs.upperDir, 'x/y/f'), 'f');
    const changes = await diffUpper({ upperDir: dirs.upperDir, lowerDirs: [], stateDir: sbx.stateDir });
    assert.deepEqual(changes.map((c) => `${c.type} ${c.path}`), ['add x', 'add x/y', 'add x/y/f']);
  });
});
