import { SlipwayError } from '../errors.js';
import { readAll, type HttpResponse } from './transport.js';

/**
 * Error codes this stage throws (SlipwayError.code):
 * REGISTRY_UNAUTHORIZED (401 after trying the credentials we have), REGISTRY_DENIED (403),
 * REGISTRY_NOT_FOUND (404: unknown repository, manifest or blob), REGISTRY_UNSUPPORTED
 * (schema1, unknown manifest media type), REGISTRY_NO_PLATFORM, REGISTRY_DIGEST_MISMATCH,
 * REGISTRY_TLS (certificate not trusted), REGISTRY_UNREACHABLE (network errors after
 * retries), REGISTRY_BLOCKED, REGISTRY_PROTOCOL (the registry broke the API contract),
 * REGISTRY_ERROR (any other status), REGISTRY_CONFIG_*, REGISTRY_CREDENTIAL_HELPER.
 */
export type RegistryErrorCode =
  | 'REGISTRY_UNAUTHORIZED' | 'REGISTRY_DENIED' | 'REGISTRY_NOT_FOUND' | 'REGISTRY_UNSUPPORTED'
  | 'REGISTRY_NO_PLATFORM' | 'REGISTRY_DIGEST_MISMATCH' | 'REGISTRY_TLS' | 'REGISTRY_UNREACHABLE'
  | 'REGISTRY_BLOCKED' | 'REGISTRY_PROTOCOL' | 'REGISTRY_ERROR';

export function registryError(code: RegistryErrorCode, message: string, cause?: unknown): SlipwayError {
  return new SlipwayError(code, message, cause === undefined ? {} : { cause });
}

/** The `errors` array of a registry error document, as "CODE: message" strings. */
async function errorDetails(res: HttpResponse): Promise<string> {
  if (res.status === 0) return '';
  try {
    const body = (await readAll(res, 64 * 1024)).toString();
    const doc = JSON.parse(body) as { errors?: { code?: string; message?: string }[] };
    const parts = (doc.errors ?? []).map((e) => [e.code, e.message].filter(Boolean).join(': ')).filter(Boolean);
    return parts.join('; ');
  } catch {
    return '';
  }
}

/** Turns an unexpected response into the SlipwayError a user should see (body consumed). */
export async function responseError(res: HttpResponse, what: string): Promise<SlipwayError> {
  const details = await errorDetails(res);
  const suffix = details ? ` (${details})` : '';
  switch (res.status) {
    case 401:
      return registryError('REGISTRY_UNAUTHORIZED', `${what}: authentication required${suffix}; run 'slipway login ${res.url.host}'`);
    case 403:
      return registryError('REGISTRY_DENIED', `${what}: access denied${suffix}`);
    case 404:
      return registryError('REGISTRY_NOT_FOUND', `${what}: not found${suffix}`);
    default:
      return registryError('REGISTRY_ERROR', `${what}: registry answered ${res.status}${suffix}`);
  }
}

const TLS_CODES = new Set(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_NOT_YET_VALID', 'CERT_UNTRUSTED']);

export function isCertificateError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TLS_CODES.has(code);
}

/** True when a TLS client talked to a plain-HTTP server (the fallback signal). */
export function isNotTlsError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'EPROTO' || (typeof code === 'string' && code.startsWith('ERR_SSL_')) || code === 'ECONNRESET';
}

/** Wraps a network error that survived the retries with the host it was talking to. */
export function networkError(host: string, err: unknown): SlipwayError {
  if (err instanceof SlipwayError) return err;
  const code = (err as { code?: string } | null)?.code;
  if (isCertificateError(err)) {
    return registryError('REGISTRY_TLS', `${host}: TLS certificate not trusted (${code}); add its CA to registries.toml 'ca' or certs.d/${host}/ca.crt, or mark it insecure`, err);
  }
  return registryError('REGISTRY_UNREACHABLE', `${host}: ${code ?? (err as Error).message}`, err);
}
