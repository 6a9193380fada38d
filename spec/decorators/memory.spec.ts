import { createCache, memoryStore } from '../../lib/index.js';
import { describeDecoratorSemantics } from './semantics.js';

describeDecoratorSemantics('the memory store', () => createCache({ store: memoryStore() }));
