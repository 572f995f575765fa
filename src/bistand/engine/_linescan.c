/* bistand.engine._linescan: the batch reader's fast path for `bistand calculate --batch`.
 *
 * scan(text, cost_types, income_types, wage, limits) reads JSON Lines of calculation inputs
 * (calculation.schema.json) straight into columns, without making a Python object per line.
 *
 * It reads a strict subset of what the contract allows, and that subset exactly: a line is taken only
 * when it is well-formed JSON (UTF-8 checked), every key is known and given at most once, every value has
 * the contract's type and range, strings that carry meaning (ids, members, types, months, municipality
 * codes) have no escapes, integers are plain digits, amounts are plain digits with at most two decimals
 * and at most limits[0] öre, ids are unique in the household, every member names one of its adults or
 * children and every wage has a member. Every other line -- an invalid one, or a valid one written in
 * another way (an escape in an id, an exponent in an amount, a key given twice, ...) -- is returned as
 * *not taken*: the caller hands it to the single path (bistand.rules.model.decode_input), which gives the
 * authoritative error or calculates it. The reader never decides that a line is invalid; it only decides
 * that it can read it, and then its values are exactly the ones decode_input gives.
 *
 * Output (all little-endian int64 rows, as bytes; one household row per line, in order):
 *   households: month index (year*12 + month-1, -1 when not taken), municipality code (0..9999, -1 absent),
 *               adults, children, costs, incomes, dwelling size (0 when absent or null, at most limits[1]),
 *               taken (1) or not (0)
 *   adults:     consecutive months (at most limits[3]), jobbstimulans month index (-1 when absent/null)
 *   children:   age, lunch away (0/1), days present (-1 when absent/null), earnings in öre
 *   costs:      type code, öre
 *   incomes:    type code, öre, member (0/1 adult slot, limits[4] + j child j, -1 none)
 * plus a list of the children's ids (str). A line not taken has one household row (taken = 0, month -1, one
 * adult with 0 months and no window, nothing else).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define MAX_TYPES 32
#define MAX_CHILDREN_TAKEN 64

typedef struct {
    int64_t *data;
    Py_ssize_t len, cap;
} Buf;

static int buf_reserve(Buf *b, Py_ssize_t more) {
    if (b->len + more <= b->cap) return 0;
    Py_ssize_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + more) cap *= 2;
    int64_t *data = PyMem_Realloc(b->data, (size_t)cap * sizeof(int64_t));
    if (!data) {
        PyErr_NoMemory();
        return -1;
    }
    b->data = data;
    b->cap = cap;
    return 0;
}

typedef struct {
    const char *text[MAX_TYPES];
    Py_ssize_t len[MAX_TYPES];
    int n;
} Names;

typedef struct {
    const unsigned char *s;
    Py_ssize_t n;
} Span;

typedef struct {
    int64_t max_amount, max_dwelling, max_children, months_clip, first_child_member;
    int wage;
    const Names *cost_types, *income_types;
} Limits;

/* one line being read; values are collected here and copied to the outputs only when the line is taken */
typedef struct {
    int64_t month, municipality, dwelling;
    int n_adults, n_children;
    Span adult_id[2];
    int64_t adult_months[2], adult_since[2];
    Span child_id[MAX_CHILDREN_TAKEN];
    int64_t child_age[MAX_CHILDREN_TAKEN], child_lunch[MAX_CHILDREN_TAKEN], child_days[MAX_CHILDREN_TAKEN],
        child_earnings[MAX_CHILDREN_TAKEN];
    Py_ssize_t cost_start, income_start; /* rows in the cost and income buffers */
    Py_ssize_t n_costs, n_incomes;
} Line;

typedef struct {
    const unsigned char *p, *end;
    const Limits *lim;
    Buf *costs, *incomes;
    Span *members; /* the member of each income of the line (n == -1: none given) */
    Py_ssize_t members_cap;
} Cur;

#define FAIL 0
#define OK 1

static inline void ws(Cur *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n')) c->p++;
}

static inline int expect(Cur *c, unsigned char ch) {
    ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return OK;
    }
    return FAIL;
}

static inline int hexval(unsigned char ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* A well-formed UTF-8 sequence starting at p (first byte >= 0x80): its length, or 0 (overlong forms,
 * surrogates and code points above U+10FFFF are not well-formed). */
static inline int utf8_length(const unsigned char *p, const unsigned char *end) {
    unsigned char b0 = p[0];
    Py_ssize_t left = end - p;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        return (left >= 2 && (p[1] & 0xC0) == 0x80) ? 2 : 0;
    }
    if (b0 >= 0xE0 && b0 <= 0xEF) {
        if (left < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
        if (b0 == 0xE0 && p[1] < 0xA0) return 0; /* overlong */
        if (b0 == 0xED && p[1] >= 0xA0) return 0; /* surrogate */
        return 3;
    }
    if (b0 >= 0xF0 && b0 <= 0xF4) {
        if (left < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
        if (b0 == 0xF0 && p[1] < 0x90) return 0; /* overlong */
        if (b0 == 0xF4 && p[1] >= 0x90) return 0; /* above U+10FFFF */
        return 4;
    }
    return 0;
}

/* Bytes that end a run of plain characters in a string: '"', '\\', control characters and non-ASCII. */
static unsigned char SPECIAL[256];

static void init_special(void) {
    for (int ch = 0; ch < 256; ch++) SPECIAL[ch] = ch < 0x20 || ch >= 0x80 || ch == '"' || ch == '\\';
}

/* A JSON string. plain: 1 when it has no escape (then *out is its text, UTF-8). */
static int string(Cur *c, Span *out, int *plain) {
    ws(c);
    if (c->p >= c->end || *c->p != '"') return FAIL;
    const unsigned char *start = ++c->p;
    int escaped = 0;
    while (c->p < c->end) {
        while (c->p < c->end && !SPECIAL[*c->p]) c->p++;
        if (c->p >= c->end) break;
        unsigned char ch = *c->p;
        if (ch == '"') {
            out->s = start;
            out->n = c->p - start;
            c->p++;
            *plain = !escaped;
            return OK;
        }
        if (ch < 0x20) return FAIL;
        if (ch == '\\') {
            escaped = 1;
            if (c->end - c->p < 2) return FAIL;
            unsigned char e = c->p[1];
            if (e == 'u') {
                if (c->end - c->p < 6) return FAIL;
                int v = 0;
                for (int i = 2; i < 6; i++) {
                    int h = hexval(c->p[i]);
                    if (h < 0) return FAIL;
                    v = v * 16 + h;
                }
                if (v >= 0xD800 && v <= 0xDFFF) return FAIL; /* surrogates: left to the single path */
                c->p += 6;
            } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
                c->p += 2;
            } else {
                return FAIL;
            }
        } else if (ch >= 0x80) {
            int n = utf8_length(c->p, c->end);
            if (!n) return FAIL;
            c->p += n;
        } else {
            c->p++;
        }
    }
    return FAIL;
}

/* A string without escapes. */
static inline int plain_string(Cur *c, Span *out) {
    int plain;
    return string(c, out, &plain) && plain;
}

static inline int literal(Cur *c, const char *word, Py_ssize_t n) {
    ws(c);
    if (c->end - c->p >= n && memcmp(c->p, word, (size_t)n) == 0) {
        c->p += n;
        return OK;
    }
    return FAIL;
}

static inline int is_null(Cur *c) {
    ws(c);
    if (c->end - c->p >= 4 && memcmp(c->p, "null", 4) == 0) {
        c->p += 4;
        return 1;
    }
    return 0;
}

static inline int number_ends(Cur *c) {
    /* a number is followed by whitespace, ',', '}' or ']'; anything else (".", "e", a letter) is not taken */
    if (c->p >= c->end) return OK;
    unsigned char ch = *c->p;
    return (ch == ',' || ch == '}' || ch == ']' || ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n');
}

#define SATURATED ((int64_t)1000000000000000000) /* 10**18: any integer at least this large */

/* A non-negative JSON integer written as plain digits (no sign, fraction or exponent), within lo..hi; an
 * integer of 10**18 or more is read as 10**18 (so hi must be below 10**18 or be INT64_MAX, for a value that
 * the caller clips). */
static int integer(Cur *c, int64_t lo, int64_t hi, int64_t *out) {
    ws(c);
    const unsigned char *s = c->p;
    int64_t v = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        v = v < SATURATED / 10 ? v * 10 + (*c->p - '0') : SATURATED;
        c->p++;
    }
    Py_ssize_t n = c->p - s;
    if (n == 0 || (n > 1 && *s == '0')) return FAIL;
    if (!number_ends(c)) return FAIL;
    if (v < lo || v > hi) return FAIL;
    *out = v;
    return OK;
}

/* An amount: plain digits with at most two decimals, as öre, at most max_amount. */
static int amount(Cur *c, int64_t *out) {
    ws(c);
    const unsigned char *s = c->p;
    int64_t v = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        if (c->p - s >= 12) return FAIL;
        v = v * 10 + (*c->p - '0');
        c->p++;
    }
    Py_ssize_t n = c->p - s;
    if (n == 0 || (n > 1 && *s == '0')) return FAIL;
    v *= 100;
    if (c->p < c->end && *c->p == '.') {
        c->p++;
        const unsigned char *f = c->p;
        int64_t scale = 10;
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
            if (c->p - f >= 2) return FAIL; /* more than two decimals: the single path decides */
            v += (*c->p - '0') * scale;
            scale /= 10;
            c->p++;
        }
        if (c->p == f) return FAIL;
    }
    if (!number_ends(c)) return FAIL;
    if (v > c->lim->max_amount) return FAIL;
    *out = v;
    return OK;
}

/* A month "YYYY-MM", 1900-01 ... 2199-12, as year*12 + month-1. */
static int month(Cur *c, int64_t *out) {
    Span s;
    if (!plain_string(c, &s) || s.n != 7) return FAIL;
    const unsigned char *t = s.s;
    for (int i = 0; i < 7; i++) {
        if (i == 4) {
            if (t[i] != '-') return FAIL;
        } else if (t[i] < '0' || t[i] > '9') {
            return FAIL;
        }
    }
    int year = (t[0] - '0') * 1000 + (t[1] - '0') * 100 + (t[2] - '0') * 10 + (t[3] - '0');
    int m = (t[5] - '0') * 10 + (t[6] - '0');
    if (year < 1900 || year > 2199 || m < 1 || m > 12) return FAIL;
    *out = (int64_t)year * 12 + m - 1;
    return OK;
}

/* A key of an object: its index in names (n names), or -1 when unknown. Sets *seen's bit, fails on a
 * key given twice. */
typedef struct {
    const char *s;
    Py_ssize_t n;
} Key;

#define KEY(text) {text, sizeof(text) - 1}

static int key(Cur *c, const Key *names, int n, unsigned *seen, int *index) {
    Span s;
    if (!plain_string(c, &s) || !expect(c, ':')) return FAIL;
    for (int i = 0; i < n; i++) {
        if (names[i].n == s.n && memcmp(names[i].s, s.s, (size_t)s.n) == 0) {
            if (*seen & (1u << i)) return FAIL;
            *seen |= 1u << i;
            *index = i;
            return OK;
        }
    }
    return FAIL; /* an unknown key */
}

static int type_code(Cur *c, const Names *names, int64_t *out) {
    Span s;
    if (!plain_string(c, &s)) return FAIL;
    for (int i = 0; i < names->n; i++) {
        if (names->len[i] == s.n && memcmp(names->text[i], s.s, (size_t)s.n) == 0) {
            *out = i;
            return OK;
        }
    }
    return FAIL;
}

/* Calls item(c, line, i) for each element of an array (at most max elements). */
typedef int (*ItemFn)(Cur *, Line *, int);

static int array(Cur *c, Line *line, ItemFn item, int max, int *count) {
    if (!expect(c, '[')) return FAIL;
    int i = 0;
    ws(c);
    if (c->p < c->end && *c->p == ']') {
        c->p++;
        *count = 0;
        return OK;
    }
    for (;;) {
        if (i >= max) return FAIL;
        if (!item(c, line, i)) return FAIL;
        i++;
        ws(c);
        if (c->p >= c->end) return FAIL;
        if (*c->p == ',') {
            c->p++;
            continue;
        }
        if (*c->p == ']') {
            c->p++;
            *count = i;
            return OK;
        }
        return FAIL;
    }
}

/* Calls field(c, line, i, key) for each key of an object; fails when a key of `required` is missing. */
typedef int (*FieldFn)(Cur *, Line *, int, int);

static int object(Cur *c, Line *line, int i, const Key *names, int n, unsigned required, FieldFn field) {
    if (!expect(c, '{')) return FAIL;
    unsigned seen = 0;
    ws(c);
    if (c->p < c->end && *c->p == '}') {
        c->p++;
        return (seen & required) == required;
    }
    for (;;) {
        int k;
        if (!key(c, names, n, &seen, &k)) return FAIL;
        if (!field(c, line, i, k)) return FAIL;
        ws(c);
        if (c->p >= c->end) return FAIL;
        if (*c->p == ',') {
            c->p++;
            continue;
        }
        if (*c->p == '}') {
            c->p++;
            return (seen & required) == required;
        }
        return FAIL;
    }
}

/* --- the contract's objects ------------------------------------------------------------------------ */

static const Key ADULT_KEYS[] = {KEY("id"), KEY("age"), KEY("consecutive_months_on_assistance"),
                                 KEY("jobbstimulans_since")};
static const Key CHILD_KEYS[] = {KEY("id"), KEY("age"), KEY("lunch_away_from_home"), KEY("days_present"),
                                 KEY("earnings_this_year_before_month")};
static const Key HOUSEHOLD_KEYS[] = {KEY("adults"), KEY("children"), KEY("dwelling_size")};
static const Key COST_KEYS[] = {KEY("type"), KEY("amount"), KEY("note")};
static const Key INCOME_KEYS[] = {KEY("type"), KEY("amount"), KEY("member"), KEY("note")};
static const Key INPUT_KEYS[] = {KEY("month"), KEY("municipality"), KEY("household"), KEY("costs"), KEY("incomes")};

static int adult_field(Cur *c, Line *L, int i, int k) {
    int64_t v;
    switch (k) {
    case 0:
        return plain_string(c, &L->adult_id[i]) && L->adult_id[i].n > 0;
    case 1:
        return integer(c, 18, 130, &v);
    case 2:
        if (!integer(c, 0, INT64_MAX, &v)) return FAIL;
        L->adult_months[i] = v < c->lim->months_clip ? v : c->lim->months_clip;
        return OK;
    case 3:
        if (is_null(c)) {
            L->adult_since[i] = -1;
            return OK;
        }
        return month(c, &L->adult_since[i]);
    }
    return FAIL;
}

static int adult_item(Cur *c, Line *L, int i) {
    L->adult_months[i] = 0;
    L->adult_since[i] = -1;
    return object(c, L, i, ADULT_KEYS, 4, 0x3, adult_field);
}

static int child_field(Cur *c, Line *L, int i, int k) {
    int64_t v;
    switch (k) {
    case 0:
        return plain_string(c, &L->child_id[i]) && L->child_id[i].n > 0;
    case 1:
        return integer(c, 0, 20, &L->child_age[i]);
    case 2:
        if (literal(c, "true", 4)) {
            L->child_lunch[i] = 1;
            return OK;
        }
        if (literal(c, "false", 5)) {
            L->child_lunch[i] = 0;
            return OK;
        }
        return FAIL;
    case 3:
        if (is_null(c)) {
            L->child_days[i] = -1;
            return OK;
        }
        return integer(c, 0, 31, &L->child_days[i]);
    case 4:
        if (!amount(c, &v)) return FAIL;
        L->child_earnings[i] = v;
        return OK;
    }
    return FAIL;
}

static int child_item(Cur *c, Line *L, int i) {
    L->child_lunch[i] = 0;
    L->child_days[i] = -1;
    L->child_earnings[i] = 0;
    return object(c, L, i, CHILD_KEYS, 5, 0x3, child_field);
}

static int household_field(Cur *c, Line *L, int i, int k) {
    (void)i;
    int64_t v;
    switch (k) {
    case 0:
        return array(c, L, adult_item, 2, &L->n_adults) && L->n_adults >= 1;
    case 1:
        return array(c, L, child_item, MAX_CHILDREN_TAKEN, &L->n_children);
    case 2:
        if (is_null(c)) {
            L->dwelling = 0;
            return OK;
        }
        if (!integer(c, 1, INT64_MAX, &v)) return FAIL;
        L->dwelling = v < c->lim->max_dwelling ? v : c->lim->max_dwelling;
        return OK;
    }
    return FAIL;
}

static int cost_field(Cur *c, Line *L, int i, int k) {
    int64_t *row = c->costs->data + (L->cost_start + i) * 2;
    Span s;
    int plain;
    switch (k) {
    case 0:
        return type_code(c, c->lim->cost_types, &row[0]);
    case 1:
        return amount(c, &row[1]);
    case 2:
        return string(c, &s, &plain);
    }
    return FAIL;
}

static int cost_item(Cur *c, Line *L, int i) {
    if (buf_reserve(c->costs, (L->cost_start + i + 1) * 2 - c->costs->len) < 0) return FAIL; /* error set */
    c->costs->len = (L->cost_start + i + 1) * 2;
    return object(c, L, i, COST_KEYS, 3, 0x3, cost_field);
}

static int income_field(Cur *c, Line *L, int i, int k) {
    int64_t *row = c->incomes->data + (L->income_start + i) * 3;
    Span s;
    int plain;
    switch (k) {
    case 0:
        return type_code(c, c->lim->income_types, &row[0]);
    case 1:
        return amount(c, &row[1]);
    case 2:
        return plain_string(c, &c->members[i]);
    case 3:
        return string(c, &s, &plain);
    }
    return FAIL;
}

static int income_item(Cur *c, Line *L, int i) {
    if (buf_reserve(c->incomes, (L->income_start + i + 1) * 3 - c->incomes->len) < 0) return FAIL; /* error set */
    c->incomes->len = (L->income_start + i + 1) * 3;
    if (i >= c->members_cap) {
        Py_ssize_t cap = c->members_cap * 2;
        Span *m = PyMem_Realloc(c->members, (size_t)cap * sizeof(Span));
        if (!m) {
            PyErr_NoMemory();
            return FAIL;
        }
        c->members = m;
        c->members_cap = cap;
    }
    c->members[i].s = NULL;
    c->members[i].n = -1;
    return object(c, L, i, INCOME_KEYS, 4, 0x3, income_field);
}

static int input_field(Cur *c, Line *L, int i, int k) {
    (void)i;
    Span s;
    int count;
    switch (k) {
    case 0:
        return month(c, &L->month);
    case 1:
        if (!plain_string(c, &s) || s.n != 4) return FAIL;
        for (int j = 0; j < 4; j++)
            if (s.s[j] < '0' || s.s[j] > '9') return FAIL;
        L->municipality = (s.s[0] - '0') * 1000 + (s.s[1] - '0') * 100 + (s.s[2] - '0') * 10 + (s.s[3] - '0');
        return OK;
    case 2:
        return object(c, L, 0, HOUSEHOLD_KEYS, 3, 0x1, household_field);
    case 3:
        if (!array(c, L, cost_item, INT32_MAX, &count)) return FAIL;
        L->n_costs = count;
        return OK;
    case 4:
        if (!array(c, L, income_item, INT32_MAX, &count)) return FAIL;
        L->n_incomes = count;
        return OK;
    }
    return FAIL;
}

static inline int same(Span a, Span b) { return a.n == b.n && memcmp(a.s, b.s, (size_t)a.n) == 0; }

/* Reads one line into L (and rows of the cost and income buffers). 1: taken; 0: not taken; -1: error. */
static int read_line(Cur *c, Line *L) {
    L->month = -1;
    L->municipality = -1;
    L->dwelling = 0;
    L->n_adults = L->n_children = 0;
    L->n_costs = L->n_incomes = 0;
    L->cost_start = c->costs->len / 2;
    L->income_start = c->incomes->len / 3;
    int r = object(c, L, 0, INPUT_KEYS, 5, 0x5, input_field);
    if (r != OK) return PyErr_Occurred() ? -1 : 0;
    ws(c);
    if (c->p != c->end) return 0;
    /* the checks the schema cannot express */
    int persons = L->n_adults + L->n_children;
    if (L->dwelling > 0 && L->dwelling < persons) return 0;
    if (L->n_children > c->lim->max_children) return 0;
    Span ids[2 + MAX_CHILDREN_TAKEN];
    for (int a = 0; a < L->n_adults; a++) ids[a] = L->adult_id[a];
    for (int j = 0; j < L->n_children; j++) ids[L->n_adults + j] = L->child_id[j];
    for (int a = 0; a < persons; a++)
        for (int b = a + 1; b < persons; b++)
            if (same(ids[a], ids[b])) return 0;
    for (Py_ssize_t i = 0; i < L->n_incomes; i++) {
        int64_t *row = c->incomes->data + (L->income_start + i) * 3;
        Span m = c->members[i];
        row[2] = -1;
        if (m.n < 0) {
            if (row[0] == c->lim->wage) return 0; /* a wage needs a member */
            continue;
        }
        for (int a = 0; a < persons; a++) {
            if (same(m, ids[a])) {
                row[2] = a < L->n_adults ? a : c->lim->first_child_member + (a - L->n_adults);
                break;
            }
        }
        if (row[2] < 0) return 0; /* names no one in the household */
    }
    return 1;
}

static int names_from(PyObject *seq, Names *names, const char *what) {
    PyObject *fast = PySequence_Fast(seq, what);
    if (!fast) return -1;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    if (n > MAX_TYPES) {
        Py_DECREF(fast);
        PyErr_Format(PyExc_ValueError, "%s: at most %d names", what, MAX_TYPES);
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(fast, i);
        /* the names are kept alive by the caller's tuple (module constants) */
        names->text[i] = PyUnicode_AsUTF8AndSize(item, &names->len[i]);
        if (!names->text[i]) {
            Py_DECREF(fast);
            return -1;
        }
    }
    names->n = (int)n;
    Py_DECREF(fast);
    return 0;
}

static PyObject *bytes_of(Buf *b) {
    return PyBytes_FromStringAndSize((const char *)b->data, b->len * (Py_ssize_t)sizeof(int64_t));
}

static PyObject *scan(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer text;
    PyObject *cost_names, *income_names;
    int wage;
    long long max_amount, max_dwelling, max_children, months_clip, first_child_member;
    if (!PyArg_ParseTuple(args, "y*OOi(LLLLL)", &text, &cost_names, &income_names, &wage, &max_amount,
                          &max_dwelling, &max_children, &months_clip, &first_child_member))
        return NULL;
    Names costs_n, incomes_n;
    PyObject *result = NULL, *child_ids = NULL;
    Buf hh = {0}, ad = {0}, ch = {0}, co = {0}, in = {0};
    Cur c = {0};
    if (names_from(cost_names, &costs_n, "cost_types") < 0 || names_from(income_names, &incomes_n, "income_types") < 0)
        goto done;
    if (max_children > MAX_CHILDREN_TAKEN) max_children = MAX_CHILDREN_TAKEN;
    Limits lim = {max_amount, max_dwelling, max_children, months_clip, first_child_member, wage, &costs_n, &incomes_n};
    child_ids = PyList_New(0);
    if (!child_ids) goto done;
    c.lim = &lim;
    c.costs = &co;
    c.incomes = &in;
    c.members_cap = 16;
    c.members = PyMem_Malloc(16 * sizeof(Span));
    if (!c.members) {
        PyErr_NoMemory();
        goto done;
    }
    Line L;
    const unsigned char *p = text.buf, *end = p + text.len;
    while (p < end) {
        const unsigned char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol) eol = end;
        c.p = p;
        c.end = eol;
        int taken = read_line(&c, &L);
        if (taken < 0) goto done;
        if (buf_reserve(&hh, 8) < 0 || buf_reserve(&ad, 4) < 0 || buf_reserve(&ch, 4 * (Py_ssize_t)L.n_children) < 0)
            goto done;
        int64_t *h = hh.data + hh.len;
        hh.len += 8;
        if (!taken) {
            co.len = L.cost_start * 2; /* drop what was read of the line */
            in.len = L.income_start * 3;
            /* a placeholder household: one adult (0 months, no window), nothing else */
            h[0] = -1, h[1] = -1, h[2] = 1, h[3] = 0, h[4] = 0, h[5] = 0, h[6] = 0, h[7] = 0;
            ad.data[ad.len++] = 0;
            ad.data[ad.len++] = -1;
        } else {
            h[0] = L.month, h[1] = L.municipality, h[2] = L.n_adults, h[3] = L.n_children;
            h[4] = L.n_costs, h[5] = L.n_incomes, h[6] = L.dwelling, h[7] = 1;
            for (int a = 0; a < L.n_adults; a++) {
                ad.data[ad.len++] = L.adult_months[a];
                ad.data[ad.len++] = L.adult_since[a];
            }
            for (int j = 0; j < L.n_children; j++) {
                int64_t *r = ch.data + ch.len;
                r[0] = L.child_age[j], r[1] = L.child_lunch[j], r[2] = L.child_days[j], r[3] = L.child_earnings[j];
                ch.len += 4;
                PyObject *id = PyUnicode_DecodeUTF8((const char *)L.child_id[j].s, L.child_id[j].n, "strict");
                if (!id) goto done;
                int rc = PyList_Append(child_ids, id);
                Py_DECREF(id);
                if (rc < 0) goto done;
            }
        }
        p = eol + 1;
    }
    result = Py_BuildValue("NNNNNO", bytes_of(&hh), bytes_of(&ad), bytes_of(&ch), bytes_of(&co), bytes_of(&in),
                           child_ids);
done:
    Py_XDECREF(child_ids);
    PyMem_Free(hh.data);
    PyMem_Free(ad.data);
    PyMem_Free(ch.data);
    PyMem_Free(co.data);
    PyMem_Free(in.data);
    PyMem_Free(c.members);
    PyBuffer_Release(&text);
    return result;
}

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS,
     "scan(text, cost_types, income_types, wage, (max_amount_ore, max_dwelling, max_children, months_clip, "
     "first_child_member)) -> (households, adults, children, costs, incomes, child_ids): JSON Lines of "
     "calculation inputs as int64 rows (see the module's source for the layout); lines not taken have "
     "taken = 0."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_linescan",
    "The batch reader's compiled fast path (bistand.engine.batch_io): JSON Lines of calculation inputs "
    "straight into columns.",
    -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__linescan(void) {
    init_special();
    return PyModule_Create(&module);
}
