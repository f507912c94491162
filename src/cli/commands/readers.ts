// `paperboy readers export|erase <email>`: a reader's data as JSON, or every trace of them deleted (a keyed hash
// stays in suppressions when they were suppressed, so the address is never mailed again).
import { eraseReader, exportReader, readerIdByEmail } from '../../db/reader-data.ts';
import { openServices } from '../../runtime/services.ts';
import { erasedAddressKey } from '../../security/keys.ts';
import { parseCommandArgs } from '../args.ts';
import { UsageError, type Command } from '../command.ts';

export const readersCommand: Command = {
  name: 'readers',
  summary: "export a reader's data as JSON (export <email>), or erase them and everything tied to them (erase <email>)",
  usage: 'paperboy readers export <email> | paperboy readers erase <email>',
  async run({ env, args, stdout }) {
    const { positionals } = parseCommandArgs(args, {}, true);
    const [action, email, ...rest] = positionals;
    if ((action !== 'export' && action !== 'erase') || !email || rest.length > 0) {
      throw new UsageError('expected `export <email>` or `erase <email>`');
    }
    const services = await openServices(env);
    try {
      const id = await readerIdByEmail(services.pool, email);
      if (action === 'export') {
        const data = id === undefined ? undefined : await exportReader(services.pool, id);
        if (!data) {
          process.stderr.write(`paperboy readers: no reader has the address ${email}\n`);
          return 1;
        }
        stdout.write(`${JSON.stringify(data, null, 2)}\n`);
        return 0;
      }
      const erasure = await eraseReader(services.pool, { email }, (address) => erasedAddressKey(services.keys, address));
      if (!erasure.erased && !erasure.suppressionKept) {
        stdout.write(`${email}: nothing held about this address\n`);
        return 1;
      }
      stdout.write(
        `${email}: erased${erasure.suppressionKept ? `; its suppression (${erasure.suppressionKept}) kept as a keyed hash, so it is never mailed again` : ''}\n`,
      );
      return 0;
    } finally {
      await services.close();
    }
  },
};
