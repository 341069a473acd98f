// The end-to-end tests run the real bundle, so build it once before any suite.
import { execFileSync } from 'node:child_process';

export default function globalSetup() {
  execFileSync(process.execPath, ['build.mjs'], { stdio: 'inherit' });
}
