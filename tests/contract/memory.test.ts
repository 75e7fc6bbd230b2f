import { describe } from 'vitest';
import { memoryAdapters } from '#shared/adapters/memory/index.ts';
import { storeContract } from './stores.contract.ts';

describe('the in-memory adapters', () => {
  storeContract(async () => memoryAdapters());
});
