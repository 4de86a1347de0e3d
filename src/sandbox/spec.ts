/**
 * The OCI runtime config (config.json) for one RUN step. Pure: everything it
 * needs is passed in, so it is testable without runc.
 *
 * Defaults follow Docker/BuildKit (moby's `oci/defaults.go`, containerd's
 * `oci/spec.go`): the default capability set, masked and read-only /proc paths,
 * /dev as tmpfs with pts/shm/mqueue, /sys read-only, noNewPrivileges.
 */
import type { NetworkMode, ProcessSpec, SandboxMount } from './types.js';
import { seccompProfile } from './seccomp.js';

/** Docker's default capability set (the same list BuildKit grants a RUN). */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

export const MASKED_PATHS = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats',
  '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi',
  '/sys/firmware', '/sys/devices/virtual/powercap',
];

export const READONLY_PATHS = [
  '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger',
];

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

export interface HostLimits {
  /** Hard RLIMIT_NOFILE of this process: the container cannot be given more. */
  nofileHard: number;
}

export interface SpecInput {
  rootfs: string;
  process: ProcessSpec;
  hostname: string;
  network: NetworkMode;
  /** Generated files bound read-only at /etc/hosts and /etc/resolv.conf. */
  hostsFile: string;
  resolvConfFile: string;
  /** User mounts with secrets already materialised as files (`secretFiles`). */
  mounts: SandboxMount[];
  /** target -> host file holding the secret, for each secret mount. */
  secretFiles: Map<string, string>;
  limits: HostLimits;
}

function systemMounts(): OciMount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
  ];
}

function userMount(m: SandboxMount, secretFiles: Map<string, string>): OciMount {
  switch (m.type) {
    case 'bind':
      return { destination: m.target, type: 'bind', source: m.source, options: ['rbind', m.readonly ? 'ro' : 'rw'] };
    case 'cache':
      return { destination: m.target, type: 'bind', source: m.source, options: ['rbind', 'rw'] };
    case 'tmpfs': {
      const options = ['nosuid', 'nodev', 'mode=1777'];
      if (m.size !== undefined) options.push(`size=${m.size}`);
      return { destination: m.target, type: 'tmpfs', source: 'tmpfs', options };
    }
    case 'secret': {
      const file = secretFiles.get(m.target);
      if (file === undefined) throw new Error(`secret for ${m.target} was not materialised`);
      return { destination: m.target, type: 'bind', source: file, options: ['rbind', 'ro', 'nosuid', 'nodev', 'noexec'] };
    }
    default: {
      const never: never = m;
      throw new Error(`unknown mount ${JSON.stringify(never)}`);
    }
  }
}

/** The config.json object for `runc run`. */
export function buildRuntimeSpec(input: SpecInput): Record<string, unknown> {
  const { process: p, limits } = input;
  // Soft 1024 like Docker; hard as high as BuildKit asks (1048576) but never above
  // what this process may grant, or runc fails to start the container.
  const nofileHard = Math.min(1048576, limits.nofileHard);
  const namespaces: { type: string }[] = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  if (input.network === 'none') namespaces.push({ type: 'network' });

  const mounts = [
    ...systemMounts(),
    { destination: '/etc/hosts', type: 'bind', source: input.hostsFile, options: ['rbind', 'ro'] },
    { destination: '/etc/resolv.conf', type: 'bind', source: input.resolvConfFile, options: ['rbind', 'ro'] },
    ...input.mounts.map((m) => userMount(m, input.secretFiles)),
  ];

  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: p.uid, gid: p.gid, additionalGids: p.additionalGids },
      args: p.args,
      env: p.env,
      cwd: p.cwd,
      capabilities: {
        bounding: DEFAULT_CAPABILITIES,
        effective: DEFAULT_CAPABILITIES,
        permitted: DEFAULT_CAPABILITIES,
      },
      rlimits: [{ type: 'RLIMIT_NOFILE', soft: Math.min(1024, nofileHard), hard: nofileHard }],
      noNewPrivileges: true,
    },
    root: { path: input.rootfs, readonly: false },
    hostname: input.hostname,
    mounts,
    linux: {
      namespaces,
      // Deny all devices; runc adds its default allow-list (null, zero, tty, ...).
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      maskedPaths: MASKED_PATHS,
      readonlyPaths: READONLY_PATHS,
      seccomp: seccompProfile(),
    },
  };
}

/** `/etc/hosts` as BuildKit writes it: localhost, the hostname, then extra hosts. */
export function hostsFileContent(hostname: string, extra: { host: string; ip: string }[]): string {
  let text = `127.0.0.1\tlocalhost ${hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n`;
  for (const e of extra) text += `${e.ip}\t${e.host}\n`;
  return text;
}

/**
 * `/etc/resolv.conf` for the container: the host's, except that with a private
 * network namespace loopback resolvers are unreachable, so they are dropped (as
 * Docker does); an empty result is fine for `--network=none`.
 */
export function resolvConfContent(hostResolvConf: string, network: NetworkMode): string {
  if (network !== 'none') return hostResolvConf;
  return hostResolvConf
    .split('\n')
    .filter((line) => !/^\s*nameserver\s+(127\.|::1\s*$)/.test(line))
    .join('\n');
}
