/**
 * slipway's public API. Every export is named here explicitly; each stage adds
 * its own line.
 */
export { SlipwayError, isSlipwayError } from './errors.js';
export { LineCounter, chompHeredocContent, dump, dumpInstruction, formatDiagnostic, goQuote, parse, parseHeredocWord } from './syntax/index.js';
export type { Argument, Body, CommandBody, Comment, Diagnostic, Directive, Dockerfile, EscapeToken, Flag, Heredoc, Instruction, KeyValuePair, ParseCode, ParseOptions, ParseResult, Position, Range, Severity } from './syntax/index.js';
export { analyzeWord, expandWord, expandWords } from './shell/index.js';
export type { ExpandOptions, ExpandReport, Expansion, ShellEnv, ShellErrorCode, ShellProblem } from './shell/index.js';
export { ANNOTATION_CREATED, ANNOTATION_IMAGE_NAME, ANNOTATION_REF_NAME, DEFAULT_DOMAIN, Digester, MediaType, chainId, chainIds, digestAlgorithm, digestHex, familiarName, familiarReference, formatReference, isDigest, isIndexMediaType, isManifestMediaType, layerCompression, parseDigest, parseReference, repositoryName, sha256Digest } from './oci/index.js';
export type { ContainerConfig, Descriptor, Digest, DigestAlgorithm, HealthConfig, History, ImageConfig, ImageReference, Index, LayerCompression, Manifest, MediaTypeName, Platform, RootFS } from './oci/index.js';
export { Store, VerifyingStream, blobPath, defaultStoreRoot, pruneStore, verifyStore } from './store/index.js';
export type { BlobExpectation, BlobInfo, BlobSource, ImageRecord, LockMode, OpenStoreOptions, PruneReport, StoreProblem, VerifyReport } from './store/index.js';
export type { ApplyOptions, ApplyResult, LayerChange, LayerResult, LayerSource, LayerWriteOptions } from './image/types.js';
export { DEFAULT_RETRY, ensureImage, formatPlatform, hostPlatform, login, logout, normaliseRegistry, parsePlatform, parseWwwAuthenticate, plainRenderer, progressRenderer, pull, push, pushAllTags, ttyRenderer } from './registry/index.js';
export type { BlobPhase, Challenge, Credential, LoginOptions, LoginResult, ProgressEvent as RegistryProgressEvent, ProgressListener as RegistryProgressListener, PullOptions, PullResult, PushOptions, PushResult, RetryPolicy } from './registry/index.js';
export { LayerApplier, applyLayers, buildImageConfig, createImage, createLayerStream, extractImage, imageHistory, inspectImage, listImageSummaries, loadArchive, loadImage, loadLayoutDir, readLayer, saveImages, saveImagesToFile, writeLayer, writeLayerToStore } from './image/index.js';
export type { ArchiveFormat, HistoryRow, ImageInspect, ImageSummary, LayerEntry, LayerStream, NewImage } from './image/index.js';
export { ALL_RULES, BUILDKIT_RULES, HADOLINT_RULES, applyEdits, findRule, fix as fixDockerfile, formatReports, lint, lintDetailed, loadConfig, runLint, unifiedDiff } from './lint/index.js';
export type { FileReport, FixResult, Format, LabelSchema, LintConfig, LintDiagnostic, LintLevel, LintOptions, LintResult, LintRule, TextEdit, Threshold } from './lint/index.js';
export { build, createRenderer as createBuildRenderer, parseOutput, parseSecret, pruneBuildCache } from './build/index.js';
export type { BuildOptions, BuildResult, Compression, ContextSource, LayerInfo, OutputSpec, ProgressEvent as BuildProgressEvent, ProgressMode, SecretSpec, SshSpec, StepResult } from './build/index.js';
export { runStep, diffUpper, buildRuntimeSpec } from './sandbox/index.js';
export type { BindMount, CacheMount, DiffInput, EntryStat, LayerChange as SandboxLayerChange, NetworkMode as SandboxNetworkMode, ProcessSpec, RunResult, RunSpec, SandboxMount, SecretMount, TmpfsMount } from './sandbox/index.js';
export { openContext, IgnoreMatcher, parseDockerignore, StatCache, resolveInRoot } from './context/index.js';
export type { BuildContext, ContextEntry, ContextSource as BuildContextSource, OpenContextOptions, SourceMatch } from './context/index.js';
export { toInstruction, toInstructions, parseMount, parseGoDuration, formatGoDuration, parsePortSpec } from './instructions/index.js';
export type { TypedInstruction, InstructionType, InstructionsResult, InstructionCode, InstructionDiagnostic, Mount as RunMount, MountFlag, Word, CommandLine, HealthCheck, PortSpec } from './instructions/index.js';
export { createPlan, planDockerfile, outline, listTargets } from './plan/index.js';
export type { BuildPlan, PlannedStage, PlanStep, PlanOptions, PlanInput, ExpandedInstruction, StageBase, SourceRef, ArgValue, BuildArgUse, BaseImageConfig, StageDependency, Outline, OutlineArg, OutlineSecret, Target, TargetsResult } from './plan/index.js';
