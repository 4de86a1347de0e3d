import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Store } from '../../src/store/index.js';
import { runCli } from '../helpers/cli.js';
import { storeBusyboxImage, tempDir } from '../image/fixtures.js';

test('store CLI: images, image inspect, history, tag, rmi, save, load, prune, store verify', async () => {
  const work = await tempDir();
  try {
    const env = { SLIPWAY_ROOT: path.join(work, 'store') };
    const store = await Store.open({ root: env.SLIPWAY_ROOT });
    const img = await storeBusyboxImage(store, ['cli/app:1']);
    const manifest = await store.getManifest(img.digest);
    const short = img.id.slice(7, 19);
    const cli = (argv: string[]) => runCli(argv, { env, cwd: work });

    let r = await cli(['images']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    assert.match(lines[1]!, new RegExp(`^cli/app\\s+1\\s+${short}\\s+\\d+ \\w+ ago\\s+[\\d.]+[kM]B$`));

    r = await cli(['images', '--format', 'json']);
    const row = JSON.parse(r.stdout.trim());
    assert.deepEqual([row.Repository, row.Tag, row.ID, row.Digest, row.CreatedAt], ['cli/app', '1', short, img.digest, '2023-11-14T22:13:20.000Z']);

    r = await cli(['image', 'inspect', 'cli/app:1']);
    assert.equal(r.code, 0, r.stderr);
    const [info] = JSON.parse(r.stdout);
    assert.equal(info.Id, img.id);
    assert.deepEqual(info.RepoTags, ['cli/app:1']);
    assert.deepEqual(info.RepoDigests, [`cli/app@${img.digest}`]);
    assert.deepEqual(info.Config.Cmd, ['/bin/cat', '/hello.txt']);
    assert.equal(info.RootFS.Layers.length, 2);
    assert.equal(info.Size, manifest.layers[0]!.size + manifest.layers[1]!.size);

    r = await cli(['history', 'cli/app:1']);
    const hist = r.stdout.trimEnd().split('\n').slice(1).map((l) => l.split(/\s{3,}/));
    assert.deepEqual(hist.map((h) => [h[0], h[2]]), [[short, 'COPY hello.txt /'], ['<missing>', 'ENV PATH=/bin'], ['<missing>', 'busybox rootfs']]);
    assert.equal(hist[1]![3], '0B');

    assert.equal((await cli(['tag', 'cli/app:1', 'localhost:5000/cli/copy:2'])).code, 0);
    r = await cli(['images', '-q']);
    assert.equal(r.stdout, `${short}\n`);
    r = await cli(['images', 'localhost:5000/cli/copy']);
    assert.equal(r.stdout.trimEnd().split('\n').length, 2);

    r = await cli(['save', '-o', 'out.tar', 'cli/app:1', 'localhost:5000/cli/copy:2']);
    assert.equal(r.code, 0, r.stderr);
    r = await cli(['rmi', 'cli/app:1']);
    assert.equal(r.stdout, 'Untagged: cli/app:1\n');
    r = await cli(['rmi', 'localhost:5000/cli/copy:2']);
    assert.equal(r.stdout, `Untagged: localhost:5000/cli/copy:2\nDeleted: ${img.digest}\n`);
    r = await cli(['prune']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.split('\n').filter((l) => l.startsWith('deleted blob: ')).length, 4);
    r = await cli(['load', '-i', 'out.tar']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Loaded image: cli/app:1\nLoaded image: localhost:5000/cli/copy:2\n');
    r = await cli(['store', 'verify']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'ok: 4 blobs, 1 images, 0 layer dirs, 0 problems\n');

    // Errors: exit codes and one-line messages, no stacks.
    r = await cli(['image', 'inspect', 'nope:1']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'slipway image inspect: no such image: nope:1\n');
    assert.equal((await cli(['save', 'cli/app:1', '--format=zip'])).code, 2);
    assert.equal((await cli(['tag', 'only-one'])).code, 2);
    r = await cli(['tag', 'cli/app:1', 'Bad/Name']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^slipway tag: invalid reference "Bad\/Name": repository name must be lowercase\n$/);
    await fs.writeFile(path.join(work, 'junk.tar'), 'junk'.repeat(300));
    r = await cli(['load', '-i', 'junk.tar']);
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);

    const blob = (await store.getManifest(img.digest)).layers[1]!.digest;
    await fs.appendFile(store.blobPath(blob), 'x');
    r = await cli(['store', 'verify']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, new RegExp(`^BLOB_CORRUPT: blob ${blob} hashes to`));
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});
