/* HMAC-SHA256 blind indexes for the send check, two a message (registry.service.send_check.
 * keyed): the same hex digest as PiiCipher.blind_index, from SHA-256 states kept here.
 *
 * hashlib continues a kept state by copying an OpenSSL EVP context, which allocates and takes
 * provider locks; four such copies make an index (about 650 ns). OpenSSL's plain SHA-256
 * context is a struct: copied by assignment, it makes the same index in about 150-250 ns,
 * with the same block function (SHA extensions where the CPU has them). No key is made or
 * kept here but the two states the caller's blocks hash to. */
#define PY_SSIZE_T_CLEAN
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA256_Init & co. remain in OpenSSL 3 */
#include <Python.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

typedef struct {
    PyObject_HEAD
    SHA256_CTX inner; /* after the key's inner block and `field NUL` */
    SHA256_CTX outer; /* after the key's outer block */
} Keyed;

static int
Keyed_init(Keyed *self, PyObject *args, PyObject *kwargs)
{
    Py_buffer inner, outer;
    if (kwargs != NULL && PyDict_GET_SIZE(kwargs) != 0) {
        PyErr_SetString(PyExc_TypeError, "Keyed(inner, outer) takes no keywords");
        return -1;
    }
    if (!PyArg_ParseTuple(args, "y*y*:Keyed", &inner, &outer))
        return -1;
    int ok = SHA256_Init(&self->inner) && SHA256_Update(&self->inner, inner.buf, inner.len)
        && SHA256_Init(&self->outer) && SHA256_Update(&self->outer, outer.buf, outer.len);
    PyBuffer_Release(&inner);
    PyBuffer_Release(&outer);
    if (!ok) {
        PyErr_SetString(PyExc_RuntimeError, "SHA-256 failed");
        return -1;
    }
    return 0;
}

static void
Keyed_dealloc(Keyed *self)
{
    OPENSSL_cleanse(&self->inner, sizeof(self->inner));
    OPENSSL_cleanse(&self->outer, sizeof(self->outer));
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static const char HEX[] = "0123456789abcdef";

/* hex(value: str) -> str: HMAC-SHA256 of the kept prefix and value's UTF-8, 64 hex digits. */
static PyObject *
Keyed_hex(Keyed *self, PyObject *value)
{
    if (!PyUnicode_Check(value)) {
        PyErr_Format(PyExc_TypeError, "hex() takes a str, not %.100s", Py_TYPE(value)->tp_name);
        return NULL;
    }
    Py_ssize_t size;
    const char *data = PyUnicode_AsUTF8AndSize(value, &size); /* raises on a lone surrogate */
    if (data == NULL)
        return NULL;
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256_CTX ctx = self->inner;
    int ok = SHA256_Update(&ctx, data, (size_t)size) && SHA256_Final(digest, &ctx);
    ctx = self->outer;
    ok = ok && SHA256_Update(&ctx, digest, sizeof(digest)) && SHA256_Final(digest, &ctx);
    OPENSSL_cleanse(&ctx, sizeof(ctx));
    if (!ok) {
        PyErr_SetString(PyExc_RuntimeError, "SHA-256 failed");
        return NULL;
    }
    PyObject *found = PyUnicode_New(2 * SHA256_DIGEST_LENGTH, 127);
    if (found == NULL)
        return NULL;
    Py_UCS1 *out = PyUnicode_1BYTE_DATA(found);
    for (int at = 0; at < SHA256_DIGEST_LENGTH; at++) {
        out[2 * at] = HEX[digest[at] >> 4];
        out[2 * at + 1] = HEX[digest[at] & 15];
    }
    return found;
}

static PyMethodDef Keyed_methods[] = {
    {"hex", (PyCFunction)Keyed_hex, METH_O,
     "hex(value) -> HMAC-SHA256 of the kept prefix and value (UTF-8), in hex"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject KeyedType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "registry.service.send_check._keyed.Keyed",
    .tp_doc = "Keyed(inner, outer): SHA-256 states after HMAC's inner block (and any "
              "prefix) and its outer block",
    .tp_basicsize = sizeof(Keyed),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Keyed_init,
    .tp_dealloc = (destructor)Keyed_dealloc,
    .tp_methods = Keyed_methods,
};

static struct PyModuleDef keyed_module = {
    PyModuleDef_HEAD_INIT, "_keyed", "HMAC-SHA256 from kept SHA-256 states.", -1, NULL,
};

PyMODINIT_FUNC
PyInit__keyed(void)
{
    if (PyType_Ready(&KeyedType) < 0)
        return NULL;
    PyObject *module = PyModule_Create(&keyed_module);
    if (module == NULL)
        return NULL;
    Py_INCREF(&KeyedType);
    if (PyModule_AddObject(module, "Keyed", (PyObject *)&KeyedType) < 0) {
        Py_DECREF(&KeyedType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
