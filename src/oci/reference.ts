import { SlipwayError } from '../errors.js';
import { isDigest, type Digest } from './digest.js';

/**
 * An image reference, normalised the way docker does it: `busybox` is
 * `docker.io/library/busybox:latest`; `host:port/ns/name:tag@sha256:...` keeps all parts.
 */
export interface ImageReference {
  /** Registry host with optional port: `docker.io`, `127.0.0.1:5000`, `[::1]:5000`. */
  readonly domain: string;
  /** Repository path inside the registry: `library/busybox`, `ns/sub/name`. */
  readonly path: string;
  /** Tag; `latest` is filled in when neither tag nor digest is given. */
  readonly tag?: string;
  readonly digest?: Digest;
}

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DOMAIN = 'index.docker.io';
const MAX_NAME_LENGTH = 255;

// Grammar of distribution/reference (the one docker, podman and containerd share).
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const TAG = /^[\w][\w.-]{0,127}$/;

function fail(code: string, input: string, why: string): never {
  throw new SlipwayError(code, `invalid reference ${JSON.stringify(input)}: ${why}`);
}

/** True when the first path part names a registry rather than a namespace (docker's rule). */
function looksLikeDomain(part: string): boolean {
  return part.includes('.') || part.includes(':') || part === 'localhost' || part !== part.toLowerCase();
}

/**
 * Parses and normalises an image reference. Throws SlipwayError with code
 * REF_EMPTY, REF_INVALID_FORMAT, REF_NAME_NOT_LOWERCASE, REF_NAME_TOO_LONG,
 * REF_INVALID_TAG or REF_INVALID_DIGEST, each naming the offending part.
 * With `defaultTag: false` a bare name keeps no tag (for `images busybox` filters).
 */
export function parseReference(input: string, options: { defaultTag?: boolean } = {}): ImageReference {
  if (input.length === 0) fail('REF_EMPTY', input, 'empty reference');
  let rest = input;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const d = rest.slice(at + 1);
    if (!isDigest(d)) fail('REF_INVALID_DIGEST', input, `digest ${JSON.stringify(d)} is not sha256:<64 lowercase hex>`);
    digest = d;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) fail('REF_INVALID_TAG', input, `tag ${JSON.stringify(tag)} must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`);
  }
  if (rest.length === 0) fail('REF_INVALID_FORMAT', input, 'missing repository name');
  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0 && looksLikeDomain(rest.slice(0, slash))) {
    domain = rest.slice(0, slash);
    path = rest.slice(slash + 1);
    if (!DOMAIN.test(domain)) fail('REF_INVALID_FORMAT', input, `registry ${JSON.stringify(domain)} is not a valid host[:port]`);
  }
  if (domain === LEGACY_DOMAIN) domain = DEFAULT_DOMAIN;
  const parts = path.split('/');
  for (const part of parts) {
    if (PATH_COMPONENT.test(part)) continue;
    if (part.length > 0 && PATH_COMPONENT.test(part.toLowerCase())) fail('REF_NAME_NOT_LOWERCASE', input, 'repository name must be lowercase');
    fail('REF_INVALID_FORMAT', input, part.length === 0 ? 'empty path component' : `path component ${JSON.stringify(part)} may hold only a-z, 0-9 and single separators (. _ __ -)`);
  }
  if (domain === DEFAULT_DOMAIN && parts.length === 1) path = `library/${path}`;
  if (domain.length + 1 + path.length > MAX_NAME_LENGTH) fail('REF_NAME_TOO_LONG', input, `repository name longer than ${MAX_NAME_LENGTH} characters`);
  if (tag === undefined && digest === undefined && options.defaultTag !== false) tag = 'latest';
  return { domain, path, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** `domain/path`, the repository without tag or digest. */
export function repositoryName(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The full normalised form: `docker.io/library/busybox:latest`, `host:5000/a/b@sha256:...`. */
export function formatReference(ref: ImageReference): string {
  return `${repositoryName(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** The short form docker prints: `busybox:latest`, `user/app:1`, `host:5000/a/b:tag`. */
export function familiarName(ref: ImageReference): string {
  let name = repositoryName(ref);
  if (ref.domain === DEFAULT_DOMAIN) {
    name = ref.path.startsWith('library/') && ref.path.split('/').length === 2 ? ref.path.slice('library/'.length) : ref.path;
  }
  return name;
}

/** familiarName plus tag and digest: what `docker images` and `docker save` show. */
export function familiarReference(ref: ImageReference): string {
  return `${familiarName(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}
