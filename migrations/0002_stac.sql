DROP INDEX "stac_items_properties_gin";--> statement-breakpoint
ALTER TABLE "stac_items" ALTER COLUMN "datetime" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "stac_items" ALTER COLUMN "end_datetime" SET NOT NULL;--> statement-breakpoint
CREATE INDEX "stac_items_datetime_idx" ON "stac_items" USING btree ("datetime","collection_id","id");--> statement-breakpoint
CREATE INDEX "stac_items_data_product_idx" ON "stac_items" USING btree ("data_product_id");--> statement-breakpoint
ALTER TABLE "stac_items" DROP COLUMN "start_datetime";--> statement-breakpoint
ALTER TABLE "stac_items" ADD COLUMN "bbox" jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "stac_items" ADD COLUMN "extra" jsonb DEFAULT '{}'::jsonb NOT NULL;
--> statement-breakpoint
-- Hand-written: CQL2 filters compare item properties with timestamps; a property that holds
-- something else than a valid timestamp compares as NULL instead of failing the query.
CREATE OR REPLACE FUNCTION stac_timestamptz(value text) RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
  IF value IS NULL OR value !~ '^\d{4}-\d{2}-\d{2}' THEN RETURN NULL; END IF;
  RETURN value::timestamptz;
EXCEPTION WHEN others THEN RETURN NULL;
END $$;
