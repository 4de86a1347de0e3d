import { readFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import tls from 'node:tls';

/**
 * The HTTP layer: node:http/https with keep-alive agents, streaming bodies both ways, and
 * redirects followed here so that `Authorization` never reaches another origin (blob
 * downloads are often redirected to object storage that must not see registry tokens).
 */

export interface TlsSettings {
  /** Extra PEM roots (certs.d or `ca` in registries.toml); the system roots still apply. */
  readonly ca?: readonly Buffer[];
  /** `insecure = true` for a TLS registry: accept any certificate. */
  readonly skipVerify?: boolean;
}

/** A body that can be produced again: retries and 307 redirects resend it. */
export type Body = Buffer | (() => Readable);

export interface HttpRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Body;
  readonly tls?: TlsSettings;
  /** Idle socket timeout in milliseconds (default 60 s). */
  readonly timeout?: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The body stream; callers must consume or destroy it. */
  readonly body: IncomingMessage;
  /** Where the response came from, after redirects. */
  readonly url: URL;
}

export const USER_AGENT = 'slipway/0.1.0';
const MAX_REDIRECTS = 10;

const agents = new Map<string, http.Agent>();

let envCA: Buffer[] | undefined;

/**
 * The roots NODE_EXTRA_CA_CERTS named when `bin/slipway` started us. The launcher moves
 * it to SLIPWAY_EXTRA_CA_CERTS because Node parses that file at start-up, before any of
 * our code (~45 ms for a system bundle), though only HTTPS uses it; it is read here,
 * once, when the first HTTPS agent is made. Unreadable: a warning, as Node gives.
 */
function extraRootsFromEnv(): Buffer[] {
  if (envCA === undefined) {
    const file = process.env.SLIPWAY_EXTRA_CA_CERTS;
    envCA = [];
    if (file) {
      try {
        envCA.push(readFileSync(file));
      } catch (err) {
        process.emitWarning(`Ignoring extra certs from \`${file}\`, load failed: ${(err as Error).message}`);
      }
    }
  }
  return envCA;
}

function agentFor(url: URL, settings: TlsSettings | undefined): http.Agent {
  const secure = url.protocol === 'https:';
  const key = secure ? `https|${settings?.skipVerify ? 1 : 0}|${(settings?.ca ?? []).map((c) => c.toString('base64')).join(',')}` : 'http';
  let agent = agents.get(key);
  if (!agent) {
    const options = { keepAlive: true, maxSockets: 32, keepAliveMsecs: 10_000 };
    const ca = secure ? [...extraRootsFromEnv(), ...(settings?.ca ?? [])] : [];
    agent = secure
      ? new https.Agent({ ...options, rejectUnauthorized: !settings?.skipVerify, ...(ca.length > 0 ? { secureContext: contextWith(ca) } : {}) })
      : new http.Agent(options);
    agents.set(key, agent);
  }
  return agent;
}

/**
 * A TLS context trusting the system roots plus `extra`. Passing `ca` to Node replaces the
 * roots, and rebuilding a context from all ~140 system roots costs ~200 ms, so the extra
 * CAs are added to a default context where Node allows it.
 */
function contextWith(extra: readonly Buffer[]): tls.SecureContext {
  const context = tls.createSecureContext();
  const native = (context as unknown as { context?: { addCACert?: (pem: string) => void } }).context;
  if (typeof native?.addCACert !== 'function') {
    return tls.createSecureContext({ ca: [...tls.rootCertificates, ...extra.map((c) => c.toString())] });
  }
  for (const pem of extra) native.addCACert(pem.toString());
  return context;
}

/** Closes idle keep-alive sockets (tests and the CLI call this before exiting). */
export function closeIdleConnections(): void {
  // Agents stay (their TLS contexts are costly to rebuild); only their sockets go.
  for (const agent of agents.values()) agent.destroy();
}

function once(req: HttpRequest, url: URL, headers: Record<string, string>): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const bodyHeaders: Record<string, string> = {};
    if (Buffer.isBuffer(req.body)) bodyHeaders['content-length'] = String(req.body.length);
    else if (req.body === undefined && (req.method === 'PUT' || req.method === 'POST' || req.method === 'PATCH')) bodyHeaders['content-length'] = '0';
    const outgoing = mod.request(url, {
      method: req.method,
      agent: agentFor(url, req.tls),
      headers: { 'user-agent': USER_AGENT, ...bodyHeaders, ...headers },
    }, (res) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url }));
    outgoing.setTimeout(req.timeout ?? 60_000, () => {
      outgoing.destroy(Object.assign(new Error(`timed out talking to ${url.host}`), { code: 'ETIMEDOUT' }));
    });
    outgoing.on('error', reject);
    if (req.body === undefined) outgoing.end();
    else if (Buffer.isBuffer(req.body)) outgoing.end(req.body);
    else {
      const source = req.body();
      source.on('error', (err) => outgoing.destroy(err));
      source.pipe(outgoing);
    }
  });
}

/**
 * Sends one request, following redirects. `Authorization` is dropped as soon as a
 * redirect leaves the original origin (scheme, host and port) and is not restored.
 */
export async function send(req: HttpRequest): Promise<HttpResponse> {
  let url = req.url;
  let method = req.method;
  let headers: Record<string, string> = { ...req.headers };
  let body = req.body;
  const origin = req.url.origin;
  for (let hop = 0; ; hop++) {
    const res = await once({ ...req, method, body }, url, headers);
    const location = res.headers.location;
    if (![301, 302, 303, 307, 308].includes(res.status) || !location) return res;
    // Only GET/HEAD follow 301/302 unchanged; 303 turns into GET; 307/308 resend the body.
    const keepsMethod = res.status === 307 || res.status === 308 || method === 'GET' || method === 'HEAD';
    if (!keepsMethod && res.status !== 303) return res;
    if (hop >= MAX_REDIRECTS) {
      res.body.resume();
      throw Object.assign(new Error(`too many redirects from ${req.url.host}`), { code: 'EREDIRECTS' });
    }
    res.body.resume();
    const next = new URL(location, url);
    if (next.origin !== origin) {
      headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
    }
    if (!keepsMethod) {
      method = 'GET';
      body = undefined;
    }
    url = next;
  }
}

/** Reads a whole (small) body: manifests, token responses, error documents. */
export async function readAll(res: HttpResponse, limit = 16 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      res.body.destroy();
      throw Object.assign(new Error(`response from ${res.url.host} exceeds ${limit} bytes`), { code: 'ETOOBIG' });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
