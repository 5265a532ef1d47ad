/*
 * test_update_version.c - sq_version_compare against `dpkg
 * --compare-versions` itself, for every pair of a list that walks dpkg's
 * rules (epochs, '~', letters before other characters, leading zeros,
 * revisions); Debian's name and version rules; and update files that are
 * refused before their manifest is read (wrong magic, a manifest length
 * out of bounds, a signature that does not check out).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sodium.h>

#include "../check.h"
#include "synaq/update.h"

/* dpkg --compare-versions a OP b: 1 true, 0 false, -1 could not run. */
static int dpkg_says(const char *a, const char *op, const char *b)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execlp("dpkg", "dpkg", "--compare-versions", a, op, b, (char *)NULL);
        _exit(127);
    }
    int ws;
    if (waitpid(pid, &ws, 0) < 0 || !WIFEXITED(ws) || WEXITSTATUS(ws) > 1)
        return -1;
    return WEXITSTATUS(ws) == 0;
}

static const char *versions[] = {
    "0.1.0", "0.1.0-1", "0.1.0~rc1", "0.1.0+b1", "0.1", "0.10", "0.9", "1.0", "1.0a", "1.0.a",
    "1.0+", "1.0~", "1.0~~", "1.00", "01.0", "1:0.1", "2:0.0", "1.0-0", "1.0-1~bpo1",
    "1.0-10", "1.0-9", "1.0-1.1", "1.0-1a", "1.2.3~beta2", "1.2.3~beta10", "1.2.3-A", "1.2.3-a",
};

static void write_file(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        CHECK(fwrite(buf, 1, len, f) == len);
        fclose(f);
    }
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    size_t n = sizeof versions / sizeof versions[0];
    if (dpkg_says("1", "lt", "2") != 1) {
        CHECK_SKIP("dpkg --compare-versions does not run here");
    } else {
        int pairs = 0;
        /* Each pair once (dpkg runs per question); ours both ways. */
        for (size_t i = 0; i < n; i++)
            for (size_t j = i; j < n; j++) {
                int mine = sq_version_compare(versions[i], versions[j]);
                CHECK_INT(-mine, sq_version_compare(versions[j], versions[i]));
                int dpkg = dpkg_says(versions[i], "lt", versions[j]) == 1 ? -1
                           : dpkg_says(versions[i], "eq", versions[j]) == 1 ? 0
                                                                            : 1;
                if (mine != dpkg)
                    fprintf(stderr, "%s vs %s: ours %d, dpkg's %d\n", versions[i], versions[j],
                            mine, dpkg);
                CHECK(mine == dpkg);
                pairs++;
            }
        printf("%d pairs compared with dpkg\n", pairs);
    }
    for (size_t i = 0; i < n; i++)
        CHECK(sq_version_valid(versions[i]));
    const char *bad_versions[] = {"", "a1.0", "1.0-", ":1.0", "x:1.0", "1.0 ", "1.0/2", "1.0-1-",
                                  "1.0-a_b", "1234567890:1"};
    for (size_t i = 0; i < sizeof bad_versions / sizeof bad_versions[0]; i++) {
        if (sq_version_valid(bad_versions[i]))
            fprintf(stderr, "'%s' taken as a version\n", bad_versions[i]);
        CHECK(!sq_version_valid(bad_versions[i]));
    }
    CHECK(sq_update_pkg_name_valid("synaq-station"));
    CHECK(sq_update_pkg_name_valid("libc6"));
    CHECK(!sq_update_pkg_name_valid("Synaq"));
    CHECK(!sq_update_pkg_name_valid("-x"));
    CHECK(!sq_update_pkg_name_valid("a"));
    CHECK(!sq_update_pkg_name_valid("../etc"));
    CHECK(!sq_update_pkg_name_valid("a_b"));

    /* Files refused before anything of the manifest is parsed. */
    char dir[] = "/tmp/synaq-upd-XXXXXX", path[64];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/u.squ", dir);
    uint8_t pk[32], sk[64];
    crypto_sign_keypair(pk, sk);
    sq_update_manifest m;
    sq_err e;
    write_file(path, "SQBUNDLE\001\001\0\0\0x", 14);
    CHECK_INT(SQ_ECORRUPT, sq_update_read(path, pk, &m, &e));
    CHECK(strstr(e.msg, "is not a Synaq update") != NULL);
    write_file(path, "SQUPDATE\001\377\377\377\177", 13);
    CHECK_INT(SQ_ECORRUPT, sq_update_read(path, pk, &m, &e));
    CHECK(strstr(e.msg, "out of bounds") != NULL);
    /* A manifest that is not even JSON, with a signature by another key:
     * the signature is what is refused. */
    uint8_t buf[13 + 5 + 64];
    memcpy(buf, "SQUPDATE\001\005\0\0\0{{{{{", 18);
    uint8_t other_pk[32], other_sk[64];
    crypto_sign_keypair(other_pk, other_sk);
    crypto_sign_detached(buf + 18, NULL, buf, 18, other_sk);
    write_file(path, buf, sizeof buf);
    CHECK_INT(SQ_EAUTH, sq_update_read(path, pk, &m, &e));
    /* Signed by the right key, the same bytes are read, and refused as JSON. */
    CHECK_INT(SQ_ECORRUPT, sq_update_read(path, other_pk, &m, &e));
    CHECK(strstr(e.msg, "not valid JSON") != NULL);
    /* Cut inside the signature. */
    write_file(path, buf, sizeof buf - 10);
    CHECK_INT(SQ_ECORRUPT, sq_update_read(path, other_pk, &m, &e));
    CHECK(strstr(e.msg, "cut short") != NULL);
    CHECK_INT(SQ_ENOTFOUND, sq_update_read("/nonexistent/u.squ", pk, &m, &e));
    unlink(path);
    rmdir(dir);
    return check_report("test_update_version");
}
