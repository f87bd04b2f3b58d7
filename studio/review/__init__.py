"""People and approval: accounts, roles and permissions, sign-in sessions, the review state
machine (whose moves drive the Review page) and its queries."""
