import { describe, expect, it } from 'vitest';
import { hostileRequests } from '../../scripts/lib/hostile-requests';
import { call, problem, seed } from './helpers';

// Each input class that once exhausted an isolate (issue 18) is refused with a problem, before the
// memory it claims is taken; `npm run bench -- hostile` times them and weighs workerd.
describe('hostile inputs are refused before they are allocated', () => {
  for (const request of hostileRequests(seed)) {
    it(`${request.name}: ${request.status}`, async () => {
      const response = await call(request.path, {
        apiKey: seed.admin.apiKey,
        method: request.method,
        json: request.body,
      });
      const refused = await problem(response, request.status);
      expect(refused.detail).toBeTruthy();
    });
  }
});
