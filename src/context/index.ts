/**
 * The build context stage: a directory or tar, `.dockerignore`, COPY/ADD source
 * resolution, and content hashes for the build cache. Entry: `openContext`.
 */
export { openContext, type BuildContext } from './open.js';
export { IgnoreMatcher, parseDockerignore } from './dockerignore.js';
export { StatCache } from './statcache.js';
export { resolveInRoot } from './rootpath.js';
export type { ContextEntry, ContextSource, OpenContextOptions, SourceMatch } from './types.js';
