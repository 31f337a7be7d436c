/* rpsdg.expr._fastnode: new(cls, items), which is tuple.__new__(cls, items), in one C call.

Why: every tree node is made by tuple.__new__(Expr, (op, args, value)) (rpsdg/expr/tree.py and the modules that
build nodes in their hot loops), and from compiled code that call goes through CPython's generic slot wrapper:
argument parsing, a copy of the items into a fresh tuple, then the subclass instance. It was about 1,300
instructions per node, some 5% of a compiled equation item (issue 15, speed per core). This module is built only
by the optional compiled build (setup.py, RPSDG_COMPILE=1); tree.py uses it when it imports and tuple.__new__
otherwise.

What it does: for an exact tuple of items and a class that a tuple subclass with no fields of its own
(no instance dict, no slots: a typing.NamedTuple such as Expr), it allocates the instance with the class's own
allocator and stores the items, as CPython's tuple_subtype_new does, so the object is the same. Anything else
(another class, items that are not an exact tuple, a wrong number of arguments) is handed to tuple.__new__
itself, so every result and every error is CPython's. tests/test_fastnode.py compares the two.

To extend: nothing to add for new node kinds (the items are copied, never read). The module keeps no state but
a reference to tuple.__new__, taken when it is imported.
*/

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "_nodes.h"

static PyObject *tuple_new; /* tuple.__new__, for everything the fast path does not take */

static PyObject *fastnode_new(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != 2 || !PyTuple_CheckExact(args[1]) || !plain_tuple_subclass(args[0])) {
        return PyObject_Vectorcall(tuple_new, args, (size_t)nargs, NULL);
    }
    PyTypeObject *type = (PyTypeObject *)args[0];
    PyObject *items = args[1];
    Py_ssize_t size = PyTuple_GET_SIZE(items);
    PyObject *node = type->tp_alloc(type, size);
    if (node == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < size; i++) {
        PyObject *item = PyTuple_GET_ITEM(items, i);
        Py_INCREF(item);
        PyTuple_SET_ITEM(node, i, item);
    }
    if (size == 3) {
        untrack_node_if_acyclic(node); /* _nodes.h: a tree is never part of a cycle */
    }
    return node;
}

PyDoc_STRVAR(new_doc,
"new(cls, items) -> cls instance\n\n"
"tuple.__new__(cls, items): a NamedTuple node built in one C call (any other input goes to tuple.__new__).");

static PyMethodDef fastnode_methods[] = {
    {"new", (PyCFunction)(void (*)(void))fastnode_new, METH_FASTCALL, new_doc},
    {NULL, NULL, 0, NULL},
};

static int fastnode_exec(PyObject *module)
{
    (void)module;
    if (tuple_new == NULL) {
        tuple_new = PyObject_GetAttrString((PyObject *)&PyTuple_Type, "__new__");
    }
    return tuple_new == NULL ? -1 : 0;
}

static PyModuleDef_Slot fastnode_slots[] = {
    {Py_mod_exec, fastnode_exec},
    {0, NULL},
};

/* Multi-phase initialisation: a module loaded from a file by path (the tests' build) is not put in sys.modules. */
static struct PyModuleDef fastnode_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "rpsdg.expr._fastnode",
    .m_doc = "tuple.__new__(cls, items) in one C call, for tree nodes (see the top of _fastnode.c).",
    .m_size = 0,
    .m_methods = fastnode_methods,
    .m_slots = fastnode_slots,
};

PyMODINIT_FUNC PyInit__fastnode(void)
{
    return PyModuleDef_Init(&fastnode_module);
}
