/**
 * The registry client: pull, push, login and logout against any OCI distribution
 * registry, with docker-compatible credentials and containers-compatible settings.
 * Entry points: `pull`, `push`, `login`, `logout` (and `ensureImage` for the builder).
 */
export { pull, ensureImage } from './pull.js';
export type { PullOptions, PullResult } from './pull.js';
export { push, pushAllTags } from './push.js';
export type { PushOptions, PushResult } from './push.js';
export { login, logout, normaliseRegistry } from './login.js';
export type { LoginOptions, LoginResult } from './login.js';
export { parseWwwAuthenticate, parseScope, formatScope } from './challenge.js';
export type { Challenge, Scope } from './challenge.js';
export { resolveCredential } from './credentials.js';
export type { Credential } from './credentials.js';
export { loadRegistryConfig, parseRegistriesToml } from './config.js';
export type { RegistryConfig, RegistryEntry, Mirror } from './config.js';
export { hostPlatform, parsePlatform, formatPlatform } from './platform.js';
export { progressRenderer, plainRenderer, ttyRenderer } from './progress.js';
export type { BlobPhase, ProgressEvent, ProgressListener } from './progress.js';
export { DEFAULT_RETRY } from './retry.js';
export type { RetryPolicy } from './retry.js';
export { closeIdleConnections, send as httpSend, header as httpHeader } from './transport.js';
export type { HttpRequest, HttpResponse } from './transport.js';
