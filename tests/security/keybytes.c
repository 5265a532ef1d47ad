/*
 * keybytes - prints, one per line in hex, the secret bytes a station's
 * programs hold in memory once unlocked: the storage key from the key
 * file and the two keys the store derives from it (sealed fields, trainee
 * look-ups), the signing and box secrets. For the test that looks for them
 * in a core file: with CORE, it says which of them it finds there (status
 * 1 when any).
 *   keybytes KEYFILE PASSPHRASE [CORE]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "keys_int.h"

static uint8_t *core;
static size_t core_len;
static int found;

static void hex(const char *what, const uint8_t *p, size_t n)
{
    char h[2 * 64 + 1];
    sodium_bin2hex(h, sizeof h, p, n);
    if (!core) {
        printf("%s %s\n", what, h);
        return;
    }
    for (size_t i = 0; i + n <= core_len; i++)
        if (core[i] == p[0] && memcmp(core + i, p, n) == 0) {
            printf("found %s at offset %zu\n", what, i);
            found = 1;
            return;
        }
    printf("not found %s\n", what);
}

int main(int argc, char **argv)
{
    sq_err e;
    sq_station_keys *k = NULL;
    if ((argc != 3 && argc != 4) || sq_init(&e) ||
        sq_station_keys_open(argv[1], argv[2], &k, &e)) {
        fprintf(stderr, "usage: keybytes KEYFILE PASSPHRASE [CORE] (%s)\n",
                argc >= 3 ? e.msg : "");
        return 2;
    }
    if (argc == 4) {
        FILE *f = fopen(argv[3], "rb");
        if (!f || fseek(f, 0, SEEK_END) || (core_len = (size_t)ftell(f)) == 0 ||
            !(core = malloc(core_len)) || fseek(f, 0, SEEK_SET) ||
            fread(core, 1, core_len, f) != core_len) {
            fprintf(stderr, "keybytes: cannot read %s\n", argv[3]);
            return 2;
        }
        fclose(f);
    }
    uint8_t field[32], hash[32];
    crypto_kdf_derive_from_key(field, 32, 1, "sqstore_", sqi_station_keys_storage_key(k));
    crypto_kdf_derive_from_key(hash, 32, 2, "sqstore_", sqi_station_keys_storage_key(k));
    hex("storage", sqi_station_keys_storage_key(k), 32);
    hex("field", field, 32);
    hex("hash", hash, 32);
    hex("sign", sqi_station_keys_sign_sk(k), 32); /* the seed half */
    hex("box", sqi_station_keys_box_sk(k), 32);
    sq_station_keys_close(k);
    free(core);
    return found;
}
