// The `shell` object as a line: in a batch, a boot profile or the shell itself it is refused (there
// is one shell, and it reads the terminal); `ipsim shell` is main()'s, run by shell_loop.ts.
import { Refused } from '../lib/refused.js';
import type { Ctx, ObjectModule } from './context.js';
import { parseOptions } from './options.js';

const shell: ObjectModule = {
  writes: () => false,

  async run(ctx: Ctx, args: string[]): Promise<number> {
    // Its options first: a usage error is one, wherever the line is.
    await parseOptions(ctx, 'shell', args);
    throw new Refused('a shell cannot be opened from a batch, a boot profile or another shell');
  },
};

export default shell;
