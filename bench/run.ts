/**
 * `npm run bench`: runs every benchmark in bench/ (each top-level .ts file but this one, exporting
 * `run(): Promise<number>`) in sequence, and exits with the worst exit code.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

interface Benchmark {
  run(log?: (line: string) => void): Promise<number>;
}

async function main(): Promise<number> {
  const files = readdirSync(__dirname)
    .filter((name) => name.endsWith('.ts') && name !== 'run.ts' && !name.endsWith('.d.ts'))
    .sort();
  let worst = 0;
  for (const name of files) {
    const began = performance.now();
    console.log(`== ${name}`);
    let code: number;
    try {
      const mod = (await import(join(__dirname, name))) as Partial<Benchmark>;
      if (typeof mod.run !== 'function') throw new Error(`${name} exports no run()`);
      code = await mod.run();
    } catch (error) {
      console.error(error);
      code = 2;
    }
    console.log(`== ${name}: exit ${code} after ${((performance.now() - began) / 1000).toFixed(0)} s`);
    worst = Math.max(worst, code);
  }
  return worst;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
