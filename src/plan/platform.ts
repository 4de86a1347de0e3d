/** Platforms as BuildKit names them (containerd's `os/arch[/variant]`), and the ARGs made from them. */
import type { Platform } from './types.js';

const NODE_ARCH: Readonly<Record<string, Platform>> = {
  x64: { os: 'linux', architecture: 'amd64' },
  arm64: { os: 'linux', architecture: 'arm64' },
  arm: { os: 'linux', architecture: 'arm', variant: 'v7' },
  ia32: { os: 'linux', architecture: '386' },
  ppc64: { os: 'linux', architecture: 'ppc64le' },
  s390x: { os: 'linux', architecture: 's390x' },
  riscv64: { os: 'linux', architecture: 'riscv64' },
};

/** The platform of the running Node process, as a Linux platform (what runc runs). */
export function hostPlatform(arch: string = process.arch): Platform {
  return NODE_ARCH[arch] ?? { os: 'linux', architecture: arch };
}

export function formatPlatform(p: Platform): string {
  return p.variant ? `${p.os}/${p.architecture}/${p.variant}` : `${p.os}/${p.architecture}`;
}

const ARCH_ALIASES: Readonly<Record<string, [string, string?]>> = {
  x86_64: ['amd64'], 'x86-64': ['amd64'], i386: ['386'], i686: ['386'], aarch64: ['arm64'],
  armhf: ['arm', 'v7'], armel: ['arm', 'v6'],
};
const KNOWN_OS = new Set(['linux', 'windows', 'darwin', 'freebsd', 'netbsd', 'openbsd', 'solaris', 'illumos', 'android', 'ios', 'aix', 'plan9', 'js', 'wasip1']);
const KNOWN_ARCH = new Set(['amd64', 'arm64', 'arm', '386', 'ppc64le', 'ppc64', 's390x', 'riscv64', 'mips', 'mipsle', 'mips64', 'mips64le', 'loong64', 'wasm']);
const PART = /^[A-Za-z0-9_.-]+$/;

/**
 * containerd's platforms.Parse, normalised: `linux/arm64`, `linux/arm/v7`, `linux`
 * (host architecture), `arm64` (host OS). Returns an error message when invalid.
 */
export function parsePlatform(text: string, host: Platform): Platform | string {
  const parts = text.split('/');
  if (parts.some((p) => !PART.test(p)) || parts.length > 3) return `invalid platform ${JSON.stringify(text)}`;
  const lower = parts.map((p) => p.toLowerCase());
  if (lower.length === 1) {
    const only = lower[0]!;
    if (KNOWN_OS.has(only)) return { ...host, os: only };
    const arch = normaliseArch(only, undefined);
    if (KNOWN_ARCH.has(arch.architecture)) return { os: host.os, ...arch };
    return `unknown operating system or architecture: ${JSON.stringify(text)}`;
  }
  const arch = normaliseArch(lower[1]!, lower[2]);
  return { os: lower[0]!, ...arch };
}

function normaliseArch(arch: string, variant: string | undefined): { architecture: string; variant?: string } {
  const alias = ARCH_ALIASES[arch];
  const architecture = alias ? alias[0] : arch;
  let v = variant ?? alias?.[1];
  if (architecture === 'arm64' && (v === 'v8' || v === '8')) v = undefined;
  if (architecture === 'amd64' && v === 'v1') v = undefined;
  if (architecture === 'arm' && v !== undefined && /^\d$/.test(v)) v = 'v' + v;
  if (architecture === 'arm' && v === undefined) v = 'v7';
  return v ? { architecture, variant: v } : { architecture };
}

/** BuildKit's automatic ARGs, overridable by `--build-arg` of the same name. */
export function platformArgs(build: Platform, target: Platform, targetStage: string, overrides: Readonly<Record<string, string>>): Map<string, string> {
  const pairs: [string, string][] = [
    ['BUILDPLATFORM', formatPlatform(build)],
    ['BUILDOS', build.os],
    ['BUILDARCH', build.architecture],
    ['BUILDVARIANT', build.variant ?? ''],
    ['TARGETPLATFORM', formatPlatform(target)],
    ['TARGETOS', target.os],
    ['TARGETARCH', target.architecture],
    ['TARGETVARIANT', target.variant ?? ''],
    ['TARGETSTAGE', targetStage],
  ];
  return new Map(pairs.map(([k, v]) => [k, Object.hasOwn(overrides, k) ? overrides[k]! : v]));
}

export const PLATFORM_ARG_NAMES: ReadonlySet<string> = new Set([
  'BUILDPLATFORM', 'BUILDOS', 'BUILDARCH', 'BUILDVARIANT', 'TARGETPLATFORM', 'TARGETOS', 'TARGETARCH', 'TARGETVARIANT', 'TARGETSTAGE',
]);

/** Build args every build accepts without an ARG (Docker's builtin allowed list, BuildKit's own). */
export function isPredefinedArg(name: string): boolean {
  return /^(https?|ftp|no|all)_proxy$/i.test(name) || PLATFORM_ARG_NAMES.has(name) || name.startsWith('BUILDKIT_') || name === 'SOURCE_DATE_EPOCH';
}

/** `--build-arg` proxy values, passed to every RUN without declaration. */
export function proxyEnv(buildArgs: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(buildArgs).sort()) {
    if (/^(https?|ftp|no|all)_proxy$/i.test(key)) out[key] = buildArgs[key]!;
  }
  return out;
}
