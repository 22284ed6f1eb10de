import { EXIT_RUNTIME, EXIT_USAGE } from '../describeError.ts';

/**
 * Ends a command with a one-line message on stderr (no usage dump): exit code 2 when
 * the user must change the command or its settings (`usage`), else 1.
 */
export function exitWithError(message: string, kind: 'usage' | 'runtime' = 'runtime'): never {
  process.stderr.write(`accrue: ${message}\n`);
  process.exit(kind === 'usage' ? EXIT_USAGE : EXIT_RUNTIME);
}
