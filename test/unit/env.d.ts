import type { Bindings } from '../../workers/env';

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {}
    interface GlobalProps {
      mainModule: typeof import('../../workers/index');
    }
  }
}
