CREATE TABLE "cost_buckets" (
	"key_hash" text PRIMARY KEY NOT NULL,
	"tokens" double precision NOT NULL,
	"granted" double precision NOT NULL,
	"updated_at" bigint NOT NULL
);
