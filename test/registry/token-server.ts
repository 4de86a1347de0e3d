import { createHash, createPrivateKey, createPublicKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the token server saw, for tests that assert caching and scopes. */
export interface TokenRequest {
  readonly method: string;
  readonly account: string | undefined;
  readonly scopes: string[];
  readonly grantType: string | undefined;
}

export interface TokenServer {
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  readonly requests: TokenRequest[];
  close(): Promise<void>;
}

export interface TokenServerOptions {
  readonly signingKey: string;
  readonly users: Record<string, string>;
  /** Anonymous clients get `pull` (and nothing else) when true. */
  readonly anonymousPull: boolean;
  readonly service?: string;
  readonly issuer?: string;
  /** Seconds a token lives; the registry spec's default is 60. */
  readonly expiresIn?: number;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * The libtrust key id the distribution registry derives from each key in its
 * rootcertbundle: SHA-256 of the DER public key, first 240 bits, base32 in groups of 4.
 */
export function libtrustKeyId(key: KeyObject): string {
  const der = (key.type === 'public' ? key : createPublicKey(key)).export({ type: 'spki', format: 'der' });
  const bytes = createHash('sha256').update(der).digest().subarray(0, 30);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.match(/.{4}/g)!.join(':');
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

interface Access { type: string; name: string; actions: string[] }

/** Parses `type:name:actions`; the name may itself contain colons (`host:port/repo`). */
function parseScope(scope: string): Access | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last <= first) return undefined;
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',').filter(Boolean) };
}

function basicUser(header: string | undefined, users: Record<string, string>): string | null | undefined {
  if (!header) return undefined;
  const m = /^Basic\s+(\S+)$/i.exec(header);
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString();
  const colon = decoded.indexOf(':');
  const user = decoded.slice(0, colon);
  return colon > 0 && users[user] === decoded.slice(colon + 1) ? user : null;
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

/**
 * A small token server in the shape of Docker's: GET with Basic auth or anonymous, and the
 * OAuth2 POST form (password and refresh_token grants). Issues ES256 JWTs the registry
 * verifies against the signing certificate.
 */
export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const key = createPrivateKey(await readFile(options.signingKey));
  const kid = libtrustKeyId(key);
  const service = options.service ?? 'slipway-test-registry';
  const issuer = options.issuer ?? 'slipway-test-issuer';
  const expiresIn = options.expiresIn ?? 60;
  const requests: TokenRequest[] = [];
  const refreshTokens = new Map<string, string>();

  function issue(account: string | undefined, scopes: string[]): string {
    const now = Math.floor(Date.now() / 1000);
    const access = scopes.map(parseScope).filter((a): a is Access => a !== undefined)
      .map((a) => ({ ...a, actions: account ? a.actions : a.actions.filter((x) => x === 'pull' && options.anonymousPull) }))
      .filter((a) => a.actions.length > 0);
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'ES256', kid }));
    const claims = b64url(JSON.stringify({ iss: issuer, sub: account ?? '', aud: service, exp: now + expiresIn,
      nbf: now - 10, iat: now, jti: randomUUID(), access }));
    const signature = sign('sha256', Buffer.from(`${header}.${claims}`), { key, dsaEncoding: 'ieee-p1363' });
    return `${header}.${claims}.${b64url(signature)}`;
  }

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://token');
      let account: string | undefined;
      let scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
      let grantType: string | undefined;
      let refresh: string | undefined;
      if (req.method === 'POST') {
        const form = new URLSearchParams(await readBody(req));
        grantType = form.get('grant_type') ?? undefined;
        scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
        if (grantType === 'password') {
          const user = form.get('username') ?? '';
          account = options.users[user] === form.get('password') ? user : undefined;
        } else if (grantType === 'refresh_token') {
          account = refreshTokens.get(form.get('refresh_token') ?? '');
        }
        if (!account) return deny(res);
        refresh = randomUUID();
        refreshTokens.set(refresh, account);
      } else {
        const user = basicUser(req.headers.authorization, options.users);
        if (user === null) return deny(res);
        account = user;
        if (!account && !options.anonymousPull) return deny(res);
        if (account && url.searchParams.get('offline_token') === 'true') {
          refresh = randomUUID();
          refreshTokens.set(refresh, account);
        }
      }
      requests.push({ method: req.method ?? 'GET', account, scopes, grantType });
      const token = issue(account, scopes);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token, access_token: token, expires_in: expiresIn, issued_at: new Date().toISOString(),
        ...(refresh ? { refresh_token: refresh } : {}) }));
    })().catch(() => { res.writeHead(500).end(); });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    requests,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function deny(res: http.ServerResponse): void {
  res.writeHead(401, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }));
}
