import { statSync } from 'node:fs';
import net from 'node:net';
import { SlipwayError } from '../errors.js';
import type { SshSpec } from './types.js';

/**
 * SSH agent forwarding for `RUN --mount=type=ssh` (docker build --ssh). Only agent
 * sockets are forwarded (BuildKit can also serve key files; slipway refuses them).
 * Each mount gets its own proxy socket in the step's scratch dir, so the step sees
 * neither the host's socket path nor its permissions, and the mount's mode/uid/gid
 * apply to the proxy.
 */

/** Parses one `--ssh` value: `default` (SSH_AUTH_SOCK), `ID=SOCKET` or `ID` (SSH_AUTH_SOCK). */
export function parseSsh(value: string, env: Record<string, string | undefined>): SshSpec {
  const eq = value.indexOf('=');
  const id = (eq < 0 ? value : value.slice(0, eq)).trim();
  const given = eq < 0 ? undefined : value.slice(eq + 1).trim();
  if (id === '') throw new SlipwayError('BUILD_BAD_SSH', `--ssh ${JSON.stringify(value)}: missing id`);
  if (given !== undefined && given.includes(',')) throw new SlipwayError('BUILD_BAD_SSH', `--ssh ${id}: only one agent socket per id is supported`);
  const socket = given || env.SSH_AUTH_SOCK;
  if (!socket) throw new SlipwayError('BUILD_BAD_SSH', `--ssh ${id}: no socket given and SSH_AUTH_SOCK is not set`);
  const st = statSync(socket, { throwIfNoEntry: false });
  if (!st) throw new SlipwayError('BUILD_BAD_SSH', `--ssh ${id}: ${socket} does not exist`);
  if (!st.isSocket()) throw new SlipwayError('BUILD_BAD_SSH', `--ssh ${id}: ${socket} is not an agent socket (key files are not supported)`);
  return { id, socket };
}

/** Listens on `path` and pipes every connection to the agent at `agent`. */
export function sshProxy(agent: string, path: string): Promise<net.Server> {
  const server = net.createServer((client) => {
    const upstream = net.connect(agent);
    client.pipe(upstream).pipe(client);
    const close = () => { client.destroy(); upstream.destroy(); };
    client.on('error', close);
    upstream.on('error', close);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve(server));
  });
}
