// Writes a gzip copy beside every compressible file of the build (`file.js.gz`), which
// `lantern serve` sends to browsers that accept gzip: compressed once at build time
// instead of on every request.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, constants } from 'node:zlib';

const COMPRESSIBLE = /\.(js|css|html|svg|json|geojson|txt|map)$/;

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (COMPRESSIBLE.test(name)) {
      const data = readFileSync(path);
      const gz = gzipSync(data, { level: constants.Z_BEST_COMPRESSION });
      if (gz.length < data.length) writeFileSync(`${path}.gz`, gz);
    }
  }
}

walk(process.argv[2] ?? 'dist');
