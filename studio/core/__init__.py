"""The base every domain stands on: settings, database engine and tables, audit log, errors,
progress reporting and upload checks. Imports nothing else from studio."""
