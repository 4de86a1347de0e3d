import { createHash } from 'node:crypto';
import { lstat, readFile, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { resolveInRoot } from '../context/rootpath.js';
import { linkOnWorker } from '../image/tar-offload.js';
import { SlipwayError } from '../errors.js';
import { stepKey } from './cache.js';
import { copyCreatedBy, type ImageState } from './config.js';
import { Borrower, borrowedRecord } from './borrow.js';
import { executeCopy } from './copyexec.js';
import { copyFileAs, excludeMatcher, writeInline } from './copyfs.js';
import { CopyReuse } from './copyreuse.js';
import { memberCache } from './members.js';
import { heredocTarget, parseChmod, planCopy, resolveDest, urlFileName, type PlannedSource } from './copyplan.js';
import type { Digest } from '../oci/index.js';
import type { ExecStep } from './graph.js';
import { resolveChown, type Owner } from './passwd.js';
import type { FsLayer, PendingLayer, WorkingFs } from './rootfs.js';
import type { BuildRuntime } from './runtime.js';
import { matchSource } from './sources.js';
import { cached, remember } from './stepcache.js';

type CopyStep = Extract<ExecStep, { kind: 'copy' }>;

/** ADD's archive support (and tar-stream), loaded when an ADD looks at a local file. */
const archives = () => import('./archive.js');

const isUrl = (s: string) => /^https?:\/\//.test(s);

/**
 * GET through the registry's HTTP client rather than fetch(): it follows redirects the
 * same way and trusts the same extra roots (NODE_EXTRA_CA_CERTS, see bin/slipway).
 */
async function download(url: string, checksum: string | undefined): Promise<{ data: Buffer; mtime?: Date }> {
  const failed = (why: string) => new SlipwayError('BUILD_ADD_FETCH', `failed to fetch ${url}: ${why}`);
  const { httpSend, httpHeader } = await import('../registry/index.js');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw failed('invalid URL');
  }
  const res = await httpSend({ method: 'GET', url: parsed }).catch((e: Error) => { throw failed(e.message); });
  if (res.status < 200 || res.status > 299) {
    res.body.resume();
    throw failed(`HTTP ${res.status}`);
  }
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of res.body) chunks.push(chunk as Buffer);
  } catch (e) {
    throw failed((e as Error).message);
  }
  const data = Buffer.concat(chunks);
  if (checksum !== undefined) {
    const [algo, hex] = checksum.split(':', 2);
    if ((algo !== 'sha256' && algo !== 'sha384' && algo !== 'sha512') || !hex) throw new SlipwayError('BUILD_BAD_CHECKSUM', `invalid checksum ${checksum}`);
    const got = createHash(algo).update(data).digest('hex');
    if (got !== hex) throw new SlipwayError('BUILD_CHECKSUM_MISMATCH', `digest mismatch ${algo}:${got}: ${checksum}`);
  }
  const lm = httpHeader(res, 'last-modified');
  return { data, ...(lm ? { mtime: new Date(lm) } : {}) };
}

/** Runs `fn` with the host directory of a COPY source (context, stage or image). */
async function withSource<T>(rt: BuildRuntime, step: CopyStep, fn: (root: string) => Promise<T>): Promise<T> {
  const from = step.from;
  if (from.type === 'context') return fn(rt.contextDir);
  const fs = from.type === 'stage' ? (await rt.stage(from.index)).fs : (await rt.resolveImage(from.ref, { pull: false, stepId: 0 })).fs;
  return rt.fsm.view(fs, fn);
}

export async function runCopy(rt: BuildRuntime, state: ImageState, fs: WorkingFs, parent: string, step: CopyStep): Promise<{ layer: FsLayer | PendingLayer | undefined; cached: boolean; key: string; recordKey: string; createdBy: string }> {
  const workdir = state.image.config?.WorkingDir || '/';
  const createdBy = copyCreatedBy({ add: step.add, parents: step.parents, ...(step.chown ? { chown: step.chown } : {}), ...(step.chmod ? { chmod: step.chmod } : {}), sources: step.sources, heredocs: step.inline.map((i) => i.path), dest: step.dest });
  const chmod = step.chmod ? parseChmod(step.chmod) : undefined;
  if (step.checksum !== undefined && !(step.add && step.sources.length === 1 && isUrl(step.sources[0]!))) {
    throw new SlipwayError('BUILD_BAD_CHECKSUM', 'checksum requires a single HTTP(S) source of ADD');
  }
  const fromContext = step.from.type === 'context';
  // A source left out by .dockerignore is "not found", unless it is a directory an exception re-includes part of.
  const ignore = rt.context.ignore;
  const ignored = fromContext ? (rel: string) => ignore.isExcluded(rel) && !ignore.mayIncludeBelow(rel) : undefined;
  const urls = step.sources.filter((s) => step.add && isUrl(s));
  const local = step.sources.filter((s) => !(step.add && isUrl(s)));
  if (!step.add && step.sources.some(isUrl)) throw new SlipwayError('BUILD_COPY_URL', 'source can\'t be a URL for COPY');
  const downloads = await Promise.all(urls.map(async (u) => ({ url: u, ...(await download(u, step.checksum)) })));

  // Inputs: what the sources select (content-hashed for the context; a stage is named by its key).
  let inputs: string;
  if (step.from.type === 'stage') inputs = `stage:${(await rt.stage(step.from.index)).key}`;
  else if (step.from.type === 'image') inputs = `image:${(await rt.resolveImage(step.from.ref, { pull: false, stepId: 0 })).id}`;
  else {
    // Every source must match something (BuildKit: "not found"); the hash covers names, modes and contents.
    // What --exclude drops is not an input either (the patterns themselves are in the key).
    const exclude = step.exclude.length > 0 ? excludeMatcher(step.exclude) : undefined;
    inputs = local.length > 0 ? await rt.context.hash(await rt.context.resolveSources([...local]), exclude) : '';
  }
  for (const d of downloads) inputs += `,url:${d.url}:${createHash('sha256').update(d.data).digest('hex')}`;
  // The source is keyed by what it is (the inputs: a stage's key, an image's id), not by
  // its position or name: a stage inserted above, or another tag of the same image, changes nothing.
  const instruction = JSON.stringify({ createdBy, workdir, from: step.from.type, inline: step.inline, exclude: step.exclude, unpack: step.unpack });
  // COPY --link (BuildKit): the layer is made on an empty filesystem, so it depends on
  // nothing below it and is cached apart from its parent; the chain key still has the parent.
  // A --chown by name is looked up in the stage's /etc/passwd and /etc/group: then the layer
  // does depend on what is below it, and is keyed with it.
  const byName = step.chown !== undefined && !/^\d+(:\d+)?$/.test(step.chown);
  const layerParent = step.link && !byName ? stepKey('link', rt.platformText) : parent;
  const layerKey = stepKey(layerParent, instruction, inputs);
  const key = step.link ? stepKey(parent, 'link', layerKey) : layerKey;
  const hit = await cached(rt, layerKey);
  if (hit.hit) return { layer: hit.layer, cached: true, key, recordKey: layerKey, createdBy };
  // The same COPY with other inputs: link what did not change from its last result.
  const reuse = fromContext && !rt.options.noCache && urls.length === 0 && step.inline.length === 0
    ? await CopyReuse.open(rt.store.root, stepKey(layerParent, instruction), rt.context.statCache, {
      kept: (d) => rt.fsm.kept(d as Digest),
      takeStale: (d, suspects) => rt.fsm.takeStale(d as Digest, suspects),
      record: (d) => borrowedRecord(rt.store.root, d.replace(/^sha256:/, '')),
      alone: async () => !(await rt.store.leasedByOthers()),
    })
    : undefined;
  // --chown names resolve through the stage's /etc/passwd and /etc/group, --link or not.
  const owner: Owner | undefined = step.chown === undefined ? undefined : await rt.fsm.view(fs, async (root) => {
    const read = async (p: string) => readFile(await resolveInRoot(root, p), 'utf8').catch(() => undefined);
    return resolveChown(step.chown!, { passwd: () => read('/etc/passwd'), group: () => read('/etc/group') });
  });

  // Gzip members of the last run's blob that the new tar repeats are taken as they are, when
  // zlib deflates: finding them costs a sha256 of every member, more than ISA-L takes to
  // deflate one (a one-file change to the bench's 130 MB COPY: 756 ms with, 702 without).
  const memberReuse = reuse !== undefined && rt.deflater?.startsWith('zlib-') === true;
  const cache = memberReuse && reuse.previousBlob !== undefined ? await memberCache(rt.store, reuse.previousBlob as Digest, rt.gzipLevel) : undefined;
  const time = rt.epoch;
  // Context files that need no change are linked, not copied (borrow.ts).
  // The links themselves are made on the tar worker's thread, idle until the layer is written.
  const borrow = fromContext ? new Borrower(rt.context.statCache, linkOnWorker) : undefined;
  const layer = await rt.fsm.step(step.link ? { layers: [] } : fs, async (merged, _lowers, upper) => {
    const destHost = await resolveInRoot(merged, resolveDest(step.dest, workdir).path);
    const destIsDir = (await stat(destHost).catch(() => undefined))?.isDirectory() ?? false;
    await withSource(rt, step, async (root) => {
      const sources: PlannedSource[] = [];
      for (const s of local) {
        const matches = await matchSource(root, s, { ...(ignored ? { ignored } : {}) });
        const unpack = step.add && step.unpack !== false;
        const marked = await Promise.all(matches.map(async (m) => (unpack && m.kind === 'file' && (await (await archives()).detectArchive(await resolveInRoot(root, m.path))) ? { ...m, archive: true } : m)));
        sources.push({ written: s, matches: marked });
      }
      const items = planCopy({ sources, dest: step.dest, workdir, destIsDir, parents: step.parents, extract: step.add && step.unpack !== false, heredocCount: step.inline.length + downloads.length });
      const soleWriter = items.length === 1 && step.inline.length === 0 && downloads.length === 0;
      await executeCopy({
        ...(soleWriter ? { upper: { merged, dir: upper }, ...(reuse ? { reuse } : {}), ...(borrow ? { borrow } : {}) } : {}),
        sourceRoot: root, targetRoot: merged, items, preserveOwner: !fromContext, exclude: step.exclude, ...(fromContext ? { ignore: rt.context.ignore } : {}),
        ...(owner ? { owner } : {}), ...(chmod ? { chmod } : {}), ...(time !== undefined ? { createdTime: time } : {}),
        extract: async (archive, dest, own) => (await archives()).extractArchive(archive, dest, own),
      });
    });
    const several = step.sources.length + step.inline.length > 1;
    for (const i of step.inline) {
      const to = heredocTarget(i.path, step.dest, workdir, destIsDir || several);
      await writeInline(merged, to, i.data, chmod ? chmod(0o644, false) : 0o644, owner, time);
    }
    for (const d of downloads) {
      const r = resolveDest(step.dest, workdir);
      const to = r.dirSyntax || destIsDir || several ? path.posix.join(r.path, urlFileName(d.url)) : r.path;
      await writeInline(merged, to, d.data, chmod ? chmod(0o600, false) : 0o600, owner, time);
      if (d.mtime && time === undefined) {
        const host = await resolveInRoot(merged, to);
        if ((await lstat(host)).isFile()) await utimes(host, d.mtime, d.mtime);
      }
    }
    if (borrow && borrow.borrowed.size > 0) {
      // Not awaited: the layer's walk of the tree overlaps the xattr read (a getfattr of the
      // whole tree); the next step waits for it (FsManager.step).
      return { xattrs: borrow.settle(upper, (src, dst, st) => copyFileAs(src, dst, st, st.mode & 0o7777, { uid: st.uid, gid: st.gid })) };
    }
    return undefined;
  }, {
    compression: rt.compression, level: rt.gzipLevel, onlyAdds: true, ...(rt.epoch !== undefined ? { epoch: rt.epoch } : {}),
    ...(memberReuse ? { members: { ...(cache ? { cache } : {}) } } : {}),
    ...(borrow ? { beforeKeep: (hex: string) => borrow.save(rt.store.root, hex) } : {}),
    after: async (l) => {
      if (reuse) await reuse.save(l.diffId, l.descriptor.digest);
      await remember(rt, layerKey, l);
    },
  });
  if (layer === undefined) await remember(rt, layerKey, undefined);
  return { layer, cached: false, key, recordKey: layerKey, createdBy };
}
