// Starts the application on 127.0.0.1, calls it over HTTP as a client would, and closes it
// (which closes the caches CacheflightModule made). Build and run:
//   npm run build && npx tsc -p examples/nestjs && node examples/nestjs/dist/main.js
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import { AppModule, ProductsService } from './app.module.js';

const app = await NestFactory.create(AppModule, { logger: false });
app.enableShutdownHooks(); // SIGTERM closes the application, and with it the caches
await app.listen(0, '127.0.0.1');
const { port } = (app.getHttpServer() as { address(): AddressInfo }).address();
const base = `http://127.0.0.1:${port}`;
const products = app.get(ProductsService);

async function call(method: string, path: string, body?: object): Promise<unknown> {
  const response = await fetch(base + path, { method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
  return response.json();
}

const first = (await call('GET', '/products/1')) as { name: string };
console.log(`GET /products/1 -> ${first.name} (database calls: ${products.databaseCalls})`);
await call('GET', '/products/1');
console.log(`GET /products/1 again -> served from the cache (database calls: ${products.databaseCalls})`);
await call('PUT', '/products/1', { name: 'Teapot XL' });
const renamed = (await call('GET', '/products/1')) as { name: string };
console.log(`after PUT /products/1, GET loads again -> ${renamed.name} (database calls: ${products.databaseCalls})`);
console.log(`GET /health/ready -> ${JSON.stringify(await call('GET', '/health/ready'))}`);
await app.close();
console.log('closed');
