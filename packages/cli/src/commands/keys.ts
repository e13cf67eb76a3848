import { generateKeyPairSync } from 'node:crypto';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigurationError } from '@audit-events/core';
import { generateKeyEntry } from '@audit-events/knex';
import type { CommandContext } from '../command-context.js';
import { ExitCode } from '../exit-codes.js';
import { PRIVATE_MODE, writeFileWithMode } from '../output/private-file.js';

/**
 * `audit-events keys generate`: a new writer key entry for a key set (keyed hash chains);
 * `audit-events keys signing-pair`: an Ed25519 key pair for signed checkpoints.
 */
export function registerKeys(program: Command, ctx: CommandContext): void {
  const keys = program.command('keys').description('create keys for keyed hash chains and signed checkpoints');
  keys
    .command('generate')
    .description(
      'print a new writer key entry { "id", "secret" } (32 random bytes, base64) to add to a key set ' +
        '{ "current": "<id>", "keys": [...] }; make it current to rotate, mark old ones "retired": true',
    )
    .option('--id <id>', 'the key id (default: k<UTC date-time>)')
    .action((values: { id?: string }) => {
      ctx.out(JSON.stringify(generateKeyEntry(values.id)));
      ctx.finish(ExitCode.OK);
    });
  keys
    .command('signing-pair')
    .description(
      'write a new Ed25519 key pair for checkpoints: the private key (mode 0600) signs, the public key verifies',
    )
    .requiredOption(
      '--private <file>',
      'where to write the private key (PEM); keep it away from the database and its writers',
    )
    .requiredOption('--public <file>', 'where to write the public key (PEM); auditors verify with it')
    .action(async (values: { private: string; public: string }) => {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const privatePath = resolve(ctx.io.cwd, values.private);
      const publicPath = resolve(ctx.io.cwd, values.public);
      const warn = (line: string): void => ctx.err(`warning: ${line}`);
      try {
        await writeFileWithMode(
          privatePath,
          privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
          PRIVATE_MODE,
          'private key',
          warn,
        );
        await writeFileWithMode(
          publicPath,
          publicKey.export({ type: 'spki', format: 'pem' }).toString(),
          0o644,
          'public key',
          warn,
        );
      } catch (err) {
        throw new ConfigurationError(
          'keys signing-pair',
          `cannot write the key files: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
          { cause: err },
        );
      }
      ctx.out(`private key written to ${privatePath} (mode 0600)`);
      ctx.out(`public key written to ${publicPath}`);
      ctx.finish(ExitCode.OK);
    });
}
