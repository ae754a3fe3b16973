/*
 * gil.c — pyembed_gil_acquire/release (pyembed.h, docs/embedding.md §4).
 *
 * Acquires nest: each is a PyGILState_Ensure whose state goes on the
 * calling thread's stack, and a release pops it (PyGILState_Release).
 * A release with nothing on the stack gives up the GIL the thread holds
 * without having acquired it here (the creating thread after create, or
 * a thread inside a C function Python called): PyEval_SaveThread, whose
 * thread state the thread's next acquire restores. A C callback runs with
 * a fresh stack (pyembed__gil_enter_callback), so its releases never pop
 * an acquire made outside it.
 */
#include "pyembed_int.h"

#define MAX_DEPTH 64

static _Thread_local pyembed_gil_stack stack;

/* Checks it is running. */
static int running(pyembed_interp *it)
{
    if (!it)
        return PYEMBED_EINVAL;
    return it->state == IT_RUNNING ? PYEMBED_OK
                                   : pyembed__fail(it, PYEMBED_ESTATE, "interpreter is not running");
}

int pyembed_gil_acquire(pyembed_interp *it)
{
    int rc = running(it);
    if (rc)
        return rc;
    if (stack.saved) { /* undo this thread's own empty-stack release */
        PyEval_RestoreThread(stack.saved);
        stack.saved = NULL;
        return PYEMBED_OK;
    }
    if (stack.depth == MAX_DEPTH)
        return pyembed__fail(it, PYEMBED_EINVAL, "pyembed_gil_acquire nested more than %d "
                             "deep", MAX_DEPTH);
    if (PyGILState_Ensure() == PyGILState_LOCKED)
        stack.locked |= UINT64_C(1) << stack.depth;
    else
        stack.locked &= ~(UINT64_C(1) << stack.depth);
    stack.depth++;
    return PYEMBED_OK;
}

int pyembed_gil_release(pyembed_interp *it)
{
    int rc = running(it);
    if (rc)
        return rc;
    if (stack.depth) {
        stack.depth--;
        PyGILState_Release((stack.locked >> stack.depth) & 1 ? PyGILState_LOCKED
                                                             : PyGILState_UNLOCKED);
        return PYEMBED_OK;
    }
    if (stack.saved || !PyGILState_Check())
        return pyembed__fail(it, PYEMBED_ESTATE, "this thread does not hold the GIL");
    stack.saved = PyEval_SaveThread();
    return PYEMBED_OK;
}

void pyembed__gil_enter_callback(pyembed_gil_stack *outer)
{
    *outer = stack;
    stack.depth = 0;
    stack.saved = NULL;
}

void pyembed__gil_leave_callback(const pyembed_gil_stack *outer)
{
    if (stack.saved) /* the callback gave the GIL up and did not take it back */
        PyEval_RestoreThread(stack.saved);
    while (stack.depth) { /* nor ended its acquires */
        stack.depth--;
        PyGILState_Release((stack.locked >> stack.depth) & 1 ? PyGILState_LOCKED
                                                             : PyGILState_UNLOCKED);
    }
    stack = *outer;
}

void pyembed__gil_reclaim(void)
{
    if (stack.saved) {
        PyEval_RestoreThread(stack.saved);
        stack.saved = NULL;
    } else if (!PyGILState_Check()) {
        (void)PyGILState_Ensure(); /* finalisation follows; never released */
    }
}
