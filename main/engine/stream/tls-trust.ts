/**
 * What a TLS source connection trusts: the system's CA bundle (not only Node's built-in
 * list, so a CA an administrator installed works), an optional CA file or folder from the
 * server entry, and a pinned certificate hash the operator accepted (trust on first use).
 */
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { rootCertificates, type PeerCertificate, type TLSSocket } from 'node:tls';
import { createHash } from 'node:crypto';
import { failure, type PresentedCertificate, type StreamFailure } from './stream-errors';
import { normalizeFingerprint } from './server-settings';

/** Where Linux distributions and BSDs keep the system bundle. */
const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt',
  '/etc/pki/tls/certs/ca-bundle.crt',
  '/etc/ssl/ca-bundle.pem',
  '/etc/ssl/cert.pem',
];

let systemCas: string[] | undefined;

/** Node's list plus the first system bundle found; read once. */
export function systemCertificates(): string[] {
  if (!systemCas) {
    const bundle = SYSTEM_BUNDLES.find((path) => existsSync(path));
    let extra: string[] = [];
    if (bundle) {
      try {
        extra = splitPem(readFileSync(bundle, 'utf8'));
      } catch {
        extra = [];
      }
    }
    systemCas = [...rootCertificates, ...extra];
  }
  return systemCas;
}

/** Certificates from a PEM file or every .pem/.crt/.cer file in a folder. */
export function readCaPath(path: string): string[] | StreamFailure {
  try {
    const files = statSync(path).isDirectory()
      ? readdirSync(path)
          .filter((name) => /\.(pem|crt|cer)$/i.test(name))
          .map((name) => join(path, name))
      : [path];
    const certificates = files.flatMap((file) => splitPem(readFileSync(file, 'utf8')));
    if (certificates.length === 0) {
      return failure('STREAM_TLS_CA_UNREADABLE', `No PEM certificate was found in ${path}.`, { fatal: true });
    }
    return certificates;
  } catch (error) {
    return failure('STREAM_TLS_CA_UNREADABLE', `The CA certificates in ${path} could not be read.`, {
      fatal: true,
      detail: (error as Error).message,
    });
  }
}

function splitPem(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

export function certificateSha256(certificate: PeerCertificate): string {
  return createHash('sha256').update(certificate.raw).digest('hex');
}

/**
 * After the handshake (made with rejectUnauthorized: false): undefined when the chain and
 * host name validated or the certificate matches the pin; else a failure carrying the
 * certificate, so the operator can accept it.
 */
export function judgeCertificate(socket: TLSSocket, pin: string, where: string): StreamFailure | undefined {
  const certificate = socket.getPeerCertificate();
  if (!certificate || !certificate.raw) {
    return failure('STREAM_TLS_FAILED', `${where} presented no certificate.`);
  }
  const sha256 = certificateSha256(certificate);
  if (socket.authorized) return undefined;
  if (pin && normalizeFingerprint(pin) === sha256) return undefined;
  const reason = String(socket.authorizationError ?? 'unknown');
  const presented: PresentedCertificate = {
    sha256,
    subject: describeName(certificate.subject),
    issuer: describeName(certificate.issuer),
    validTo: certificate.valid_to,
    reason,
  };
  const pinned = pin ? ' It does not match the certificate you accepted earlier.' : '';
  return failure(
    'STREAM_TLS_UNTRUSTED',
    `The certificate of ${where} could not be verified (${reason}).${pinned} Trust it only if its SHA-256 is ${sha256}.`,
    { fatal: true, certificate: presented, detail: `subject ${presented.subject}; issuer ${presented.issuer}` },
  );
}

function describeName(name: PeerCertificate['subject'] | undefined): string {
  if (!name) return '';
  return Object.entries(name)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : String(value)}`)
    .join(', ');
}
