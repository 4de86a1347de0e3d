import type { Digest } from './digest.js';

/**
 * JSON shapes of the OCI image spec (image-spec v1.1) with the Docker image-spec
 * extensions Docker users rely on (Healthcheck, OnBuild, Shell...). Field names are
 * the wire names, so these values serialise with JSON.stringify as-is.
 */

/** Points at a blob: what it is, its digest and exact size. */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
  artifactType?: string;
}

export interface Platform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
}

/** An image manifest (OCI, or Docker schema 2: same shape, other media types). */
export interface Manifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** An image index (OCI) or manifest list (Docker); also an OCI layout's index.json. */
export interface Index {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** Docker's HEALTHCHECK settings; durations are nanoseconds, as Docker stores them. */
export interface HealthConfig {
  /** ["NONE"], ["CMD", args...] or ["CMD-SHELL", command]. */
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** The runtime defaults of an image (the `config` object of the image config). */
export interface ContainerConfig {
  User?: string;
  /** Keys like "80/tcp"; values are always empty objects. */
  ExposedPorts?: Record<string, Record<string, never>>;
  /** "KEY=value" strings, in order. */
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, Record<string, never>>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  ArgsEscaped?: boolean;
  /** Docker extensions: kept in Docker-format images, dropped by strict OCI tools. */
  Healthcheck?: HealthConfig;
  OnBuild?: string[] | null;
  Shell?: string[];
}

/** One build step as `docker history` shows it. */
export interface History {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  /** True when the step added no layer (ENV, CMD...). */
  empty_layer?: boolean;
}

export interface RootFS {
  type: 'layers';
  /** sha256 of each layer's uncompressed tar, bottom first. */
  diff_ids: Digest[];
}

/** The image configuration blob; its digest is the image ID. */
export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  config?: ContainerConfig;
  rootfs: RootFS;
  history?: History[];
}

/** Annotation naming a manifest's tag inside an OCI layout's index.json. */
export const ANNOTATION_REF_NAME = 'org.opencontainers.image.ref.name';
/** Annotation containerd/docker use for the full image name in an OCI layout. */
export const ANNOTATION_IMAGE_NAME = 'io.containerd.image.name';
/** Creation time annotation. */
export const ANNOTATION_CREATED = 'org.opencontainers.image.created';
