"""The schema migration steps, one module per version, each frozen as that version was released.

A step declares its own tables on a private MetaData and never reads ``headwater.storage.schema``,
so editing the latest definitions cannot change what upgrading an old database does. Never edit a
released step: add a new version instead.
"""
