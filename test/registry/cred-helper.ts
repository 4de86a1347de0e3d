import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Installs `docker-credential-<name>` into `binDir`: a real program speaking the docker
 * credential-helper protocol (get/store/erase/list on stdin/stdout), keeping its secrets
 * in a JSON file under `binDir` instead of a keychain. Returns the PATH to use.
 */
export async function installCredentialHelper(binDir: string, name: string): Promise<{ path: string; storeFile: string }> {
  await mkdir(binDir, { recursive: true });
  const storeFile = path.join(binDir, `${name}-secrets.json`);
  const script = `#!${process.execPath}
const fs = require('node:fs');
const file = ${JSON.stringify(storeFile)};
const load = () => { try { return JSON.parse(fs.readFileSync(file, 'utf8')); } catch { return {}; } };
let input = '';
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  const db = load();
  switch (process.argv[2]) {
    case 'get': {
      const hit = db[input.trim()];
      if (!hit) { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); }
      process.stdout.write(JSON.stringify({ ServerURL: input.trim(), Username: hit.Username, Secret: hit.Secret }));
      break;
    }
    case 'store': {
      const c = JSON.parse(input);
      db[c.ServerURL] = { Username: c.Username, Secret: c.Secret };
      fs.writeFileSync(file, JSON.stringify(db));
      break;
    }
    case 'erase': {
      if (!db[input.trim()]) { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); }
      delete db[input.trim()];
      fs.writeFileSync(file, JSON.stringify(db));
      break;
    }
    case 'list':
      process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(db).map(([k, v]) => [k, v.Username]))));
      break;
    default:
      process.stdout.write('unknown action\\n');
      process.exit(1);
  }
});
`;
  const bin = path.join(binDir, `docker-credential-${name}`);
  await writeFile(bin, script);
  await chmod(bin, 0o755);
  return { path: `${binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`, storeFile };
}
