-- Look-ups of accounts by e-mail when adding members: counted per caller, so that adding members
-- cannot be used to list who has an account (and under what name) faster than MEMBER_LOOKUPS_PER_HOUR.
CREATE TABLE "member_lookups" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL REFERENCES "users"("id") ON DELETE CASCADE,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "member_lookups_user_at_idx" ON "member_lookups" USING btree ("user_id", "at");
