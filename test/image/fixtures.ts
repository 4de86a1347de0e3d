import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createImage, writeLayerToStore } from '../../src/image/index.js';
import type { ImageRecord, Store } from '../../src/store/index.js';
import { tempDirSync } from '../helpers/tmp.js';

/** A fresh temp dir (removed when the test process exits, if its test did not remove it). */
export async function tempDir(prefix = 'slipway-test-'): Promise<string> {
  return tempDirSync(prefix);
}

const APPLETS = ['sh', 'echo', 'cat', 'ls', 'true', 'false', 'env', 'id', 'mkdir', 'rm', 'sleep', 'test', 'wc', 'sha256sum'];

/**
 * A runnable busybox root filesystem from the host's busybox-static: /bin/busybox,
 * applet symlinks, /etc/passwd and /etc/group, /tmp with 1777.
 */
export async function busyboxRootfs(dir: string): Promise<void> {
  await fs.mkdir(path.join(dir, 'bin'), { recursive: true });
  await fs.copyFile('/bin/busybox', path.join(dir, 'bin/busybox'));
  await fs.chmod(path.join(dir, 'bin/busybox'), 0o755);
  for (const a of APPLETS) await fs.symlink('busybox', path.join(dir, 'bin', a));
  await fs.mkdir(path.join(dir, 'etc'));
  await fs.writeFile(path.join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  await fs.writeFile(path.join(dir, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  await fs.mkdir(path.join(dir, 'tmp'));
  await fs.chmod(path.join(dir, 'tmp'), 0o1777);
  await fs.mkdir(path.join(dir, 'root'), { mode: 0o700 });
}

/**
 * Stores a two-layer busybox image: the rootfs, then a layer adding /hello.txt,
 * with Cmd printing it. Tagged `names`. SOURCE_DATE_EPOCH fixed for stable digests.
 */
export async function storeBusyboxImage(store: Store, names: string[], message = 'hello from slipway'): Promise<ImageRecord> {
  const work = await tempDir();
  try {
    const base = path.join(work, 'base');
    await busyboxRootfs(base);
    const top = path.join(work, 'top');
    await fs.mkdir(top);
    await fs.writeFile(path.join(top, 'hello.txt'), `${message}\n`);
    const epoch = 1700000000;
    return await store.lease(async () => {
      const l1 = await writeLayerToStore(store, { type: 'tree', root: base }, { sourceDateEpoch: epoch });
      const l2 = await writeLayerToStore(store, { type: 'tree', root: top }, { sourceDateEpoch: epoch });
      return createImage(store, {
        layers: [l1, l2],
        created: new Date(epoch * 1000).toISOString(),
        config: {
          User: '0:0',
          ExposedPorts: { '8080/tcp': {} },
          Env: ['PATH=/bin'],
          Cmd: ['/bin/cat', '/hello.txt'],
          Volumes: { '/data': {} },
          WorkingDir: '/',
          Labels: { 'org.example': 'yes' },
          StopSignal: 'SIGTERM',
          Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 30e9, Timeout: 5e9, Retries: 3 },
          OnBuild: ['RUN echo child'],
          Shell: ['/bin/sh', '-c'],
        },
        history: [
          { created: new Date(epoch * 1000).toISOString(), created_by: 'busybox rootfs' },
          { created: new Date(epoch * 1000).toISOString(), created_by: 'ENV PATH=/bin', empty_layer: true },
          { created: new Date(epoch * 1000).toISOString(), created_by: 'COPY hello.txt /' },
        ],
        names,
      });
    });
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** Runs a command, returning exit code and output (never throws on non-zero). */
export async function sh(cmd: string, args: string[], options: { input?: Buffer; timeoutMs?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: options.timeoutMs ?? 120_000 });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    c.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    c.on('error', (e) => resolve({ code: 127, stdout, stderr: stderr + e.message }));
    c.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    c.stdin.end(options.input);
  });
}
