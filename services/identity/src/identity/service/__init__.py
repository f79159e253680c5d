"""Identity domain: clients and users, sign-in and tokens, grants awaiting a second person,
signing keys and the sign-in brakes. No FastAPI here."""
