/**
 * The published package as consumers load it: the ESM and CommonJS builds through the exports
 * map (needs `npm run build`; npm test does it), sharing one registry when an application loads
 * both; and what the tarball holds (`npm pack --dry-run`): a license, metadata, source maps that
 * stand without lib/, README links that work from the npm page.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { encoding: 'utf8' }).trim();
}

/** The paths of the files `npm pack` would put in the tarball. */
function packedFiles(): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const [pack] = JSON.parse(out) as Array<{ files: Array<{ path: string }> }>;
  return (pack?.files ?? []).map((file) => file.path);
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces become hyphens. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

const REPOSITORY = 'https://github.com/cacheflight/cacheflight';

describe('package', () => {
  before(() => {
    if (!existsSync('dist/cjs/index.js')) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
  });

  it('loads with require() (CommonJS build) and caches', () => {
    const out = node([
      '-e',
      `const { createCache } = require('cacheflight');
       const cache = createCache();
       cache.getOrSet('k', async () => 41).then(() => cache.getOrSet('k', async () => 0))
         .then((v) => console.log(v, JSON.stringify(cache.stats())));`,
    ]);
    expect(out).to.match(/^41 .*"hits":1/);
  });

  it('loads with import (ESM build) and exposes the same API', () => {
    const esm = node(['--input-type=module', '-e', "import * as c from 'cacheflight'; console.log(Object.keys(c).sort().join(','))"]);
    const cjs = node(['-e', "console.log(Object.keys(require('cacheflight')).sort().join(','))"]);
    expect(esm).to.equal(cjs);
    expect(esm.split(',')).to.include.members(['Cacheable', 'CacheEvict', 'CachePut', 'createCache', 'registerCache', 'memoryStore', 'redisStore']);
  });

  it('shares one registry between the ESM and CommonJS builds', () => {
    const out = node([
      '--input-type=module',
      '-e',
      `import { createRequire } from 'node:module';
       import { createCache, registerCache } from 'cacheflight';
       const cjs = createRequire(import.meta.url)('cacheflight');
       const cache = registerCache(createCache());
       console.log(cjs.getCache() === cache);`,
    ]);
    expect(out).to.equal('true');
  });

  it('does not load ioredis until a Redis store is created', () => {
    const out = node([
      '-e',
      `require('cacheflight').createCache();
       console.log(Object.keys(require.cache).some((file) => file.includes('/node_modules/ioredis/')));`,
    ]);
    expect(out).to.equal('false');
  });

  it('does not load NestJS from the package root, in either build', () => {
    const loadsNest = (entry: string): string =>
      node([
        '--input-type=module',
        '-e',
        `import { createRequire } from 'node:module';
         const require = createRequire(import.meta.url);
         ${entry}
         console.log(Object.keys(require.cache).some((file) => file.includes('/node_modules/@nestjs/')));`,
      ]);
    expect(loadsNest("require('cacheflight').createCache();"), 'require(cacheflight)').to.equal('false');
    expect(loadsNest("(await import('cacheflight')).createCache();"), 'import cacheflight').to.equal('false');
    // The check sees NestJS when it is loaded: through the subpath.
    expect(loadsNest("require('cacheflight/nestjs');"), 'require(cacheflight/nestjs)').to.equal('true');
    expect(loadsNest("await import('cacheflight/nestjs');"), 'import cacheflight/nestjs').to.equal('true');
  });

  it('exposes cacheflight/nestjs in both builds, with the same API', () => {
    const esm = node(['--input-type=module', '-e', "import * as n from 'cacheflight/nestjs'; console.log(Object.keys(n).sort().join(','))"]);
    const cjs = node(['-e', "console.log(Object.keys(require('cacheflight/nestjs')).sort().join(','))"]);
    expect(esm).to.equal(cjs);
    expect(esm.split(',')).to.include.members(['CacheflightModule', 'CacheflightCaches', 'InjectCache', 'getCacheToken', 'cacheHealthIndicator', 'CacheHealthCheckError']);
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { peerDependencies: Record<string, string>; peerDependenciesMeta: Record<string, { optional?: boolean }> };
    for (const name of ['@nestjs/common', '@nestjs/core']) {
      expect(pkg.peerDependencies, name).to.have.property(name);
      expect(pkg.peerDependenciesMeta[name], name).to.deep.equal({ optional: true });
    }
  });

  describe('the tarball', () => {
    let files: string[];
    before(function () {
      this.timeout(60_000);
      files = packedFiles();
    });

    it('ships an MIT LICENSE and says where the project lives', () => {
      expect(files).to.include('LICENSE');
      const license = readFileSync('LICENSE', 'utf8');
      expect(license).to.match(/^MIT License/);
      expect(license).to.contain('Copyright (c) 2026 the cacheflight authors');
      const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as Record<string, unknown>;
      expect(pkg['license']).to.equal('MIT');
      expect(pkg['repository']).to.deep.equal({ type: 'git', url: `git+${REPOSITORY}.git` });
      expect(pkg['homepage']).to.equal(`${REPOSITORY}#readme`);
      expect(pkg['bugs']).to.deep.equal({ url: `${REPOSITORY}/issues` });
      expect(pkg['keywords']).to.be.an('array').that.includes.members(['cache', 'memoize', 'decorator', 'redis']);
    });

    it('ships source maps that carry their sources (lib/ is not shipped) and no declaration maps', () => {
      expect(files.some((file) => file.startsWith('lib/')), 'lib/ is not in the tarball').to.equal(false);
      expect(files.filter((file) => file.endsWith('.d.ts.map')), 'declaration maps could only point at lib/').to.deep.equal([]);
      const maps = files.filter((file) => file.endsWith('.js.map'));
      expect(maps.length).to.be.greaterThan(10);
      for (const map of maps) {
        const parsed = JSON.parse(readFileSync(map, 'utf8')) as { sources: string[]; sourcesContent?: Array<string | null> };
        expect(parsed.sourcesContent, `${map}: sourcesContent`).to.be.an('array').with.lengthOf(parsed.sources.length);
        parsed.sources.forEach((source, i) => {
          const original = relative('.', resolve(dirname(map), source));
          expect(original, map).to.match(/^lib\/.*\.ts$/);
          expect(parsed.sourcesContent?.[i], `${map}: the text of ${original}`).to.equal(readFileSync(original, 'utf8'));
        });
      }
      // Every file that names a map names one that is shipped.
      for (const file of files.filter((name) => /\.(js|d\.ts)$/.test(name))) {
        const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(file, 'utf8'))?.[1];
        if (url !== undefined) expect(files, `${file} names ${url}`).to.include(join(dirname(file), url));
      }
    });

    it('has README links that work from the npm page: anchors of its own headings, or absolute URLs', () => {
      const readme = readFileSync('README.md', 'utf8');
      const text = readme.replace(/```[\s\S]*?```/g, '');
      const anchors = new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchorOf(match[1] as string)));
      const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] as string);
      expect(links.length).to.be.greaterThan(3);
      for (const link of links) {
        if (link.startsWith('#')) {
          expect([...anchors], `anchor ${link}`).to.include(link.slice(1));
        } else if (link.startsWith(`${REPOSITORY}/blob/main/`)) {
          const path = link.slice(`${REPOSITORY}/blob/main/`.length).split('#')[0] as string;
          expect(existsSync(path), `${link}: ${path} exists in the repository`).to.equal(true);
        } else {
          expect(link, 'a relative link would point at a file the tarball lacks').to.match(/^https:\/\//);
        }
      }
    });
  });
});

