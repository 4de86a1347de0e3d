import { generateKeyPairSync, sign } from 'node:crypto';
import { libtrustKeyId } from './token-server.js';

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/**
 * A legacy Docker image manifest, schema 1, signed the way libtrust does (JWS with the
 * key in the header, `protected` carrying formatLength/formatTail), so a registry with
 * schema 1 compatibility enabled accepts it. Tests use it to check that pull refuses it.
 */
export function signedSchema1Manifest(name: string, tag: string, layerDigest: string): Buffer {
  const manifest = {
    schemaVersion: 1,
    name,
    tag,
    architecture: 'amd64',
    fsLayers: [{ blobSum: layerDigest }],
    history: [{ v1Compatibility: JSON.stringify({ id: 'a'.repeat(64), created: '2015-01-01T00:00:00Z', container_config: { Cmd: ['sh'] } }) }],
  };
  const indent = '   ';
  const content = Buffer.from(JSON.stringify(manifest, null, indent.length));
  // The signed payload is the document up to its last member plus the closing tail.
  const close = content.lastIndexOf('}');
  let last = close - 1;
  while (/\s/.test(String.fromCharCode(content[last]!))) last--;
  const formatLength = last + 1;
  const formatTail = content.subarray(formatLength);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: libtrustKeyId(publicKey) };
  const time = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const protectedHeader = b64url(JSON.stringify({ formatLength, formatTail: b64url(formatTail), time }));
  const signature = sign('sha256', Buffer.from(`${protectedHeader}.${b64url(content)}`), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  const signatures = [{ header: { jwk, alg: 'ES256' }, signature: b64url(signature), protected: protectedHeader }];
  const pretty = JSON.stringify(signatures, null, indent.length).split('\n').join(`\n${indent}`);
  return Buffer.concat([content.subarray(0, formatLength), Buffer.from(`,\n${indent}"signatures": ${pretty}`), formatTail]);
}
