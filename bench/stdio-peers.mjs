// Loads the pinned npm packages from tests/interop/node_modules (the one place
// they are installed) for the bench/stdio-*-server.mjs scripts, which live
// outside that folder and so cannot import them by bare name.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const modules = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'tests', 'interop', 'node_modules');

// The ESM entry of PKG's export SUB ("." or "./server/mcp.js"), as a module.
export async function load(pkg, sub = '.') {
  const dir = path.join(modules, pkg);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  let entry = manifest.exports?.[sub];
  if (entry === undefined && manifest.exports) {
    // wildcard exports such as "./*": { import: "./dist/esm/*" }
    for (const [k, v] of Object.entries(manifest.exports)) {
      if (k.endsWith('*') && sub.startsWith(k.slice(0, -1))) {
        const rest = sub.slice(k.length - 1);
        const imp = typeof v === 'string' ? v : v.import;
        entry = (typeof imp === 'string' ? imp : imp.default).replace('*', rest);
        break;
      }
    }
  }
  if (entry && typeof entry === 'object') entry = entry.import?.default ?? entry.import ?? entry.default;
  if (typeof entry !== 'string') entry = manifest.module ?? manifest.main ?? 'index.js';
  return import(pathToFileURL(path.join(dir, entry)).href);
}
