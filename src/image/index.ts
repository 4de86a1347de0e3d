/**
 * Layers (canonical writer, reader, safe applier), images (config + manifest into
 * the store) and archives (save/load in OCI, combined docker >= 25 and legacy forms).
 */
export { createLayerStream, defaultWorkers, writeLayer, writeLayerToStore } from './layer-writer.js';
export type { LayerStream } from './layer-writer.js';
export { readLayer } from './layer-reader.js';
export type { ByteSource, EntryBody, LayerEntry } from './layer-reader.js';
export { LayerApplier, applyLayers } from './apply.js';
export { GZIP_LEVEL, MEMBER_SIZE, parallelGzip } from './pgzip.js';
export { OPAQUE_MARKER, WHITEOUT_PREFIX, canonicalKey, normaliseLayerPath, whiteoutPath } from './paths.js';
export { buildImageConfig, createImage, loadImage, ociArchitecture } from './image.js';
export type { NewImage } from './image.js';
export { saveImages, saveImagesToFile } from './save.js';
export type { ArchiveFormat } from './save.js';
export { loadArchive, loadLayoutDir } from './load.js';
export { imageHistory, inspectImage, listImageSummaries } from './inspect.js';
export type { HistoryRow, ImageInspect, ImageSummary } from './inspect.js';
export { extractImage } from './extract.js';
export type { ApplyOptions, ApplyResult, LayerChange, LayerResult, LayerSource, LayerWriteOptions, MemberCache, MemberRecord } from './types.js';
export { layerMembers, linkOnWorker, prewarmTarWorker } from './tar-offload.js';
