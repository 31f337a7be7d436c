/* rpsdg.expr._fastparse: the stored-text grammar of rpsdg/expr/parse.py, read in C.

Why: every checker re-reads the stored texts it checks (checkers are independent of the generator), about nine
parses per equation record, and the Python parser (mypyc-compiled in the optional build) was 10-15% of an item's
cost (issue 15, speed per core). This module is built only by that optional build (setup.py, RPSDG_COMPILE=1);
parse.py uses it when it imports and runs unchanged without it.

What it accepts: exactly the texts parse.py accepts whose characters are all ASCII, with spaces as the only
whitespace, no number longer than MAX_DIGITS, no nesting past MAX_NESTING and no tree deeper than MAX_DEPTH; for
those it returns the tree parse.py returns, node for node (Expr instances made as tuple.__new__(Expr, (op, args,
value)) makes them, Python ints as int(token) makes them, the same op strings). For every other text, and for
every text parse.py refuses, Parser.parse returns None ("not handled") and parse.py's own reading runs, so each
error message, limit and edge case is the Python parser's. It never raises a parse error of its own; only a
failure of Python itself (out of memory) comes out as an exception.

How it mirrors parse.py: the tokens are those of parse._TOKEN (maximal munch, as re.findall reads them); the
functions relation(), arith(), read_items(), call() and apply_head() below are parse.py's _relation, _arith (with
_prefix), _items, _name and _apply_head, in the same order of tests; a unary minus folds into a literal as
tree.neg does. parse.py hands its tables to Parser(): the Expr type, the names that are not variables, the
function and relation heads, the binary operators' powers and node kinds, the relation tokens and the limits, so
those are never copied here. The constructor refuses (ValueError) a binary or relation table whose tokens are not
exactly the ones this lexer knows.

To extend the grammar: a new token or head is added to parse.py, printers.py and here together, or this parser
must decline it. Declining is the default for what this file does not know: a character outside the token set is
declined, and so is a call of a name that is in no table and not FiniteSet, Tuple or Rational. A new function in
tree.FUNCTIONS needs nothing here (the table comes from parse.py). A change of the grammar's rules (what an
operand is, how neg folds, what Rational takes) must be made here too; tests/test_fastparse.py compares the two
parsers on printed trees and random texts, and tests/test_compiled.py runs it on the compiled build.

Reference counting: every function returns a new reference or NULL; NULL with no exception set means "declined",
NULL with an exception set is a Python failure that is passed on. Functions that take ownership of an argument
say "steals". The module keeps no state: a Parser holds its tables.
*/

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#include "_nodes.h"

enum {
    T_END, T_NUM, T_NAME,
    /* the binary operators, in the order of BINARY_TOKENS */
    T_PLUS, T_MINUS, T_STAR, T_SLASH, T_POWER, T_CARET,
    /* the relations, in the order of RELATION_TOKENS */
    T_ASSIGN, T_EQUAL, T_NOT_EQUAL, T_LESS, T_LESS_EQUAL, T_GREATER, T_GREATER_EQUAL,
    T_LPAR, T_RPAR, T_COMMA,
    T_OTHER /* a character no token starts with, '!' not before '=', or whitespace other than a space */
};

#define N_BINARY 6
#define N_RELATION 7
static const char *const BINARY_TOKENS[N_BINARY] = {"+", "-", "*", "/", "**", "^"};
static const char *const RELATION_TOKENS[N_RELATION] = {"=", "==", "!=", "<", "<=", ">", ">="};
#define SMALL_DIGITS 18 /* a run of at most this many digits fits a long long */
#define SMALL_ITEMS 6   /* call arguments held without an allocation */

typedef struct {
    PyObject_HEAD
    PyTypeObject *expr;       /* rpsdg.expr.tree.Expr */
    PyObject *not_variables;  /* parse._NOT_VARIABLES (frozenset of str) */
    PyObject *function_heads; /* parse._FUNCTION_ALIASES (dict str -> op) */
    PyObject *relation_heads; /* parse._RELATION_HEADS (dict str -> op) */
    PyObject *binary_op[N_BINARY];
    int binary_reach[N_BINARY];
    int binary_right[N_BINARY];
    PyObject *relation_op[N_RELATION];
    int unary_bp, max_nesting, max_depth;
    Py_ssize_t max_digits, max_length;
    /* the op strings parse.py writes as literals, interned as Python interns them */
    PyObject *num, *sym, *neg, *tuple, *set, *div;
    PyObject *empty; /* () */
} Parser;

typedef struct {
    const Parser *p;
    const unsigned char *text;
    Py_ssize_t length;
    Py_ssize_t pos;        /* the first character after the look-ahead token */
    int token;             /* the look-ahead token (parse.py's tokens[-1]) */
    Py_ssize_t start, size; /* its characters */
} Reader;

/* -- tokens ---------------------------------------------------------------------------------------------------- */

static inline int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static inline int is_name_start(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static inline int is_name_char(unsigned char c) { return is_name_start(c) || is_digit(c); }

/* Read the next token into r->token (parse._TOKEN's alternatives, longest first where two share a character). */
static void advance(Reader *r)
{
    const unsigned char *s = r->text;
    Py_ssize_t i = r->pos, n = r->length;
    while (i < n && s[i] == ' ') {
        i++;
    }
    r->start = i;
    if (i >= n) {
        r->token = T_END;
        r->size = 0;
        r->pos = i;
        return;
    }
    unsigned char c = s[i], d = i + 1 < n ? s[i + 1] : 0;
    Py_ssize_t j = i + 1;
    int t;
    if (is_digit(c)) {
        while (j < n && is_digit(s[j])) {
            j++;
        }
        t = T_NUM;
    }
    else if (is_name_start(c)) {
        while (j < n && is_name_char(s[j])) {
            j++;
        }
        t = T_NAME;
    }
    else {
        switch (c) {
        case '+': t = T_PLUS; break;
        case '-': t = T_MINUS; break;
        case '*': t = d == '*' ? T_POWER : T_STAR; break;
        case '/': t = T_SLASH; break;
        case '^': t = T_CARET; break;
        case '=': t = d == '=' ? T_EQUAL : T_ASSIGN; break;
        case '!': t = d == '=' ? T_NOT_EQUAL : T_OTHER; break;
        case '<': t = d == '=' ? T_LESS_EQUAL : T_LESS; break;
        case '>': t = d == '=' ? T_GREATER_EQUAL : T_GREATER; break;
        case '(': t = T_LPAR; break;
        case ')': t = T_RPAR; break;
        case ',': t = T_COMMA; break;
        default: t = T_OTHER; break;
        }
        if (t == T_POWER || t == T_EQUAL || t == T_NOT_EQUAL || t == T_LESS_EQUAL || t == T_GREATER_EQUAL) {
            j++;
        }
    }
    r->token = t;
    r->size = j - i;
    r->pos = j;
}

/* -- nodes ----------------------------------------------------------------------------------------------------- */

/* A str of ASCII characters. */
static PyObject *ascii_text(const unsigned char *chars, Py_ssize_t size)
{
    if (size == 1) {
        return PyUnicode_FromStringAndSize((const char *)chars, 1); /* CPython's cached one-character str */
    }
    PyObject *text = PyUnicode_New(size, 127);
    if (text != NULL) {
        memcpy(PyUnicode_1BYTE_DATA(text), chars, (size_t)size);
    }
    return text;
}

/* The node Expr(op, args, value), built as tuple.__new__(Expr, (op, args, value)) builds it. Steals args and
   value; a NULL one (a failure before) gives NULL. */
static PyObject *make(const Parser *p, PyObject *op, PyObject *args, PyObject *value)
{
    if (args == NULL || value == NULL) {
        Py_XDECREF(args);
        Py_XDECREF(value);
        return NULL;
    }
    PyObject *node = p->expr->tp_alloc(p->expr, 3);
    if (node == NULL) {
        Py_DECREF(args);
        Py_DECREF(value);
        return NULL;
    }
    Py_INCREF(op);
    PyTuple_SET_ITEM(node, 0, op);
    PyTuple_SET_ITEM(node, 1, args);
    PyTuple_SET_ITEM(node, 2, value);
    untrack_node_if_acyclic(node); /* _nodes.h: a tree is never part of a cycle */
    return node;
}

/* A node with no value. Steals args. */
static PyObject *make_op(const Parser *p, PyObject *op, PyObject *args)
{
    Py_INCREF(Py_None);
    return make(p, op, args, Py_None);
}

/* The tuple (a, b). Steals both. */
static PyObject *pair(PyObject *a, PyObject *b)
{
    PyObject *args = PyTuple_New(2);
    if (args == NULL) {
        Py_DECREF(a);
        Py_DECREF(b);
        return NULL;
    }
    PyTuple_SET_ITEM(args, 0, a);
    PyTuple_SET_ITEM(args, 1, b);
    return args;
}

/* The num leaf of the look-ahead token (digits), as int(token); declined past max_digits. */
static PyObject *number(const Reader *r)
{
    const Parser *p = r->p;
    const unsigned char *digits = r->text + r->start;
    Py_ssize_t size = r->size;
    PyObject *value;
    if (size > p->max_digits) {
        return NULL;
    }
    if (size <= SMALL_DIGITS) {
        long long v = 0;
        for (Py_ssize_t i = 0; i < size; i++) {
            v = v * 10 + (digits[i] - '0');
        }
        value = PyLong_FromLongLong(v);
    }
    else {
        PyObject *text = ascii_text(digits, size);
        if (text == NULL) {
            return NULL;
        }
        value = PyLong_FromUnicodeObject(text, 10);
        Py_DECREF(text);
        if (value == NULL && PyErr_ExceptionMatches(PyExc_ValueError)) {
            PyErr_Clear(); /* past Python's own digit limit: declined, parse.py words it */
        }
    }
    if (value == NULL) {
        return NULL;
    }
    Py_INCREF(p->empty);
    return make(p, p->num, p->empty, value);
}

/* -- call arguments and bracketed items ------------------------------------------------------------------------ */

typedef struct {
    PyObject *small[SMALL_ITEMS];
    PyObject **item;
    Py_ssize_t count, room;
    int depth; /* the deepest item's depth (0 for none) */
} Items;

static void items_init(Items *items)
{
    items->item = items->small;
    items->count = 0;
    items->room = SMALL_ITEMS;
    items->depth = 0;
}

static void items_clear(Items *items)
{
    for (Py_ssize_t i = 0; i < items->count; i++) {
        Py_DECREF(items->item[i]);
    }
    if (items->item != items->small) {
        PyMem_Free(items->item);
    }
    items_init(items);
}

/* Append item. Steals it. 0, or -1 with an exception. */
static int items_push(Items *items, PyObject *item)
{
    if (items->count == items->room) {
        Py_ssize_t room = items->room * 2;
        PyObject **grown;
        if (items->item == items->small) {
            grown = PyMem_Malloc((size_t)room * sizeof(PyObject *));
            if (grown != NULL) {
                memcpy(grown, items->small, sizeof(items->small));
            }
        }
        else {
            grown = PyMem_Realloc(items->item, (size_t)room * sizeof(PyObject *));
        }
        if (grown == NULL) {
            Py_DECREF(item);
            PyErr_NoMemory();
            return -1;
        }
        items->item = grown;
        items->room = room;
    }
    items->item[items->count++] = item;
    return 0;
}

/* A tuple of the items, which move into it (items is left empty). */
static PyObject *items_tuple(Items *items)
{
    PyObject *args = PyTuple_New(items->count);
    if (args == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < items->count; i++) {
        PyTuple_SET_ITEM(args, i, items->item[i]);
    }
    items->count = 0;
    return args;
}

static PyObject *relation(Reader *r, int nesting, int *depth);
static PyObject *arith(Reader *r, int min_bp, int outer, int *depth);

/* parse._items: the comma-separated items up to the closing ')' (the opening one is read). 0, or -1 (declined or
   an exception). */
static int read_items(Reader *r, int nesting, Items *items)
{
    if (r->token == T_RPAR) {
        advance(r);
        return 0;
    }
    for (;;) {
        int depth;
        PyObject *item = relation(r, nesting, &depth);
        if (item == NULL || items_push(items, item) < 0) {
            return -1;
        }
        if (depth > items->depth) {
            items->depth = depth;
        }
        int token = r->token;
        advance(r);
        if (token == T_RPAR) {
            return 0;
        }
        if (token != T_COMMA) {
            return -1;
        }
    }
}

/* parse._apply_head: the node of a call of name with items; declined where parse.py refuses it. */
static PyObject *apply_head(const Parser *p, PyObject *name, Items *items, int *depth)
{
    PyObject *op = PyDict_GetItemWithError(p->function_heads, name);
    Py_ssize_t arity = 1;
    if (op == NULL) {
        if (PyErr_Occurred()) {
            return NULL;
        }
        op = PyDict_GetItemWithError(p->relation_heads, name);
        arity = 2;
    }
    if (op == NULL) {
        if (PyErr_Occurred()) {
            return NULL;
        }
        if (PyUnicode_CompareWithASCIIString(name, "FiniteSet") == 0) {
            op = p->set;
        }
        else if (PyUnicode_CompareWithASCIIString(name, "Tuple") == 0) {
            op = p->tuple;
        }
        else if (PyUnicode_CompareWithASCIIString(name, "Rational") == 0) {
            /* two integer literals, the second non-zero: div(num p, num q) */
            if (items->count != 2) {
                return NULL;
            }
            PyObject *top = items->item[0], *bottom = items->item[1];
            if (PyTuple_GET_ITEM(top, 0) != p->num || PyTuple_GET_ITEM(bottom, 0) != p->num) {
                return NULL; /* every num node of this tree was made here, with p->num */
            }
            int nonzero = PyObject_IsTrue(PyTuple_GET_ITEM(bottom, 2));
            if (nonzero <= 0) {
                return NULL; /* zero: declined; -1: an exception */
            }
            op = p->div;
        }
        else {
            return NULL; /* an unknown function: parse.py names it */
        }
        arity = -1;
    }
    if (arity >= 0 && items->count != arity) {
        return NULL;
    }
    *depth = items->depth + 1;
    if (*depth > p->max_depth) {
        return NULL;
    }
    return make_op(p, op, items_tuple(items));
}

/* parse._name with the '(' as the look-ahead: a call. Steals name. */
static PyObject *call(Reader *r, PyObject *name, int nesting, int *depth)
{
    Items items;
    items_init(&items);
    advance(r); /* the '(' */
    PyObject *node = NULL;
    if (read_items(r, nesting, &items) == 0) {
        node = apply_head(r->p, name, &items, depth);
    }
    items_clear(&items);
    Py_DECREF(name);
    return node;
}

/* tree.neg(operand): a literal's negative, else neg(operand). Steals operand. */
static PyObject *negate(const Parser *p, PyObject *operand, int operand_depth, int *depth)
{
    if (PyTuple_GET_ITEM(operand, 0) == p->num) {
        PyObject *value = PyNumber_Negative(PyTuple_GET_ITEM(operand, 2));
        Py_DECREF(operand);
        if (value == NULL) {
            return NULL;
        }
        *depth = 1;
        Py_INCREF(p->empty);
        return make(p, p->num, p->empty, value);
    }
    *depth = operand_depth + 1;
    if (*depth > p->max_depth) {
        Py_DECREF(operand);
        return NULL;
    }
    PyObject *args = PyTuple_New(1);
    if (args == NULL) {
        Py_DECREF(operand);
        return NULL;
    }
    PyTuple_SET_ITEM(args, 0, operand);
    return make_op(p, p->neg, args);
}

/* -- the grammar ----------------------------------------------------------------------------------------------- */

/* parse._arith (with parse._prefix): an operand, then the binary operators that reach min_bp. */
static PyObject *arith(Reader *r, int min_bp, int outer, int *depth)
{
    const Parser *p = r->p;
    int nesting = outer + 1;
    if (nesting > p->max_nesting) {
        return NULL;
    }
    PyObject *left;
    int left_depth = 1;
    int token = r->token;
    if (token == T_NUM) {
        left = number(r);
        advance(r);
    }
    else if (token == T_NAME) {
        PyObject *name = ascii_text(r->text + r->start, r->size);
        if (name == NULL) {
            return NULL;
        }
        advance(r);
        if (r->token == T_LPAR) {
            left = call(r, name, nesting, &left_depth);
        }
        else {
            int reserved = PySet_Contains(p->not_variables, name);
            if (reserved != 0) { /* 1: reserved, parse.py says so; -1: an exception */
                Py_DECREF(name);
                return NULL;
            }
            Py_INCREF(p->empty);
            left = make(p, p->sym, p->empty, name);
        }
    }
    else if (token == T_MINUS || token == T_PLUS) {
        int operand_depth;
        advance(r);
        PyObject *operand = arith(r, p->unary_bp, nesting, &operand_depth);
        if (operand == NULL) {
            return NULL;
        }
        if (token == T_PLUS) {
            left = operand;
            left_depth = operand_depth;
        }
        else {
            left = negate(p, operand, operand_depth, &left_depth);
        }
    }
    else if (token == T_LPAR) {
        Items items;
        items_init(&items);
        advance(r);
        left = NULL;
        if (read_items(r, nesting, &items) == 0) {
            if (items.count == 1) {
                left = items.item[0];
                Py_INCREF(left);
                left_depth = items.depth;
            }
            else {
                left_depth = items.depth + 1;
                if (left_depth <= p->max_depth) {
                    left = make_op(p, p->tuple, items_tuple(&items));
                }
            }
        }
        items_clear(&items);
    }
    else {
        return NULL; /* no operand starts here: parse.py says what it found */
    }
    if (left == NULL) {
        return NULL;
    }
    for (;;) {
        int k = r->token - T_PLUS;
        if (k < 0 || k >= N_BINARY || p->binary_reach[k] < min_bp) {
            break;
        }
        advance(r);
        int right_depth;
        PyObject *right = arith(r, p->binary_right[k], nesting, &right_depth);
        if (right == NULL) {
            Py_DECREF(left);
            return NULL;
        }
        left_depth = 1 + (left_depth > right_depth ? left_depth : right_depth);
        if (left_depth > p->max_depth) {
            Py_DECREF(left);
            Py_DECREF(right);
            return NULL;
        }
        left = make_op(p, p->binary_op[k], pair(left, right));
        if (left == NULL) {
            return NULL;
        }
    }
    *depth = left_depth;
    return left;
}

/* parse._relation: an arithmetic expression, or two joined by one relation. */
static PyObject *relation(Reader *r, int nesting, int *depth)
{
    const Parser *p = r->p;
    PyObject *left = arith(r, 0, nesting, depth);
    int k = r->token - T_ASSIGN;
    if (left == NULL || k < 0 || k >= N_RELATION) {
        return left;
    }
    advance(r);
    int right_depth;
    PyObject *right = arith(r, 0, nesting, &right_depth);
    if (right == NULL) {
        Py_DECREF(left);
        return NULL;
    }
    *depth = 1 + (*depth > right_depth ? *depth : right_depth);
    if (*depth > p->max_depth) {
        Py_DECREF(left);
        Py_DECREF(right);
        return NULL;
    }
    return make_op(p, p->relation_op[k], pair(left, right));
}

/* -- the Parser type ------------------------------------------------------------------------------------------- */

PyDoc_STRVAR(parse_doc,
"parse(text) -> Expr | None\n\n"
"The tree rpsdg.expr.parse gives text, or None where this parser declines the text (anything parse.py refuses,\n"
"and some texts it accepts); then parse.py's own reading must run.");

static PyObject *Parser_parse(Parser *self, PyObject *text)
{
    if (!PyUnicode_CheckExact(text)) {
        Py_RETURN_NONE;
    }
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(text) < 0) {
        return NULL;
    }
#endif
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    if (!PyUnicode_IS_ASCII(text) || length > self->max_length) {
        Py_RETURN_NONE;
    }
    Reader r = {self, PyUnicode_1BYTE_DATA(text), length, 0, T_END, 0, 0};
    advance(&r);
    int depth;
    PyObject *tree = relation(&r, 0, &depth);
    if (tree != NULL && r.token != T_END) {
        Py_CLEAR(tree); /* extra text: parse.py says where */
    }
    if (tree == NULL && !PyErr_Occurred()) {
        Py_RETURN_NONE;
    }
    return tree;
}

static int Parser_traverse(Parser *self, visitproc visit, void *arg)
{
    Py_VISIT(self->expr);
    Py_VISIT(self->not_variables);
    Py_VISIT(self->function_heads);
    Py_VISIT(self->relation_heads);
    for (int i = 0; i < N_BINARY; i++) {
        Py_VISIT(self->binary_op[i]);
    }
    for (int i = 0; i < N_RELATION; i++) {
        Py_VISIT(self->relation_op[i]);
    }
    return 0;
}

static int Parser_clear(Parser *self)
{
    Py_CLEAR(self->expr);
    Py_CLEAR(self->not_variables);
    Py_CLEAR(self->function_heads);
    Py_CLEAR(self->relation_heads);
    for (int i = 0; i < N_BINARY; i++) {
        Py_CLEAR(self->binary_op[i]);
    }
    for (int i = 0; i < N_RELATION; i++) {
        Py_CLEAR(self->relation_op[i]);
    }
    Py_CLEAR(self->num);
    Py_CLEAR(self->sym);
    Py_CLEAR(self->neg);
    Py_CLEAR(self->tuple);
    Py_CLEAR(self->set);
    Py_CLEAR(self->div);
    Py_CLEAR(self->empty);
    return 0;
}

static void Parser_dealloc(Parser *self)
{
    PyObject_GC_UnTrack(self);
    Parser_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* An int argument within [low, high], else ValueError. */
static int int_in_range(PyObject *object, long low, long high, const char *what, long *out)
{
    long value = PyLong_Check(object) ? PyLong_AsLong(object) : -1;
    if (value == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (!PyLong_Check(object) || value < low || value > high) {
        PyErr_Format(PyExc_ValueError, "_fastparse.Parser: %s must be an int in [%ld, %ld]", what, low, high);
        return -1;
    }
    *out = value;
    return 0;
}

static int all_str_values(PyObject *table, const char *what)
{
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(table, &pos, &key, &value)) {
        if (!PyUnicode_CheckExact(key) || !PyUnicode_CheckExact(value)) {
            PyErr_Format(PyExc_ValueError, "_fastparse.Parser: %s must map str to str", what);
            return -1;
        }
    }
    return 0;
}

/* Take the op strings and powers from parse.py's tables; refuse tables whose tokens are not this lexer's. */
static int read_tables(Parser *self, PyObject *binary, PyObject *relations)
{
    if (PyDict_GET_SIZE(binary) != N_BINARY || PyDict_GET_SIZE(relations) != N_RELATION) {
        goto differs;
    }
    for (int i = 0; i < N_BINARY; i++) {
        PyObject *entry = PyDict_GetItemString(binary, BINARY_TOKENS[i]);
        if (entry == NULL || !PyTuple_CheckExact(entry) || PyTuple_GET_SIZE(entry) != 3 ||
            !PyUnicode_CheckExact(PyTuple_GET_ITEM(entry, 1))) {
            goto differs;
        }
        long reach, right;
        if (int_in_range(PyTuple_GET_ITEM(entry, 0), 0, 10000, "a reach", &reach) < 0 ||
            int_in_range(PyTuple_GET_ITEM(entry, 2), 0, 10000, "a binding power", &right) < 0) {
            return -1;
        }
        self->binary_reach[i] = (int)reach;
        self->binary_right[i] = (int)right;
        self->binary_op[i] = Py_NewRef(PyTuple_GET_ITEM(entry, 1));
    }
    for (int i = 0; i < N_RELATION; i++) {
        PyObject *op = PyDict_GetItemString(relations, RELATION_TOKENS[i]);
        if (op == NULL || !PyUnicode_CheckExact(op)) {
            goto differs;
        }
        self->relation_op[i] = Py_NewRef(op);
    }
    return 0;
differs:
    PyErr_SetString(PyExc_ValueError, "_fastparse.Parser: parse.py's operator tables name tokens this lexer does not "
                                      "know (or lack one it knows); update rpsdg/expr/_fastparse.c with parse.py");
    return -1;
}

static PyObject *Parser_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *keywords[] = {"expr", "not_variables", "function_heads", "relation_heads", "binary",
                               "relation_tokens", "unary_bp", "max_nesting", "max_depth", "max_digits",
                               "max_length", NULL};
    PyObject *expr, *not_variables, *function_heads, *relation_heads, *binary, *relations;
    PyObject *unary_bp, *max_nesting, *max_depth, *max_digits, *max_length;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!O!O!O!O!O!OOOOO:Parser", keywords,
                                     &PyType_Type, &expr, &PyFrozenSet_Type, &not_variables,
                                     &PyDict_Type, &function_heads, &PyDict_Type, &relation_heads,
                                     &PyDict_Type, &binary, &PyDict_Type, &relations,
                                     &unary_bp, &max_nesting, &max_depth, &max_digits, &max_length)) {
        return NULL;
    }
    if (!PyType_IsSubtype((PyTypeObject *)expr, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "_fastparse.Parser: expr must be a tuple subclass (Expr)");
        return NULL;
    }
    if (all_str_values(function_heads, "function_heads") < 0 || all_str_values(relation_heads, "relation_heads") < 0) {
        return NULL;
    }
    Parser *self = (Parser *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    long value;
    if (int_in_range(unary_bp, 0, 10000, "unary_bp", &value) < 0) {
        goto fail;
    }
    self->unary_bp = (int)value;
    if (int_in_range(max_nesting, 1, 100000, "max_nesting", &value) < 0) {
        goto fail;
    }
    self->max_nesting = (int)value;
    if (int_in_range(max_depth, 1, 100000, "max_depth", &value) < 0) {
        goto fail;
    }
    self->max_depth = (int)value;
    if (int_in_range(max_digits, 1, 4000, "max_digits", &value) < 0) {
        goto fail;
    }
    self->max_digits = value;
    if (int_in_range(max_length, 1, 100000000, "max_length", &value) < 0) {
        goto fail;
    }
    self->max_length = value;
    self->expr = (PyTypeObject *)Py_NewRef(expr);
    self->not_variables = Py_NewRef(not_variables);
    self->function_heads = Py_NewRef(function_heads);
    self->relation_heads = Py_NewRef(relation_heads);
    if (read_tables(self, binary, relations) < 0) {
        goto fail;
    }
    if ((self->num = PyUnicode_InternFromString("num")) == NULL ||
        (self->sym = PyUnicode_InternFromString("sym")) == NULL ||
        (self->neg = PyUnicode_InternFromString("neg")) == NULL ||
        (self->tuple = PyUnicode_InternFromString("tuple")) == NULL ||
        (self->set = PyUnicode_InternFromString("set")) == NULL ||
        (self->div = PyUnicode_InternFromString("div")) == NULL ||
        (self->empty = PyTuple_New(0)) == NULL) {
        goto fail;
    }
    return (PyObject *)self;
fail:
    Py_DECREF(self);
    return NULL;
}

static PyMethodDef Parser_methods[] = {
    {"parse", (PyCFunction)Parser_parse, METH_O, parse_doc},
    {NULL, NULL, 0, NULL},
};

PyDoc_STRVAR(Parser_doc,
"Parser(expr, not_variables, function_heads, relation_heads, binary, relation_tokens, unary_bp, max_nesting,\n"
"       max_depth, max_digits, max_length)\n\n"
"rpsdg.expr.parse's grammar over the tables parse.py passes; .parse(text) gives the tree or None.");

static PyTypeObject ParserType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "rpsdg.expr._fastparse.Parser",
    .tp_basicsize = sizeof(Parser),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = Parser_doc,
    .tp_new = Parser_new,
    .tp_dealloc = (destructor)Parser_dealloc,
    .tp_traverse = (traverseproc)Parser_traverse,
    .tp_clear = (inquiry)Parser_clear,
    .tp_methods = Parser_methods,
};

static struct PyModuleDef fastparse_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "rpsdg.expr._fastparse",
    .m_doc = "The stored-text grammar of rpsdg.expr.parse in C (a fast path; see the top of _fastparse.c).",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit__fastparse(void)
{
    if (PyType_Ready(&ParserType) < 0) {
        return NULL;
    }
    PyObject *module = PyModule_Create(&fastparse_module);
    if (module == NULL) {
        return NULL;
    }
    Py_INCREF(&ParserType);
    if (PyModule_AddObject(module, "Parser", (PyObject *)&ParserType) < 0) {
        Py_DECREF(&ParserType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
