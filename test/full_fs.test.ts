// A full filesystem and a read-only one (README, State file and Guarantees): a small tmpfs mounted in a private mount
// namespace (root only), filled page by page so that exactly the write under test fails. Nothing is
// torn: one line naming the file and the reason, exit 1, the old state and journal byte-identical,
// no temp left behind.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HISTORY_MAX } from '../commands/shell_loop.js';
import { IPSIM, cleanEnv, tempDir } from './helpers/cli.js';

const PAGE = 4096;

/** Root, and a private mount namespace with a tmpfs in it, are available. */
const usable =
  process.getuid?.() === 0 && spawnSync('unshare', ['-m', 'sh', '-c', 'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d" && umount "$d" && rmdir "$d"']).status === 0;
if (!usable) console.log('skipped: full and read-only filesystem tests need root and unshare -m to mount a tmpfs');
const withTmpfs = usable ? test : test.skip;

let t: ReturnType<typeof tempDir>;
beforeEach(() => {
  t = tempDir();
});
afterEach(() => t.cleanup());

/**
 * Runs `script` under `unshare -m` with a 64 KiB tmpfs of `inodes` inodes at $M (M = t.dir/mnt) and the state at
 * $M/state.json; `ipsim` is a shell function running the bundle. Files the script copies to $O
 * (t.dir) outlive the mount.
 */
function inTmpfs(script: string, inodes = 1024): void {
  const prelude = [
    'set -e',
    'mkdir -p "$M"',
    `mount -t tmpfs -o size=64k,nr_inodes=${inodes},mode=0755 tmpfs "$M"`,
    'export IPSIM_STATE="$M/state.json"',
    `ipsim() { "${process.execPath}" "${IPSIM}" "$@"; }`,
    // Fills the tmpfs, then frees exactly $1 pages.
    'fill() { dd if=/dev/zero of="$M/fill" bs=4096 2>/dev/null || true; truncate -s -$(($1 * 4096)) "$M/fill"; }',
    // Runs ipsim, recording stderr and the exit status without stopping the script.
    'attempt() { name=$1; shift; set +e; ipsim "$@" 2>"$O/$name.err"; echo $? >"$O/$name.exit"; set -e; }',
  ].join('\n');
  const r = spawnSync('unshare', ['-m', 'sh', '-c', `${prelude}\n${script}`], {
    env: cleanEnv({ M: join(t.dir, 'mnt'), O: t.dir }),
    encoding: 'utf8',
    timeout: 60000,
  });
  if (r.status !== 0) throw new Error(`tmpfs script failed (${r.status}): ${r.stderr}`);
}

function out(name: string): string {
  return readFileSync(join(t.dir, name), 'utf8');
}

/** A batch of 40 `netns add` lines: a journal just under a page. */
const GROW = Array.from({ length: 40 }, (_, i) => `netns add ns${i}`).join('\n');
/** A batch of 250 `netns add` lines: a state larger than two pages, so a partial write is possible. */
const GROW_PAST_TWO_PAGES = Array.from({ length: 250 }, (_, i) => `netns add ns${i}`).join('\n');

describe('a full filesystem', () => {
  withTmpfs('the state write runs out of space: one line, exit 1, the old state intact, no temp left', () => {
    inTmpfs(`
      printf '%s\\n' "${GROW_PAST_TWO_PAGES}" | ipsim -batch -
      cp "$M/state.json" "$O/before.json"; cp "$M/state.json.events" "$O/before.events"
      fill 2   # two pages for a state of more than two (the lock, a symlink, takes no page)
      attempt add netns add extra
      cp "$M/state.json" "$O/after.json"; cp "$M/state.json.events" "$O/after.events"
      ls -A "$M" >"$O/ls"
      rm "$M/fill"
      attempt again netns add extra
      ipsim netns list | head -1 >"$O/list"
    `);
    expect(out('before.json').length).toBeGreaterThan(2 * PAGE);
    expect(out('add.err')).toBe(`Error: cannot write state file "${t.dir}/mnt/state.json": No space left on device\n`);
    expect(out('add.exit')).toBe('1\n');
    expect(out('after.json')).toBe(out('before.json'));
    expect(out('after.events')).toBe(out('before.events'));
    expect(out('ls')).toBe('fill\nstate.json\nstate.json.events\n');
    // Once there is room again, the same command succeeds.
    expect([out('again.err'), out('again.exit'), out('list')]).toEqual(['', '0\n', 'extra\n']);
  });

  withTmpfs('the journal append runs out of space after the state was renamed: both are put back', () => {
    // The journal is padded to 5 bytes short of a page, so the append needs one more page; the
    // space left is exactly the lock's page and the new state's pages (measured on a copy).
    inTmpfs(`
      printf '%s\\n' "${GROW}" | ipsim -batch -
      size=$(stat -c %s "$M/state.json.events")
      pad=$((4096 - 5 - size - $(printf '{"seq":41,"ev":"add","name":""}\\n' | wc -c)))
      printf '{"seq":41,"ev":"add","name":"%s"}\\n' "$(head -c $pad /dev/zero | tr '\\0' p)" >>"$M/state.json.events"
      mkdir "$O/probe"; cp "$M/state.json" "$M/state.json.events" "$O/probe/"
      IPSIM_STATE="$O/probe/state.json" ipsim netns add extra
      pages=$((($(stat -c %s "$O/probe/state.json") + 4095) / 4096))
      cp "$M/state.json" "$O/before.json"; cp "$M/state.json.events" "$O/before.events"
      fill $((1 + pages))
      attempt add netns add extra
      cp "$M/state.json" "$O/after.json"; cp "$M/state.json.events" "$O/after.events"
      ls -A "$M" >"$O/ls"
    `);
    expect(out('before.events').length).toBe(PAGE - 5);
    expect(out('add.err')).toBe(`Error: cannot write journal "${t.dir}/mnt/state.json.events": No space left on device\n`);
    expect(out('add.exit')).toBe('1\n');
    expect(out('after.json')).toBe(out('before.json'));
    expect(out('after.events')).toBe(out('before.events'));
    expect(out('ls')).toBe('fill\nstate.json\nstate.json.events\n');
  });

  withTmpfs('no room even for the lock: the writer says so and changes nothing', () => {
    // The lock is a symlink to a short line, which tmpfs keeps in the inode: it needs an inode, no
    // page. Every inode taken, it cannot be made.
    inTmpfs(
      `
      ipsim netns add blue
      cp "$M/state.json" "$O/before.json"
      i=0; while touch "$M/inode$i" 2>/dev/null; do i=$((i + 1)); done
      attempt add netns add red
      attempt list netns list
      cp "$M/state.json" "$O/after.json"
      ls -A "$M" | grep -v '^inode' >"$O/ls"
    `,
      16,
    );
    expect(out('add.err')).toBe(`Error: cannot create lock "${t.dir}/mnt/state.json.lock": No space left on device\n`);
    expect(out('add.exit')).toBe('1\n');
    expect([out('list.err'), out('list.exit')]).toEqual(['', '0\n']);
    expect(out('after.json')).toBe(out('before.json'));
    expect(out('ls')).toBe('state.json\nstate.json.events\n');
  });
});

describe('a full filesystem under the shell', () => {
  // The shell's history is cut back when a shell starts and finds it past twice what it keeps.
  const hasScript = spawnSync('script', ['--version']).status === 0;
  const withScript = hasScript ? withTmpfs : test.skip;
  if (!hasScript) console.log('skipped: the history test needs script(1) for a terminal');

  withScript('cutting the history back runs out of space: one line, the shell goes on, the old history intact, no temp left', () => {
    const history = Array.from({ length: 2 * HISTORY_MAX + 1 }, (_, i) => `netns add n${i}\n`).join('');
    // Two pages free: the cut-back file (about 16 KiB) is written in part, then the write fails.
    inTmpfs(`
      printf '%s' "${history}" >"$M/state.json.history"
      fill 2
      (sleep 1; printf 'quit\\n') | script -qec '"${process.execPath}" "${IPSIM}" shell' /dev/null >"$O/screen"
      cp "$M/state.json.history" "$O/after.history"
      ls -A "$M" >"$O/ls"
    `);
    expect(out('after.history')).toBe(history);
    expect(out('ls')).toBe('fill\nstate.json.history\n');
    // One line, in the store's words, and then the prompt: the shell went on, and quit ended it with 0
    // (script -e passes the status on, and the script stops at any other).
    const screen = out('screen').replace(/\x1b\[[0-9;]*[A-Za-z]|\r/g, '').split('\n');
    expect(screen.filter((line) => line.includes('history'))).toEqual([
      `Error: cannot write history "${t.dir}/mnt/state.json.history": No space left on device; the shell goes on without a history`,
    ]);
    expect(screen.some((line) => line.startsWith('ipsim> '))).toBe(true);
  });
});

describe('a read-only filesystem', () => {
  withTmpfs('writers, reset and a new state directory fail with one line; readers still work', () => {
    inTmpfs(`
      ipsim netns add blue
      cp "$M/state.json" "$O/before.json"
      mount -o remount,ro "$M"
      attempt add netns add red
      attempt reset reset
      attempt nested --state "$M/sub/state.json" netns add red
      ipsim netns list >"$O/list"
      cp "$M/state.json" "$O/after.json"
      ls -A "$M" >"$O/ls"
    `);
    const state = `${t.dir}/mnt/state.json`;
    expect([out('add.err'), out('add.exit')]).toEqual([`Error: cannot create lock "${state}.lock": Read-only file system\n`, '1\n']);
    expect([out('reset.err'), out('reset.exit')]).toEqual([`Error: cannot create lock "${state}.lock": Read-only file system\n`, '1\n']);
    expect([out('nested.err'), out('nested.exit')]).toEqual([`Error: cannot create directory "${t.dir}/mnt/sub": Read-only file system\n`, '1\n']);
    expect(out('list')).toBe('blue\n');
    expect(out('after.json')).toBe(out('before.json'));
    expect(out('ls')).toBe('state.json\nstate.json.events\n');
  });
});
