/**
 * The local content-addressed image store. Entry point: `Store.open({ root })`.
 *
 * Contract for other stages:
 * - Registry pull: `store.lease(async () => { await store.putBlob(stream, { digest, size }) ...;
 *   await store.addImage(manifestDigest, [ref]) })`. putBlob verifies while streaming and
 *   stores nothing on mismatch. Push: `store.statBlob(d)` then `store.openBlob(d)`
 *   (a verifying stream).
 * - Builder: layers come from src/image (writeLayerToStore), configs/manifests via
 *   `store.putJson`, then `store.addImage`; extracted base filesystems via
 *   `store.ensureLayerDir(chainId, populate)`.
 */
export { Store, defaultStoreRoot } from './store.js';
export type { OpenStoreOptions } from './store.js';
export { VerifyingStream, blobPath } from './blobs.js';
export type { BlobExpectation, BlobInfo, BlobSource } from './blobs.js';
export type { ImageRecord } from './images.js';
export type { LockMode } from './locks.js';
export { verifyStore } from './verify.js';
export type { StoreProblem, VerifyReport } from './verify.js';
export { pruneStore } from './prune.js';
export { FlushingWriter, isPidAlive } from './fsutil.js';
export type { PruneReport } from './prune.js';
