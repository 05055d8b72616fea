import { createInterface } from 'node:readline';

/**
 * The first non-empty line of stdin, trimmed: how a secret reaches a command (`--token -`,
 * `--new-key -`) without standing on its command line, where `ps` and the shell's history show it;
 * as `echo` or a secrets manager writes it, read without waiting for the end of the input (a pipe
 * left open held the command).
 */
export async function firstLineOfStdin(option: string, what: string): Promise<string> {
  const lines = createInterface({ input: process.stdin, terminal: false });
  try {
    for await (const line of lines) if (line.trim()) return line.trim();
  } finally {
    lines.close();
    process.stdin.destroy();
  }
  throw new Error(`${option} -: stdin ended without ${what}`);
}
