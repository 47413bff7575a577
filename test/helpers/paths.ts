/** Where the repository is, for tests that run its CLI, read its files or build into it. */
import { fileURLToPath } from 'node:url';

/** The repository root, with a trailing separator. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
