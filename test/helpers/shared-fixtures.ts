import { join, resolve } from 'node:path';

/** The project's shared/ folder sits beside the repository (in CI: a copy beside the clone). */
export const SHARED_DIR = process.env.AIRTIGHT_SHARED_DIR ?? resolve(__dirname, '..', '..', '..', 'shared');
export const BUTT_FIXTURES = join(SHARED_DIR, 'fixtures', 'butt');
