/**
 * `slicebatch config schema|example|check`: the JSON Schema of config.json for editors, an
 * example with every key and its default, and a check of the effective configuration.
 */
import { configSchemaText, exampleConfigText } from '../../config/example.ts';
import { REDACTED } from '../../log/logger.ts';
import { UsageError } from '../../errors.ts';
import { CONFIG_FLAGS, type Command } from '../command.ts';
import { setup } from '../setup.ts';

export const configCommand: Command = {
  name: 'config',
  usage: 'schema | example | check [options]',
  summary:
    'schema   print the JSON Schema of config.json (for editors: "$schema")\n' +
    'example  print a config.json with every key and its default\n' +
    'check    validate config.json and the environment, print the effective settings (key hidden)',
  flags: {
    ...CONFIG_FLAGS,
  },
  async run(ctx, args) {
    const [action, ...rest] = args.positionals;
    if (rest.length > 0)
      throw new UsageError(`slicebatch config: unexpected argument ${JSON.stringify(rest[0])}`);
    switch (action) {
      case 'schema':
        ctx.stdout.write(configSchemaText());
        return 0;
      case 'example':
        ctx.stdout.write(exampleConfigText());
        return 0;
      case 'check': {
        const { config, file } = await setup(ctx, args);
        const shown = { ...config, api_key: config.api_key === undefined ? undefined : REDACTED };
        ctx.stderr.write(`${file ?? 'no config file'}: valid\n`);
        ctx.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
        return 0;
      }
      default:
        throw new UsageError(
          `slicebatch config: expected schema, example or check${action === undefined ? '' : `, got ${JSON.stringify(action)}`} (see slicebatch config --help)`,
        );
    }
  },
};
