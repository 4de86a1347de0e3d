import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildRuntimeSpec, DEFAULT_CAPABILITIES } from '../../src/sandbox/index.js';
import { hostsFileContent, resolvConfContent, type SpecInput } from '../../src/sandbox/spec.js';

function input(over: Partial<SpecInput> = {}): SpecInput {
  return {
    rootfs: '/b/rootfs',
    process: { args: ['/bin/sh', '-c', 'true'], env: ['PATH=/bin'], cwd: '/w', uid: 1, gid: 2, additionalGids: [3] },
    hostname: 'h',
    network: 'none',
    hostsFile: '/b/hosts',
    resolvConfFile: '/b/resolv.conf',
    mounts: [],
    secretFiles: new Map(),
    limits: { nofileHard: 20000 },
    ...over,
  };
}

type Spec = {
  process: { rlimits: { type: string; soft: number; hard: number }[]; capabilities: Record<string, string[]>; noNewPrivileges: boolean; terminal: boolean };
  mounts: { destination: string; type: string; source: string; options: string[] }[];
  linux: { namespaces: { type: string }[] };
};

describe('buildRuntimeSpec', () => {
  it("keeps rlimits within the machine's hard limit", () => {
    const spec = buildRuntimeSpec(input()) as unknown as Spec;
    assert.deepEqual(spec.process.rlimits, [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 20000 }]);
    const big = buildRuntimeSpec(input({ limits: { nofileHard: 1 << 30 } })) as unknown as Spec;
    assert.deepEqual(big.process.rlimits, [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 1048576 }]);
  });

  it('grants exactly Docker\'s 14 default capabilities, no new privileges, no terminal', () => {
    const spec = buildRuntimeSpec(input()) as unknown as Spec;
    assert.equal(DEFAULT_CAPABILITIES.length, 14);
    for (const set of ['bounding', 'effective', 'permitted']) assert.deepEqual(spec.process.capabilities[set], DEFAULT_CAPABILITIES);
    assert.equal(spec.process.capabilities.inheritable, undefined);
    assert.equal(spec.process.noNewPrivileges, true);
    assert.equal(spec.process.terminal, false);
  });

  it('creates a network namespace only for network=none', () => {
    const ns = (n: SpecInput['network']) => (buildRuntimeSpec(input({ network: n })) as unknown as Spec).linux.namespaces.map((x) => x.type);
    assert.deepEqual(ns('none'), ['pid', 'ipc', 'uts', 'mount', 'network']);
    assert.deepEqual(ns('host'), ['pid', 'ipc', 'uts', 'mount']);
    assert.deepEqual(ns('default'), ['pid', 'ipc', 'uts', 'mount']);
  });

  it('orders system mounts, then hosts/resolv.conf, then the step mounts', () => {
    const spec = buildRuntimeSpec(input({
      mounts: [
        { type: 'bind', source: '/src', target: '/ro', readonly: true },
        { type: 'bind', source: '/src', target: '/rw', readonly: false },
        { type: 'tmpfs', target: '/t', size: 4096 },
        { type: 'cache', source: '/c', target: '/cache' },
        { type: 'secret', target: '/run/secrets/x', data: 'x', mode: 0o400, uid: 0, gid: 0 },
      ],
      secretFiles: new Map([['/run/secrets/x', '/b/secrets/0']]),
    })) as unknown as Spec;
    assert.deepEqual(spec.mounts.map((m) => `${m.destination} ${m.type} ${m.source} ${m.options.join(',')}`), [
      '/proc proc proc nosuid,noexec,nodev',
      '/dev tmpfs tmpfs nosuid,strictatime,mode=755,size=65536k',
      '/dev/pts devpts devpts nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5',
      '/dev/shm tmpfs shm nosuid,noexec,nodev,mode=1777,size=65536k',
      '/dev/mqueue mqueue mqueue nosuid,noexec,nodev',
      '/sys sysfs sysfs nosuid,noexec,nodev,ro',
      '/sys/fs/cgroup cgroup cgroup nosuid,noexec,nodev,relatime,ro',
      '/etc/hosts bind /b/hosts rbind,ro',
      '/etc/resolv.conf bind /b/resolv.conf rbind,ro',
      '/ro bind /src rbind,ro',
      '/rw bind /src rbind,rw',
      '/t tmpfs tmpfs nosuid,nodev,mode=1777,size=4096',
      '/cache bind /c rbind,rw',
      '/run/secrets/x bind /b/secrets/0 rbind,ro,nosuid,nodev,noexec',
    ]);
  });
});

describe('generated /etc files', () => {
  it('writes hosts like BuildKit', () => {
    assert.equal(hostsFileContent('box', [{ host: 'db', ip: '10.0.0.2' }]), '127.0.0.1\tlocalhost box\n::1\tlocalhost ip6-localhost ip6-loopback\n10.0.0.2\tdb\n');
  });

  it('drops loopback resolvers only in a private network namespace', () => {
    const host = 'search x\nnameserver 127.0.0.53\nnameserver 10.0.0.1\nnameserver ::1\n';
    assert.equal(resolvConfContent(host, 'host'), host);
    assert.equal(resolvConfContent(host, 'none'), 'search x\nnameserver 10.0.0.1\n');
  });
});
