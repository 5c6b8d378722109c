# The gateway hashes passwords with argon2id (libargon2); civetweb, libpq,
# jansson and the rest come with every service.
gateway_LIBS := -largon2
