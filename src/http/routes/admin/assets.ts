// The console's scripts and styles, served by us (the CSP allows scripts from 'self' only, and no CDN is asked):
// uPlot straight from its package, and the few lines that draw our charts with it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const UPLOT_DIR = dirname(createRequire(import.meta.url).resolve('uplot'));
const ASSETS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'assets');

const ASSETS: Record<string, { file: string; type: string }> = {
  'uplot.js': { file: join(UPLOT_DIR, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  'uplot.css': { file: join(UPLOT_DIR, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
  'dashboard.js': { file: join(ASSETS_DIR, 'dashboard.js'), type: 'text/javascript; charset=utf-8' },
};

export async function adminAssetRoutes(app: FastifyInstance) {
  // Read once at boot: a missing file fails the start, not a page view.
  const loaded = Object.fromEntries(Object.entries(ASSETS).map(([name, asset]) => [name, { ...asset, body: readFileSync(asset.file) }]));
  app.get<{ Params: { name: string } }>('/admin/assets/:name', async (request, reply) => {
    const asset = loaded[request.params.name];
    if (!asset) return reply.callNotFound();
    return reply.type(asset.type).header('cache-control', 'public, max-age=3600').send(asset.body);
  });
}
