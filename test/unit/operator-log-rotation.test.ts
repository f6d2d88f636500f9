import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OperatorLog } from '../../main/shared/operator-log';

const lines = (file: string): { msg: string }[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { msg: string });

describe('operator log rotation', () => {
  it('rotates by size, keeps the newest files, and loses no entry of the kept ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atl-log-'));
    const file = join(dir, 'airtight.log');
    const log = new OperatorLog(file, { maxBytes: 4096, keepFiles: 3 });
    for (let i = 0; i < 400; i++) log.info(`entry ${i} ${'x'.repeat(40)}`);

    const names = readdirSync(dir).sort();
    expect(names).toEqual(['airtight.log', 'airtight.log.1', 'airtight.log.2', 'airtight.log.3']);
    // Oldest to newest across the kept files: consecutive numbers ending at the last entry.
    const kept = [3, 2, 1].flatMap((n) => lines(`${file}.${n}`)).concat(lines(file));
    const numbers = kept.map((l) => Number(/entry (\d+)/.exec(l.msg)?.[1]));
    expect(numbers.at(-1)).toBe(399);
    numbers.forEach((n, i) => i > 0 && expect(n).toBe(numbers[i - 1]! + 1));
    for (const n of [1, 2, 3]) expect(readFileSync(`${file}.${n}`).length).toBeLessThan(4096 + 512);
  });

  it('rotates a file that is already over the limit at start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atl-log-'));
    const file = join(dir, 'airtight.log');
    writeFileSync(file, `${JSON.stringify({ msg: 'old run' })}\n`.repeat(400));
    const log = new OperatorLog(file, { maxBytes: 4096, keepFiles: 2 });
    log.info('new run');
    expect(lines(file).map((l) => l.msg)).toEqual(['new run']);
    expect(lines(`${file}.1`)[0]?.msg).toBe('old run');
  });
});
