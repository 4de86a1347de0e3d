/**
 * The builder: `build(options)` executes a Dockerfile (RUN steps in runc) into an OCI
 * image in the store, reporting progress as events. Everything else here is exported
 * for the CLI and for callers that want the pieces (option parsers, renderers).
 */
export { build } from './build.js';
export type { BuildOptions, BuildResult, Compression, ContextSource, LayerInfo, NetworkMode, OutputSpec, ProgressEvent, ProgressMode, SecretSpec, SshSpec, StepResult } from './types.js';
export { parseBuildArgs, parseLabels, parseOutput, parseSecret } from './options.js';
export { createRenderer, plainRenderer, quietRenderer, ttyRenderer } from './progress/index.js';
export type { Renderer } from './progress/index.js';
export { pruneBuildCache } from './prune.js';
export type { BuildPruneReport } from './prune.js';
