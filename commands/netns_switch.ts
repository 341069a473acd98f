// iproute2's lib/namespace.c netns_switch(), which `-n NAME` and `netns exec NAME` go through:
// open /run/netns/NAME, then setns() into it.
import { strerror } from '../lib/errno.js';
import type { Machine } from '../lib/machine.js';
import { openNetnsFile } from '../lib/run_netns.js';
import type { Net } from '../lib/state.js';

/** The namespace NAME names, or the message ip prints when it cannot enter it (exit 255). */
export function netns_switch(kernel: Machine, name: string): Net | string {
  const opened = openNetnsFile(kernel, name);
  if (opened.kind === 'net') return opened.net;
  if (opened.kind === 'dir') return `setting the network namespace "${name}" failed: Invalid argument\n`;
  return `Cannot open network namespace "${name}": ${strerror(opened.errno)}\n`;
}
