// A NestJS application whose service methods are cached: CacheflightModule makes the caches
// (from a config provider, through forRootAsync), the service carries @Cacheable / @CacheEvict,
// and a readiness route reports the cache the way @nestjs/terminus expects.
import { Body, Controller, Get, Injectable, Module, Param, ParseIntPipe, Put, ServiceUnavailableException } from '@nestjs/common';
import { Cacheable, CacheEvict, memoryStore, type Cache } from 'cacheflight';
import { CacheflightModule, InjectCache, cacheHealthIndicator } from 'cacheflight/nestjs';

export interface Product {
  readonly id: number;
  readonly name: string;
}

/** Configuration, as @nestjs/config would provide it. */
@Injectable()
export class AppConfig {
  readonly productTtl = '5m';
  readonly maxEntries = 10_000;
}

@Module({ providers: [AppConfig], exports: [AppConfig] })
export class ConfigModule {}

@Injectable()
export class ProductsService {
  databaseCalls = 0;
  private readonly names = new Map<number, string>([[1, 'Teapot'], [2, 'Kettle']]);

  @Cacheable({ ttl: '5m' })
  async getProduct(id: number): Promise<Product> {
    this.databaseCalls++;
    await new Promise((resolve) => setTimeout(resolve, 20)); // a slow database
    return { id, name: this.names.get(id) ?? `Product ${id}` };
  }

  @CacheEvict({ method: 'getProduct', args: (id: number) => [id] })
  async renameProduct(id: number, name: string): Promise<void> {
    this.databaseCalls++;
    this.names.set(id, name);
  }
}

@Controller('products')
export class ProductsController {
  constructor(private readonly products: ProductsService) {}

  @Get(':id')
  get(@Param('id', ParseIntPipe) id: number): Promise<Product> {
    return this.products.getProduct(id);
  }

  @Put(':id')
  async rename(@Param('id', ParseIntPipe) id: number, @Body() body: { name: string }): Promise<{ renamed: number }> {
    await this.products.renameProduct(id, body.name);
    return { renamed: id };
  }
}

@Controller('health')
export class HealthController {
  // With @nestjs/terminus: this.health.check([() => this.cacheReady()]).
  private readonly cacheReady;

  constructor(@InjectCache() cache: Cache) {
    this.cacheReady = cacheHealthIndicator(cache, { key: 'cache' });
  }

  @Get('ready')
  async ready(): Promise<object> {
    const result = await this.cacheReady();
    if (result.cache.status === 'down') throw new ServiceUnavailableException(result);
    return result;
  }
}

@Module({
  imports: [
    CacheflightModule.forRootAsync({
      imports: [ConfigModule],
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ cache: { store: memoryStore({ maxEntries: config.maxEntries }), ttl: config.productTtl } }),
    }),
  ],
  controllers: [ProductsController, HealthController],
  providers: [ProductsService],
})
export class AppModule {}
