/**
 * Picks the interface PTP runs on and derives our clock identity from its MAC.
 */
import { networkInterfaces } from 'node:os';
import { randomBytes } from 'node:crypto';
import { appError, type AppError } from '../../../shared/errors';
import { clockIdentityFromMac } from './ptp-messages';

export interface PtpInterface {
  name: string;
  /** IPv4 address: the multicast membership and the outgoing interface use it. */
  address: string;
  clockIdentity: string;
}

/** The named interface, or the first non-loopback IPv4 one when no name is given. */
export function resolvePtpInterface(name?: string): { ok: true; iface: PtpInterface } | { ok: false; error: AppError } {
  const all = networkInterfaces();
  const candidates = name !== undefined && name !== '' ? [[name, all[name]] as const] : Object.entries(all).filter(([, list]) => list?.some((a) => !a.internal));
  for (const [ifName, list] of candidates) {
    const v4 = list?.find((a) => a.family === 'IPv4');
    if (!v4) continue;
    // A MAC of zeros (loopback, some tunnels) gives no identity: use a random one, marked locally administered.
    const clockIdentity =
      v4.mac && v4.mac !== '00:00:00:00:00:00' ? clockIdentityFromMac(v4.mac) : clockIdentityFromMac(randomMac());
    return { ok: true, iface: { name: ifName, address: v4.address, clockIdentity } };
  }
  const known = Object.keys(all).join(', ') || 'none';
  return {
    ok: false,
    error: appError(
      'PTP_NO_INTERFACE',
      name ? `PTP: the interface "${name}" has no IPv4 address (interfaces: ${known}).` : `PTP: no network interface with an IPv4 address (interfaces: ${known}).`,
    ),
  };
}

function randomMac(): string {
  const bytes = randomBytes(6);
  bytes[0] = (bytes[0]! & 0xfe) | 0x02;
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}
