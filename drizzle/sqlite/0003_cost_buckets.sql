CREATE TABLE `cost_buckets` (
	`key_hash` text PRIMARY KEY NOT NULL,
	`tokens` real NOT NULL,
	`granted` real NOT NULL,
	`updated_at` integer NOT NULL
);
