/* rpsdg.expr._fastmatch: every application of a table of rewrite patterns in a tree, and a pattern's instance,
in one C call each.

Why: listing the rule applications of an expression is the inner loop of a rewrite walk and of the searches over
rewrites (the theorem generator's walk and shortest-proof search): 12% of a compiled theorem item at INT's
(K, L) = (3, 3), run as Python code generated per rule book (exec'd, so never compiled), one interpreted frame
per node and head (issue 15, speed per core). This module is built only by the optional compiled build (setup.py,
RPSDG_COMPILE=1); the caller uses it when it imports and its own matchers otherwise.

What it computes: applications(expr, table, bare, bare_max_size, is_total) is the list

    [(direction, path, binding), ...]

that a generic matcher gives: the nodes of expr in pre-order (path: the child indices from the root, a tuple of
ints), and at each node, first every entry of table[node.op] in order whose pattern matches the node with a
binding (pattern variable -> subtree, in order of first occurrence, pre-order) in which every variable named in
the entry's totals is bound to a tree that is_total accepts, then (only at nodes of at most bare_max_size nodes,
when bare is not empty) every bare entry (direction, name, needs_total) as (direction, path, {name: node}) when
not needs_total or is_total(node). A tree is a tuple (op, args, value), args a tuple of trees (rpsdg.expr.tree.
Expr). A pattern is a tree whose "sym" leaves are variables (value: the name), whose "num" leaves match a "num"
with an equal value, and whose other nodes match a node of the same op whose arguments match, as many as the
pattern has. Two occurrences of a variable must be bound to equal trees (==). table: a dict op -> tuple of
entries (direction, pattern, totals), direction any object, totals a tuple of names; the caller leaves out ops
that have no entries.

Children are not visited where no application can be found: the literal exponent of a power (literal exponents
stay literals) and, in a node of two arguments, a leaf argument whose op is not in table when bare is empty.

Every comparison is Python's == (PyObject_RichCompareBool), so the result is the generic matcher's on any tree;
tests/test_fastmatch.py compares the two. Input that is not made of such tuples raises TypeError; a pattern
with more than MAX_VARIABLES variables or deeper than MAX_DEPTH raises ValueError (the caller checks both before
it uses this module, and matches such rule books in Python).

instantiate(cls, pattern, unstable, binding) is the other half of a rewrite: pattern with every variable replaced
by binding[name] (KeyError when one is missing), children built left to right, each new node an instance of cls
(a tuple subclass without fields of its own: rpsdg.expr.tree.Expr) made as tuple.__new__(cls, items) makes it,
a literal of the pattern shared as it is, and a minus sign on a literal folded as the parser reads "-3": on a
positive literal it gives the literal of the negated value, on a literal <= 0 it raises unstable("minus sign on
a literal <= 0"). That is match.instantiate exactly; tests/test_fastmatch.py compares the two.

To extend: nothing for new node kinds (the module reads no op but "sym", "num", "neg" and "pow"). It keeps no
state but those four strings, made when it is imported.
*/

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#include "_nodes.h"

#define MAX_VARIABLES 32
#define MAX_DEPTH 64

static PyObject *SYM, *NUM, *POW, *NEG;

typedef struct {
    PyObject *name[MAX_VARIABLES];
    PyObject *value[MAX_VARIABLES]; /* borrowed: subtrees of the expression being matched */
    int count;
} Binding;

/* A tree node's items, checked: 0, or -1 with TypeError. */
static inline int node_parts(PyObject *node, PyObject **op, PyObject **args, PyObject **value)
{
    if (!PyTuple_Check(node) || PyTuple_GET_SIZE(node) != 3 || !PyTuple_Check(PyTuple_GET_ITEM(node, 1))) {
        PyErr_SetString(PyExc_TypeError, "_fastmatch: a tree node must be a tuple (op, args tuple, value)");
        return -1;
    }
    *op = PyTuple_GET_ITEM(node, 0);
    *args = PyTuple_GET_ITEM(node, 1);
    *value = PyTuple_GET_ITEM(node, 2);
    return 0;
}

/* a == b for op and variable names: two interned strings are equal only when they are the same object (and
   the names of trees and patterns are interned nearly always), two other strings by their characters, anything
   else by Python's ==. */
static inline int equal(PyObject *a, PyObject *b)
{
    if (a == b) {
        return 1;
    }
    if (PyUnicode_CheckExact(a) && PyUnicode_CheckExact(b)) {
        if (PyUnicode_CHECK_INTERNED(a) && PyUnicode_CHECK_INTERNED(b)) { /* both interned, not the same */
            return 0;
        }
        return PyUnicode_GET_LENGTH(a) == PyUnicode_GET_LENGTH(b) && PyUnicode_Compare(a, b) == 0;
    }
    return PyObject_RichCompareBool(a, b, Py_EQ);
}

/* match.match(pattern, term, binding): 1, 0, or -1 with an exception. */
static int match(PyObject *pattern, PyObject *term, Binding *binding, int depth)
{
    PyObject *p_op, *p_args, *p_value, *t_op, *t_args, *t_value;
    if (depth > MAX_DEPTH) {
        PyErr_SetString(PyExc_ValueError, "_fastmatch: a pattern is deeper than MAX_DEPTH");
        return -1;
    }
    if (node_parts(pattern, &p_op, &p_args, &p_value) < 0 || node_parts(term, &t_op, &t_args, &t_value) < 0) {
        return -1;
    }
    int is = equal(p_op, SYM);
    if (is < 0) {
        return -1;
    }
    if (is) {
        for (int i = 0; i < binding->count; i++) {
            int same = equal(binding->name[i], p_value);
            if (same != 0) {
                return same < 0 ? -1 : PyObject_RichCompareBool(binding->value[i], term, Py_EQ);
            }
        }
        if (binding->count == MAX_VARIABLES) {
            PyErr_SetString(PyExc_ValueError, "_fastmatch: a pattern has more than MAX_VARIABLES variables");
            return -1;
        }
        binding->name[binding->count] = p_value;
        binding->value[binding->count] = term;
        binding->count++;
        return 1;
    }
    int same = equal(p_op, t_op); /* the usual way out: another operator */
    if (same <= 0) {
        return same;
    }
    is = equal(p_op, NUM);
    if (is != 0) {
        return is < 0 ? -1 : PyObject_RichCompareBool(p_value, t_value, Py_EQ);
    }
    Py_ssize_t n = PyTuple_GET_SIZE(p_args), m = PyTuple_GET_SIZE(t_args);
    for (Py_ssize_t i = 0; i < n && i < m; i++) {
        int found = match(PyTuple_GET_ITEM(p_args, i), PyTuple_GET_ITEM(t_args, i), binding, depth + 1);
        if (found <= 0) {
            return found;
        }
    }
    return n == m;
}

static inline int interned(PyObject *text)
{
    return PyUnicode_CheckExact(text) && PyUnicode_CHECK_INTERNED(text);
}

/* Whether a quick look shows that pattern cannot match node, whose ops are equal: some argument of the pattern
   that is not a variable has another op than the node's argument there, both ops interned strings (the usual
   way a match fails; match() would fail there too, and comparing names or numbers never raises). */
static inline int cannot_match(PyObject *pattern, PyObject *node)
{
    PyObject *p_args = PyTuple_GET_ITEM(pattern, 1), *t_args = PyTuple_GET_ITEM(node, 1);
    if (!PyTuple_Check(p_args)) {
        return 0;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(p_args);
    if (n != PyTuple_GET_SIZE(t_args)) {
        return 0;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *p_child = PyTuple_GET_ITEM(p_args, i), *t_child = PyTuple_GET_ITEM(t_args, i);
        if (!PyTuple_Check(p_child) || PyTuple_GET_SIZE(p_child) != 3 || !PyTuple_Check(t_child)
            || PyTuple_GET_SIZE(t_child) != 3) {
            return 0;
        }
        PyObject *p_op = PyTuple_GET_ITEM(p_child, 0), *t_op = PyTuple_GET_ITEM(t_child, 0);
        if (p_op != SYM && p_op != t_op && interned(p_op) && interned(t_op)) {
            return 1;
        }
    }
    return 0;
}

/* Whether every name of totals that binding binds is bound to a tree is_total accepts: 1, 0, -1. */
static int admissible(PyObject *totals, Binding *binding, PyObject *is_total)
{
    if (!PyTuple_Check(totals)) {
        PyErr_SetString(PyExc_TypeError, "_fastmatch: an entry's totals must be a tuple of names");
        return -1;
    }
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(totals); k++) {
        PyObject *name = PyTuple_GET_ITEM(totals, k);
        for (int i = 0; i < binding->count; i++) {
            int same = equal(binding->name[i], name);
            if (same < 0) {
                return -1;
            }
            if (same) {
                PyObject *verdict = PyObject_CallOneArg(is_total, binding->value[i]);
                if (verdict == NULL) {
                    return -1;
                }
                int yes = PyObject_IsTrue(verdict);
                Py_DECREF(verdict);
                if (yes <= 0) {
                    return yes;
                }
                break;
            }
        }
    }
    return 1;
}

/* out.append((direction, path, {name: value, ...})): 0 or -1. */
static int append(PyObject *out, PyObject *direction, PyObject *path, Binding *binding)
{
    PyObject *dict = PyDict_New();
    if (dict == NULL) {
        return -1;
    }
    for (int i = 0; i < binding->count; i++) {
        if (PyDict_SetItem(dict, binding->name[i], binding->value[i]) < 0) {
            Py_DECREF(dict);
            return -1;
        }
    }
    PyObject *item = PyTuple_Pack(3, direction, path, dict);
    Py_DECREF(dict);
    if (item == NULL) {
        return -1;
    }
    int failed = PyList_Append(out, item);
    Py_DECREF(item);
    return failed;
}

/* match._small: whether node has at most limit nodes (1, 0, -1). */
static int small(PyObject *node, Py_ssize_t limit)
{
    PyObject *stack_space[64];
    PyObject **stack = stack_space;
    Py_ssize_t size = 0, capacity = 64, budget = limit;
    int result = 1;
    stack[size++] = node;
    while (size > 0) {
        PyObject *op, *args, *value;
        if (--budget < 0) {
            result = 0;
            break;
        }
        if (node_parts(stack[--size], &op, &args, &value) < 0) {
            result = -1;
            break;
        }
        Py_ssize_t n = PyTuple_GET_SIZE(args);
        if (size + n > capacity) {
            Py_ssize_t grown_capacity = 2 * (size + n);
            PyObject **grown = PyMem_Malloc((size_t)grown_capacity * sizeof(PyObject *));
            if (grown == NULL) {
                PyErr_NoMemory();
                result = -1;
                break;
            }
            memcpy(grown, stack, (size_t)size * sizeof(PyObject *));
            if (stack != stack_space) {
                PyMem_Free(stack);
            }
            stack = grown;
            capacity = grown_capacity;
        }
        for (Py_ssize_t i = 0; i < n; i++) {
            stack[size++] = PyTuple_GET_ITEM(args, i);
        }
    }
    if (stack != stack_space) {
        PyMem_Free(stack);
    }
    return result;
}

/* The applications at one node (heads first, then bare): 0 or -1. */
static int at_node(PyObject *node, PyObject *op, PyObject *args, PyObject *path, PyObject *table, PyObject *bare,
                   Py_ssize_t bare_max_size, PyObject *is_total, PyObject *out)
{
    PyObject *entries = PyDict_GetItemWithError(table, op); /* borrowed */
    if (entries == NULL && PyErr_Occurred()) {
        return -1;
    }
    if (entries != NULL) {
        if (!PyTuple_Check(entries)) {
            PyErr_SetString(PyExc_TypeError, "_fastmatch: table values must be tuples of entries");
            return -1;
        }
        for (Py_ssize_t e = 0; e < PyTuple_GET_SIZE(entries); e++) {
            PyObject *entry = PyTuple_GET_ITEM(entries, e);
            if (!PyTuple_Check(entry) || PyTuple_GET_SIZE(entry) != 3) {
                PyErr_SetString(PyExc_TypeError, "_fastmatch: an entry must be (direction, pattern, totals)");
                return -1;
            }
            PyObject *pattern = PyTuple_GET_ITEM(entry, 1);
            if (PyTuple_Check(pattern) && PyTuple_GET_SIZE(pattern) == 3 && cannot_match(pattern, node)) {
                continue;
            }
            Binding binding;
            binding.count = 0;
            int found = match(pattern, node, &binding, 0);
            if (found > 0) {
                found = admissible(PyTuple_GET_ITEM(entry, 2), &binding, is_total);
            }
            if (found < 0 || (found > 0 && append(out, PyTuple_GET_ITEM(entry, 0), path, &binding) < 0)) {
                return -1;
            }
        }
    }
    Py_ssize_t count = PyTuple_GET_SIZE(bare);
    if (count == 0) {
        return 0;
    }
    int fits = PyTuple_GET_SIZE(args) == 0 ? 1 : small(node, bare_max_size);
    if (fits <= 0) {
        return fits;
    }
    int total = -2; /* is_total(node), asked once when a bare entry needs it */
    for (Py_ssize_t b = 0; b < count; b++) {
        PyObject *entry = PyTuple_GET_ITEM(bare, b);
        if (!PyTuple_Check(entry) || PyTuple_GET_SIZE(entry) != 3) {
            PyErr_SetString(PyExc_TypeError, "_fastmatch: a bare entry must be (direction, name, needs_total)");
            return -1;
        }
        int needs = PyObject_IsTrue(PyTuple_GET_ITEM(entry, 2));
        if (needs < 0) {
            return -1;
        }
        if (needs && total == -2) {
            PyObject *verdict = PyObject_CallOneArg(is_total, node);
            if (verdict == NULL) {
                return -1;
            }
            total = PyObject_IsTrue(verdict);
            Py_DECREF(verdict);
            if (total < 0) {
                return -1;
            }
        }
        if (needs && !total) {
            continue;
        }
        Binding binding;
        binding.count = 1;
        binding.name[0] = PyTuple_GET_ITEM(entry, 1);
        binding.value[0] = node;
        if (append(out, PyTuple_GET_ITEM(entry, 0), path, &binding) < 0) {
            return -1;
        }
    }
    return 0;
}

typedef struct {
    PyObject *path; /* owned */
    PyObject *node; /* borrowed: a subtree of the expression */
} Pending;

typedef struct {
    Pending *items;
    Py_ssize_t size, capacity;
} Stack;

static int push(Stack *stack, PyObject *parent_path, Py_ssize_t index, PyObject *node)
{
    if (stack->size == stack->capacity) {
        Py_ssize_t capacity = 2 * stack->capacity + 16;
        Pending *grown = PyMem_Realloc(stack->items, (size_t)capacity * sizeof(Pending));
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        stack->items = grown;
        stack->capacity = capacity;
    }
    Py_ssize_t length = PyTuple_GET_SIZE(parent_path);
    PyObject *path = PyTuple_New(length + 1);
    if (path == NULL) {
        return -1;
    }
    for (Py_ssize_t i = 0; i < length; i++) {
        PyObject *head = PyTuple_GET_ITEM(parent_path, i);
        Py_INCREF(head);
        PyTuple_SET_ITEM(path, i, head);
    }
    PyObject *head = PyLong_FromSsize_t(index);
    if (head == NULL) {
        Py_DECREF(path);
        return -1;
    }
    PyTuple_SET_ITEM(path, length, head);
    stack->items[stack->size].path = path;
    stack->items[stack->size].node = node;
    stack->size++;
    return 0;
}

/* Whether a leaf argument of a two-argument node is worth visiting (an application could be found there). */
static int worth_visiting(PyObject *child, PyObject *table, int with_bare)
{
    PyObject *op, *args, *value;
    if (node_parts(child, &op, &args, &value) < 0) {
        return -1;
    }
    if (PyTuple_GET_SIZE(args) > 0 || with_bare) {
        return 1;
    }
    return PyDict_Contains(table, op);
}

static PyObject *fastmatch_applications(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != 5 || !PyDict_Check(args[1]) || !PyTuple_Check(args[2]) || !PyLong_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError,
                        "applications(expr, table: dict, bare: tuple, bare_max_size: int, is_total)");
        return NULL;
    }
    PyObject *expr = args[0], *table = args[1], *bare = args[2], *is_total = args[4];
    Py_ssize_t bare_max_size = PyLong_AsSsize_t(args[3]);
    if (bare_max_size == -1 && PyErr_Occurred()) {
        return NULL;
    }
    int with_bare = PyTuple_GET_SIZE(bare) > 0;
    PyObject *out = PyList_New(0);
    if (out == NULL) {
        return NULL;
    }
    Stack stack = {NULL, 0, 0};
    PyObject *root_path = PyTuple_New(0);
    if (root_path == NULL) {
        Py_DECREF(out);
        return NULL;
    }
    stack.items = PyMem_Malloc(16 * sizeof(Pending));
    if (stack.items == NULL) {
        Py_DECREF(root_path);
        Py_DECREF(out);
        return PyErr_NoMemory();
    }
    stack.capacity = 16;
    stack.items[0].path = root_path;
    stack.items[0].node = expr;
    stack.size = 1;
    int failed = 0;
    while (stack.size > 0 && !failed) {
        Pending top = stack.items[--stack.size];
        PyObject *op, *children, *value;
        if (node_parts(top.node, &op, &children, &value) < 0
            || at_node(top.node, op, children, top.path, table, bare, bare_max_size, is_total, out) < 0) {
            failed = 1;
        }
        else {
            /* children pushed last-first, so they come out in pre-order */
            Py_ssize_t arity = PyTuple_GET_SIZE(children);
            if (arity == 2) {
                PyObject *first = PyTuple_GET_ITEM(children, 0), *second = PyTuple_GET_ITEM(children, 1);
                int visit = worth_visiting(second, table, with_bare);
                if (visit > 0) {
                    int power = equal(op, POW);
                    int literal = power > 0 ? equal(PyTuple_GET_ITEM(second, 0), NUM) : 0;
                    if (power < 0 || literal < 0) {
                        visit = -1;
                    }
                    else if (power && literal) {
                        visit = 0; /* literal exponents stay literals */
                    }
                }
                if (visit < 0 || (visit > 0 && push(&stack, top.path, 1, second) < 0)) {
                    failed = 1;
                }
                else {
                    visit = worth_visiting(first, table, with_bare);
                    if (visit < 0 || (visit > 0 && push(&stack, top.path, 0, first) < 0)) {
                        failed = 1;
                    }
                }
            }
            else {
                for (Py_ssize_t i = arity - 1; i >= 0 && !failed; i--) {
                    if (push(&stack, top.path, i, PyTuple_GET_ITEM(children, i)) < 0) {
                        failed = 1;
                    }
                }
            }
        }
        Py_DECREF(top.path);
    }
    for (Py_ssize_t i = 0; i < stack.size; i++) {
        Py_DECREF(stack.items[i].path);
    }
    PyMem_Free(stack.items);
    if (failed) {
        Py_DECREF(out);
        return NULL;
    }
    return out;
}

/* tuple.__new__(cls, (op, args, value)), stealing args. */
static PyObject *new_node(PyTypeObject *cls, PyObject *op, PyObject *args, PyObject *value)
{
    PyObject *node = cls->tp_alloc(cls, 3);
    if (node == NULL) {
        Py_DECREF(args);
        return NULL;
    }
    Py_INCREF(op);
    Py_INCREF(value);
    PyTuple_SET_ITEM(node, 0, op);
    PyTuple_SET_ITEM(node, 1, args);
    PyTuple_SET_ITEM(node, 2, value);
    untrack_node_if_acyclic(node); /* _nodes.h */
    return node;
}

/* compiled.negate(child), stealing child. */
static PyObject *negate(PyTypeObject *cls, PyObject *child, PyObject *unstable)
{
    PyObject *op, *args, *value;
    if (node_parts(child, &op, &args, &value) < 0) {
        Py_DECREF(child);
        return NULL;
    }
    int literal = equal(op, NUM);
    if (literal < 0) {
        Py_DECREF(child);
        return NULL;
    }
    if (!literal) {
        PyObject *only = PyTuple_Pack(1, child);
        Py_DECREF(child);
        return only == NULL ? NULL : new_node(cls, NEG, only, Py_None);
    }
    PyObject *zero = PyLong_FromLong(0);
    int positive = zero == NULL ? -1 : PyObject_RichCompareBool(value, zero, Py_GT);
    Py_XDECREF(zero);
    if (positive <= 0) {
        if (positive == 0) {
            PyErr_SetString(unstable, "minus sign on a literal <= 0");
        }
        Py_DECREF(child);
        return NULL;
    }
    PyObject *negated = PyNumber_Negative(value);
    Py_DECREF(child);
    if (negated == NULL) {
        return NULL;
    }
    PyObject *empty = PyTuple_New(0);
    if (empty == NULL) {
        Py_DECREF(negated);
        return NULL;
    }
    PyObject *node = new_node(cls, NUM, empty, negated);
    Py_DECREF(negated);
    return node;
}

/* match.instantiate(pattern, binding): a new reference, or NULL with an exception. */
static PyObject *instantiate(PyTypeObject *cls, PyObject *pattern, PyObject *binding, PyObject *unstable, int depth)
{
    PyObject *op, *args, *value;
    if (depth > MAX_DEPTH) {
        PyErr_SetString(PyExc_ValueError, "_fastmatch: a pattern is deeper than MAX_DEPTH");
        return NULL;
    }
    if (node_parts(pattern, &op, &args, &value) < 0) {
        return NULL;
    }
    int is = equal(op, SYM);
    if (is < 0) {
        return NULL;
    }
    if (is) {
        if (!PyDict_CheckExact(binding)) {
            return PyObject_GetItem(binding, value); /* any other mapping: its own lookup and errors */
        }
        PyObject *bound = PyDict_GetItemWithError(binding, value);
        if (bound == NULL) {
            if (!PyErr_Occurred()) {
                PyErr_SetObject(PyExc_KeyError, value);
            }
            return NULL;
        }
        Py_INCREF(bound);
        return bound;
    }
    is = equal(op, NUM);
    if (is != 0) {
        if (is > 0) {
            Py_INCREF(pattern);
            return pattern;
        }
        return NULL;
    }
    Py_ssize_t n = PyTuple_GET_SIZE(args);
    PyObject *children = PyTuple_New(n);
    if (children == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *child = instantiate(cls, PyTuple_GET_ITEM(args, i), binding, unstable, depth + 1);
        if (child == NULL) {
            Py_DECREF(children);
            return NULL;
        }
        PyTuple_SET_ITEM(children, i, child);
    }
    is = equal(op, NEG);
    if (is < 0) {
        Py_DECREF(children);
        return NULL;
    }
    if (is && n == 1) {
        PyObject *child = PyTuple_GET_ITEM(children, 0);
        Py_INCREF(child);
        Py_DECREF(children);
        return negate(cls, child, unstable);
    }
    return new_node(cls, op, children, value);
}

static PyObject *fastmatch_instantiate(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != 4 || !plain_tuple_subclass(args[0]) || !PyExceptionClass_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "instantiate(cls: a tuple subclass without fields, pattern, unstable: an "
                                         "exception class, binding)");
        return NULL;
    }
    return instantiate((PyTypeObject *)args[0], args[1], args[3], args[2], 0);
}

PyDoc_STRVAR(instantiate_doc,
"instantiate(cls, pattern, unstable, binding) -> tree\n\n"
"match.instantiate(pattern, binding) with nodes of cls (see the top of _fastmatch.c); binding comes last, so\n"
"functools.partial(instantiate, cls, pattern, unstable) is a pattern's builder.");

PyDoc_STRVAR(applications_doc,
"applications(expr, table, bare, bare_max_size, is_total) -> list of (direction, path, binding)\n\n"
"Every application of table's patterns (and bare's) in expr, pre-order (see the top of _fastmatch.c).");

static PyMethodDef fastmatch_methods[] = {
    {"applications", (PyCFunction)(void (*)(void))fastmatch_applications, METH_FASTCALL, applications_doc},
    {"instantiate", (PyCFunction)(void (*)(void))fastmatch_instantiate, METH_FASTCALL, instantiate_doc},
    {NULL, NULL, 0, NULL},
};

static int fastmatch_exec(PyObject *module)
{
    if (SYM == NULL) {
        SYM = PyUnicode_InternFromString("sym");
        NUM = PyUnicode_InternFromString("num");
        POW = PyUnicode_InternFromString("pow");
        NEG = PyUnicode_InternFromString("neg");
    }
    if (SYM == NULL || NUM == NULL || POW == NULL || NEG == NULL) {
        return -1;
    }
    if (PyModule_AddIntConstant(module, "MAX_VARIABLES", MAX_VARIABLES) < 0) {
        return -1;
    }
    return PyModule_AddIntConstant(module, "MAX_DEPTH", MAX_DEPTH);
}

static PyModuleDef_Slot fastmatch_slots[] = {
    {Py_mod_exec, fastmatch_exec},
    {0, NULL},
};

/* Multi-phase initialisation: a module loaded from a file by path (the tests' build) is not put in sys.modules. */
static struct PyModuleDef fastmatch_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "rpsdg.expr._fastmatch",
    .m_doc = "Every application of a table of rewrite patterns in a tree, and a pattern's instance, in one C call "
             "(see _fastmatch.c).",
    .m_size = 0,
    .m_methods = fastmatch_methods,
    .m_slots = fastmatch_slots,
};

PyMODINIT_FUNC PyInit__fastmatch(void)
{
    return PyModuleDef_Init(&fastmatch_module);
}
