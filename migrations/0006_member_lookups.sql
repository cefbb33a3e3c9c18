-- Look-ups of accounts by e-mail when adding members: counted per caller (workers/auth/members.ts), so that
-- adding members cannot list who has an account, and under what name, faster than MEMBER_LOOKUPS_PER_HOUR.
CREATE TABLE "member_lookups" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "member_lookups" ADD CONSTRAINT "member_lookups_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "member_lookups_user_at_idx" ON "member_lookups" USING btree ("user_id","at");