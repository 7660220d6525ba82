/* A compiled hook for passgate's tests. It writes its environment (NUL-separated) to
 * $HOOK_DUMP and its /proc/self/cmdline to $HOOK_DUMP.cmdline, prints $HOOK_ANSWER, and
 * exits with $HOOK_EXIT, or dies of a signal when $HOOK_MODE is "abort" or "segv". */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

extern char **environ;

static int copy_file(const char *from, const char *to) {
    FILE *in = fopen(from, "rb");
    FILE *out = fopen(to, "wb");
    char buf[4096];
    size_t n;
    if (!in || !out) return -1;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, n, out);
    fclose(in);
    return fclose(out);
}

int main(void) {
    const char *dump = getenv("HOOK_DUMP");
    const char *mode = getenv("HOOK_MODE");
    const char *answer = getenv("HOOK_ANSWER");
    const char *code = getenv("HOOK_EXIT");
    if (dump) {
        char path[4096];
        FILE *f = fopen(dump, "wb");
        if (!f) return 3;
        for (char **e = environ; *e; e++) fwrite(*e, 1, strlen(*e) + 1, f);
        fclose(f);
        snprintf(path, sizeof path, "%s.cmdline", dump);
        if (copy_file("/proc/self/cmdline", path) != 0) return 4;
    }
    if (mode) {
        struct rlimit none = {0, 0};
        setrlimit(RLIMIT_CORE, &none); /* no core file from the crashes below */
        if (strcmp(mode, "abort") == 0) abort();
        if (strcmp(mode, "segv") == 0) raise(SIGSEGV);
    }
    if (answer) fputs(answer, stdout);
    return code ? atoi(code) : 0;
}
