// A bundle made for some commands only (build.mjs, OBJECTS) leaves out what rarer ones load: the
// seed boot of a missing state, `netns monitor`, show's dot, Mermaid and SVG (build.mjs,
// HANDED_OVER). A command that needs one hands itself to the whole CLI, which runs it from the
// start: the left-out module's stand-in throws an error marked so, before anything is printed or
// written (the kernel is loaded, and a format's modules, before a command prints), and on its way
// out the lock is released.

/** The property build.mjs sets on the stand-in's error. */
const HAND_OVER = 'ipsimHandOver';

/** Whether err asks for the whole CLI to run the command instead. */
export function handsOver(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as Record<string, unknown>)[HAND_OVER] === true;
}
