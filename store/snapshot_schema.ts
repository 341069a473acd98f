// The state file's shape, in valibot: the one definition of what a document may hold. Loading
// runs store/snapshot_check.ts, the check scripts/snapshot-check.mjs compiles from this schema at
// build time; valibot itself runs only on a document that check refuses, to say what is wrong.
import * as v from 'valibot';
import { INITIAL_NET_GEN_PTRS, MAX_NET_GEN_PTRS } from '../lib/generic.js';
import { IDA_MAX_ID } from '../lib/idr.js';
import { MAX_PROC_RESERVE } from '../lib/allocators.js';
import { MAX_ERRNO } from '../lib/errno.js';
import { PROC_DYNAMIC_FIRST, PROC_MAX_INDEX } from '../lib/proc_fs.js';
import { C_IDENTIFIER } from '../lib/state.js';
import { isNetnsSelector, isUnicodeText, isValidNetnsName, STATE_FORMAT, STATE_VERSION } from './snapshot_format.js';

/** PID_MAX_LIMIT (include/linux/threads.h, 64-bit): every pid is below it. */
const PID_MAX_LIMIT = 4 * 1024 * 1024;

// The schema's checks are exported: the compiled check calls these same functions (from
// store/snapshot_format.ts, which loads without valibot).
export { isNetnsSelector, isUnicodeText, isValidNetnsName };

function build() {
  const count = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
  const text = v.pipe(v.string(), v.check(isUnicodeText, 'not valid Unicode (a lone surrogate)'));
  const identifier = v.pipe(v.string(), v.regex(C_IDENTIFIER, 'must be a C identifier'));
  const callback = v.nullable(identifier);
  const selector = v.pipe(text, v.check(isNetnsSelector, 'invalid namespace selector'));
  const pid = v.pipe(count, v.maxValue(PID_MAX_LIMIT - 1));
  /** Field 22 of /proc/PID/stat, or empty when it could not be read. */
  const startTime = v.pipe(v.string(), v.regex(/^[0-9]*$/, 'must be a /proc start time'));

  const opsSchema = v.strictObject({
    name: identifier,
    kind: v.picklist(['subsys', 'device']),
    id: v.nullable(v.pipe(count, v.minValue(1), v.maxValue(IDA_MAX_ID))),
    size: count,
    init: callback,
    exit: callback,
    exit_batch: callback,
    fail_init: v.array(v.strictObject({ net: selector, errno: v.pipe(count, v.minValue(1), v.maxValue(MAX_ERRNO)) })),
    fail_alloc: v.array(selector),
  });

  // struct net, one column per field: a namespace is an index into every column, its generic slots
  // and nsid entries are rows naming it by serial (README, "State file"). passive (1), dev_base_seq
  // (1) and user_ns (init_user_ns) are the same in every namespace a command leaves: not stored.
  const netsSchema = v.strictObject({
    serial: v.array(count),
    proc_inum: v.array(v.nullable(v.pipe(count, v.minValue(PROC_DYNAMIC_FIRST), v.maxValue(PROC_DYNAMIC_FIRST + PROC_MAX_INDEX)))),
    count: v.array(count),
    loopback_dev: v.array(v.nullable(v.literal('lo'))),
    gen_len: v.array(v.pipe(count, v.minValue(INITIAL_NET_GEN_PTRS), v.maxValue(MAX_NET_GEN_PTRS))),
    gen_slots: v.array(
      v.strictObject({ net: count, index: count, ops: identifier, size: v.pipe(count, v.minValue(1)), state: v.picklist(['data', 'stale']) }),
    ),
    nsids: v.array(v.strictObject({ net: count, nsid: v.pipe(count, v.maxValue(0x7fffffff)), peer: count })),
  });

  const kernelSchema = v.strictObject({
    boot_id: v.pipe(text, v.minLength(1)),
    next_serial: v.pipe(count, v.minValue(1)),
    initialized: v.boolean(),
    max_gen_ptrs: v.pipe(count, v.minValue(INITIAL_NET_GEN_PTRS), v.maxValue(IDA_MAX_ID)),
    proc_reserved: v.pipe(count, v.maxValue(MAX_PROC_RESERVE)),
    first_device: v.nullable(identifier),
    pernet_list: v.array(opsSchema),
    net_namespace_list: netsSchema,
    // /run/netns, one column per field, oldest first.
    names: v.strictObject({ name: v.array(v.pipe(text, v.check(isValidNetnsName, 'invalid netns name'))), serial: v.array(count) }),
    holders: v.array(
      v.strictObject({
        wrapper_pid: v.pipe(pid, v.minValue(1)),
        wrapper_start: startTime,
        // 0 while CMD is being started (the wrapper's liveness stands for it).
        cmd_pid: pid,
        cmd_start: startTime,
        boot_id: text,
        serial: count,
      }),
    ),
  });

  return v.strictObject({
    format: v.literal(STATE_FORMAT),
    version: v.literal(STATE_VERSION),
    kernel: kernelSchema,
  });
}

export type DocumentSchema = ReturnType<typeof build>;

let schema: DocumentSchema | undefined;

/** The schema, built at its first use: a valid file never needs it. */
export function documentSchema(): DocumentSchema {
  schema ??= build();
  return schema;
}

/** valibot's first issue with a document, as `path: message`, or undefined when it accepts it. */
export function firstIssue(doc: unknown): string | undefined {
  const parsed = v.safeParse(documentSchema(), doc);
  if (parsed.success) return undefined;
  const issue = parsed.issues[0];
  const path = v.getDotPath(issue);
  return path ? `${path}: ${issue.message}` : issue.message;
}
