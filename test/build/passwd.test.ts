import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveChown, resolveOwner, type IdFiles } from '../../src/build/passwd.js';

const files: IdFiles = {
  passwd: async () => 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001:app:/home/app:/bin/sh\n',
  group: async () => 'root:x:0:\nstaff:x:50:app\napp:x:1001:\n',
};
const code = async (p: Promise<unknown>) => p.then(() => undefined, (e: { code: string }) => e.code);

test('names resolve through passwd/group; numbers stand for themselves', async () => {
  assert.deepEqual(await resolveChown('app', files), { uid: 1000, gid: 1001 });
  assert.deepEqual(await resolveChown('app:staff', files), { uid: 1000, gid: 50 });
  assert.deepEqual(await resolveChown('1000', files), { uid: 1000, gid: 1000 });
  assert.deepEqual(await resolveChown('7:8', files), { uid: 7, gid: 8 });
  assert.deepEqual(await resolveChown('1000:staff', files), { uid: 1000, gid: 50 });
  assert.deepEqual(await resolveOwner('1000', files), { uid: 1000, gid: 1001, additionalGids: [1001] });
  assert.deepEqual(await resolveOwner('app', files), { uid: 1000, gid: 1001, additionalGids: [1001, 50] });
  assert.equal(await code(resolveChown('nobody', files)), 'BUILD_UNKNOWN_USER');
  assert.equal(await code(resolveChown('app:nogroup', files)), 'BUILD_UNKNOWN_GROUP');
  assert.equal(await code(resolveChown('app', { passwd: async () => undefined, group: async () => undefined })), 'BUILD_UNKNOWN_USER');
});
