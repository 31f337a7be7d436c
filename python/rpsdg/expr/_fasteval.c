/* rpsdg.expr._fasteval: numeric evaluation of an expression tree in one C call per point (issue 15).

Why it exists: every numeric check evaluates each of a record's trees at dozens of points, and
rpsdg/expr/evaluate.py's compile_expr builds one Python closure per node, so a point costs one Python call and
one boxed float per node (15-20% of an item in the compiled build). This module compiles a tree once into a flat
postfix program of doubles and runs it with a stack of doubles. Only the optional compiled build
(RPSDG_COMPILE=1, setup.py) builds it; evaluate.py uses it when it imports and keeps its closures otherwise.

Exactness: a program computes exactly what evaluate.py's closures compute, bit for bit, and raises where they
raise: the same IEEE operations in the same order, the same domain checks with the same OutsideDomain messages,
the libm functions behind the math module called with CPython's math_1 error rules, and a power computed as
CPython's float_pow computes it (any case that would raise is handed to CPython's own float power, so its exact
exception and message are kept). What a program does not handle itself it hands to the closures: a point that is
not an exact dict, a variable that is missing or not a finite exact float, a called subtree that returns anything
else; and compile() answers None for a tree it cannot compile (an operator it does not know, a literal that is
not an int or that float() rejects, a very deep tree), so compile_expr falls back to the closures, which raise
their errors as before.

A subtree whose memo entry (compile_expr's memo) is a program is copied in; any other callable there (the
integral checker's remembering closures) is called at each point, as the closures would call it.

compile_plain(e, closures) makes a second kind of program, for the equation checker's closures (Forms.compiled in
kinds/equation/check.py, about 8% of a compiled equation record as Python closures): its + - * / are the bare IEEE
operations with only a zero divisor refused (plain_arith), any other node is compiled as above (with no memo),
and the final value must be finite. It falls back to closures(e, None), the checker's own.

Adding an operator: add it to evaluate.py's tables (see its docstring) and here to FUNCTION_NAMES (a function of
one argument: its libm call in libm(), its pre-check in unary(), and CAN_OVERFLOW / UNCHECKED as it is sorted in
evaluate.py), or to ARITH_NAMES and arith() for a binary operator; tests/test_fasteval.py compares the two.
*/

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

static PyObject *OutsideDomain; /* rpsdg.expr.exceptions.OutsideDomain */
static PyTypeObject ProgramType;

/* Deeper trees go to the closures, which meet Python's recursion limit where they always did. */
#define MAX_DEPTH 400
#define SMALL_STACK 64

/* ------------------------------------------------------------------------------------------------ operators */

enum { F_SQRT, F_EXP, F_LOG, F_SIN, F_COS, F_TAN, F_ASIN, F_ACOS, F_ATAN, F_SINH, F_COSH, F_TANH, F_ASINH,
       F_ACOSH, F_ATANH, F_COUNT };

/* Indexed by the F_ codes. */
static const char *const FUNCTION_NAMES[F_COUNT] = {
    "sqrt", "exp", "log", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh",
    "acosh", "atanh"};

/* math.exp, math.sinh and math.cosh raise OverflowError on an infinite result (math_1's can_overflow). */
static int
can_overflow(int fn)
{
    return fn == F_EXP || fn == F_SINH || fn == F_COSH;
}

/* evaluate.py's _TOTAL_ON_FINITE: called bare, so an error of the math module is not turned into
   OutsideDomain and no finiteness check follows. */
static int
unchecked(int fn)
{
    return fn == F_SIN || fn == F_COS || fn == F_ATAN || fn == F_TANH || fn == F_ASINH;
}

enum { A_ADD, A_SUB, A_MUL, A_DIV, A_POW, A_COUNT };

static const char *const ARITH_NAMES[A_COUNT] = {"add", "sub", "mul", "div", "pow"};

/* Program steps. */
enum {
    S_CONST,  /* push value */
    S_VAR,    /* push point[ref] */
    S_CALL,   /* push ref(point): a callable compile_expr's memo held for a subtree */
    S_NEG,    /* negate the top */
    S_FUNC,   /* top = function fn of top */
    S_ARITH,  /* second op top, popping one */
    S_ARITH_R, /* top op value (a literal right operand) */
    S_ARITH_L, /* value op top (a literal left operand) */
    S_PLAIN,   /* as S_ARITH, S_ARITH_R and S_ARITH_L, with plain_arith: the equation checker's + - * / */
    S_PLAIN_R,
    S_PLAIN_L,
};

typedef struct {
    int kind;       /* S_ */
    int fn;         /* F_ or A_ code */
    double value;   /* S_CONST's number, or the literal operand of S_ARITH_R / S_ARITH_L */
    PyObject *ref;  /* S_VAR's name or S_CALL's callable (a strong reference), else NULL */
} Step;

/* --------------------------------------------------------------------------------------------- arithmetic */

/* Sets OutsideDomain(message); returns -1. */
static int
outside(const char *message)
{
    PyErr_SetString(OutsideDomain, message);
    return -1;
}

/* Replaces the exception set now by OutsideDomain(str(exception)), as evaluate.py's
   `raise OutsideDomain(str(error)) from None` does; returns -1. */
static int
as_outside_domain(void)
{
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    PyErr_NormalizeException(&type, &value, &traceback);
    PyObject *text = value != NULL ? PyObject_Str(value) : NULL;
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(traceback);
    if (text == NULL) {
        return -1;
    }
    PyErr_SetObject(OutsideDomain, text);
    Py_DECREF(text);
    return -1;
}

static double
libm(int fn, double x)
{
    switch (fn) {
    case F_SQRT: return sqrt(x);
    case F_EXP: return exp(x);
    case F_LOG: return log(x); /* CPython's m_log calls log for every positive finite x, all that reaches it */
    case F_SIN: return sin(x);
    case F_COS: return cos(x);
    case F_TAN: return tan(x);
    case F_ASIN: return asin(x);
    case F_ACOS: return acos(x);
    case F_ATAN: return atan(x);
    case F_SINH: return sinh(x);
    case F_COSH: return cosh(x);
    case F_TANH: return tanh(x);
    case F_ASINH: return asinh(x);
    case F_ACOSH: return acosh(x);
    default: return atanh(x);
    }
}

/* math.<fn>(x) for a float x by CPython's math_1 (Modules/mathmodule.c, 3.11): 0 with *out set, or -1 with the
   exception math.<fn> raises, or with OutsideDomain and its message when `translate`. */
static int
math_1(int fn, double x, int translate, double *out)
{
    errno = 0;
    double r = libm(fn, x);
    PyObject *type = NULL;
    const char *message = NULL;
    if (isnan(r) && !isnan(x)) {
        type = PyExc_ValueError, message = "math domain error";
    }
    else if (isinf(r) && isfinite(x)) {
        type = can_overflow(fn) ? PyExc_OverflowError : PyExc_ValueError;
        message = can_overflow(fn) ? "math range error" : "math domain error";
    }
    else if (isfinite(r) && errno != 0) { /* math_1's is_error */
        if (errno == EDOM) {
            type = PyExc_ValueError, message = "math domain error";
        }
        else if (errno == ERANGE) {
            if (fabs(r) >= 1.5) {
                type = PyExc_OverflowError, message = "math range error";
            }
        }
        else {
            PyErr_SetFromErrno(PyExc_ValueError);
            return translate ? as_outside_domain() : -1;
        }
    }
    if (message != NULL) {
        PyErr_SetString(translate ? OutsideDomain : type, message);
        return -1;
    }
    *out = r;
    return 0;
}

/* evaluate.py's closure for function fn at x (finite): 0 with *out set, or -1 with the exception set. */
static int
unary(int fn, double x, double *out)
{
    if (unchecked(fn)) {
        return math_1(fn, x, 0, out);
    }
    double cosine;
    switch (fn) {
    case F_LOG:
        if (x <= 0) return outside("log of a non-positive number");
        break;
    case F_SQRT:
        if (x < 0) return outside("sqrt of a negative number");
        break;
    case F_TAN:
        if (math_1(F_COS, x, 1, &cosine) < 0) return -1;
        if (fabs(cosine) < 1e-12) return outside("tan at a pole");
        break;
    case F_ACOSH:
        if (x < 1) return outside("acosh below 1");
        break;
    case F_ATANH:
        if (!(-1 < x && x < 1)) return outside("atanh outside (-1, 1)");
        break;
    }
    if (math_1(fn, x, 1, out) < 0) return -1;
    if (!isfinite(*out)) return outside("non-finite value");
    return 0;
}

/* base ** exponent by Python's float power, its OverflowError and ZeroDivisionError turned into OutsideDomain. */
static int
python_power(double base, double exponent, double *out)
{
    PyObject *left = PyFloat_FromDouble(base);
    if (left == NULL) return -1;
    PyObject *right = PyFloat_FromDouble(exponent);
    if (right == NULL) {
        Py_DECREF(left);
        return -1;
    }
    PyObject *result = PyNumber_Power(left, right, Py_None);
    Py_DECREF(left);
    Py_DECREF(right);
    if (result == NULL) {
        if (PyErr_ExceptionMatches(PyExc_OverflowError) || PyErr_ExceptionMatches(PyExc_ZeroDivisionError)) {
            return as_outside_domain();
        }
        return -1;
    }
    if (!PyFloat_Check(result)) { /* complex: ruled out by the guards, as in evaluate.py's _power */
        Py_DECREF(result);
        return outside("non-finite power");
    }
    *out = PyFloat_AS_DOUBLE(result);
    Py_DECREF(result);
    return 0;
}

#define IS_ODD_INTEGER(x) (fmod(fabs(x), 2.0) == 1.0) /* float_pow's DOUBLE_IS_ODD_INTEGER */

/* CPython's float_pow (Objects/floatobject.c, 3.11) for finite iv and iw where it returns a float without
   raising: 1 with *out set; 0 where it would raise, or go to complex numbers (python_power then decides). */
static int
float_pow(double iv, double iw, double *out)
{
    int negate = 0;
    if (iw == 0) {
        *out = 1.0;
        return 1;
    }
    if (iv == 0.0) {
        if (iw < 0.0) return 0;
        *out = IS_ODD_INTEGER(iw) ? iv : 0.0;
        return 1;
    }
    if (iv < 0.0) {
        if (iw != floor(iw)) return 0;
        iv = -iv;
        negate = IS_ODD_INTEGER(iw);
    }
    if (iv == 1.0) {
        *out = negate ? -1.0 : 1.0;
        return 1;
    }
    errno = 0;
    double ix = pow(iv, iw);
    if (errno == 0) { /* _Py_ADJUST_ERANGE1 */
        if (ix == HUGE_VAL || ix == -HUGE_VAL) errno = ERANGE;
    }
    else if (errno == ERANGE && ix == 0.0) {
        errno = 0;
    }
    if (errno != 0) return 0;
    *out = negate ? -ix : ix;
    return 1;
}

/* evaluate.py's _power (and constant_power, which only skips guards that cannot fire) for finite operands. */
static int
power(double base, double exponent, double *out)
{
    if (base == 0 && exponent <= 0) {
        return outside("zero to a power <= 0 (0**0 is undefined over the reals, as in textbooks)");
    }
    if (base < 0 && exponent != trunc(exponent)) { /* exponent != int(exponent) */
        return outside("negative base to a fractional power");
    }
    if (!float_pow(base, exponent, out) && python_power(base, exponent, out) < 0) {
        return -1;
    }
    if (!isfinite(*out)) return outside("non-finite power");
    return 0;
}

/* a op b as evaluate.py's closures compute it, with their checks: 0 with *out set, or -1. */
static int
arith(int op, double a, double b, double *out)
{
    double r;
    switch (op) {
    case A_ADD: r = a + b; break;
    case A_SUB: r = a - b; break;
    case A_MUL: r = a * b; break;
    case A_DIV:
        if (b == 0) return outside("division by zero");
        r = a / b;
        if (!isfinite(r)) return outside("non-finite quotient");
        *out = r;
        return 0;
    default:
        return power(a, b, out);
    }
    if (!isfinite(r)) return outside("non-finite value");
    *out = r;
    return 0;
}

/* The equation checker's + - * / (Forms._arithmetic in kinds/equation/check.py): the IEEE operation and nothing
   more, but a zero divisor refused as its _quotient refuses it. An inf or nan goes on to the top, where a plain
   program's final test (Program.finite) refuses it as its _finite_of does. */
static int
plain_arith(int op, double a, double b, double *out)
{
    switch (op) {
    case A_ADD: *out = a + b; return 0;
    case A_SUB: *out = a - b; return 0;
    case A_MUL: *out = a * b; return 0;
    default: /* A_DIV */
        if (b == 0) return outside("division by zero");
        *out = a / b;
        return 0;
    }
}

/* ------------------------------------------------------------------------------------------------ programs */

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    Step *steps;
    Py_ssize_t length;
    Py_ssize_t depth;    /* the most values on the stack at once */
    PyObject *expr;      /* the tree */
    PyObject *calls;     /* dict: subtree -> the callable an S_CALL step calls, or NULL when none */
    PyObject *closures;  /* evaluate._closures(expr, calls): builds the fallback */
    PyObject *fallback;  /* the closures of expr, built on first need, else NULL */
    int finite;          /* a plain program (compile_plain): a value that is not finite raises OutsideDomain */
} Program;

static void
free_steps(Step *steps, Py_ssize_t length)
{
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_XDECREF(steps[i].ref);
    }
    PyMem_Free(steps);
}

static Py_ssize_t
stack_depth(const Step *steps, Py_ssize_t length)
{
    Py_ssize_t top = 0, most = 0;
    for (Py_ssize_t i = 0; i < length; i++) {
        int kind = steps[i].kind;
        if (kind == S_CONST || kind == S_VAR || kind == S_CALL) {
            top++;
        }
        else if (kind == S_ARITH || kind == S_PLAIN) {
            top--;
        }
        most = top > most ? top : most;
    }
    return most;
}

static PyObject *run(Program *self, PyObject *point);

/* The fallback closures (built once): NULL with an exception set if building them failed. */
static PyObject *
fallback_of(Program *self)
{
    if (self->fallback == NULL) {
        self->fallback = PyObject_CallFunctionObjArgs(self->closures, self->expr,
                                                      self->calls != NULL ? self->calls : Py_None, NULL);
    }
    return self->fallback;
}

static PyObject *
program_vectorcall(PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    Program *self = (Program *)callable;
    if (self->closures == NULL) { /* cleared by the garbage collector (only reachable from a finalizer) */
        PyErr_SetString(PyExc_ReferenceError, "a program the garbage collector has cleared");
        return NULL;
    }
    if (PyVectorcall_NARGS(nargsf) == 1 && kwnames == NULL) {
        return run(self, args[0]);
    }
    PyObject *fallback = fallback_of(self); /* the closure raises its own TypeError */
    return fallback == NULL ? NULL : PyObject_Vectorcall(fallback, args, nargsf, kwnames);
}

/* A new program of a copy of steps[0:length] (new references to their names and callables) and of calls. */
static PyObject *
program_new(const Step *steps, Py_ssize_t length, PyObject *expr, PyObject *calls, PyObject *closures, int finite)
{
    if (calls != NULL && (calls = PyDict_Copy(calls)) == NULL) return NULL;
    Step *copy = PyMem_New(Step, length > 0 ? length : 1);
    if (copy == NULL) {
        Py_XDECREF(calls);
        return PyErr_NoMemory();
    }
    memcpy(copy, steps, (size_t)length * sizeof(Step));
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_XINCREF(copy[i].ref);
    }
    Program *self = PyObject_GC_New(Program, &ProgramType);
    if (self == NULL) {
        free_steps(copy, length);
        Py_XDECREF(calls);
        return NULL;
    }
    self->vectorcall = program_vectorcall;
    self->steps = copy;
    self->length = length;
    self->depth = stack_depth(copy, length);
    Py_INCREF(expr);
    self->expr = expr;
    self->calls = calls; /* the copy's reference */
    Py_INCREF(closures);
    self->closures = closures;
    self->fallback = NULL;
    self->finite = finite;
    PyObject_GC_Track(self);
    return (PyObject *)self;
}

static int
program_traverse(Program *self, visitproc visit, void *arg)
{
    for (Py_ssize_t i = 0; i < self->length; i++) {
        Py_VISIT(self->steps[i].ref);
    }
    Py_VISIT(self->expr);
    Py_VISIT(self->calls);
    Py_VISIT(self->closures);
    Py_VISIT(self->fallback);
    return 0;
}

static int
program_clear(Program *self)
{
    for (Py_ssize_t i = 0; i < self->length; i++) {
        Py_CLEAR(self->steps[i].ref);
    }
    Py_CLEAR(self->expr);
    Py_CLEAR(self->calls);
    Py_CLEAR(self->closures);
    Py_CLEAR(self->fallback);
    return 0;
}

static void
program_dealloc(Program *self)
{
    PyObject_GC_UnTrack(self);
    program_clear(self);
    PyMem_Free(self->steps);
    PyObject_GC_Del(self);
}

/* One point: the value as a new float, or NULL with the exception set. */
static PyObject *
run(Program *self, PyObject *point)
{
    double small[SMALL_STACK];
    double *stack = small;
    if (self->depth > SMALL_STACK) {
        stack = PyMem_New(double, self->depth);
        if (stack == NULL) return PyErr_NoMemory();
    }
    Py_ssize_t top = 0; /* values on the stack */
    PyObject *result = NULL;
    const int dict = PyDict_CheckExact(point);
    for (Py_ssize_t i = 0; i < self->length; i++) {
        const Step *step = &self->steps[i];
        switch (step->kind) {
        case S_CONST:
            stack[top++] = step->value;
            break;
        case S_VAR: {
            PyObject *value = dict ? PyDict_GetItemWithError(point, step->ref) : NULL; /* borrowed */
            if (value == NULL && PyErr_Occurred()) goto done;
            if (value == NULL || !PyFloat_CheckExact(value) || !isfinite(PyFloat_AS_DOUBLE(value))) {
                goto closures;
            }
            stack[top++] = PyFloat_AS_DOUBLE(value);
            break;
        }
        case S_CALL: {
            PyObject *value = PyObject_CallOneArg(step->ref, point);
            if (value == NULL) goto done;
            int usable = PyFloat_CheckExact(value) && isfinite(PyFloat_AS_DOUBLE(value));
            double x = usable ? PyFloat_AS_DOUBLE(value) : 0.0;
            Py_DECREF(value);
            if (!usable) goto closures;
            stack[top++] = x;
            break;
        }
        case S_NEG:
            stack[top - 1] = -stack[top - 1];
            break;
        case S_FUNC:
            if (unary(step->fn, stack[top - 1], &stack[top - 1]) < 0) goto done;
            break;
        case S_ARITH:
            top--;
            if (arith(step->fn, stack[top - 1], stack[top], &stack[top - 1]) < 0) goto done;
            break;
        case S_ARITH_R:
            if (arith(step->fn, stack[top - 1], step->value, &stack[top - 1]) < 0) goto done;
            break;
        case S_ARITH_L:
            if (arith(step->fn, step->value, stack[top - 1], &stack[top - 1]) < 0) goto done;
            break;
        case S_PLAIN:
            top--;
            if (plain_arith(step->fn, stack[top - 1], stack[top], &stack[top - 1]) < 0) goto done;
            break;
        case S_PLAIN_R:
            if (plain_arith(step->fn, stack[top - 1], step->value, &stack[top - 1]) < 0) goto done;
            break;
        default: /* S_PLAIN_L */
            if (plain_arith(step->fn, step->value, stack[top - 1], &stack[top - 1]) < 0) goto done;
            break;
        }
    }
    if (self->finite && !isfinite(stack[0])) {
        outside("non-finite value");
        goto done;
    }
    result = PyFloat_FromDouble(stack[0]);
    goto done;
closures: {
        PyObject *fallback = fallback_of(self);
        result = fallback == NULL ? NULL : PyObject_CallOneArg(fallback, point);
    }
done:
    if (stack != small) PyMem_Free(stack);
    return result;
}

static PyObject *
program_repr(Program *self)
{
    return PyUnicode_FromFormat("<rpsdg.expr._fasteval.Program of %zd steps>", self->length);
}

static PyTypeObject ProgramType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "rpsdg.expr._fasteval.Program",
    .tp_doc = PyDoc_STR("A compiled tree: call it with a point (a dict of variable name -> float)."),
    .tp_basicsize = sizeof(Program),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_vectorcall_offset = offsetof(Program, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_repr = (reprfunc)program_repr,
    .tp_traverse = (traverseproc)program_traverse,
    .tp_clear = (inquiry)program_clear,
    .tp_dealloc = (destructor)program_dealloc,
};

/* ----------------------------------------------------------------------------------------------- compiling */

typedef struct {
    Step *steps;
    Py_ssize_t length, capacity;
    PyObject *memo;      /* compile_expr's memo (a dict), or NULL */
    PyObject *calls;     /* dict of the S_CALL subtrees met so far, or NULL */
    PyObject *closures;
    PyTypeObject *type;  /* the root's type (Expr) */
} Builder;

/* Appends a step (taking a new reference to ref): 0, or -1 with MemoryError. */
static int
emit(Builder *b, int kind, int fn, double value, PyObject *ref)
{
    if (b->length == b->capacity) {
        Py_ssize_t capacity = b->capacity < 16 ? 16 : 2 * b->capacity;
        Step *grown = PyMem_Resize(b->steps, Step, capacity);
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        b->steps = grown, b->capacity = capacity;
    }
    Py_XINCREF(ref);
    b->steps[b->length++] = (Step){kind, fn, value, ref};
    return 0;
}

/* The index of name in names[0:count], or -1. */
static int
find_name(PyObject *name, const char *const *names, int count)
{
    const char *text = PyUnicode_Check(name) ? PyUnicode_AsUTF8(name) : NULL;
    if (text == NULL) {
        PyErr_Clear(); /* not text (or not encodable): no operator of ours */
        return -1;
    }
    for (int i = 0; i < count; i++) {
        if (strcmp(text, names[i]) == 0) return i;
    }
    return -1;
}

/* Whether node is an Expr (a NamedTuple (op, args, value): of the root's type, a tuple subclass) with a str op
   and a tuple of children. */
static int
well_formed(Builder *b, PyObject *node)
{
    return Py_IS_TYPE(node, b->type) && PyTuple_GET_SIZE(node) == 3 && PyUnicode_Check(PyTuple_GET_ITEM(node, 0))
           && PyTuple_Check(PyTuple_GET_ITEM(node, 1));
}

static int
is_op(PyObject *node, const char *op)
{
    return PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(node, 0), op) == 0;
}

/* float(value) of a num leaf: 1 with *out set; 0 for a value that is not an int (tree.py's num leaves hold ints:
   the closures decide what anything else means, in the build that runs them) or that float() rejects (too large:
   the closures raise that OverflowError when compiled); -1 for any other error, which is passed on. */
static int
literal(PyObject *value, double *out)
{
    if (!PyLong_CheckExact(value)) return 0;
    *out = PyLong_AsDouble(value); /* what float(int) computes */
    if (!(*out == -1.0 && PyErr_Occurred())) return 1;
    if (!PyErr_ExceptionMatches(PyExc_OverflowError)) return -1;
    PyErr_Clear();
    return 0;
}

static int compile_node(Builder *b, PyObject *node, int depth);

/* A subtree (not the root): from compile_expr's memo when it holds it (a program's steps are copied in; any
   other callable is called), else compiled and, with a memo, stored there as its own program. 1 compiled,
   0 not compilable here, -1 error. */
static int
compile_child(Builder *b, PyObject *node, int depth)
{
    if (!well_formed(b, node)) return 0;
    if (PyTuple_GET_SIZE(PyTuple_GET_ITEM(node, 1)) == 0 || b->memo == NULL) {
        return compile_node(b, node, depth); /* compile_expr never looks a leaf up */
    }
    PyObject *found = PyDict_GetItemWithError(b->memo, node); /* borrowed */
    if (found == NULL && PyErr_Occurred()) return -1;
    if (found != NULL && Py_IS_TYPE(found, &ProgramType)) {
        Program *known = (Program *)found;
        for (Py_ssize_t i = 0; i < known->length; i++) {
            const Step *step = &known->steps[i];
            if (emit(b, step->kind, step->fn, step->value, step->ref) < 0) return -1;
        }
        if (known->calls != NULL) {
            if (b->calls == NULL && (b->calls = PyDict_New()) == NULL) return -1;
            if (PyDict_Update(b->calls, known->calls) < 0) return -1;
        }
        return 1;
    }
    if (found != NULL) {
        if (b->calls == NULL && (b->calls = PyDict_New()) == NULL) return -1;
        if (PyDict_SetItem(b->calls, node, found) < 0) return -1;
        return emit(b, S_CALL, 0, 0.0, found) < 0 ? -1 : 1;
    }
    Py_ssize_t start = b->length;
    int done = compile_node(b, node, depth);
    if (done != 1) return done;
    PyObject *program = program_new(b->steps + start, b->length - start, node, b->calls, b->closures, 0);
    if (program == NULL) return -1;
    int stored = PyDict_SetItem(b->memo, node, program);
    Py_DECREF(program);
    return stored < 0 ? -1 : 1;
}

static int compile_plain_node(Builder *b, PyObject *node, int depth);

/* A binary node: a literal operand is folded into the step, as the closures fold it. plain: the equation
   checker's + - * / (S_PLAIN steps, operands by compile_plain_node), else evaluate.py's. */
static int
compile_arith(Builder *b, int op, PyObject *left, PyObject *right, int depth, int plain)
{
    double lvalue = 0.0, rvalue = 0.0;
    int lconst = well_formed(b, left) && is_op(left, "num") && PyTuple_GET_SIZE(PyTuple_GET_ITEM(left, 1)) == 0;
    int rconst = well_formed(b, right) && is_op(right, "num") && PyTuple_GET_SIZE(PyTuple_GET_ITEM(right, 1)) == 0;
    int done;
    if (lconst) {
        done = literal(PyTuple_GET_ITEM(left, 2), &lvalue);
    }
    else {
        done = plain ? compile_plain_node(b, left, depth + 1) : compile_child(b, left, depth + 1);
    }
    if (done != 1) return done;
    if (lconst && rconst) { /* push the left literal: one folded operand per step */
        if (emit(b, S_CONST, 0, lvalue, NULL) < 0) return -1;
        lconst = 0;
    }
    if (rconst) {
        done = literal(PyTuple_GET_ITEM(right, 2), &rvalue);
    }
    else {
        done = plain ? compile_plain_node(b, right, depth + 1) : compile_child(b, right, depth + 1);
    }
    if (done != 1) return done;
    if (rconst) return emit(b, plain ? S_PLAIN_R : S_ARITH_R, op, rvalue, NULL) < 0 ? -1 : 1;
    if (lconst) return emit(b, plain ? S_PLAIN_L : S_ARITH_L, op, lvalue, NULL) < 0 ? -1 : 1;
    return emit(b, plain ? S_PLAIN : S_ARITH, op, 0.0, NULL) < 0 ? -1 : 1;
}

/* The steps of node, appended: 1, 0 (not compilable here: the closures decide), or -1 (error). */
static int
compile_node(Builder *b, PyObject *node, int depth)
{
    if (depth > MAX_DEPTH || !well_formed(b, node)) return 0;
    PyObject *op = PyTuple_GET_ITEM(node, 0);
    PyObject *args = PyTuple_GET_ITEM(node, 1);
    Py_ssize_t arity = PyTuple_GET_SIZE(args);
    if (arity == 0) {
        double value;
        int done;
        if (is_op(node, "num")) {
            done = literal(PyTuple_GET_ITEM(node, 2), &value);
            return done != 1 ? done : (emit(b, S_CONST, 0, value, NULL) < 0 ? -1 : 1);
        }
        if (is_op(node, "sym")) {
            return emit(b, S_VAR, 0, 0.0, PyTuple_GET_ITEM(node, 2)) < 0 ? -1 : 1;
        }
        return 0;
    }
    if (arity == 1) {
        int fn = find_name(op, FUNCTION_NAMES, F_COUNT);
        int neg = fn < 0 && is_op(node, "neg");
        if (fn < 0 && !neg) return 0;
        int done = compile_child(b, PyTuple_GET_ITEM(args, 0), depth + 1);
        if (done != 1) return done;
        return emit(b, neg ? S_NEG : S_FUNC, neg ? 0 : fn, 0.0, NULL) < 0 ? -1 : 1;
    }
    int arith_op = arity == 2 ? find_name(op, ARITH_NAMES, A_COUNT) : -1;
    if (arith_op < 0) return 0;
    return compile_arith(b, arith_op, PyTuple_GET_ITEM(args, 0), PyTuple_GET_ITEM(args, 1), depth, 0);
}

/* The steps of node as the equation checker's Forms closures compute it: + - * / by plain_arith, their operands
   the same way; any other node as evaluate.py's closures (compile_node: Forms asks compile_expr, with no memo). */
static int
compile_plain_node(Builder *b, PyObject *node, int depth)
{
    if (depth > MAX_DEPTH || !well_formed(b, node)) return 0;
    PyObject *args = PyTuple_GET_ITEM(node, 1);
    int op = PyTuple_GET_SIZE(args) == 2 ? find_name(PyTuple_GET_ITEM(node, 0), ARITH_NAMES, A_POW) : -1;
    if (op < 0) return compile_node(b, node, depth); /* pow is not one of Forms' operators */
    return compile_arith(b, op, PyTuple_GET_ITEM(args, 0), PyTuple_GET_ITEM(args, 1), depth, 1);
}

/* What a compile call returns for the tree root that b compiled (done: compile_node's answer): a new program,
   None (not compilable), or NULL with the exception set; b's steps and calls are released. */
static PyObject *
finish(Builder *b, int done, PyObject *root, int finite)
{
    PyObject *result = NULL;
    if (done == 1) {
        result = program_new(b->steps, b->length, root, b->calls, b->closures, finite);
    }
    else if (done == 0) {
        result = Py_NewRef(Py_None);
    }
    free_steps(b->steps, b->length);
    Py_XDECREF(b->calls);
    return result;
}

PyDoc_STRVAR(compile_doc,
"compile(e, memo, closures)\n--\n\n"
"A program computing what evaluate.py's closures of tree ``e`` compute, or None where it cannot (the caller\n"
"then builds the closures). ``memo``: compile_expr's memo (a dict) or None; each compiled subtree is stored\n"
"there as its own program, as compile_expr stores closures. ``closures(e, calls)`` builds the closures a\n"
"program falls back to (``calls``: the subtrees whose memo entry it calls, or None).");

static PyObject *
compile_tree(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "compile(e, memo, closures) takes three arguments");
        return NULL;
    }
    PyObject *memo = args[1] == Py_None ? NULL : args[1];
    if (memo != NULL && !PyDict_Check(memo)) Py_RETURN_NONE;
    if (!PyTuple_Check(args[0]) || PyTuple_CheckExact(args[0])) Py_RETURN_NONE;
    Builder b = {NULL, 0, 0, memo, NULL, args[2], Py_TYPE(args[0])};
    return finish(&b, compile_node(&b, args[0], 0), args[0], 0);
}

PyDoc_STRVAR(compile_plain_doc,
"compile_plain(e, closures)\n--\n\n"
"A program computing what the equation checker's closures of ``e`` compute (Forms.compiled in\n"
"kinds/equation/check.py: + - * / as IEEE operations, a zero divisor refused; any other node as evaluate.py's\n"
"closures, with no memo; OutsideDomain where the final value is not finite), or None where it cannot.\n"
"``closures(e, None)`` builds the closures it falls back to for a point it does not handle itself.");

static PyObject *
compile_plain(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "compile_plain(e, closures) takes two arguments");
        return NULL;
    }
    if (!PyTuple_Check(args[0]) || PyTuple_CheckExact(args[0])) Py_RETURN_NONE;
    Builder b = {NULL, 0, 0, NULL, NULL, args[1], Py_TYPE(args[0])};
    return finish(&b, compile_plain_node(&b, args[0], 0), args[0], 1);
}

static PyMethodDef methods[] = {
    {"compile", (PyCFunction)(void (*)(void))compile_tree, METH_FASTCALL, compile_doc},
    {"compile_plain", (PyCFunction)(void (*)(void))compile_plain, METH_FASTCALL, compile_plain_doc},
    {NULL, NULL, 0, NULL},
};

static int
module_exec(PyObject *module)
{
    if (PyType_Ready(&ProgramType) < 0) return -1;
    if (OutsideDomain == NULL) {
        PyObject *exceptions = PyImport_ImportModule("rpsdg.expr.exceptions");
        if (exceptions == NULL) return -1;
        OutsideDomain = PyObject_GetAttrString(exceptions, "OutsideDomain");
        Py_DECREF(exceptions);
        if (OutsideDomain == NULL) return -1;
    }
    Py_INCREF(&ProgramType);
    if (PyModule_AddObject(module, "Program", (PyObject *)&ProgramType) < 0) {
        Py_DECREF(&ProgramType);
        return -1;
    }
    return 0;
}

static PyModuleDef_Slot slots[] = {
    {Py_mod_exec, module_exec},
    {0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "rpsdg.expr._fasteval",
    .m_doc = PyDoc_STR("Expression trees compiled to flat programs of doubles (see the top of _fasteval.c)."),
    .m_size = 0,
    .m_methods = methods,
    .m_slots = slots,
};

PyMODINIT_FUNC
PyInit__fasteval(void)
{
    return PyModuleDef_Init(&module_def);
}
