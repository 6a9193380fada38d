/**
 * A NestJS service with `@InjectCache` and cached methods, as NestJS compiles it
 * (experimentalDecorators): type-checked by `npm run test:types` in that mode only.
 */
import { Injectable } from '@nestjs/common';
import { Cacheable, CacheEvict, type Cache } from 'cacheflight';
import { InjectCache } from 'cacheflight/nestjs';

@Injectable()
export class ProductsService {
  constructor(
    @InjectCache() private readonly cache: Cache,
    @InjectCache('sessions') private readonly sessions: Cache,
  ) {}

  @InjectCache('reports') reports!: Cache;

  @Cacheable({ ttl: '5m' })
  async find(id: number): Promise<{ id: number }> {
    return { id };
  }

  @CacheEvict({ method: 'find' })
  async remove(_id: number): Promise<void> {}

  stats(): unknown {
    return [this.cache.stats(), this.sessions.stats(), this.reports.stats()];
  }
}
