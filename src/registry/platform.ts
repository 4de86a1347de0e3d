import { SlipwayError } from '../errors.js';
import type { Descriptor, Index, Platform } from '../oci/index.js';
import { registryError } from './errors.js';

const ARCH: Record<string, string> = { x64: 'amd64', x86_64: 'amd64', ia32: '386', aarch64: 'arm64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/** Default variants, as containerd normalises them (`arm64` is `v8`, `arm` is `v7`). */
function defaultVariant(architecture: string): string | undefined {
  return architecture === 'arm64' ? 'v8' : architecture === 'arm' ? 'v7' : undefined;
}

/** The platform of the machine slipway runs on (images run here are linux). */
export function hostPlatform(): Platform {
  const architecture = ARCH[process.arch] ?? process.arch;
  const variant = defaultVariant(architecture);
  return { os: 'linux', architecture, ...(variant ? { variant } : {}) };
}

/** Parses `os/arch[/variant]` (docker's --platform); `linux/x86_64` is `linux/amd64`. */
export function parsePlatform(text: string): Platform {
  const parts = text.trim().toLowerCase().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9._-]+$/.test(p))) {
    throw new SlipwayError('REGISTRY_BAD_PLATFORM', `invalid platform ${JSON.stringify(text)}: want os/arch[/variant], e.g. linux/amd64`, { exitCode: 2 });
  }
  const architecture = ARCH[parts[1]!] ?? parts[1]!;
  return { os: parts[0]!, architecture, ...(parts[2] ? { variant: parts[2] } : {}) };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** True when `candidate` can serve a request for `want`. */
export function platformMatches(want: Platform, candidate: Platform | undefined): boolean {
  if (!candidate) return false;
  if (candidate.os !== want.os) return false;
  if ((ARCH[candidate.architecture] ?? candidate.architecture) !== want.architecture) return false;
  const wantVariant = want.variant ?? defaultVariant(want.architecture);
  const hasVariant = candidate.variant ?? defaultVariant(candidate.architecture);
  return wantVariant === undefined || hasVariant === wantVariant;
}

/**
 * Picks the manifest for `want` from an index. An explicit variant must match; without one
 * the architecture's default variant is preferred. Attestations (`unknown/unknown`) never
 * match. Throws REGISTRY_NO_PLATFORM listing what the index offers.
 */
export function selectManifest(index: Index, want: Platform, where: string): Descriptor {
  const hit = index.manifests.find((d) => platformMatches(want, d.platform))
    // An index with a single unlabelled manifest is what some tools write for one platform.
    ?? (index.manifests.length === 1 && !index.manifests[0]!.platform ? index.manifests[0] : undefined);
  if (hit) return hit;
  const offered = index.manifests.map((d) => (d.platform ? formatPlatform(d.platform) : '(no platform)')).filter((p) => p !== 'unknown/unknown');
  throw registryError('REGISTRY_NO_PLATFORM', `${where} has no image for ${formatPlatform(want)} (offers: ${offered.join(', ') || 'nothing'})`);
}
