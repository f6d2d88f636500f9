/**
 * Who may talk to the command server. This machine (127.0.0.1 and ::1, what BUTT's clients
 * use) always may; with `-A` an allow-list of addresses or CIDR subnets (IPv4 or IPv6)
 * narrows the network down; an empty list lets everyone in, as BUTT does (the server warns
 * loudly about that).
 */
import { BlockList, isIP } from 'node:net';
import { appError, type AppError } from '../../shared/errors';

export interface AddressFilter {
  allows(address: string): boolean;
  /** The allow-list as given, for messages. Empty = everyone (when exposed). */
  readonly entries: string[];
}

export function createAddressFilter(exposed: boolean, allow: string[] = []): AddressFilter | AppError {
  const list = new BlockList();
  list.addAddress('127.0.0.1', 'ipv4');
  list.addAddress('::1', 'ipv6');
  for (const entry of allow) {
    const [address = '', prefixText] = entry.trim().split('/');
    const family = isIP(address);
    if (family === 0) return appError('CONTROL_BAD_ALLOW_LIST', `"${entry}" in the control allow-list is not an IP address or subnet`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefixText === undefined) {
      list.addAddress(address, type);
      continue;
    }
    const prefix = Number(prefixText);
    if (!/^\d+$/.test(prefixText) || prefix > (family === 4 ? 32 : 128)) {
      return appError('CONTROL_BAD_ALLOW_LIST', `"${entry}" in the control allow-list has a bad prefix length`);
    }
    list.addSubnet(address, prefix, type);
  }
  const everyone = exposed && allow.length === 0;
  return {
    entries: [...allow],
    allows(raw: string): boolean {
      if (everyone) return true;
      // An IPv4 peer on a dual-stack socket shows up as ::ffff:a.b.c.d.
      const address = raw.startsWith('::ffff:') && isIP(raw.slice(7)) === 4 ? raw.slice(7) : raw;
      const family = isIP(address);
      if (family === 0) return false;
      return list.check(address, family === 4 ? 'ipv4' : 'ipv6');
    },
  };
}
