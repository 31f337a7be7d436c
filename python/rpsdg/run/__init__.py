"""Running builds: the one pipeline every kind goes through (``pipeline``), one item as a pure function (``items``),
where items are made (``executors``: in-process, local processes, Ray) and checking a built corpus (``check``)."""
