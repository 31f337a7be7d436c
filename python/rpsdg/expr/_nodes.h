/* Helpers shared by the C modules that make tree nodes (_fastnode.c, _fastparse.c, _fastmatch.c): which classes
   their fast path may allocate, and leaving acyclic nodes out of the garbage collector's walks.

Why the second: a tree node is a tuple (op, args, value) and its args a tuple of nodes; their items are fixed when
they are made and hold no mutable container, so no tree can be part of a reference cycle. CPython's collector
still walks every tracked one on each pass (it stops tracking an exact tuple of untracked items only when the
tuple survives a pass, and never a NamedTuple instance): about 9% of a compiled equation record's instructions
went to collection, most of it walking trees (issue 15, speed per core). untrack_node_if_acyclic applies CPython's
own rule for an exact tuple (_PyTuple_MaybeUntrack: no item may be tracked) to the args when the node is made,
and the same rule to the node, so a tree built bottom-up by these modules, whose values are ints, strs or None,
is never walked (a node holding anything else, a Fraction instance say, stays tracked). Nothing else changes: the
objects, their values and their lifetimes (reference counting frees them) are the same; only gc.is_tracked tells.
*/

#ifndef RPSDG_NODES_H
#define RPSDG_NODES_H

#include <Python.h>

/* Whether instances of cls are laid out exactly as a tuple's: a proper tuple subclass adding no fields. */
static inline int plain_tuple_subclass(PyObject *cls)
{
    if (!PyType_Check(cls)) {
        return 0;
    }
    PyTypeObject *type = (PyTypeObject *)cls;
    return type != &PyTuple_Type && PyType_IsSubtype(type, &PyTuple_Type) && type->tp_dictoffset == 0
           && type->tp_basicsize == PyTuple_Type.tp_basicsize && type->tp_itemsize == PyTuple_Type.tp_itemsize
           && type->tp_alloc != NULL;
}

/* Whether the collector walks obj now or may later: CPython's _PyObject_GC_MAY_BE_TRACKED, which trusts the
   current state of an exact tuple only (a dict, say, is tracked again when a container is put in it), extended
   to the instances of a plain tuple subclass (a node), which are as immutable as a tuple. */
static inline int gc_may_be_tracked(PyObject *obj)
{
    if (!PyObject_IS_GC(obj)) {
        return 0;
    }
    if (PyTuple_CheckExact(obj) || (PyTuple_Check(obj) && plain_tuple_subclass((PyObject *)Py_TYPE(obj)))) {
        return PyObject_GC_IsTracked(obj);
    }
    return 1;
}

/* Stop tracking tuple (an exact tuple or a node) when none of its items may be tracked. */
static inline void untrack_if_acyclic(PyObject *tuple)
{
    if (!PyObject_GC_IsTracked(tuple)) {
        return;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(tuple); i++) {
        if (gc_may_be_tracked(PyTuple_GET_ITEM(tuple, i))) {
            return;
        }
    }
    PyObject_GC_UnTrack(tuple);
}

/* For a node just made with its items set: its args (item 1), when an exact tuple, then the node itself. */
static inline void untrack_node_if_acyclic(PyObject *node)
{
    PyObject *args = PyTuple_GET_ITEM(node, 1);
    if (PyTuple_CheckExact(args)) {
        untrack_if_acyclic(args);
    }
    untrack_if_acyclic(node);
}

#endif
