/** linuxptp management messages against bytes pmc and ptp4l 3.1.1 exchanged (fixtures/ptp4l-management.json). */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManagementId, encodeManagementGet, parseManagementResponse } from '../../../main/engine/aes67/ptp/ptp4l-management';

const f = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'ptp4l-management.json'), 'utf8')) as Record<string, string>;
const bytes = (name: string): Buffer => Buffer.from(f[name]!, 'hex');

describe('ptp4l management codec', () => {
  it('our GET has pmc\'s header, target, hops, action and TLV id (pmc adds zeroed data; ptp4l accepts either)', () => {
    const pmc = bytes('pmcGetTimeStatusNp');
    const ours = Buffer.from(encodeManagementGet({ domainNumber: 0, sourcePortIdentity: { clockIdentity: '0000000000000000', portNumber: 0x3813 }, sequenceId: 0, managementId: ManagementId.TIME_STATUS_NP }));
    expect(ours.length).toBe(54);
    expect(ours.readUInt16BE(2)).toBe(54);
    // Bytes 0-1 and 4-49 equal pmc's (messageLength and the TLV length differ by design).
    expect(ours.subarray(0, 2)).toEqual(pmc.subarray(0, 2));
    expect(ours.subarray(4, 50)).toEqual(pmc.subarray(4, 50));
    expect(ours.readUInt16BE(50)).toBe(2);
    expect(ours.subarray(52, 54)).toEqual(pmc.subarray(52, 54));
  });

  it('parses TIME_STATUS_NP: offset, ingress time, grandmaster present and identity', () => {
    const r = parseManagementResponse(bytes('timeStatusNpResponse'));
    expect(r.kind).toBe('time-status');
    if (r.kind !== 'time-status') return;
    expect(r.sequenceId).toBe(0);
    expect(r.value.masterOffsetNs).toBe(0n);
    expect(r.value.ingressTimeNs).toBe(0x18ecb5a01fbf89cfn);
    expect(r.value.gmPresent).toBe(true);
    expect(r.value.gmIdentity).toBe('32ff53fffea11692');
  });

  it('parses TIME_PROPERTIES_DATA_SET: UTC offset 37, ARB timescale (ptp4l -S)', () => {
    const r = parseManagementResponse(bytes('timePropertiesResponse'));
    expect(r).toEqual({ kind: 'time-properties', sequenceId: 0, value: { currentUtcOffset: 37, utcOffsetValid: false, ptpTimescale: false, timeSource: 0xa0 } });
  });

  it('reports error TLVs and rejects requests and garbage', () => {
    const err = Buffer.from(bytes('timePropertiesResponse'));
    err.writeUInt16BE(0x0002, 48); // MANAGEMENT_ERROR_STATUS
    err.writeUInt16BE(0x0002, 52); // NO_SUCH_ID
    err.writeUInt16BE(0x2003, 54);
    expect(parseManagementResponse(err)).toEqual({ kind: 'error', sequenceId: 0, errorId: 2, managementId: 0x2003 });
    expect(parseManagementResponse(bytes('pmcGetTimeProperties')).kind).toBe('invalid'); // a GET, not a RESPONSE
    expect(parseManagementResponse(Buffer.alloc(10)).kind).toBe('invalid');
  });
});
