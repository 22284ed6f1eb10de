/** Ends a command with a one-line message on stderr and exit code 1 (no usage dump). */
export function exitWithError(message: string): never {
  process.stderr.write(`accrue: ${message}\n`);
  process.exit(1);
}
