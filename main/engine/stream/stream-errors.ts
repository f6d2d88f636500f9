/**
 * Every way a stream connection can fail, as a distinct code and an operator's sentence,
 * and whether retrying makes sense (a wrong password does not, unless the operator forces it).
 */
import { appError, type AppError } from '../../shared/errors';

export const STREAM_ERROR_CODES = [
  'STREAM_AUTH_FAILED',
  'STREAM_MOUNT_IN_USE',
  'STREAM_TOO_MANY_SOURCES',
  'STREAM_SERVER_REFUSED',
  'STREAM_DNS_FAILED',
  'STREAM_CONNECTION_REFUSED',
  'STREAM_NETWORK_ERROR',
  'STREAM_TLS_FAILED',
  'STREAM_TLS_UNTRUSTED',
  'STREAM_TLS_CA_UNREADABLE',
  'STREAM_TIMEOUT',
  'STREAM_REJECTED',
  'STREAM_DROPPED',
  'STREAM_PROTOCOL_ERROR',
  'STREAM_CODEC_UNSUPPORTED',
  'STREAM_ENCODER_FAILED',
] as const;
export type StreamErrorCode = (typeof STREAM_ERROR_CODES)[number];

/** The certificate a TLS server showed when it could not be validated: what the operator accepts. */
export interface PresentedCertificate {
  /** SHA-256 of the DER certificate, lowercase hex without colons (what certHash expects). */
  sha256: string;
  subject: string;
  issuer: string;
  validTo: string;
  /** Why validation failed (OpenSSL's code, e.g. DEPTH_ZERO_SELF_SIGNED_CERT). */
  reason: string;
}

export interface StreamFailure {
  error: AppError;
  /** No point retrying: stop unless the entry forces reconnecting. */
  fatal: boolean;
  /** Set for STREAM_TLS_UNTRUSTED: pin `certificate.sha256` to trust it. */
  certificate?: PresentedCertificate;
}

export function failure(code: StreamErrorCode, message: string, options: { fatal?: boolean; detail?: string; certificate?: PresentedCertificate } = {}): StreamFailure {
  return {
    error: appError(code, message, options.detail),
    fatal: options.fatal ?? false,
    ...(options.certificate ? { certificate: options.certificate } : {}),
  };
}

/** A socket error (from connect, DNS or TLS) as a failure naming the server. */
export function socketFailure(error: NodeJS.ErrnoException, where: string): StreamFailure {
  const detail = `${error.code ?? ''} ${error.message}`.trim();
  switch (error.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
    case 'EAI_FAIL':
      return failure('STREAM_DNS_FAILED', `The server name of ${where} could not be resolved (DNS). Check the address.`, { detail });
    case 'ECONNREFUSED':
      return failure('STREAM_CONNECTION_REFUSED', `${where} refused the connection: no server is listening on that port.`, { detail });
    case 'ETIMEDOUT':
      return failure('STREAM_TIMEOUT', `${where} did not answer in time.`, { detail });
    case 'ECONNRESET':
    case 'EPIPE':
      return failure('STREAM_DROPPED', `${where} closed the connection.`, { detail });
    default:
      if (/SSL|TLS|CERT|ERR_SSL|wrong version number/i.test(`${error.code} ${error.message}`)) {
        return failure('STREAM_TLS_FAILED', `The TLS handshake with ${where} failed. Is TLS enabled on that port?`, { detail });
      }
      return failure('STREAM_NETWORK_ERROR', `The connection to ${where} failed: ${error.message}`, { detail });
  }
}
