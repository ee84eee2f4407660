// Bundles the client and the demo page with esbuild (types come from tsc):
//   dist/roomcast.js      the client as one ES module for browsers (protobufjs included)
//   dist/node.js          the client for Node (uses the `ws` package, kept external)
//   dist/web/             the demo page served by a node at / (index.html, demo.js, demo.css, roomcast.js)
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const web = join(dist, 'web');
mkdirSync(web, { recursive: true });

const common = { bundle: true, format: 'esm', sourcemap: true, target: ['es2020'], logLevel: 'warning', legalComments: 'none' };

await esbuild.build({ ...common, entryPoints: [join(root, 'src', 'index.ts')], outfile: join(dist, 'roomcast.js'), platform: 'browser' });
await esbuild.build({ ...common, entryPoints: [join(root, 'src', 'node.ts')], outfile: join(dist, 'node.js'), platform: 'node', target: ['node20'], external: ['ws'] });
await esbuild.build({ ...common, entryPoints: [join(root, 'src', 'index.ts')], outfile: join(web, 'roomcast.js'), platform: 'browser', minify: true });
// The page loads the client from ./roomcast.js (the same file other pages use) instead of a second copy.
const sharedClient = {
  name: 'shared-client',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/src\/index\.js$/ }, () => ({ path: './roomcast.js', external: true }));
  },
};
await esbuild.build({ ...common, entryPoints: [join(root, 'demo', 'demo.ts')], outfile: join(web, 'demo.js'), platform: 'browser', minify: true, plugins: [sharedClient] });
for (const f of readdirSync(join(root, 'demo'))) {
  if (f.endsWith('.html') || f.endsWith('.css') || f.endsWith('.svg')) copyFileSync(join(root, 'demo', f), join(web, f));
}
// The declarations of the generated codec, which dist/types/codec.d.ts refers to.
mkdirSync(join(dist, 'types', 'gen'), { recursive: true });
copyFileSync(join(root, 'src', 'gen', 'roomcast.d.ts'), join(dist, 'types', 'gen', 'roomcast.d.ts'));
console.log('bundled dist/roomcast.js, dist/node.js and the demo page in dist/web/');
