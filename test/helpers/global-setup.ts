import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Integration tests run the built app, exactly what ships: refuse to run against nothing. */
export default function setup(): void {
  for (const file of ['out/main/launch.js', 'out/main/engine.js', 'out/main/index.js']) {
    if (!existsSync(join(__dirname, '..', '..', file))) {
      throw new Error(`${file} is missing: run "npm run build" first (npm test does).`);
    }
  }
}
