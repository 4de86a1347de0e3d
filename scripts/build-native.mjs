#!/usr/bin/env node
/**
 * Compiles slipway's one native addon, src/image/native/isal-gzip.c (gzip members deflated
 * by ISA-L, ~3x less CPU than zlib), into dist/src/image/isal-gzip.node, where the library
 * loads it; bundle-cli.mjs copies it beside the CLI's chunks. Needs a C compiler, Node's
 * headers and ISA-L's (Debian: gcc libc6-dev libisal-dev; .ci/setup installs them).
 *
 * Without them slipway still works: it deflates with Node's zlib, whose layers have other
 * digests. So this says so loudly and leaves no stale addon behind; it never fails the build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(repo, 'src', 'image', 'native', 'isal-gzip.c');
// `node scripts/build-native.mjs dist-NAME` for a tree compiled with `tsc --outDir dist-NAME`.
const target = path.join(path.resolve(repo, process.argv[2] ?? 'dist'), 'src', 'image', 'isal-gzip.node');

// Node's own headers: beside the running node (official tarballs, NodeSource's package), else Debian's.
const headers = [path.join(path.dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node']
  .find((dir) => existsSync(path.join(dir, 'node_api.h')));

function skip(reason) {
  rmSync(target, { force: true });
  console.warn(`slipway: built without ISA-L, layers are deflated by zlib (slower; other layer digests): ${reason}`);
  console.warn('slipway: install gcc, libc6-dev and libisal-dev (./.ci/setup does) and run npm run build again');
}

if (headers === undefined) {
  skip(`no node_api.h next to ${process.execPath} or in /usr/include/node`);
} else {
  mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  // Through sh, as make runs $(CC): CC may carry flags or a wrapper (`ccache gcc`).
  const cc = process.env.CC || 'cc';
  const r = spawnSync('sh', ['-c', `${cc} "$@"`, 'sh', '-O2', '-fPIC', '-shared', '-Wall', '-Werror', `-I${headers}`, source, '-lisal', '-o', tmp], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) {
    rmSync(tmp, { force: true });
    skip(r.error !== undefined ? `${cc}: ${r.error.message}` : (r.stderr.trim().split('\n').find((l) => /error|not found/.test(l)) ?? `${cc} exited ${r.status}`));
  } else {
    renameSync(tmp, target);
  }
}
