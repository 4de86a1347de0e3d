/**
 * The ground floor: OCI types, media types, digests and image references. Imports
 * nothing from other stages (only node builtins and the shared SlipwayError).
 */
export { Digester, chainId, chainIds, digestAlgorithm, digestHex, isDigest, parseDigest, sha256Digest } from './digest.js';
export type { Digest, DigestAlgorithm } from './digest.js';
export { MediaType, isIndexMediaType, isManifestMediaType, layerCompression } from './media-types.js';
export type { LayerCompression, MediaTypeName } from './media-types.js';
export { ANNOTATION_CREATED, ANNOTATION_IMAGE_NAME, ANNOTATION_REF_NAME } from './types.js';
export type { ContainerConfig, Descriptor, HealthConfig, History, ImageConfig, Index, Manifest, Platform, RootFS } from './types.js';
export { DEFAULT_DOMAIN, familiarName, familiarReference, formatReference, parseReference, repositoryName } from './reference.js';
export type { ImageReference } from './reference.js';
export { sortByBytes } from './order.js';
