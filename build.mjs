// Bundles the CLI into dist/ with one chunk per lazily imported module, so a command
// pays only for the parser and what it uses (see README, "Start-up").
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { ipsim: 'commands/ipsim.ts' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
  banner: {
    js: [
      "import { createRequire as __ipsimCreateRequire } from 'node:module';",
      "import { fileURLToPath as __ipsimFileURLToPath } from 'node:url';",
      'const require = __ipsimCreateRequire(import.meta.url);',
      'const __filename = __ipsimFileURLToPath(import.meta.url);',
    ].join('\n'),
  },
});
