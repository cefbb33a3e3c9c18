/// <reference path="../../node_modules/@cloudflare/vitest-pool-workers/types/cloudflare-test.d.ts" />
import type { Bindings } from '../../workers/platform/env';

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {
      /** test/unit/vitest.config.mts: ../shared/fixtures/cog/cog.tif, and what GDAL says of it. */
      FIXTURE_COG: ArrayBuffer;
      GDAL_ORACLE: string;
      /** test/unit/vitest.config.mts: matplotlib's 256 RGBA entries of a few colormaps, by name. */
      MATPLOTLIB_COLORMAPS: string;
    }
    interface GlobalProps {
      mainModule: typeof import('../../workers/index');
    }
  }
}
