"""A toy kind that lives outside the package, registered only by the test that uses it: proof that a new kind is
one folder plus one registry line (``KIND_MODULES["toy_sum"] = "toy_kind.spec"``), with nothing else to edit.

Its items: ``a + b + c`` with small integers; the answer is the sum; each step adds two neighbours.
"""
