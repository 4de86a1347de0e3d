import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPlatform, hostPlatform, parsePlatform } from '../../src/plan/index.js';

const host = { os: 'linux', architecture: 'amd64' };

test('platforms parse and normalise as containerd does', () => {
  const cases: [string, string][] = [
    ['linux/amd64', 'linux/amd64'], ['linux/arm64/v8', 'linux/arm64'], ['linux/arm', 'linux/arm/v7'], ['linux/arm/6', 'linux/arm/v6'],
    ['Linux/x86_64', 'linux/amd64'], ['linux/aarch64', 'linux/arm64'], ['linux/armhf', 'linux/arm/v7'], ['linux', 'linux/amd64'],
    ['arm64', 'linux/arm64'], ['windows/amd64', 'windows/amd64'], ['linux/riscv64', 'linux/riscv64'],
  ];
  for (const [text, want] of cases) {
    const p = parsePlatform(text, host);
    assert.equal(typeof p === 'string' ? p : formatPlatform(p), want, text);
  }
  for (const bad of ['', 'linux/', 'a/b/c/d', 'lin ux/amd64', 'frobnitz']) assert.equal(typeof parsePlatform(bad, host), 'string', bad);
});

test('the host platform comes from Node\'s arch, as Linux', () => {
  assert.deepEqual(hostPlatform('x64'), { os: 'linux', architecture: 'amd64' });
  assert.deepEqual(hostPlatform('arm64'), { os: 'linux', architecture: 'arm64' });
  assert.deepEqual(hostPlatform('arm'), { os: 'linux', architecture: 'arm', variant: 'v7' });
  assert.equal(hostPlatform().os, 'linux');
});
