-- The example `crm` source (PostgreSQL database crm, schema public; Pulumi.*.yaml). metadata/sources/crm is what the
-- PostgreSQL extractor reads from a database created with this file (see regenerate.ts).
CREATE TABLE accounts (
  id uuid PRIMARY KEY,
  name varchar(200) NOT NULL,
  tier varchar(20),
  created_at timestamptz NOT NULL
);

CREATE TABLE contacts (
  id bigint PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts (id),
  email varchar(320) NOT NULL,
  phone varchar(40),
  preferences jsonb,
  opted_in boolean NOT NULL DEFAULT false,
  updated_at timestamp(3) NOT NULL,
  best_call_time time
);

CREATE TABLE opportunities (
  id bigint PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts (id),
  amount numeric(14, 2) NOT NULL,
  stage varchar(30) NOT NULL,
  close_date date,
  probability smallint
);

CREATE TABLE opportunity_products (
  opportunity_id bigint NOT NULL REFERENCES opportunities (id),
  product_code varchar(40) NOT NULL,
  quantity integer NOT NULL,
  unit_price numeric(12, 2) NOT NULL,
  PRIMARY KEY (opportunity_id, product_code)
);

-- No primary key: published as an append-only change log.
CREATE TABLE activity_log (
  happened_at timestamptz NOT NULL,
  actor varchar(100),
  action varchar(50) NOT NULL,
  details text
);
