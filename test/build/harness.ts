/**
 * Shared pieces of the builder's acceptance tests: contexts with a busybox rootfs,
 * building with slipway (library) and with `buildah bud`, and reading the results back
 * with real consumers (skopeo + umoci) into comparable trees and configs.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, lstatSync, readlinkSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from '../../src/build/index.js';
import type { BuildOptions, BuildResult, ProgressEvent } from '../../src/build/types.js';
import { makeBusyboxRootfs } from '../helpers/rootfs.js';

export const run = promisify(execFile);

const work = mkdtempSync(path.join(os.tmpdir(), 'slipway-build-test-'));
/** One store for the whole test file (steps shared between cases hit the cache). */
export const storeRoot = path.join(work, 'store');
let rootfs: string | undefined;

/** Removes everything the tests made (call from an `after` hook). */
export function cleanup(): void {
  rmSync(work, { recursive: true, force: true });
}

export type FileSpec = string | { data: string; mode?: number } | { symlink: string } | { dir: true };

/** A fresh context dir holding `rootfs/` (busybox) plus `files`. */
export function makeContext(files: Record<string, FileSpec>, withRootfs = true): string {
  const dir = mkdtempSync(path.join(work, 'ctx-'));
  if (withRootfs) {
    rootfs ??= makeBusyboxRootfs(work);
    cpSync(rootfs, path.join(dir, 'rootfs'), { recursive: true, verbatimSymlinks: true });
  }
  for (const [name, spec] of Object.entries(files)) {
    const p = path.join(dir, name);
    mkdirSync(path.dirname(p), { recursive: true });
    if (typeof spec === 'string') writeFileSync(p, spec);
    else if ('symlink' in spec) symlinkSync(spec.symlink, p);
    else if ('dir' in spec) mkdirSync(p, { recursive: true });
    else writeFileSync(p, spec.data, { mode: spec.mode ?? 0o644 });
  }
  return dir;
}

export interface Built { result: BuildResult; archive: string; events: ProgressEvent[] }

/** Builds with slipway into the shared store and writes a docker-format archive. */
export async function slipway(context: string, extra: Partial<BuildOptions> = {}): Promise<Built> {
  const archive = path.join(mkdtempSync(path.join(work, 'out-')), 'image.tar');
  const events: ProgressEvent[] = [];
  const result = await build({
    context, root: storeRoot, onProgress: (e) => events.push(e),
    outputs: [{ type: 'docker', dest: archive, names: [], compression: 'gzip' }], ...extra,
  });
  return { result, archive, events };
}

let counter = 0;
/** Builds with `buildah bud --format docker` and pushes a docker-archive. */
export async function buildah(context: string, args: string[] = []): Promise<string> {
  const name = `localhost/slipway-diff-${process.pid}-${++counter}`;
  await run('buildah', ['bud', '--format', 'docker', '-q', '-t', name, ...args, context], { maxBuffer: 1 << 26 });
  const archive = path.join(mkdtempSync(path.join(work, 'buildah-')), 'image.tar');
  await run('buildah', ['push', name, `docker-archive:${archive}:${name}`]);
  await run('buildah', ['rmi', name]).catch(() => undefined);
  return archive;
}

/** The raw image config inside a docker-format archive (skopeo would convert it to OCI). */
export async function archiveConfig(archive: string): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(path.join(work, 'cfg-'));
  await run('tar', ['-xf', archive, '-C', dir, 'manifest.json']);
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { Config: string }[];
  await run('tar', ['-xf', archive, '-C', dir, manifest[0]!.Config]);
  return JSON.parse(readFileSync(path.join(dir, manifest[0]!.Config), 'utf8')) as Record<string, unknown>;
}

/** The runtime config, normalised: empty values dropped, buildah's own label removed. */
export function runtimeConfig(config: Record<string, unknown>): Record<string, unknown> {
  const c = { ...((config.config ?? {}) as Record<string, unknown>) };
  const labels = { ...((c.Labels ?? {}) as Record<string, string>) };
  delete labels['io.buildah.version'];
  c.Labels = labels;
  // ArgsEscaped is a Windows-only hint BuildKit sets on every CMD; buildah never writes it.
  for (const k of ['Hostname', 'Domainname', 'AttachStdin', 'AttachStdout', 'AttachStderr', 'Tty', 'OpenStdin', 'StdinOnce', 'Image', 'ArgsEscaped']) delete c[k];
  for (const [k, v] of Object.entries(c)) {
    if (v === null || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0)) delete c[k];
  }
  return c;
}

/** Unpacks an archive with skopeo + umoci and returns the rootfs path. */
export async function unpack(archive: string): Promise<string> {
  const dir = mkdtempSync(path.join(work, 'unpack-'));
  await run('skopeo', ['copy', '-q', `docker-archive:${archive}`, `oci:${dir}/layout:img`]);
  await run('umoci', ['unpack', '--image', `${dir}/layout:img`, `${dir}/bundle`]);
  return path.join(dir, 'bundle', 'rootfs');
}

/** Every entry below `root`: type, mode, owner, content hash or link target (no times). */
export function tree(root: string, skip: (rel: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(root, rel)).sort()) {
      const r = rel === '' ? name : `${rel}/${name}`;
      if (skip(r)) continue;
      const st = lstatSync(path.join(root, r));
      const mode = (st.mode & 0o7777).toString(8);
      const own = `${st.uid}:${st.gid}`;
      if (st.isDirectory()) {
        out.push(`d ${r} ${mode} ${own}`);
        walk(r);
      } else if (st.isSymbolicLink()) out.push(`l ${r} ${own} -> ${readlinkSync(path.join(root, r))}`);
      else if (st.isFile()) out.push(`f ${r} ${mode} ${own} ${createHash('sha256').update(readFileSync(path.join(root, r))).digest('hex').slice(0, 16)}`);
      else out.push(`? ${r} ${mode} ${own}`);
    }
  };
  walk('');
  return out;
}

/** Entries that differ between the two trees (for readable assertion failures). */
export function treeDiff(a: string[], b: string[]): { onlyA: string[]; onlyB: string[] } {
  const sa = new Set(a);
  const sb = new Set(b);
  return { onlyA: a.filter((x) => !sb.has(x)), onlyB: b.filter((x) => !sa.has(x)) };
}

export const podmanRun = (image: string, args: string[] = []) =>
  run('podman', ['run', '--rm', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', image, ...args]);

export { existsSync };
