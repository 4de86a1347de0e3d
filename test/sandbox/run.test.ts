import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { isSlipwayError } from '../../src/errors.js';
import { diffUpper } from '../../src/sandbox/index.js';
import { makeSandbox, mountsUnder, treeContains, type Sandbox } from './fixture.js';

let sbx: Sandbox;
before(() => {
  sbx = makeSandbox();
});
after(() => {
  assert.deepEqual(mountsUnder(sbx.tmp), []);
  assert.equal(execFileSync('runc', ['--root', sbx.runcRoot, 'list', '-q'], { encoding: 'utf8' }), '');
  sbx.dispose();
});

describe('runStep in runc', () => {
  it('streams stdout and stderr separately and returns exit 0', async () => {
    const r = await sbx.sh('echo hello; echo oops >&2');
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout, 'hello\n');
    assert.equal(r.stderr, 'oops\n');
    assert.deepEqual(mountsUnder(sbx.tmp), []);
  });

  it('delivers output live, before the process ends', async () => {
    let firstAt = 0;
    const started = Date.now();
    const r = await sbx.sh('echo early; sleep 1; echo late', {
      onStdout: () => {
        if (firstAt === 0) firstAt = Date.now();
      },
    });
    assert.equal(r.exitCode, 0);
    assert.ok(firstAt - started < Date.now() - started - 500, 'first chunk came before the sleep ended');
  });

  it('returns the exit code of a failing command, and 127 for a missing one', async () => {
    assert.equal((await sbx.sh('exit 3')).exitCode, 3);
    assert.equal((await sbx.sh('nosuchcommand')).exitCode, 127);
    assert.deepEqual(mountsUnder(sbx.tmp), []);
  });

  it('reports runc failing to exec as a non-zero exit with no mounts left', async () => {
    const r = await sbx.sh('', { process: { args: ['/no/such/binary'], env: [], cwd: '/', uid: 0, gid: 0, additionalGids: [] } });
    assert.notEqual(r.exitCode, 0);
    assert.deepEqual(mountsUnder(sbx.tmp), []);
  });

  it('leaves nothing behind when runc cannot set up a mount', async () => {
    const r = await sbx.sh('true', { mounts: [{ type: 'bind', source: path.join(sbx.tmp, 'no-such-dir'), target: '/mnt/x', readonly: true }] });
    assert.notEqual(r.exitCode, 0);
    assert.match(r.stderr, /no-such-dir/);
    assert.deepEqual(mountsUnder(sbx.tmp), []);
    assert.deepEqual(readdirSync(sbx.stateDir), []);
  });

  it('applies env, cwd (created, owned by the user), uid, gid and additional gids', async () => {
    const r = await sbx.sh('', {
      process: {
        args: ['/bin/sh', '-c', 'echo "$FOO|$BAR"; pwd; id -u; id -g; id -G'],
        env: ['PATH=/bin', 'FOO=one two', 'BAR='],
        cwd: '/srv/app',
        uid: 1000,
        gid: 1000,
        additionalGids: [100, 1001],
      },
    });
    assert.equal(r.stdout, 'one two|\n/srv/app\n1000\n1000\n1000 100 1001\n');
    const st = statSync(path.join(r.upperDir, 'srv/app'));
    assert.equal(st.uid, 1000);
    assert.equal(st.gid, 1000);
    assert.equal(st.mode & 0o7777, 0o755);
  });

  it('writes files into the upper dir only', async () => {
    const r = await sbx.sh('mkdir -p /data && printf abc > /data/x && chmod 640 /data/x');
    assert.equal(readFileSync(path.join(r.upperDir, 'data/x'), 'utf8'), 'abc');
    assert.equal(statSync(path.join(r.upperDir, 'data/x')).mode & 0o777, 0o640);
    assert.equal(existsSync(path.join(sbx.rootfs, 'data')), false);
  });

  it('volatile mode keeps the changes and leaves the dirs reusable for another step', async () => {
    const dirs = sbx.layerDirs();
    const first = await sbx.sh('echo kept > /v', { ...dirs, volatile: true });
    assert.equal(first.exitCode, 0);
    assert.equal(readFileSync(path.join(dirs.upperDir, 'v'), 'utf8'), 'kept\n');
    assert.deepEqual(readdirSync(dirs.workDir), []);
    const second = await sbx.sh('cat /v', { ...dirs, volatile: true });
    assert.equal(second.stdout, 'kept\n');
    assert.deepEqual(mountsUnder(sbx.tmp), []);
  });

  it('sets hostname, /etc/hosts and /etc/resolv.conf read-only', async () => {
    const r = await sbx.sh('hostname; head -1 /etc/hosts; echo x >> /etc/hosts || echo ro-hosts; echo x >> /etc/resolv.conf || echo ro-resolv', {
      hostname: 'box1',
    });
    assert.equal(r.stdout, 'box1\n127.0.0.1\tlocalhost box1\nro-hosts\nro-resolv\n');
  });

  it("gives Docker's capabilities, no new privileges, masked and read-only paths", async () => {
    const r = await sbx.sh(
      "grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status; wc -c < /proc/keys; ls /sys/firmware | wc -l; " +
        "touch /sys/x 2>/dev/null || echo ro-sys; echo 1 > /proc/sys/kernel/domainname 2>/dev/null || echo ro-procsys; " +
        'ls /dev/null /dev/zero /dev/urandom /dev/tty; test -d /dev/pts && test -d /dev/shm && echo devdirs; ulimit -n',
    );
    assert.equal(
      r.stdout,
      'CapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nNoNewPrivs:\t1\n0\n0\nro-sys\nro-procsys\n' +
        '/dev/null\n/dev/tty\n/dev/urandom\n/dev/zero\ndevdirs\n1024\n',
    );
  });

  it("filters system calls as Docker's default seccomp profile refuses them (new namespaces, keyrings), others run", async () => {
    const r = await sbx.sh(
      "grep '^Seccomp:' /proc/self/status; (unshare -U true 2>/dev/null && echo unshare-allowed) || echo unshare-denied; " +
        '(unshare -m true 2>/dev/null && echo mount-ns-allowed) || echo mount-ns-denied; echo ok > /tmp/f && cat /tmp/f',
    );
    assert.equal(r.stdout, 'Seccomp:\t2\nunshare-denied\nmount-ns-denied\nok\n');
  });

  it('network none has only loopback; host sees the host interfaces', async () => {
    const none = await sbx.sh('ls /sys/class/net');
    assert.equal(none.stdout, 'lo\n');
    const host = await sbx.sh('ls /sys/class/net', { network: 'host' });
    assert.deepEqual(host.stdout.trim().split(/\s+/).sort(), readdirSync('/sys/class/net').sort());
  });

  it('binds read-only and read-write dirs, tmpfs and cache dirs', async () => {
    const src = path.join(sbx.tmp, 'bindsrc');
    const cache = path.join(sbx.tmp, 'cache1');
    mkdirSync(src, { recursive: true });
    writeFileSync(path.join(src, 'in'), 'from host');
    const script =
      'cat /mnt/ro/in; echo x > /mnt/ro/new 2>/dev/null || echo ro; echo w > /mnt/rw/w && echo rw; ' +
      'echo t > /scratch/t && echo tmpfs; echo c >> /var/cache/c/log; cat /var/cache/c/log';
    const mounts = [
      { type: 'bind' as const, source: src, target: '/mnt/ro', readonly: true },
      { type: 'bind' as const, source: src, target: '/mnt/rw', readonly: false },
      { type: 'tmpfs' as const, target: '/scratch', size: 1 << 20 },
      { type: 'cache' as const, source: cache, target: '/var/cache/c' },
    ];
    const r1 = await sbx.sh(script, { mounts });
    assert.equal(r1.stdout, 'from hostro\nrw\ntmpfs\nc\n');
    assert.equal(readFileSync(path.join(src, 'w'), 'utf8'), 'w\n');
    const r2 = await sbx.sh('cat /var/cache/c/log', { mounts });
    assert.equal(r2.stdout, 'c\n');
  });

  it('offers a secret with its mode and owner, outside the upper dir', async () => {
    const r = await sbx.sh('cat /run/secrets/token; stat -c "%a %u %g" /run/secrets/token', {
      mounts: [{ type: 'secret', target: '/run/secrets/token', data: 's3cr3t', mode: 0o440, uid: 0, gid: 100 }],
    });
    assert.equal(r.stdout, 's3cr3t440 0 100\n');
    assert.equal(treeContains(r.upperDir, 's3cr3t'), false);
    // Only what runc itself creates (BuildKit keeps those too); no run/ or run/secrets.
    const changes = await diffUpper({ upperDir: r.upperDir, lowerDirs: r.lowerDirs, stateDir: sbx.stateDir });
    assert.deepEqual(changes.map((c) => `${c.type} ${c.path}`), ['add dev', 'add proc', 'add sys']);
    assert.deepEqual(readdirSync(sbx.stateDir), []);
  });

  it('aborting kills the container and cleans up', async () => {
    const ac = new AbortController();
    const started = Date.now();
    setTimeout(() => ac.abort(), 300);
    await assert.rejects(sbx.sh('sleep 30', { signal: ac.signal }), (e: unknown) => isSlipwayError(e) && e.code === 'SANDBOX_ABORTED');
    assert.ok(Date.now() - started < 10_000);
    assert.deepEqual(mountsUnder(sbx.tmp), []);
    assert.deepEqual(readdirSync(sbx.stateDir), []);
    const list = execFileSync('runc', ['--root', sbx.runcRoot, 'list', '-q'], { encoding: 'utf8' });
    assert.equal(list, '');
  });

  it('refuses an already aborted signal and a relative cwd before mounting', async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(sbx.sh('true', { signal: ac.signal }), (e: unknown) => isSlipwayError(e) && e.code === 'SANDBOX_ABORTED');
    await assert.rejects(
      sbx.sh('', { process: { args: ['true'], env: [], cwd: 'rel', uid: 0, gid: 0, additionalGids: [] } }),
      (e: unknown) => isSlipwayError(e) && e.code === 'SANDBOX_INVALID_SPEC',
    );
    assert.deepEqual(mountsUnder(sbx.tmp), []);
  });
});
