/* rpsdg.expr._fastprint: printers.to_infix in C (and ac_text, the renderer of AC keys: see its comment below).

Why: every record stores its problem, answer and steps as infix text, and the theorem generator prints each
expression of a proof and its walk; printing was 5-8% of a compiled equation or theorem item, one mypyc call and
one string join per node (issue 15, speed per core). This module is built only by the optional compiled build
(setup.py, RPSDG_COMPILE=1); printers.py uses it when it imports and its own printer otherwise.

What it prints: exactly the text printers.to_infix prints, for every tree whose node kinds are those of
printers.py (numbers whose value is an int, variables whose name is an ASCII str, + - * / ** and unary minus, the
functions of tree.FUNCTIONS, the relations and FiniteSet/Tuple containers) and whose depth is at most MAX_DEPTH.
For any other tree Printer.to_infix returns None ("not handled") and printers.py's own printer runs, so each error
message and edge case is the Python printer's. It raises only for a failure of Python itself (out of memory).

How it mirrors printers.py: infix() below is to_infix with _prec, _needs_parens and _wrap in the same order of
tests. printers.py hands its tables to Printer(): the precedences, the operator symbols, the relation tables and
FUNCTIONS; the constructor refuses (ValueError) tables other than the ones this file prints, so a change of the
grammar there cannot silently leave this copy behind. tests/test_fastprint.py compares the two printers on
Hypothesis trees and on every text a small build stores; tests/test_compiled.py runs it on the compiled build.

To extend: a new operator or container is added to printers.py and here together (until it is here, trees that
hold it are declined and printed in Python). A new function in tree.FUNCTIONS needs nothing here.
*/

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#define MAX_DEPTH 400 /* deeper trees go to the Python printer (which has Python's own recursion limit) */
#define ATOM 100
#define NEG 30
#define POW 40

/* printers.py's tables, once: a node kind, its text and (binary operators) its precedence. The infix printer
   reads them, and Printer() checks that printers.py's own tables are these. */
typedef struct {
    const char *name, *text;
    int precedence;
} Entry;

static const Entry BINARY[] = {{"add", " + ", 10}, {"sub", " - ", 10}, {"mul", "*", 20}, {"div", "/", 20},
                               {"pow", "**", POW}};                     /* _INFIX_SYMBOL and _PREC */
static const Entry RELATION_INFIX[] = {{"lt", " < ", 0}, {"le", " <= ", 0}, {"gt", " > ", 0}, {"ge", " >= ", 0}};
static const Entry RELATION_HEAD[] = {{"eq", "Eq", 0}, {"ne", "Ne", 0}};
static const Entry CONTAINER[] = {{"set", "FiniteSet", 0}, {"tuple", "Tuple", 0}};
#define COUNT(table) ((int)(sizeof(table) / sizeof((table)[0])))

typedef struct {
    PyObject_HEAD
    PyObject *functions; /* tree.FUNCTIONS (frozenset of str) */
} Printer;

typedef struct {
    char *text;                /* the caller's stack array until the text outgrows it, then the heap */
    Py_ssize_t length, capacity;
    int on_heap;
} Buffer;

enum { DECLINED = 0, DONE = 1, FAILED = -1 };

static int put(Buffer *out, const char *text, Py_ssize_t length)
{
    if (out->length + length > out->capacity) {
        Py_ssize_t capacity = 2 * (out->length + length) + 64;
        char *grown = out->on_heap ? PyMem_Realloc(out->text, (size_t)capacity) : PyMem_Malloc((size_t)capacity);
        if (grown == NULL) {
            PyErr_NoMemory();
            return FAILED;
        }
        if (!out->on_heap) {
            memcpy(grown, out->text, (size_t)out->length);
        }
        out->text = grown;
        out->capacity = capacity;
        out->on_heap = 1;
    }
    memcpy(out->text + out->length, text, (size_t)length);
    out->length += length;
    return DONE;
}

#define PUT(out, literal) put((out), (literal), (Py_ssize_t)(sizeof(literal) - 1))

/* The node's op as ASCII text (NULL: not an exact ASCII str, so the node is declined). */
static const char *op_text(PyObject *node, Py_ssize_t *length)
{
    PyObject *op = PyTuple_GET_ITEM(node, 0);
    if (!PyUnicode_CheckExact(op) || !PyUnicode_IS_COMPACT_ASCII(op)) {
        return NULL;
    }
    *length = PyUnicode_GET_LENGTH(op);
    return (const char *)PyUnicode_DATA(op);
}

static int is(const char *op, Py_ssize_t length, const char *name)
{
    return (Py_ssize_t)strlen(name) == length && memcmp(op, name, (size_t)length) == 0;
}

/* The entry of table named op, or NULL. */
static const Entry *find(const Entry *table, int count, const char *op, Py_ssize_t length)
{
    for (int i = 0; i < count; i++) {
        if (is(op, length, table[i].name)) {
            return &table[i];
        }
    }
    return NULL;
}

static int put_text(Buffer *out, const char *text)
{
    return put(out, text, (Py_ssize_t)strlen(text));
}

/* The sign of a num node's value (-1, 0, 1), or 2 when the value is not an exact int (declined). */
static int num_sign(PyObject *node)
{
    PyObject *value = PyTuple_GET_ITEM(node, 2);
    if (!PyLong_CheckExact(value)) {
        return 2;
    }
    int overflow;
    long long small = PyLong_AsLongLongAndOverflow(value, &overflow);
    if (overflow) {
        return overflow;
    }
    if (small == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return 2;
    }
    return small < 0 ? -1 : small > 0;
}

/* Whether e is a node this printer reads: an exact tuple subclass instance of three items, with a tuple of
   children. */
static int node_shape(PyObject *e)
{
    return PyTuple_Check(e) && !PyTuple_CheckExact(e) && PyTuple_GET_SIZE(e) == 3
           && PyTuple_CheckExact(PyTuple_GET_ITEM(e, 1));
}

/* printers._prec(e): -1 when e is declined. */
static int precedence(PyObject *e)
{
    if (!node_shape(e)) {
        return -1;
    }
    Py_ssize_t length;
    const char *op = op_text(e, &length);
    if (op == NULL) {
        return -1;
    }
    if (is(op, length, "num")) {
        int sign = num_sign(e);
        return sign == 2 ? -1 : (sign < 0 ? NEG : ATOM);
    }
    if (is(op, length, "neg")) {
        return NEG;
    }
    const Entry *binary = find(BINARY, COUNT(BINARY), op, length);
    return binary != NULL ? binary->precedence : ATOM;
}

static int infix(const Printer *self, PyObject *e, Buffer *out, int depth);

static int wrapped(const Printer *self, PyObject *e, Buffer *out, int depth, int parens)
{
    if (parens && PUT(out, "(") < 0) {
        return FAILED;
    }
    int status = infix(self, e, out, depth);
    if (status != DONE) {
        return status;
    }
    return parens ? PUT(out, ")") : DONE;
}

/* The first count children, with ", " between them (as ", ".join(...) does). */
static int joined(const Printer *self, PyObject *args, Py_ssize_t count, Buffer *out, int depth)
{
    for (Py_ssize_t i = 0; i < count; i++) {
        if (i > 0 && PUT(out, ", ") < 0) {
            return FAILED;
        }
        int status = infix(self, PyTuple_GET_ITEM(args, i), out, depth);
        if (status != DONE) {
            return status;
        }
    }
    return DONE;
}

static int leaf(PyObject *e, Buffer *out, int is_num)
{
    PyObject *value = PyTuple_GET_ITEM(e, 2);
    if (is_num) {
        if (!PyLong_CheckExact(value)) {
            return DECLINED;
        }
        PyObject *text = PyObject_Str(value);
        if (text == NULL) { /* e.g. more digits than int's str limit: the Python printer raises it again */
            PyErr_Clear();
            return DECLINED;
        }
        Py_ssize_t length;
        const char *chars = PyUnicode_AsUTF8AndSize(text, &length);
        int status = chars == NULL ? FAILED : put(out, chars, length);
        Py_DECREF(text);
        return status;
    }
    if (!PyUnicode_CheckExact(value) || !PyUnicode_IS_COMPACT_ASCII(value)) {
        return DECLINED;
    }
    return put(out, (const char *)PyUnicode_DATA(value), PyUnicode_GET_LENGTH(value));
}

static int infix(const Printer *self, PyObject *e, Buffer *out, int depth)
{
    if (depth > MAX_DEPTH || !node_shape(e)) {
        return DECLINED;
    }
    Py_ssize_t length;
    const char *op = op_text(e, &length);
    if (op == NULL) {
        return DECLINED;
    }
    PyObject *args = PyTuple_GET_ITEM(e, 1);
    Py_ssize_t arity = PyTuple_GET_SIZE(args);
    if (is(op, length, "num") || is(op, length, "sym")) {
        return leaf(e, out, op[0] == 'n');
    }
    const Entry *binary = find(BINARY, COUNT(BINARY), op, length);
    if (binary != NULL) {
        if (arity != 2) {
            return DECLINED;
        }
        PyObject *a = PyTuple_GET_ITEM(args, 0), *b = PyTuple_GET_ITEM(args, 1);
        int ca = precedence(a), cb = precedence(b), own = binary->precedence, power = own == POW;
        if (ca < 0 || cb < 0) {
            return DECLINED;
        }
        int status = wrapped(self, a, out, depth + 1, power ? ca <= own : ca < own);
        if (status != DONE) {
            return status;
        }
        if (put_text(out, binary->text) < 0) {
            return FAILED;
        }
        return wrapped(self, b, out, depth + 1, power ? cb < ATOM : cb <= own);
    }
    if (is(op, length, "neg")) {
        if (arity < 1) {
            return DECLINED;
        }
        PyObject *child = PyTuple_GET_ITEM(args, 0);
        int c = precedence(child);
        if (c < 0) {
            return DECLINED;
        }
        if (PUT(out, "-") < 0) {
            return FAILED;
        }
        return wrapped(self, child, out, depth + 1, c < POW);
    }
    int function = PySet_Contains(self->functions, PyTuple_GET_ITEM(e, 0));
    if (function < 0) {
        return FAILED;
    }
    if (function) {
        if (arity < 1) {
            return DECLINED;
        }
        if (put(out, op, length) < 0 || PUT(out, "(") < 0) {
            return FAILED;
        }
        int status = joined(self, args, 1, out, depth + 1);
        return status != DONE ? status : PUT(out, ")");
    }
    const Entry *relation = find(RELATION_INFIX, COUNT(RELATION_INFIX), op, length);
    if (relation != NULL) {
        if (arity < 2) {
            return DECLINED;
        }
        int status = infix(self, PyTuple_GET_ITEM(args, 0), out, depth + 1);
        if (status != DONE) {
            return status;
        }
        if (put_text(out, relation->text) < 0) {
            return FAILED;
        }
        return infix(self, PyTuple_GET_ITEM(args, 1), out, depth + 1);
    }
    const Entry *head = find(RELATION_HEAD, COUNT(RELATION_HEAD), op, length);
    const Entry *container = head != NULL ? NULL : find(CONTAINER, COUNT(CONTAINER), op, length);
    if (head != NULL || container != NULL) { /* Eq(a, b) of the first two arguments, FiniteSet(a, b, ...) of all */
        if (head != NULL && arity < 2) {
            return DECLINED;
        }
        if (put_text(out, head != NULL ? head->text : container->text) < 0 || PUT(out, "(") < 0) {
            return FAILED;
        }
        int status = joined(self, args, head != NULL ? 2 : arity, out, depth + 1);
        return status != DONE ? status : PUT(out, ")");
    }
    return DECLINED;
}

static PyObject *Printer_to_infix(Printer *self, PyObject *e)
{
    char small[512];
    Buffer out = {small, 0, sizeof(small), 0};
    int status = infix(self, e, &out, 0);
    PyObject *result = NULL;
    if (status == DONE) {
        result = PyUnicode_DecodeASCII(out.text, out.length, NULL);
    } else if (status == DECLINED) {
        result = Py_NewRef(Py_None);
    }
    if (out.on_heap) {
        PyMem_Free(out.text);
    }
    return result;
}

/* {name: text} of table, or with precedences {name: precedence} and one more pair (extra: extra_value). */
static PyObject *table_dict(const Entry *table, int count, int precedences, const char *extra, int extra_value)
{
    PyObject *dict = PyDict_New();
    for (int i = 0; dict != NULL && i < count + (precedences && extra != NULL); i++) {
        PyObject *value = !precedences ? PyUnicode_FromString(table[i].text)
                          : PyLong_FromLong(i < count ? table[i].precedence : extra_value);
        if (value == NULL || PyDict_SetItemString(dict, i < count ? table[i].name : extra, value) < 0) {
            Py_CLEAR(dict);
        }
        Py_XDECREF(value);
    }
    return dict;
}

/* 0 when table (a dict printers.py passes) equals expected (a new reference, consumed here); else -1 with
   ValueError naming the table (or the failure of building expected). */
static int same_table(PyObject *table, const char *name, PyObject *expected)
{
    if (expected == NULL) {
        return -1;
    }
    int equal = PyObject_RichCompareBool(table, expected, Py_EQ);
    Py_DECREF(expected);
    if (equal == 0) {
        PyErr_Format(PyExc_ValueError, "_fastprint.Printer: printers.py's %s is not the table this C printer "
                     "prints (change _fastprint.c with it)", name);
    }
    return equal == 1 ? 0 : -1;
}

static PyObject *Printer_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *keywords[] = {"prec", "atom", "infix_symbols", "relation_infix", "relation_heads", "functions",
                               NULL};
    PyObject *prec, *atom, *symbols, *relation_infix, *relation_heads, *functions;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!OO!O!O!O!:Printer", keywords, &PyDict_Type, &prec, &atom,
                                     &PyDict_Type, &symbols, &PyDict_Type, &relation_infix,
                                     &PyDict_Type, &relation_heads, &PyFrozenSet_Type, &functions)) {
        return NULL;
    }
    if (same_table(prec, "_PREC", table_dict(BINARY, COUNT(BINARY), 1, "neg", NEG)) < 0
        || same_table(symbols, "_INFIX_SYMBOL", table_dict(BINARY, COUNT(BINARY), 0, NULL, 0)) < 0
        || same_table(relation_infix, "_RELATION_INFIX", table_dict(RELATION_INFIX, COUNT(RELATION_INFIX), 0,
                                                                    NULL, 0)) < 0
        || same_table(relation_heads, "_RELATION_HEAD", table_dict(RELATION_HEAD, COUNT(RELATION_HEAD), 0, NULL,
                                                                   0)) < 0) {
        return NULL;
    }
    int atom_ok = PyLong_CheckExact(atom) && PyLong_AsLong(atom) == ATOM;
    if (!atom_ok) {
        PyErr_Clear();
        PyErr_SetString(PyExc_ValueError, "_fastprint.Printer: printers.py's _ATOM is not 100 (change _fastprint.c "
                        "with it)");
        return NULL;
    }
    Printer *self = (Printer *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->functions = Py_NewRef(functions);
    return (PyObject *)self;
}

static void Printer_dealloc(Printer *self)
{
    Py_XDECREF(self->functions); /* a frozenset of str: it cannot lead back here, so no cycle collection */
    Py_TYPE(self)->tp_free((PyObject *)self);
}

PyDoc_STRVAR(to_infix_doc,
"to_infix(e) -> str | None\n\n"
"printers.to_infix(e), or None for a tree this printer does not handle (printers.py then prints it).");

static PyMethodDef Printer_methods[] = {
    {"to_infix", (PyCFunction)Printer_to_infix, METH_O, to_infix_doc},
    {NULL, NULL, 0, NULL},
};

PyDoc_STRVAR(Printer_doc,
"Printer(prec, atom, infix_symbols, relation_infix, relation_heads, functions)\n\n"
"rpsdg.expr.printers' infix printer over the tables printers.py passes; .to_infix(e) gives the text or None.");

static PyTypeObject PrinterType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "rpsdg.expr._fastprint.Printer",
    .tp_basicsize = sizeof(Printer),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = Printer_doc,
    .tp_new = Printer_new,
    .tp_dealloc = (destructor)Printer_dealloc,
    .tp_methods = Printer_methods,
};

static int fastprint_exec(PyObject *module)
{
    if (PyType_Ready(&PrinterType) < 0) {
        return -1;
    }
    Py_INCREF(&PrinterType);
    if (PyModule_AddObject(module, "Printer", (PyObject *)&PrinterType) < 0) {
        Py_DECREF(&PrinterType);
        return -1;
    }
    return 0;
}

/* ac_text(tree, names): the text of a tree prepared for keys up to associativity and commutativity, in one C
   call. A prepared tree is a str (printed already: itself), ("sym", name) (names[name], or name itself when
   names is empty), ("op", head, children) or ("ac", head, children) (head + "(" + the children's texts joined by
   "," + ")", an "ac" node's texts sorted first, as list.sort sorts str). It is the key of the theorem kind's
   triviality and dedup tests (its ac_key and statement_key render one prepared tree per renaming of the
   variables: 6% of a compiled theorem item; issue 15). Returns None ("not handled", the caller renders it
   itself) for anything else or past MAX_DEPTH levels; tests/test_fastprint.py compares it with the Python. */
static PyObject *ac_text(PyObject *tree, PyObject *names, int named, int depth)
{
    if (PyUnicode_CheckExact(tree)) {
        Py_INCREF(tree);
        return tree;
    }
    if (depth > MAX_DEPTH || !PyTuple_CheckExact(tree) || PyTuple_GET_SIZE(tree) < 2
        || !PyUnicode_CheckExact(PyTuple_GET_ITEM(tree, 0))) {
        Py_RETURN_NONE;
    }
    const char *kind = PyUnicode_AsUTF8(PyTuple_GET_ITEM(tree, 0));
    if (kind == NULL) {
        return NULL;
    }
    PyObject *head = PyTuple_GET_ITEM(tree, 1);
    if (strcmp(kind, "sym") == 0 && PyTuple_GET_SIZE(tree) == 2) {
        if (!named) {
            Py_INCREF(head);
            return head;
        }
        return PyObject_GetItem(names, head); /* KeyError as names[name] raises it */
    }
    int sorted = strcmp(kind, "ac") == 0;
    if ((!sorted && strcmp(kind, "op") != 0) || PyTuple_GET_SIZE(tree) != 3 || !PyUnicode_CheckExact(head)
        || !PyTuple_CheckExact(PyTuple_GET_ITEM(tree, 2))) {
        Py_RETURN_NONE;
    }
    PyObject *children = PyTuple_GET_ITEM(tree, 2);
    Py_ssize_t n = PyTuple_GET_SIZE(children);
    PyObject *parts = PyList_New(n);
    if (parts == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *part = ac_text(PyTuple_GET_ITEM(children, i), names, named, depth + 1);
        if (part == NULL || part == Py_None) {
            Py_DECREF(parts);
            return part;
        }
        if (!PyUnicode_CheckExact(part)) { /* a mapping that maps a name to something else than a str */
            Py_DECREF(part);
            Py_DECREF(parts);
            Py_RETURN_NONE;
        }
        PyList_SET_ITEM(parts, i, part);
    }
    if (sorted && PyList_Sort(parts) < 0) {
        Py_DECREF(parts);
        return NULL;
    }
    PyObject *comma = PyUnicode_FromStringAndSize(",", 1);
    PyObject *joined = comma == NULL ? NULL : PyUnicode_Join(comma, parts);
    Py_XDECREF(comma);
    Py_DECREF(parts);
    if (joined == NULL) {
        return NULL;
    }
    PyObject *text = PyUnicode_FromFormat("%U(%U)", head, joined);
    Py_DECREF(joined);
    return text;
}

static PyObject *fastprint_ac_text(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "ac_text(tree, names)");
        return NULL;
    }
    int named = PyObject_IsTrue(args[1]);
    if (named < 0) {
        return NULL;
    }
    return ac_text(args[0], args[1], named, 0);
}

PyDoc_STRVAR(ac_text_doc,
"ac_text(tree, names) -> str | None\n\n"
"The text of a tree prepared for keys up to associativity and commutativity, or None for a tree this function\n"
"does not handle (see ac_text in _fastprint.c).");

static PyMethodDef fastprint_methods[] = {
    {"ac_text", (PyCFunction)(void (*)(void))fastprint_ac_text, METH_FASTCALL, ac_text_doc},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot fastprint_slots[] = {
    {Py_mod_exec, fastprint_exec},
    {0, NULL},
};

/* Multi-phase initialisation: a module loaded from a file by path (the tests' build) is not put in sys.modules. */
static struct PyModuleDef fastprint_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "rpsdg.expr._fastprint",
    .m_doc = "rpsdg.expr.printers.to_infix in C (a fast path; see the top of _fastprint.c), and ac_text.",
    .m_size = 0,
    .m_methods = fastprint_methods,
    .m_slots = fastprint_slots,
};

PyMODINIT_FUNC PyInit__fastprint(void)
{
    return PyModuleDef_Init(&fastprint_module);
}
