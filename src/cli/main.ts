#!/usr/bin/env node
// covid-etl: one binary, one command per process role (serve, worker, sink) plus operations.
import { enableCompileCache } from 'node:module';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../platform/config.ts';
import { commands, type Command } from './commands.ts';

const usage = `covid-etl <command> [options]

Commands:
${Object.entries(commands)
  .map(([name, command]) => `  ${name.padEnd(9)} ${command.summary}`)
  .join('\n')}

Run 'covid-etl <command> --help' for the options of a command.
Configuration comes from the environment (and .env); see .env.example.`;

function commandHelp(name: string, command: Command): string {
  const options = Object.entries(command.options ?? {})
    .map(([flag, spec]) => `  --${flag.padEnd(12)} ${spec.description}`)
    .join('\n');
  return `covid-etl ${name}: ${command.summary}\n\nOptions:\n${options ? `${options}\n` : ''}  --help         show this help`;
}

export async function main(argv: string[]): Promise<number> {
  // V8's code cache on disk (os.tmpdir()/node-compile-cache, or NODE_COMPILE_CACHE; keyed by each
  // file's content): a role loads its modules, which are imported below, in about half the time
  // from its second start on (docs/benchmarks.md, "Pipeline hand-overs"). Written when the
  // process exits; a failure to use it only means no cache.
  enableCompileCache();
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    console.error(`covid-etl: unknown command '${name}'\n\n${usage}`);
    return 2;
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    const parsed = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        ...Object.fromEntries(Object.entries(command.options ?? {}).map(([flag, spec]) => [flag, { type: spec.type }])),
      },
    });
    values = parsed.values;
  } catch (error) {
    console.error(`covid-etl ${name}: ${(error as Error).message}\n\n${commandHelp(name, command)}`);
    return 2;
  }
  if (values.help) {
    console.log(commandHelp(name, command));
    return 0;
  }
  // Operators see the role in `ps` (e.g. `bin/covid-etl sink`), not node and a script path.
  process.title = `bin/covid-etl ${name}`;
  try {
    // Every command needs the configuration: check it before the command loads its modules
    // (seconds on a busy machine), so a bad variable stops the process at once (a supervisor
    // sees a start that fails, not one that seemed to succeed).
    loadConfig();
    return await command.run(values);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`covid-etl ${name}: ${error.message}`);
      return 78; // EX_CONFIG
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`covid-etl: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  },
);
