-- Run once by the postgres image on an empty data directory (docker-entrypoint-initdb.d),
-- as POSTGRES_USER. Each service owns its own database and never reads another's tables.
CREATE DATABASE identity;
CREATE DATABASE registry;
CREATE DATABASE credit;
CREATE DATABASE whitelist;
