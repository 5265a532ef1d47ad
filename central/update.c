/*
 * update.c - `synaq-central update build --deb A.deb [--deb B.deb]
 * [--version V] [--allow-downgrade] -o FILE`: reads each package's name
 * and version with `dpkg-deb -f` ($SYNAQ_DPKG_DEB, for tests), and writes
 * the update file signed with central's signing key (sq_update_build).
 * `update show FILE` checks a file against central's own key and lists it.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "synaq/keys.h"
#include "synaq/update.h"
#include "update.h"

/* Runs `dpkg-deb -f DEB FIELD` and puts its first line in out. 0: done. */
static int deb_field(const char *deb, const char *field, char *out, size_t cap)
{
    const char *tool = getenv("SYNAQ_DPKG_DEB");
    if (!tool || !*tool)
        tool = "dpkg-deb";
    int fds[2];
    if (pipe(fds))
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execlp(tool, tool, "-f", deb, field, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    size_t got = 0;
    ssize_t r;
    char buf[512];
    while ((r = read(fds[0], buf, sizeof buf)) != 0) {
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        size_t take = got + (size_t)r < cap - 1 ? (size_t)r : cap - 1 - got;
        memcpy(out + got, buf, take);
        got += take;
    }
    close(fds[0]);
    out[got] = '\0';
    out[strcspn(out, "\n")] = '\0';
    int ws;
    while (waitpid(pid, &ws, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(ws) && WEXITSTATUS(ws) == 0 && out[0] ? 0 : -1;
}

static int usage(void)
{
    fputs("usage: synaq-central update build --deb FILE.deb [--deb FILE.deb...] [--version V]\n"
          "                                  [--allow-downgrade] -o FILE.squ\n"
          "       synaq-central update show FILE.squ\n",
          stderr);
    return 2;
}

static void print_manifest(const char *path, const sq_update_manifest *m)
{
    printf("%s: update %s%s, %zu package(s)\n", path, m->version,
           m->allow_downgrade ? " (downgrade allowed)" : "", m->n_pkgs);
    for (size_t i = 0; i < m->n_pkgs; i++)
        printf("  %s %s  %llu bytes  sha256 %s\n", m->pkgs[i].name, m->pkgs[i].version,
               (unsigned long long)m->pkgs[i].size, m->pkgs[i].sha256);
}

static int cmd_build(const char *keys_dir, int argc, char **argv)
{
    const char *debs[SQ_UPDATE_MAX_PKGS];
    const char *out = NULL, *version = NULL;
    sq_update_manifest m;
    memset(&m, 0, sizeof m);
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--deb") && i + 1 < argc) {
            if (m.n_pkgs == SQ_UPDATE_MAX_PKGS) {
                fprintf(stderr, "synaq-central update: at most %d packages\n", SQ_UPDATE_MAX_PKGS);
                return 2;
            }
            debs[m.n_pkgs++] = argv[++i];
        } else if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--out")) && i + 1 < argc) {
            out = argv[++i];
        } else if (!strcmp(argv[i], "--version") && i + 1 < argc) {
            version = argv[++i];
        } else if (!strcmp(argv[i], "--allow-downgrade")) {
            m.allow_downgrade = true;
        } else {
            return usage();
        }
    }
    if (!out || m.n_pkgs == 0)
        return usage();
    for (size_t i = 0; i < m.n_pkgs; i++)
        if (deb_field(debs[i], "Package", m.pkgs[i].name, sizeof m.pkgs[i].name) ||
            deb_field(debs[i], "Version", m.pkgs[i].version, sizeof m.pkgs[i].version)) {
            fprintf(stderr, "synaq-central update: %s: dpkg-deb cannot read its Package and "
                    "Version: not a Debian package?\n", debs[i]);
            return 1;
        }
    /* The update's version: the one given, else the station package's,
     * else the first package's. */
    const char *v = version ? version : m.pkgs[0].version;
    for (size_t i = 0; !version && i < m.n_pkgs; i++)
        if (!strcmp(m.pkgs[i].name, "synaq-station"))
            v = m.pkgs[i].version;
    snprintf(m.version, sizeof m.version, "%s", v);
    m.created_wall_s = (int64_t)time(NULL);
    sq_central_keys *k = NULL;
    sq_err e;
    if (sq_central_open(keys_dir, SQ_CENTRAL_SIGN, &k, &e) ||
        sq_update_build(k, debs, &m, out, &e)) {
        fprintf(stderr, "synaq-central update: %s\n", e.msg);
        sq_central_close(k);
        return 1;
    }
    sq_central_close(k);
    print_manifest(out, &m);
    printf("signed with central's signing key; stations install it with 'synaqctl update'\n");
    return 0;
}

static int cmd_show(const char *keys_dir, const char *path)
{
    char pub[4200];
    uint8_t sign_pk[32], results_pk[32];
    sq_update_manifest m;
    sq_err e;
    snprintf(pub, sizeof pub, "%s/central.pub", keys_dir);
    if (sq_central_pub_load(pub, sign_pk, results_pk, &e) ||
        sq_update_read(path, sign_pk, &m, &e)) {
        fprintf(stderr, "synaq-central update: %s\n", e.msg);
        return 1;
    }
    print_manifest(path, &m);
    return 0;
}

int update_command(const char *keys_dir, int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "build"))
        return cmd_build(keys_dir, argc, argv);
    if (argc == 3 && !strcmp(argv[1], "show"))
        return cmd_show(keys_dir, argv[2]);
    return usage();
}
