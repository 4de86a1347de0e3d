import { SlipwayError } from '../errors.js';
import { createImage } from '../image/image.js';
import { formatReference, parseReference, type Digest } from '../oci/index.js';
import type { BuildRuntime, StageResult } from './runtime.js';
import type { BuildResult, OutputSpec } from './types.js';

/** The stored result image, before outputs. */
export type FinalImage = Omit<BuildResult, 'steps' | 'warnings' | 'durationMs'>;

function outputsOf(rt: BuildRuntime): readonly OutputSpec[] {
  return rt.options.outputs ?? [{ type: 'image', names: rt.options.tags ?? [], push: false, compression: 'gzip' }];
}

function normalise(ref: string): string {
  try {
    return formatReference(parseReference(ref));
  } catch (err) {
    if (err instanceof SlipwayError) throw new SlipwayError(err.code, `invalid tag ${JSON.stringify(ref)}: ${err.message}`, { exitCode: 2 });
    throw err;
  }
}

/** Writes the target stage's image (config, manifest) into the store, tagged as the image outputs ask. */
export async function finalizeImage(rt: BuildRuntime, target: StageResult): Promise<FinalImage> {
  const image = structuredClone(target.state.image);
  const config = image.config ?? {};
  if (rt.options.labels && Object.keys(rt.options.labels).length > 0) config.Labels = { ...(config.Labels ?? {}), ...rt.options.labels };
  const names = outputsOf(rt).flatMap((o) => (o.type === 'image' || o.type === 'registry' ? o.names : [])).map(normalise);
  const record = await rt.store.lease(() => createImage(rt.store, {
    layers: target.fs.layers.map((l) => ({ descriptor: l.descriptor, diffId: l.diffId })),
    config,
    history: image.history ?? [],
    architecture: image.architecture,
    os: image.os,
    ...(image.variant !== undefined ? { variant: image.variant } : {}),
    ...(image.author !== undefined ? { author: image.author } : {}),
    created: rt.epoch !== undefined ? rt.created : target.lastCreated ?? rt.created,
    names: [...new Set(names)],
  }, rt.options.env ?? process.env));
  const info = await rt.store.statBlob(record.digest);
  return {
    imageId: record.id,
    manifestDigest: record.digest,
    manifestSize: info?.size ?? 0,
    tags: [...new Set(names)],
    layers: target.fs.layers.map((l) => ({ digest: l.descriptor.digest, diffId: l.diffId, size: l.descriptor.size, mediaType: l.descriptor.mediaType })),
  };
}

/** The archive writer (and tar-stream), loaded when a build writes an archive. */
const archiveWriter = () => import('../image/save.js');

/** The registry client, loaded when a build pushes (most do not). */
const registry = () => import('../registry/index.js');

/** Archives and pushes: `-o type=oci|docker,dest=...` and `type=registry` / `image,push=true`. */
export async function exportOutputs(rt: BuildRuntime, image: FinalImage): Promise<void> {
  for (const o of outputsOf(rt)) {
    switch (o.type) {
      case 'image':
        if (o.push) for (const n of o.names) await (await registry()).push(normalise(n), undefined, { store: rt.store, env: rt.options.env ?? process.env });
        break;
      case 'registry':
        for (const n of o.names) await (await registry()).push(normalise(n), undefined, { store: rt.store, env: rt.options.env ?? process.env });
        break;
      case 'oci':
      case 'docker': {
        // Archives name the image by the output's names (or -t tags); tag them first so the archive carries them.
        const names = o.names.map(normalise);
        for (const n of names) await rt.store.tag(image.manifestDigest, n);
        const refs = names.length > 0 ? names : [image.manifestDigest as Digest];
        const format = o.type === 'oci' ? 'oci' : 'docker';
        if (o.dest === '-') {
          const out = rt.options.stdout;
          if (!out) throw new SlipwayError('BUILD_BAD_OUTPUT', 'dest=- needs a stdout stream');
          await (await archiveWriter()).saveImages(rt.store, refs, out as NodeJS.WritableStream, format);
        } else {
          await (await archiveWriter()).saveImagesToFile(rt.store, refs, o.dest, format);
        }
        break;
      }
      default: {
        const never: never = o;
        throw new Error(`unhandled output ${JSON.stringify(never)}`);
      }
    }
  }
}
