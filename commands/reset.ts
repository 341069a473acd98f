// `ipsim reset`: forget the emulated kernel. Under the lock, the state file and its journal are
// removed without being parsed, so this also clears a corrupt file (README, `ipsim reset`). At a terminal
// it asks first (with the lock held, so what is deleted is what the question named); -force,
// --force, a batch or no terminal: no question.
import { existsSync } from 'node:fs';
import { Refused } from '../lib/refused.js';
import { removeState } from '../store/state_file.js';
import type { Ctx, ObjectModule } from './context.js';
import { asksHelp } from './help.js';
import { parseOptions } from './options.js';
import { confirm, mayAsk } from './prompts.js';

const reset: ObjectModule = {
  writes: (args) => !asksHelp(args),

  async run(ctx: Ctx, args: string[]): Promise<number> {
    const { opts } = await parseOptions(ctx, 'reset', args, { options: [{ flags: '--force', description: 'delete without asking' }] });
    if (ctx.inProfile) throw new Refused('a profile cannot reset the kernel');
    const path = ctx.session.path;
    if (mayAsk(ctx) && ctx.opts.force === 0 && opts.force !== true && existsSync(path)) {
      if (!(await confirm(ctx, `Delete the emulated kernel in ${path}?`))) {
        ctx.out.err(`Error: reset declined; ${path} was kept\n`);
        return 1;
      }
    }
    removeState(path);
    ctx.hold.forget();
    return 0;
  },
};

export default reset;
