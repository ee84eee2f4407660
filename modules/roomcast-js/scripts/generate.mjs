// Generates the protobuf codec from the wire protocol in proto/ (the single source of truth) into
// src/gen/: static code for protobufjs's minimal runtime plus its TypeScript declarations. Runs the
// protobufjs-cli installed by npm; nothing is downloaded.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const protoRoot = join(root, '..', '..', 'proto');
const out = join(root, 'src', 'gen');
mkdirSync(out, { recursive: true });

const pbjs = join(root, 'node_modules', 'protobufjs-cli', 'bin', 'pbjs');
execFileSync(process.execPath, [pbjs,
  '-t', 'static-module', '-w', 'esm', '--force-number', '--null-semantics',
  '--no-verify', '--no-service', '--no-typeurl', '--no-beautify',
  '-p', protoRoot, '-o', join(out, 'roomcast.js'), '-d',
  join(protoRoot, 'roomcast', 'v1', 'roomcast.proto')], { stdio: 'inherit', cwd: root });
console.log('generated src/gen/roomcast.js and roomcast.d.ts from proto/roomcast/v1/roomcast.proto');
