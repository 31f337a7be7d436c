"""The corpus: the record schema (``record``) and the directory of shards plus manifest (``store``)."""
