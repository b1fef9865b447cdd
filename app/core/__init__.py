"""What every domain uses: errors, database types, auth, access, audit, crypto, clock."""
