// Records every module file a process loads, one URL a line, in $IPSIM_LOADED_LOG: for the tests
// that check what a command's start-up loads (node --import this file).
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (process.env.IPSIM_LOADED_LOG) appendFileSync(process.env.IPSIM_LOADED_LOG, url + '\\n');
  return next(url, context);
}`),
);
