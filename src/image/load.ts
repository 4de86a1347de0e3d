import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import { SlipwayError, isSlipwayError } from '../errors.js';
import { isDigest, type Digest } from '../oci/index.js';
import type { BlobInfo, ImageRecord, Store } from '../store/index.js';
import { loadDockerManifest, loadOciIndex, type ArchiveContents } from './load-formats.js';
import type { ByteSource } from './layer-reader.js';
import { normaliseLayerPath } from './paths.js';

/** Metadata files are small; anything bigger under these names is hostile. */
const MAX_META = 16 << 20;
const META = /^(manifest\.json|index\.json|oci-layout|repositories|[^/]+\.json|[^/]+\/json|[^/]+\/VERSION)$/;

function bad(message: string, code = 'LOAD_BAD_ARCHIVE'): SlipwayError {
  return new SlipwayError(code, message);
}

async function* maybeGunzip(source: ByteSource): AsyncGenerator<Buffer> {
  const it = (Symbol.asyncIterator in source ? source : Readable.from(source))[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  const first = await it.next();
  if (first.done) throw bad('archive is empty');
  const head = Buffer.from(first.value);
  async function* all(): AsyncGenerator<Buffer> {
    yield head;
    for (let r = await it.next(); !r.done; r = await it.next()) yield Buffer.from(r.value);
  }
  if (head[0] === 0x1f && head[1] === 0x8b) yield* Readable.from(all()).pipe(zlib.createGunzip());
  else yield* all();
}

/**
 * Reads an archive's entries once: blobs under `blobs/<alg>/<hex>` go to the store
 * verified against their names; other files (legacy `<id>/layer.tar`) go to the
 * store under their computed digest; metadata stays in memory; symlinks and
 * hardlinks between entries (legacy archives dedupe layers so) become aliases.
 */
async function readArchive(store: Store, source: ByteSource): Promise<ArchiveContents> {
  const contents: ArchiveContents = { files: new Map(), meta: new Map() };
  const aliases: [string, string][] = [];
  const extract = tar.extract();
  const input = Readable.from(maybeGunzip(source));
  input.on('error', (e) => extract.destroy(e));
  input.pipe(extract as unknown as NodeJS.WritableStream);
  try {
    for await (const entry of extract) {
      const h = entry.header;
      if (h.name.startsWith('/')) throw bad(`archive entry ${JSON.stringify(h.name)} is absolute`, 'LOAD_UNSAFE_PATH');
      let name: string;
      try {
        name = normaliseLayerPath(h.name);
      } catch (err) {
        throw isSlipwayError(err) ? bad(`archive entry ${JSON.stringify(h.name)}: ${err.message}`, 'LOAD_UNSAFE_PATH') : err;
      }
      if (h.type === 'symlink' || h.type === 'link') {
        // Symlinks are relative to their directory (skopeo writes `<id>/layer.tar -> ../<hex>.tar`).
        const target = h.type === 'symlink' ? path.posix.normalize(`${path.posix.dirname(name)}/${h.linkname}`) : h.linkname!;
        if (h.linkname!.startsWith('/') || target.startsWith('../') || target === '..') throw bad(`archive link ${name} points outside the archive`, 'LOAD_UNSAFE_PATH');
        aliases.push([name, normaliseLayerPath(target)]);
      } else if (h.type === 'file' || h.type === 'contiguous-file') {
        const m = /^blobs\/(sha256|sha512)\/([a-f0-9]+)$/.exec(name);
        if (m) {
          const digest = `${m[1]}:${m[2]}`;
          if (!isDigest(digest)) throw bad(`archive entry ${name} is not named by a valid digest`);
          contents.files.set(name, await store.putBlob(entry as unknown as AsyncIterable<Uint8Array>, { digest, size: h.size ?? 0 }));
        } else if (META.test(name)) {
          if ((h.size ?? 0) > MAX_META) throw bad(`archive metadata ${name} is ${h.size} bytes, too large`);
          const parts: Buffer[] = [];
          for await (const c of entry) parts.push(c as Buffer);
          contents.meta.set(name, Buffer.concat(parts));
        } else {
          contents.files.set(name, await store.putBlob(entry as unknown as AsyncIterable<Uint8Array>, { size: h.size ?? 0 }));
        }
      }
      entry.resume();
    }
  } catch (err) {
    input.destroy();
    if (isSlipwayError(err)) throw err;
    throw bad(`archive is not a readable tar: ${err instanceof Error ? err.message : String(err)}`, 'LOAD_CORRUPT');
  }
  for (const [from, to] of aliases) {
    const info: BlobInfo | undefined = contents.files.get(to);
    if (info) contents.files.set(from, info);
  }
  return contents;
}

/**
 * `docker load`: accepts an OCI image layout archive, the combined docker >= 25
 * form, and older `docker save` archives (`manifest.json` + `<id>/layer.tar`), plain
 * or gzipped, with gzip or plain layers. Every blob is verified against its digest
 * and every layer's diff_id against the config before any image is recorded; on
 * error nothing is tagged (verified blobs may stay until prune).
 */
export async function loadArchive(store: Store, source: ByteSource): Promise<ImageRecord[]> {
  return store.lease(async () => {
    const contents = await readArchive(store, source);
    if (contents.meta.has('index.json')) return loadOciIndex(store, contents);
    if (contents.meta.has('manifest.json')) return loadDockerManifest(store, contents);
    throw bad('archive has neither index.json (OCI layout) nor manifest.json (docker save)', 'LOAD_UNKNOWN_FORMAT');
  });
}

export type { Digest };

/**
 * Loads an OCI image layout directory (what `skopeo copy ... oci:DIR` and umoci
 * write), or an unpacked docker save: the same checks as loadArchive.
 */
export async function loadLayoutDir(store: Store, dir: string): Promise<ImageRecord[]> {
  return store.lease(async () => {
    const contents: ArchiveContents = { files: new Map(), meta: new Map() };
    for (const name of ['index.json', 'manifest.json', 'oci-layout', 'repositories']) {
      const st = await fs.stat(path.join(dir, name)).catch(() => undefined);
      if (!st?.isFile()) continue;
      if (st.size > MAX_META) throw bad(`${name} is ${st.size} bytes, too large`);
      contents.meta.set(name, await fs.readFile(path.join(dir, name)));
    }
    for (const alg of ['sha256', 'sha512']) {
      const blobs = path.join(dir, 'blobs', alg);
      for (const hex of await fs.readdir(blobs).catch(() => [] as string[])) {
        const digest = `${alg}:${hex}`;
        const file = path.join(blobs, hex);
        const st = await fs.lstat(file);
        if (!isDigest(digest) || !st.isFile()) continue;
        contents.files.set(`blobs/${alg}/${hex}`, await store.putBlob(createReadStream(file), { digest, size: st.size }));
      }
    }
    if (contents.meta.has('index.json')) return loadOciIndex(store, contents);
    if (contents.meta.has('manifest.json')) return loadDockerManifest(store, contents);
    throw bad(`${dir} has neither index.json (OCI layout) nor manifest.json (docker save)`, 'LOAD_UNKNOWN_FORMAT');
  });
}
