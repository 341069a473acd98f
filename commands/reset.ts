// `ipsim reset`: forget the emulated kernel. Under the lock, the state file and its journal are
// removed without being parsed, so this also clears a corrupt file (contract §9.6).
import { Refused } from '../lib/net_namespace.js';
import { removeState } from '../store/state_file.js';
import type { Ctx, ObjectModule } from './context.js';
import { parseOperands } from './options.js';

const reset: ObjectModule = {
  writes: () => true,

  async run(ctx: Ctx, args: string[]): Promise<number> {
    await parseOperands(ctx, 'reset', args);
    if (ctx.inProfile) throw new Refused('a profile cannot reset the kernel');
    removeState(ctx.session.path);
    ctx.hold.forget();
    return 0;
  },
};

export default reset;
