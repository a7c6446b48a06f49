// Packs every published workspace package the way `npm publish` would and checks the tarball a user would get:
// publint (package.json vs the packed files), attw (are the types right under every module resolution), README
// and LICENSE present (the LICENSE identical to the repository's), source maps resolving inside the tarball, and
// nothing from tests or builds leaking in. Prints each tarball's files and a summary; exits 1 on any error.
// `npm run check:packages` builds first (the tarballs ship `dist`), then runs this.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const root = new URL('..', import.meta.url).pathname;
const workspaces = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces;
const packages = workspaces
  .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) }))
  .filter(({ pkg }) => pkg.private !== true);
const rootLicense = readFileSync(join(root, 'LICENSE'), 'utf8');
const attwManifest = createRequire(import.meta.url).resolve('@arethetypeswrong/cli/package.json');
const attwBin = join(dirname(attwManifest), JSON.parse(readFileSync(attwManifest, 'utf8')).bin.attw);
const windows = process.platform === 'win32';

/** Files no tarball should carry: tests, TypeScript build output, local clutter. */
const UNEXPECTED = [
  /(^|\/)test\//,
  /\.test\.[cm]?[jt]s$/,
  /\.tsbuildinfo$/,
  /(^|\/)\.tsbuild\//,
  /(^|\/)node_modules\//,
];

const temp = mkdtempSync(join(tmpdir(), 'ramflow-pack-'));
const results = [];

try {
  for (const { dir, pkg } of packages) {
    const errors = [];
    const note = (message) => errors.push(message);
    console.log(`\n━━ ${pkg.name} (${dir}) ━━`);

    // 1. Pack (lifecycle scripts run, as for `npm publish`).
    const packed = spawnSync('npm', ['pack', '--json', '--pack-destination', temp], {
      cwd: join(root, dir),
      encoding: 'utf8',
      shell: windows,
    });
    if (packed.status !== 0) {
      console.error(packed.stderr);
      results.push({ name: pkg.name, errors: ['npm pack failed'] });
      continue;
    }
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('[')));
    const tarball = join(temp, info.filename);
    const files = info.files.map((file) => file.path).sort();
    const fileSet = new Set(files);
    console.log(
      `${info.filename}: ${files.length} files, ${kb(info.size)} packed, ${kb(info.unpackedSize)} unpacked`,
    );
    for (const file of info.files.sort((a, b) => a.path.localeCompare(b.path)))
      console.log(`  ${kb(file.size).padStart(10)}  ${file.path}`);

    // 2. README and LICENSE, checked in the unpacked tarball.
    const into = join(temp, info.filename.replace(/\.tgz$/, ''));
    mkdirSync(into);
    const untar = spawnSync('tar', ['-xzf', tarball, '-C', into], { encoding: 'utf8' });
    if (untar.status !== 0) {
      note(`could not unpack the tarball: ${untar.stderr}`);
      results.push({ name: pkg.name, errors });
      continue;
    }
    const unpacked = join(into, 'package');
    if (!fileSet.has('README.md')) note('no README.md in the tarball');
    if (!fileSet.has('LICENSE')) note('no LICENSE in the tarball');
    else if (readFileSync(join(unpacked, 'LICENSE'), 'utf8') !== rootLicense)
      note(`${dir}/LICENSE differs from the repository's LICENSE`);

    // 3. Nothing that should not ship.
    for (const file of files)
      if (UNEXPECTED.some((pattern) => pattern.test(file))) note(`unexpected file: ${file}`);

    // 4. Source maps: every sourceMappingURL names a shipped map, every map's sources are shipped files.
    let maps = 0;
    for (const file of files) {
      if (/\.(?:[cm]?js|d\.[cm]?ts)$/.test(file)) {
        const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(unpacked, file), 'utf8'))?.[1];
        if (url !== undefined && !url.startsWith('data:')) {
          const target = posix.join(posix.dirname(file), url);
          if (!fileSet.has(target)) note(`${file}: source map ${url} is not in the tarball`);
        }
      } else if (file.endsWith('.map')) {
        maps++;
        const map = JSON.parse(readFileSync(join(unpacked, file), 'utf8'));
        for (const [index, source] of (map.sources ?? []).entries()) {
          const target = posix.join(posix.dirname(file), map.sourceRoot ?? '', source);
          if (!fileSet.has(target) && typeof map.sourcesContent?.[index] !== 'string')
            note(`${file}: source ${source} resolves to ${target}, which is not in the tarball`);
        }
      }
    }

    // 5. publint on the tarball; `strict` makes its warnings errors (suggestions are printed, not failed).
    const buffer = readFileSync(tarball);
    const lint = await publint({
      pack: { tarball: buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) },
      level: 'suggestion',
      strict: true,
    });
    const counts = { error: 0, warning: 0, suggestion: 0 };
    for (const message of lint.messages) {
      counts[message.type]++;
      console.log(`publint ${message.type}: ${formatMessage(message, lint.pkg)}`);
      if (message.type === 'error') note(`publint: ${formatMessage(message, lint.pkg, { color: false })}`);
    }

    // 6. attw on the tarball, with the default `strict` profile and no ignored rules. Every resolution mode is
    //    real for these packages: `node10` is what TypeScript still uses for `"module": "commonjs"` without a
    //    `moduleResolution` (Nest's default tsconfig), so subpaths get `typesVersions`; `node16` from CommonJS is
    //    real because every package ships a CommonJS build with its own `.d.cts` types. So neither the `node16`
    //    profile (ignores node10) nor `esm-only` (also ignores node16-from-CJS) would be honest here.
    const attw = spawnSync(process.execPath, [attwBin, tarball, '--profile', 'strict', '--format', 'table'], {
      encoding: 'utf8',
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    process.stdout.write(attw.stdout);
    process.stderr.write(attw.stderr);
    if (attw.status !== 0) note(`attw reported problems (exit code ${attw.status})`);

    for (const error of errors) console.error(`✖ ${error}`);
    results.push({
      name: pkg.name,
      files: files.length,
      size: info.size,
      maps,
      counts,
      attw: attw.status === 0,
      errors,
    });
  }
} finally {
  rmSync(temp, { recursive: true, force: true });
}

console.log('\n━━ Summary ━━');
for (const result of results) {
  const parts = [
    result.files === undefined ? 'not packed' : `${result.files} files, ${kb(result.size)}`,
    result.maps === undefined ? '' : `${result.maps} source maps`,
    result.counts === undefined
      ? ''
      : `publint ${result.counts.error} errors / ${result.counts.warning} warnings / ${result.counts.suggestion} suggestions`,
    result.attw === undefined ? '' : `attw ${result.attw ? 'ok' : 'FAILED'}`,
  ].filter(Boolean);
  const status = result.errors.length === 0 ? '✔' : `✖ ${result.errors.length} error(s)`;
  console.log(`${status.padEnd(14)} ${result.name.padEnd(18)} ${parts.join(' · ')}`);
}
const failed = results.filter((result) => result.errors.length > 0);
if (failed.length > 0) {
  console.error(`\n${failed.length} of ${results.length} packages failed the checks.`);
  process.exit(1);
}
console.log(`\nAll ${results.length} packages pass.`);

function kb(bytes) {
  return `${(bytes / 1024).toFixed(1)} kB`;
}
