// The license notices of every package the bundles contain, for THIRD-PARTY-NOTICES.txt beside them.
// esbuild keeps only `/*!` and @license comments (dist/*.LEGAL.txt); most packages carry their license
// in a LICENSE file instead (undici's MIT, OpenTelemetry's Apache-2.0 with its NOTICE), which bundling
// drops. This reads the packages from the builds' metafiles, so the list follows the code that ships.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** License, notice and copying files at a package's root: LICENSE, LICENSE.md, LICENCE-MIT, NOTICE, COPYING... */
const LICENSE_FILE = /^(licen[cs]e|notice|copying)([.-].*)?$/i;

/**
 * The notices text for the packages in `builds` (each an esbuild metafile and the bundle's name as it
 * ships), one section per package and version: name, version, license, which bundles contain it,
 * then its license and notice files verbatim.
 * @param {string} root the directory the builds ran in (their absWorkingDir)
 * @param {{ bundle: string, metafile: import('esbuild').Metafile }[]} builds
 */
export function thirdPartyNotices(root, builds) {
  /** @type {Map<string, { name: string, version: string, license: string, dir: string, bundles: Set<string> }>} */
  const packages = new Map();
  for (const { bundle, metafile } of builds) {
    for (const input of Object.keys(metafile.inputs)) {
      const dir = packageDir(root, input);
      if (!dir) continue;
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      const key = `${manifest.name}@${manifest.version}`;
      let entry = packages.get(key);
      if (!entry) {
        entry = { name: manifest.name, version: manifest.version, license: licenseOf(manifest), dir, bundles: new Set() };
        packages.set(key, entry);
      }
      entry.bundles.add(bundle);
    }
  }
  const rule = '='.repeat(80);
  /** A license text already printed, and the package it was printed for: the same Apache-2.0 text 13 times says nothing more. */
  const printed = new Map();
  const sections = [...packages.values()].sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version)).map(p => {
    const files = readdirSync(p.dir).filter(f => LICENSE_FILE.test(f)).sort();
    const texts = files.map(f => {
      const text = readFileSync(path.join(p.dir, f), 'utf8').trim();
      const first = printed.get(text);
      if (first) return `--- ${f}: the same text as ${first}'s above\n`;
      printed.set(text, `${p.name} ${p.version}`);
      return `--- ${f}\n\n${text}\n`;
    });
    return [
      rule,
      `${p.name} ${p.version} (${p.license})`,
      `in ${[...p.bundles].sort().join(', ')}`,
      '',
      ...(texts.length > 0 ? texts : [`(the package has no license file; its package.json declares ${p.license})\n`]),
    ].join('\n');
  });
  return [
    'Third-party notices',
    '',
    `Loadlens bundles code from the ${packages.size} packages below into its JavaScript files. Each is`,
    "listed with its license as the package ships it. esbuild's native binary (dist/bin) is esbuild's, under",
    "the esbuild license below. Comments the packages mark as legal notices are also in dist/*.LEGAL.txt.",
    '',
    ...sections,
  ].join('\n');
}

/** The root of the package `input` (a metafile path, relative to root) belongs to, or undefined for the project's own files. */
function packageDir(root, input) {
  const normalized = input.split(path.sep).join('/');
  const at = normalized.lastIndexOf('node_modules/');
  if (at === -1) return undefined;
  const rest = normalized.slice(at + 'node_modules/'.length).split('/');
  const name = rest[0]?.startsWith('@') ? rest.slice(0, 2).join('/') : rest[0];
  return path.resolve(root, normalized.slice(0, at + 'node_modules/'.length) + name);
}

function licenseOf(manifest) {
  if (typeof manifest.license === 'string') return manifest.license;
  if (manifest.license?.type) return manifest.license.type;
  if (Array.isArray(manifest.licenses)) return manifest.licenses.map(l => l.type ?? l).join(' OR ');
  return 'no license declared';
}
