"""The GraphQL API (strawberry): schema, resolvers, auth. Built in the GraphQL issue."""
