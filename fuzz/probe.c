/* Sanitizer probe for `.ci/fuzz --selftest`: two known bugs, compiled with the same CFLAGS as the
 * mypyc modules and called through ctypes under the same LD_PRELOAD and options as the fuzz run.
 * Each must be reported and must stop the process; if not, the sanitizers are not live and the
 * fuzz job fails instead of passing silently. */
#include <stdlib.h>

/* UBSan: signed integer overflow when called with (INT_MAX, 1). */
int probe_add(int a, int b) { return a + b; }

/* ASan: a heap read past the end of an n-int block when called with i >= n (n is not known at
 * compile time, so it is ASan's shadow memory that catches it, not UBSan's object-size check). */
int probe_read(int n, int i) {
    int *block = malloc(n * sizeof *block);
    for (int k = 0; k < n; k++) block[k] = k;
    int v = block[i];
    free(block);
    return v;
}
