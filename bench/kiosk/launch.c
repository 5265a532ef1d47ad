/*
 * kb-launch - reads CLOCK_MONOTONIC, puts it in KB_T0_NS and execs the
 * command: the start of "process start to first frame" for run.sh (the
 * end is taken in the process by firstframe.so).
 *
 *   kb-launch COMMAND [ARG...]
 *   kb-launch --now        prints CLOCK_MONOTONIC in ns (for the runner)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs("usage: kb-launch COMMAND [ARG...]\n", stderr);
        return 2;
    }
    char t0[32];
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    snprintf(t0, sizeof t0, "%lld", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
    if (strcmp(argv[1], "--now") == 0) {
        puts(t0);
        return 0;
    }
    setenv("KB_T0_NS", t0, 1);
    execvp(argv[1], argv + 1);
    fprintf(stderr, "kb-launch: %s: %s\n", argv[1], strerror(errno));
    return 127;
}
