import { familiarReference, parseReference, type ContainerConfig, type Digest, type History } from '../oci/index.js';
import type { Store } from '../store/index.js';
import { loadImage } from './image.js';

/** `docker image inspect` output for one image (docker's field names). */
export interface ImageInspect {
  Id: Digest;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  Author: string;
  Config: ContainerConfig;
  Architecture: string;
  Variant?: string;
  Os: string;
  Size: number;
  RootFS: { Type: string; Layers: Digest[] };
  Metadata: { LastTagTime: string };
  Descriptor: { mediaType: string; digest: Digest; size: number };
}

export async function inspectImage(store: Store, ref: string): Promise<ImageInspect> {
  const { record, manifest, config, descriptor } = await loadImage(store, ref);
  const refs = record.names.map((n) => parseReference(n));
  return {
    Id: record.id,
    RepoTags: refs.map((r) => familiarReference(r)),
    RepoDigests: [...new Set(refs.map((r) => `${familiarReference({ domain: r.domain, path: r.path })}@${record.digest}`))],
    Parent: '',
    Comment: '',
    Created: config.created ?? '',
    Author: config.author ?? '',
    Config: config.config ?? {},
    Architecture: config.architecture,
    ...(config.variant ? { Variant: config.variant } : {}),
    Os: config.os,
    Size: manifest.layers.reduce((n, l) => n + l.size, 0),
    RootFS: { Type: 'layers', Layers: config.rootfs.diff_ids },
    Metadata: { LastTagTime: record.added },
    Descriptor: { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size },
  };
}

/** One `docker history` row, newest first. */
export interface HistoryRow {
  /** Image ID for the top row, `<missing>` below (as docker shows for pulled images). */
  id: string;
  created: string;
  createdBy: string;
  size: number;
  comment: string;
  emptyLayer: boolean;
}

/** History entries matched to layer sizes (non-empty entries consume layers in order). */
export async function imageHistory(store: Store, ref: string): Promise<HistoryRow[]> {
  const { record, manifest, config } = await loadImage(store, ref);
  const history: History[] = config.history && config.history.length > 0 ? config.history : manifest.layers.map(() => ({}));
  let layer = 0;
  const rows = history.map((h): HistoryRow => {
    const empty = h.empty_layer === true;
    const size = empty ? 0 : manifest.layers[layer++]?.size ?? 0;
    return { id: '<missing>', created: h.created ?? '', createdBy: h.created_by ?? '', size, comment: h.comment ?? '', emptyLayer: empty };
  });
  rows.reverse();
  if (rows.length > 0) rows[0]!.id = record.id;
  return rows;
}

/** One `docker images` row (an image appears once per tag, or once as `<none>`). */
export interface ImageSummary {
  repository: string;
  tag: string;
  id: Digest;
  digest: Digest;
  created: string;
  size: number;
}

/** Rows for `images`, newest first; `filter` (a repository or reference) narrows them like docker. */
export async function listImageSummaries(store: Store, filter?: string): Promise<ImageSummary[]> {
  const want = filter === undefined ? undefined : parseReference(filter, { defaultTag: false });
  const rows: ImageSummary[] = [];
  for (const record of await store.listImages()) {
    const manifest = await store.getManifest(record.digest);
    const config = await store.getConfig(manifest.config.digest);
    const size = manifest.layers.reduce((n, l) => n + l.size, 0);
    const base = { id: record.id, digest: record.digest, created: config.created ?? '', size };
    if (record.names.length === 0 && want === undefined) rows.push({ repository: '<none>', tag: '<none>', ...base });
    for (const name of record.names) {
      const r = parseReference(name);
      if (want && (want.domain !== r.domain || want.path !== r.path || (want.tag !== undefined && want.tag !== r.tag))) continue;
      rows.push({ repository: familiarReference({ domain: r.domain, path: r.path }), tag: r.tag ?? '<none>', ...base });
    }
  }
  return rows;
}
