// The shape every `segments` subcommand implements; src/cli/segments.ts holds the table of them.
// Add a command: one file in src/cli/commands/, one line in the COMMANDS table.

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface CliCommand {
  name: string;
  /** One line for the command list. */
  summary: string;
  usage: string;
  /** Resolves to the process exit code. */
  run(args: string[], io: CliIo): Promise<number>;
}

/** Bad arguments: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
/** Unreadable file, unknown format, bad usage. */
export const EXIT_INPUT = 2;
