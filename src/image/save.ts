import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { SlipwayError } from '../errors.js';
import { ANNOTATION_IMAGE_NAME, ANNOTATION_REF_NAME, MediaType, digestHex, familiarName, familiarReference, parseReference, type Descriptor, type Digest, type Index } from '../oci/index.js';
import { FlushingWriter, type Store } from '../store/index.js';
import { loadImage } from './image.js';

/**
 * `combined` is what `docker save` writes since Docker 25: a complete OCI image
 * layout plus docker's `manifest.json` and `repositories`, so one file loads in
 * docker, podman, skopeo (oci-archive: and docker-archive:), containerd and umoci.
 * `oci` omits the docker files; `docker` omits `oci-layout` and `index.json`.
 */
export type ArchiveFormat = 'combined' | 'oci' | 'docker';

interface DockerManifestEntry {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}

const EPOCH = new Date(0);

/**
 * Writes the images named by `refs` as one tar archive to `out`. Blobs are streamed
 * from the store (verified as they are read); the archive is deterministic: same
 * images and names -> same bytes.
 */
export async function saveImages(store: Store, refs: readonly string[], out: NodeJS.WritableStream, format: ArchiveFormat = 'combined'): Promise<void> {
  if (refs.length === 0) throw new SlipwayError('SAVE_NO_IMAGES', 'nothing to save: name at least one image');
  const index: Index = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] };
  const dockerManifest: DockerManifestEntry[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  const blobs = new Map<Digest, number>();
  for (const ref of refs) {
    const { record, manifest, descriptor } = await loadImage(store, ref);
    // A name given on the command line is what gets saved; an ID saves without names.
    const byName = !/^(sha256:)?[a-f0-9]{4,64}$/.test(ref);
    const names = byName ? [parseReference(ref)].filter((r) => r.tag !== undefined) : [];
    for (const d of [descriptor, manifest.config, ...manifest.layers]) blobs.set(d.digest, d.size);
    const tags = names.map((r) => familiarReference({ domain: r.domain, path: r.path, tag: r.tag }));
    if (names.length === 0) index.manifests.push({ ...descriptor });
    for (const r of names) {
      const full = `${r.domain}/${r.path}:${r.tag}`;
      const desc: Descriptor = { ...descriptor, annotations: { [ANNOTATION_IMAGE_NAME]: full, [ANNOTATION_REF_NAME]: r.tag! } };
      index.manifests.push(desc);
      (repositories[familiarName(r)] ??= {})[r.tag!] = digestHex(record.id);
    }
    const layerPaths = manifest.layers.map((l) => `blobs/sha256/${digestHex(l.digest)}`);
    const existing = dockerManifest.find((m) => m.Config === `blobs/sha256/${digestHex(manifest.config.digest)}`);
    if (existing) existing.RepoTags = [...new Set([...(existing.RepoTags ?? []), ...tags])];
    else dockerManifest.push({ Config: `blobs/sha256/${digestHex(manifest.config.digest)}`, RepoTags: tags.length > 0 ? tags : null, Layers: layerPaths });
  }
  const pack = tar.pack();
  const piping = pipeline(pack, out as NodeJS.WritableStream);
  const dir = (name: string) => new Promise<void>((res, rej) => pack.entry({ name, type: 'directory', mode: 0o755, mtime: EPOCH, uname: '', gname: '' }, (e) => (e ? rej(e) : res())));
  const file = (name: string, data: string) => new Promise<void>((res, rej) => pack.entry({ name, mode: 0o644, mtime: EPOCH, uname: '', gname: '' }, data, (e) => (e ? rej(e) : res())));
  try {
    await dir('blobs/');
    await dir('blobs/sha256/');
    for (const [digest, size] of [...blobs].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const src = await store.openBlob(digest);
      await new Promise<void>((res, rej) => {
        const sink = pack.entry({ name: `blobs/sha256/${digestHex(digest)}`, size, mode: 0o644, mtime: EPOCH, uname: '', gname: '' }, (e) => (e ? rej(e) : res()));
        pipeline(src, sink).catch(rej);
      });
    }
    if (format !== 'oci') {
      await file('manifest.json', JSON.stringify(dockerManifest));
      await file('repositories', JSON.stringify(repositories));
    }
    if (format !== 'docker') {
      await file('index.json', JSON.stringify(index));
      await file('oci-layout', JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    }
    pack.finalize();
    await piping;
  } catch (err) {
    pack.destroy(err as Error);
    await piping.catch(() => undefined);
    throw err;
  }
}

/**
 * saveImages into a file, atomically (temp + rename): a failed save leaves no partial file.
 * The file is flushed to disk as it is written (FlushingWriter), so the fsync before the
 * rename has only the tail left.
 */
export async function saveImagesToFile(store: Store, refs: readonly string[], file: string, format: ArchiveFormat = 'combined'): Promise<void> {
  const target = path.resolve(file);
  const tmp = `${target}.tmp-${process.pid}`;
  const fh = await fs.open(tmp, 'w', 0o666); // less the umask, as any new file
  const out = new FlushingWriter(fh);
  try {
    // Written in batches: the tar's headers and blob chunks arrive as many small writes.
    const sink = new Writable({
      writev: (chunks, cb) => { out.write(chunks.length === 1 ? chunks[0]!.chunk as Buffer : Buffer.concat(chunks.map((c) => c.chunk as Buffer))).then(() => cb(), cb); },
    });
    await saveImages(store, refs, sink, format);
    await out.sync();
    await fh.close();
    await fs.rename(tmp, target);
  } finally {
    await out.settle();
    await fh.close().catch(() => undefined);
    await fs.rm(tmp, { force: true });
  }
}
