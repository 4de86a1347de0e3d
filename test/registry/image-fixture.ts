import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import type { Digest } from '../../src/oci/index.js';
import type { Store } from '../../src/store/index.js';

const run = promisify(execFile);

/** One file in a test layer. */
export type FixtureEntry =
  | { type: 'file'; path: string; data: Buffer; mode: number }
  | { type: 'dir'; path: string; mode: number }
  | { type: 'symlink'; path: string; target: string };

export interface FixtureBlob { digest: string; size: number; mediaType: string; data: Buffer }

/** A complete single-platform image held in memory: exact bytes of every blob. */
export interface FixtureImage {
  readonly manifest: FixtureBlob;
  readonly config: FixtureBlob;
  readonly layers: FixtureBlob[];
}

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';

export const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const blob = (data: Buffer, mediaType: string): FixtureBlob => ({ digest: sha256(data), size: data.length, mediaType, data });

/** A canonical tar (sorted entries, mtime 0, root-owned, no user names). */
export async function tarOf(entries: FixtureEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => { chunks.push(c as Buffer); });
  const done = new Promise<void>((resolve, reject) => { pack.on('end', () => resolve()); pack.on('error', reject); });
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const e of sorted) {
    const base = { name: e.path, mtime: new Date(0), uid: 0, gid: 0 };
    if (e.type === 'file') pack.entry({ ...base, mode: e.mode, size: e.data.length }, e.data);
    else if (e.type === 'dir') pack.entry({ ...base, type: 'directory', mode: e.mode });
    else pack.entry({ ...base, type: 'symlink', linkname: e.target, mode: 0o777 });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Assembles config and manifest around already-built layers (tar bytes, compressed or not). */
export function assemble(layers: { tar: Buffer; gzip: boolean }[], config: Record<string, unknown> = {},
  platform: { architecture: string; variant?: string } = { architecture: 'amd64' }, level = 6): FixtureImage {
  const layerBlobs = layers.map((l) => blob(l.gzip ? gzipSync(l.tar, { level }) : l.tar, l.gzip ? OCI_LAYER_GZIP : OCI_LAYER));
  const configJson = {
    created: '2024-01-01T00:00:00Z',
    ...platform,
    os: 'linux',
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'], ...config },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => sha256(l.tar)) },
    history: layers.map(() => ({ created: '2024-01-01T00:00:00Z', created_by: 'slipway test fixture' })),
  };
  const configBlob = blob(Buffer.from(JSON.stringify(configJson)), OCI_CONFIG);
  const manifestJson = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: configBlob.digest, size: configBlob.size },
    layers: layerBlobs.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  };
  return { manifest: blob(Buffer.from(JSON.stringify(manifestJson)), OCI_MANIFEST), config: configBlob, layers: layerBlobs };
}

let busyboxCache: Promise<FixtureImage> | undefined;

/**
 * A small runnable image: static /bin/busybox with its applet links, /etc/passwd,
 * /etc/group and a sticky /tmp. Two layers so pushes exercise several blobs.
 */
export function busyboxImage(): Promise<FixtureImage> {
  busyboxCache ??= (async () => {
    const { stdout } = await run('/bin/busybox', ['--list']);
    const applets = stdout.split('\n').filter((a) => a && a !== 'busybox');
    const base: FixtureEntry[] = [
      { type: 'dir', path: 'bin/', mode: 0o755 },
      { type: 'file', path: 'bin/busybox', data: await readFile('/bin/busybox'), mode: 0o755 },
      ...applets.map((a): FixtureEntry => ({ type: 'symlink', path: `bin/${a}`, target: 'busybox' })),
    ];
    const etc: FixtureEntry[] = [
      { type: 'dir', path: 'etc/', mode: 0o755 },
      { type: 'file', path: 'etc/passwd', data: Buffer.from('root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n'), mode: 0o644 },
      { type: 'file', path: 'etc/group', data: Buffer.from('root:x:0:\nnogroup:x:65534:\n'), mode: 0o644 },
      { type: 'dir', path: 'tmp/', mode: 0o1777 },
      { type: 'dir', path: 'root/', mode: 0o700 },
    ];
    return assemble([{ tar: await tarOf(base), gzip: true }, { tar: await tarOf(etc), gzip: true }]);
  })();
  return busyboxCache;
}

/**
 * An image of `count` gzip layers of `layerBytes` random bytes each (for benchmarks).
 * Compressed because skopeo compresses uncompressed layers on the way to a registry: with
 * gzip layers both tools move the same bytes.
 */
export async function randomImage(count: number, layerBytes: number): Promise<FixtureImage> {
  const layers = [];
  for (let i = 0; i < count; i++) {
    const data = randomBytes(layerBytes);
    layers.push({ tar: await tarOf([{ type: 'file', path: `data-${i}.bin`, data, mode: 0o644 }]), gzip: true });
  }
  return assemble(layers, {}, { architecture: 'amd64' }, 1);
}

async function writeBlobs(dir: string, blobs: FixtureBlob[]): Promise<void> {
  await mkdir(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const b of blobs) await writeFile(path.join(dir, 'blobs', 'sha256', b.digest.slice('sha256:'.length)), b.data);
}

/** Writes the image as an OCI image layout directory tagged `tag` (for skopeo/umoci). */
export async function writeOciLayout(dir: string, image: FixtureImage, tag: string): Promise<void> {
  await writeBlobs(dir, [image.manifest, image.config, ...image.layers]);
  await writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ mediaType: OCI_MANIFEST, digest: image.manifest.digest, size: image.manifest.size,
      annotations: { 'org.opencontainers.image.ref.name': tag } }],
  };
  await writeFile(path.join(dir, 'index.json'), JSON.stringify(index));
}

/** Puts every blob of the image into a slipway store and tags it `name`. */
export async function importIntoStore(store: Store, image: FixtureImage, name: string): Promise<void> {
  await store.lease(async () => {
    for (const b of [image.config, ...image.layers, image.manifest]) {
      await store.putBytes(b.data, b.mediaType, { digest: b.digest as Digest, size: b.size });
    }
    await store.addImage(image.manifest.digest as Digest, [name]);
  });
}

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/**
 * A multi-platform layout: an image index over `images` (each with its config's platform),
 * tagged `tag`. Returns the index blob (what a registry serves for the tag).
 */
export async function writeOciIndexLayout(dir: string, images: { image: FixtureImage; architecture: string; variant?: string }[], tag: string): Promise<FixtureBlob> {
  const index = blob(Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: images.map(({ image, architecture, variant }) => ({ mediaType: OCI_MANIFEST, digest: image.manifest.digest,
      size: image.manifest.size, platform: { architecture, os: 'linux', ...(variant ? { variant } : {}) } })),
  })), OCI_INDEX);
  await writeBlobs(dir, [index, ...images.flatMap(({ image }) => [image.manifest, image.config, ...image.layers])]);
  await writeFile(path.join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX,
    manifests: [{ mediaType: OCI_INDEX, digest: index.digest, size: index.size, annotations: { 'org.opencontainers.image.ref.name': tag } }] }));
  return index;
}

/** A second, tiny image for another platform (its own layer, so its blobs differ). */
export async function otherPlatformImage(architecture: string, variant?: string): Promise<FixtureImage> {
  const layer = await tarOf([{ type: 'file', path: 'platform.txt', data: Buffer.from(`${architecture}${variant ?? ''}\n`), mode: 0o644 }]);
  return assemble([{ tar: layer, gzip: true }], {}, { architecture, ...(variant ? { variant } : {}) });
}
