/* Coverage shim for .ci/fuzz: hands libFuzzer's coverage callbacks back to atheris.
 *
 * The sanitized extension modules need gcc's libasan first in the process (LD_PRELOAD). libasan
 * carries do-nothing default definitions of the __sanitizer_cov_* callbacks, and being first it
 * wins the dynamic symbol lookup over the real ones in atheris' bundled libFuzzer
 * (core_with_libfuzzer*.so): atheris then registers its Python coverage counters with libasan's
 * stub, and the fuzzer runs blind (atheris warns "Coverage symbols are being provided by a
 * library other than libFuzzer"). Preloaded before libasan, this library defines the same
 * callbacks and forwards each to libFuzzer's definition, looked up in the atheris core named by
 * $STACKPARSE_ATHERIS_CORE once that core is loaded. It allocates nothing and touches no memory
 * of its own, so ASan still sees every allocation.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>

static void *core(void) {
    static void *handle;
    if (!handle) {
        const char *path = getenv("STACKPARSE_ATHERIS_CORE");
        if (path) handle = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    }
    return handle;
}

#define FORWARD(name, params, args)                                            \
    void name params {                                                         \
        static void(*fn) params;                                               \
        if (!fn) {                                                             \
            void *h = core();                                                  \
            if (h) fn = (void(*) params)dlsym(h, #name);                       \
        }                                                                      \
        if (fn && fn != name) fn args;                                         \
    }

FORWARD(__sanitizer_cov_8bit_counters_init, (uint8_t *a, uint8_t *b), (a, b))
FORWARD(__sanitizer_cov_pcs_init, (const uintptr_t *a, const uintptr_t *b), (a, b))
FORWARD(__sanitizer_cov_trace_pc_guard_init, (uint32_t *a, uint32_t *b), (a, b))
FORWARD(__sanitizer_cov_trace_pc_guard, (uint32_t *g), (g))
FORWARD(__sanitizer_cov_trace_pc_indir, (uintptr_t c), (c))
FORWARD(__sanitizer_cov_trace_cmp1, (uint8_t a, uint8_t b), (a, b))
FORWARD(__sanitizer_cov_trace_cmp2, (uint16_t a, uint16_t b), (a, b))
FORWARD(__sanitizer_cov_trace_cmp4, (uint32_t a, uint32_t b), (a, b))
FORWARD(__sanitizer_cov_trace_cmp8, (uint64_t a, uint64_t b), (a, b))
FORWARD(__sanitizer_cov_trace_const_cmp1, (uint8_t a, uint8_t b), (a, b))
FORWARD(__sanitizer_cov_trace_const_cmp2, (uint16_t a, uint16_t b), (a, b))
FORWARD(__sanitizer_cov_trace_const_cmp4, (uint32_t a, uint32_t b), (a, b))
FORWARD(__sanitizer_cov_trace_const_cmp8, (uint64_t a, uint64_t b), (a, b))
FORWARD(__sanitizer_cov_trace_switch, (uint64_t v, uint64_t *cases), (v, cases))
FORWARD(__sanitizer_cov_trace_div4, (uint32_t v), (v))
FORWARD(__sanitizer_cov_trace_div8, (uint64_t v), (v))
FORWARD(__sanitizer_cov_trace_gep, (uintptr_t i), (i))
