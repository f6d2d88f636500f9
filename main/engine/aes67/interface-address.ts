/**
 * Which local IPv4 address the AES67 stream goes out from (the SDP's origin and source
 * filter). Its own module so the host can preview an SDP without importing the sender.
 */
import { networkInterfaces } from 'node:os';
import { appError, type AppError } from '../../shared/errors';

/** The IPv4 address of an interface given by name or address; '' = first non-internal IPv4. */
export function resolveInterfaceAddress(iface: string): { address: string } | { error: AppError } {
  const all = networkInterfaces();
  if (/^\d+\.\d+\.\d+\.\d+$/.test(iface)) {
    const owned = Object.values(all).some((list) => list?.some((a) => a.family === 'IPv4' && a.address === iface));
    return owned ? { address: iface } : { error: appError('AES67_IFACE_MISSING', `No network interface has the address ${iface}`) };
  }
  const candidates = iface === '' ? Object.values(all).flat() : (all[iface] ?? []);
  const found = candidates.find((a) => a !== undefined && a.family === 'IPv4' && (iface !== '' || !a.internal));
  if (found) return { address: found.address };
  return {
    error: appError(
      'AES67_IFACE_MISSING',
      iface === '' ? 'No network interface with an IPv4 address for AES67' : `Network interface ${iface} has no IPv4 address`,
    ),
  };
}
